"""moto's server mode as a process of its own, for tests that need AWS services (SQS, SNS,
DynamoDB, S3, EventBridge, ...) over real HTTP on a loopback port.

``python -m moto.server`` runs every service behind one endpoint; a client reaches it with
the variables of :meth:`MotoServer.env` (``AWS_ENDPOINT_URL`` and dummy credentials) or with
:meth:`MotoServer.client`. ``POST /moto-api/reset`` drops every resource of every service,
so one server can serve a whole test session (:mod:`tests.support.moto_fixtures`).

Tests run under pytest-xdist, so the port is never fixed: the server binds a port the OS just
reported free, and is restarted on another one in the rare case another worker took it in
between (as the services of the integration tests are, :mod:`tests.support.processes`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
import requests
from botocore.config import Config

from tests.support.processes import free_port, kill_group, port_was_taken, wait_ready

__all__ = ["MotoServer", "REGION", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY"]

REGION = "us-east-1"
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
_START_ATTEMPTS = 3


class MotoServer:
    """One ``python -m moto.server`` process on ``127.0.0.1``.

    ``port`` fixes the port (then a port already in use is an error); by default a free one
    is chosen. Its output (werkzeug's request log included) goes to a temporary file, never
    to a pipe nobody reads, and is quoted when the server does not come up.
    """

    def __init__(self, *, port: int | None = None, start_timeout: float = START_TIMEOUT_S):
        self._fixed_port = port is not None
        self.port = port if port is not None else free_port()
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        self._log_path: Path | None = None

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.port

    def command(self) -> list[str]:
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]

    def env(self) -> dict[str, str]:
        """The environment variables a client (boto3, the AWS CLI, the engine) needs to talk
        to this server instead of AWS."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }

    def client(self, service: str, **config: Any) -> Any:
        """A boto3 client of ``service`` against this server (``config``: botocore Config
        options, e.g. ``retries``)."""
        if service == "s3":
            # Path-style addressing: a virtual-hosted bucket name cannot prefix an IP address.
            config.setdefault("s3", {"addressing_style": "path"})
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            config=Config(**config),
        )

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> MotoServer:
        """Start the process and wait (at most ``start_timeout`` seconds) until it answers
        HTTP; raise RuntimeError with its output otherwise."""
        if self.running():
            return self
        fd, name = tempfile.mkstemp(prefix="moto-server-", suffix=".log")
        os.close(fd)
        self._log_path = Path(name)
        try:
            for attempt in range(_START_ATTEMPTS):
                self.process = self._spawn()
                if wait_ready(self.process, self._answers, self.start_timeout):
                    return self
                taken = port_was_taken(self.process, self._log_path)
                if taken and not self._fixed_port and attempt < _START_ATTEMPTS - 1:
                    self.port = free_port()  # another xdist worker took it in between
                    continue
                output = self.log()
                self.stop()
                raise RuntimeError(
                    "moto server (%s) did not answer within %.0f s:\n%s"
                    % (" ".join(self.command()), self.start_timeout, output)
                )
        except BaseException:
            self.stop()
            raise
        raise AssertionError("unreachable")

    def _spawn(self) -> subprocess.Popen:
        assert self._log_path is not None
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        with open(self._log_path, "wb") as log:  # each attempt's output only
            # A session of its own: stop() signals the whole group.
            return subprocess.Popen(
                self.command(),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _answers(self) -> bool:
        # Any HTTP answer means werkzeug is serving (GET / is S3's ListBuckets).
        requests.get(self.url + "/", timeout=1)
        return True

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def reset(self) -> None:
        """Drop every resource of every service (moto's ``POST /moto-api/reset``)."""
        response = requests.post(self.url + "/moto-api/reset", timeout=30)
        response.raise_for_status()

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM the server, SIGKILL it if it has not exited after ``timeout`` seconds;
        remove its output file. Safe to call twice."""
        process = self.process
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=timeout)
            except ProcessLookupError:
                process.wait()
            except subprocess.TimeoutExpired:
                kill_group(process)
        if self._log_path is not None:
            self._log_path.unlink(missing_ok=True)
            self._log_path = None

    def log(self) -> str:
        """What the server printed so far (stdout and stderr)."""
        if self._log_path is None or not self._log_path.exists():
            return ""
        return self._log_path.read_text(errors="replace")

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return "MotoServer(%s, %s)" % (self.url, "running" if self.running() else "stopped")
