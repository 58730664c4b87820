"""Real server processes for the integration tests: a free loopback port, a process group of
their own, a bounded wait for readiness, and a kill that takes every child along.

Tests run under pytest-xdist, so ports are never fixed: a server binds a port the OS just
reported free, and its owner restarts it elsewhere in the rare case another worker took the
port in between (:func:`port_was_taken`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import requests

__all__ = ["free_port", "spawn_group", "wait_ready", "port_was_taken", "kill_group"]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spawn_group(command: list[str], *, cwd: Path, env: dict, log_path: Path) -> subprocess.Popen:
    """Start ``command`` in a new session (so :func:`kill_group` reaches gunicorn's workers
    too), its output appended to ``log_path``."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_ready(process: subprocess.Popen, probe: Callable[[], bool], timeout: float) -> bool:
    """Poll ``probe`` until it answers True (ready), the process exits or ``timeout`` seconds
    pass (both False). A probe's connection error means "not listening yet"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if probe():
                return True
        except requests.RequestException:  # not listening yet, or no worker booted yet
            pass
        time.sleep(0.05)  # polling for start-up, not a retry interval under test
    return False


def port_was_taken(process: subprocess.Popen, log_path: Path) -> bool:
    """Did the server exit because its port was bound by someone else first?"""
    return process.poll() is not None and b"Address already in use" in log_path.read_bytes()


def kill_group(process: subprocess.Popen) -> None:
    """kill -9 the whole process group and reap the leader: a crash, no graceful shutdown."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
