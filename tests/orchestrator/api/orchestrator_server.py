"""A real ``python -m orchestrator serve`` process on a free loopback port, for the API's
integration tests (boto3, the AWS CLI and curl-style REST against real HTTP)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Orchestrator:
    def __init__(self, workdir: Path, env: dict | None = None) -> None:
        self.workdir = workdir
        self.statemachines = workdir / "statemachines"
        self.statemachines.mkdir(exist_ok=True)
        self.env = dict(env or {})
        self.port = free_port()
        self.log_path = workdir / "orchestrator.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.port

    def _spawn(self) -> subprocess.Popen:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRATOR_", "AWS_"))}
        env.update({"ORCHESTRATOR_DATA_DIR": str(self.workdir / "data"),
                    "ORCHESTRATOR_STATEMACHINES_DIR": str(self.statemachines),
                    "PYTHONUNBUFFERED": "1"})
        env.update(self.env)
        with open(self.log_path, "ab") as log:
            return subprocess.Popen([sys.executable, "-m", "orchestrator", "serve", "--port", str(self.port)],
                                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)

    def start(self) -> "Orchestrator":
        for _attempt in range(3):
            self.process = self._spawn()
            if self._wait_healthy():
                return self
            if self.process.poll() is not None and b"Address already in use" in self.log_path.read_bytes():
                self.port = free_port()  # another xdist worker took the port in between
                continue
            self.stop()
            raise RuntimeError("orchestrator did not start:\n" + self.log())
        raise RuntimeError("orchestrator found no free port:\n" + self.log())

    def _wait_healthy(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                # Our own server, not whatever else may answer on a reused port: the AWS
                # endpoint answers with a request id.
                ready = requests.get(self.url + "/ready", timeout=2)
                probe = requests.post(self.url + "/", data="{}", timeout=2,
                                      headers={"X-Amz-Target": "AWSStepFunctions.ListStateMachines"})
                if ready.status_code == 200 and "x-amzn-RequestId" in probe.headers:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.05)
        return False

    def terminate(self, timeout: float = 20) -> int:
        """SIGTERM, as honcho and docker send it; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.terminate()
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
