"""A real PostgreSQL server for the tests: its own cluster in a temporary folder, on a free
127.0.0.1 port, started with Debian's server binaries (``apt-get install postgresql``,
which ``make test`` does when they are missing) and stopped at the end of the session.

PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres`` user
the Debian package creates. Each test gets a database of its own (:meth:`Cluster.database`).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg

from tests.support.processes import free_port

__all__ = ["Cluster", "server_binaries"]


def server_binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError(
            "PostgreSQL's server is not installed: `apt-get install -y postgresql` "
            "(`make test` installs it when it runs as root)"
        )
    return Path(found[-1]).parent


class Cluster:
    """One PostgreSQL server process on its own data folder."""

    def __init__(self, folder: Path, fsync: bool = False) -> None:
        """``fsync``: off for the tests (nothing to keep past the session), on for a
        benchmark's honest figures."""
        self.bin = server_binaries()
        self.fsync = fsync
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self._as_root = os.geteuid() == 0
        folder.mkdir(parents=True, exist_ok=True)
        if self._as_root:
            shutil.chown(folder, "postgres", "postgres")
        self._run(
            [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust"],
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.start()

    def _command(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if self._as_root else argv

    def _run(self, argv: list[str], *more: str) -> None:
        done = subprocess.run(
            self._command([*argv, *more]), capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            f"-c fsync={'on' if self.fsync else 'off'} -c max_connections=200"
        )
        self._run(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log")],
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """A new empty database; its URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)
