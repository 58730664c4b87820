"""A real ``python -m orchestrator serve`` process on a free loopback port, for the API's
integration tests (boto3, the AWS CLI and curl-style REST against real HTTP)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import requests

from tests.support.processes import free_port, kill_group, port_was_taken, spawn_group, wait_ready

ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT_S = 60


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
        env.update(
            {
                "ORCHESTRATOR_DATA_DIR": str(self.workdir / "data"),
                "ORCHESTRATOR_STATEMACHINES_DIR": str(self.statemachines),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.env)
        return spawn_group(
            [sys.executable, "-m", "orchestrator", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            log_path=self.log_path,
        )

    def start(self) -> Orchestrator:
        for _attempt in range(3):
            self.process = self._spawn()
            if self._wait_healthy():
                return self
            if port_was_taken(self.process, self.log_path):
                self.port = free_port()  # another xdist worker took the port in between
                continue
            self.stop()
            raise RuntimeError("orchestrator did not start:\n" + self.log())
        raise RuntimeError("orchestrator found no free port:\n" + self.log())

    def _wait_healthy(self) -> bool:
        return wait_ready(self.process, self._answers, START_TIMEOUT_S)

    def _answers(self) -> bool:
        # Our own server, not whatever else may answer on a reused port: the AWS
        # endpoint answers with a request id.
        ready = requests.get(self.url + "/ready", timeout=2)
        probe = requests.post(
            self.url + "/",
            data="{}",
            timeout=2,
            headers={"X-Amz-Target": "AWSStepFunctions.ListStateMachines"},
        )
        return ready.status_code == 200 and "x-amzn-RequestId" in probe.headers

    def terminate(self, timeout: float = 20) -> int:
        """SIGTERM, as honcho and docker send it; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.terminate()
            except subprocess.TimeoutExpired:
                kill_group(self.process)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


AWS_CLI = str(Path(sys.executable).parent / "aws")


def aws_cli(url: str, env: dict[str, str]):
    """``run(*args, check=True)``: ``aws stepfunctions --endpoint-url URL --output json
    ARGS`` in ``env`` (see :func:`aws_cli_env`); with ``check`` it must exit 0."""

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [AWS_CLI, "stepfunctions", "--endpoint-url", url, "--output", "json", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check:
            assert result.returncode == 0, result.stderr
        return result

    return run


def aws_cli_env(home: Path) -> dict[str, str]:
    """The environment of an AWS CLI run against a local server: the caller's, without its
    AWS settings, with dummy credentials and an empty configuration in ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_MAX_ATTEMPTS": "1",
            "HOME": str(home),
        }
    )
    return env


def wait_finished(sfn, execution_arn: str, seconds: float = 60) -> dict:
    """DescribeExecution once ``execution_arn`` has ended: the REST facade's ``?wait=``
    blocks on the engine until it does (no polling)."""
    url = "%s/executions/%s" % (sfn.meta.endpoint_url, quote(execution_arn, safe=""))
    requests.get(url, params={"wait": seconds}, timeout=seconds + 10).raise_for_status()
    return sfn.describe_execution(executionArn=execution_arn)
