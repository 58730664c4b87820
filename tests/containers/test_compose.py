"""The real ``docker compose`` stack: build the images, start it, run the order flow, restart it.

Run by ``make test`` whenever a Docker engine answers (it says clearly when it is skipped
because none does): it builds the images, starts the stack with ``docker compose`` (or
``docker-compose``), waits for health, runs the order flow through the orchestrator, checks
the user, order and notification exist, restarts the stack and checks the data is still
there, then tears everything down, volumes included.

The commands it runs against the stack are the README's "Run with Docker" examples (ports
substituted), so the README cannot drift from what works. It uses a unique compose project
name and free ports, so it never touches a stack or a ``make run`` of the user's.

Networking: the machines this project runs on have a Docker engine without a bridge network,
so the stack is started with ``docker-compose.hostnet.yml`` beside this file (host networking,
compose host names resolving to 127.0.0.1; see its comment). With host networking a container
publishes nothing, and docker-compose v1 refuses ``ports:`` next to ``network_mode: host``:
the test therefore renders the merged configuration with ``compose config`` and drops
``ports`` from it - the only other difference from what users run.

Everything is one test function because the steps build on each other (and pytest-xdist
would otherwise start one stack per worker).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import yaml

from tests.support.readme import console_blocks, readme_section

pytestmark = [pytest.mark.integration, pytest.mark.docker, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
HOSTNET_OVERRIDE = Path(__file__).with_name("docker-compose.hostnet.yml")
SERVICES = ("users", "orders", "notifications", "orchestrator")
# The ports the README's examples use (compose's defaults) -> the service behind each.
README_PORTS = {8001: "users", 8002: "orders", 8003: "notifications", 8083: "orchestrator"}
PORT_VARIABLES = {
    "users": "USERS_PORT",
    "orders": "ORDERS_PORT",
    "notifications": "NOTIFICATIONS_PORT",
    "orchestrator": "ORCHESTRATOR_PORT",
}

# Bounds: a first build installs the dependencies (minutes); a cached one takes seconds.
BUILD_TIMEOUT = 40 * 60
HEALTHY_WITHIN = 240.0
SEPARATOR = "@@@ next example @@@"
IMAGE_LABEL = (
    "local-stepfunctions.project"  # set by services/Dockerfile and orchestrator/Dockerfile
)
# Values that differ on every run; replaced by placeholders before comparing with the README.
VOLATILE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"), "<time>"),
]


# --- finding an engine ----------------------------------------------------------------------


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kwargs)


def engine_problem() -> str | None:
    """Why no Docker engine can be used, or None when ``docker info`` answers."""
    if shutil.which("docker") is None:
        return "there is no `docker` command on PATH"
    try:
        info = _run(["docker", "info", "--format", "{{.ServerVersion}}"], timeout=60)
    except subprocess.TimeoutExpired:
        return "`docker info` did not answer within 60 s"
    if info.returncode != 0:
        last = (info.stderr.strip().splitlines() or ["no output"])[-1]
        return f"`docker info` found no Docker engine ({last})"
    return None


def compose_command() -> list[str] | None:
    """``docker compose`` (v2) when the plugin is there, else ``docker-compose`` (v1)."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        try:
            if _run(command + ["version"], timeout=60).returncode == 0:
                return command
        except subprocess.TimeoutExpired:
            continue
    return None


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


# --- the stack ------------------------------------------------------------------------------


@dataclass
class Stack:
    compose: list[str]
    project: str
    ports: dict[str, int]
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    rendered: Path | None = None

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def run(
        self, *args: str, timeout: float = 600, check: bool = True, files: list[Path] | None = None
    ) -> subprocess.CompletedProcess:
        files = files or [self.rendered]
        started = time.monotonic()
        command = list(self.compose) + ["-p", self.project, "--project-directory", str(REPO)]
        for file in files:
            command += ["-f", str(file)]
        result = _run(command + list(args), cwd=REPO, env=self.env, timeout=timeout)
        # Shown with the test's output (-s, or on failure): where the minutes go.
        print(f"compose {' '.join(args)}: {time.monotonic() - started:.1f} s")
        if check:
            assert result.returncode == 0, (
                f"`compose {' '.join(args)}` failed ({result.returncode}):\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def render(self) -> None:
        """The configuration users get plus the host-network override, ``ports`` dropped."""
        config = self.run("config", files=[COMPOSE_FILE, HOSTNET_OVERRIDE], timeout=120)
        data = yaml.safe_load(config.stdout)
        for service in data["services"].values():
            assert service.get("network_mode") == "host", service
            service.pop("ports", None)
        self.rendered = self.workdir / "compose.rendered.yml"
        self.rendered.write_text(yaml.safe_dump(data, sort_keys=False))

    def container_ids(self) -> list[str]:
        return self.run("ps", "-a", "-q", timeout=120).stdout.split()

    def states(self) -> dict[str, str]:
        """compose service -> health status (or the run state when it is not running)."""
        ids = self.container_ids()
        if not ids:
            return {}
        out = _run(
            [
                "docker",
                "inspect",
                "--format",
                '{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} '
                "{{if .State.Health}}{{.State.Health.Status}}{{end}}",
            ]
            + ids,
            timeout=60,
        ).stdout
        states = {}
        for line in out.splitlines():
            service, status, *health = line.split()
            states[service] = health[0] if status == "running" and health else status
        return states

    def wait_healthy(self) -> dict[str, str]:
        """Docker's own verdict (the images' and compose's healthchecks), not ours."""
        deadline = time.monotonic() + HEALTHY_WITHIN
        while True:
            states = self.states()
            if sorted(states) == sorted(SERVICES) and all(s == "healthy" for s in states.values()):
                return states
            broken = {n: s for n, s in states.items() if s not in ("healthy", "starting")}
            if broken or time.monotonic() > deadline:
                pytest.fail(f"the stack did not become healthy: {states}\n{self.logs()}")
            time.sleep(1)  # polling real containers: bounded by HEALTHY_WITHIN

    def logs(self) -> str:
        result = self.run("logs", "--no-color", "--tail", "40", check=False, timeout=120)
        return result.stdout[-8000:] + result.stderr[-2000:]

    def volumes(self) -> list[str]:
        out = _run(
            [
                "docker",
                "volume",
                "ls",
                "-q",
                "--filter",
                f"label=com.docker.compose.project={self.project}",
            ],
            timeout=60,
        ).stdout
        return sorted(out.split())


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    problem = engine_problem()
    if problem:
        pytest.skip(
            f"COMPOSE TEST SKIPPED: {problem}. It builds and runs the real images and "
            f"needs a Docker engine: start one (on this project's machines: "
            f"`bash ../shared/tools/docker-standin.sh`, as .ci/run does)."
        )
    compose = compose_command()
    assert compose, "a Docker engine answers but neither `docker compose` nor `docker-compose` runs"
    ports = dict(zip(SERVICES, free_ports(len(SERVICES))))
    env = dict(os.environ)
    env.update({PORT_VARIABLES[name]: str(port) for name, port in ports.items()})
    env.pop("COMPOSE_FILE", None)  # the test names its files itself
    # A run killed half-way must not leave containers that come back with the next dockerd.
    env["RESTART_POLICY"] = "no"
    stack = Stack(
        compose=compose,
        project=f"lsfntest{uuid.uuid4().hex[:10]}",
        ports=ports,
        workdir=tmp_path_factory.mktemp("compose"),
        env=env,
    )
    try:
        yield stack
    finally:
        if stack.rendered is not None:
            stack.run("down", "-v", "--remove-orphans", "--timeout", "10", check=False, timeout=300)
            # Builds superseded by this one (untagged, labelled by our Dockerfiles): on the vfs
            # storage driver each costs gigabytes. The current images and their cache stay.
            _run(
                ["docker", "image", "prune", "--force", "--filter", f"label={IMAGE_LABEL}"],
                timeout=300,
            )


# --- the README's examples ------------------------------------------------------------------


def docker_section() -> str:
    return readme_section((REPO / "README.md").read_text(encoding="utf-8"), "Run with Docker")


def python_blocks(section: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", section, re.S)


def for_stack(text: str, stack: Stack) -> str:
    for port, service in README_PORTS.items():
        text = text.replace(f"http://127.0.0.1:{port}", stack.url(service))
    return text


def normalised(text: str) -> str:
    for pattern, placeholder in VOLATILE:
        text = pattern.sub(placeholder, text)
    return text.strip()


def run_console(examples: list[tuple[str, str]], stack: Stack) -> None:
    """Every command in one bash (shell variables carry over), each answer as the README shows."""
    script = ["set -u"]
    for command, _ in examples:
        script += [f"echo '{SEPARATOR}'", for_stack(command, stack) + " 2>&1 || true", "echo"]
    result = _run(["bash", "-c", "\n".join(script)], timeout=180, cwd=stack.workdir)
    assert result.returncode == 0, result.stderr
    outputs = [o.strip() for o in result.stdout.split(SEPARATOR + "\n")[1:]]
    assert len(outputs) == len(examples), result.stdout
    for (command, shown), actual in zip(examples, outputs):
        assert normalised(actual) == normalised(shown), (
            f"README example\n$ {command}\nshows\n{shown}\nbut printed\n{actual}"
        )


# --- checks through the services' own APIs --------------------------------------------------


def get(stack: Stack, service: str, path: str) -> dict:
    response = requests.get(stack.url(service) + path, timeout=10)
    assert response.status_code == 200, (service, path, response.status_code, response.text)
    return response.json()


def execution_output(stack: Stack, name: str) -> dict:
    execution = get(stack, "orchestrator", f"/executions/{name}?wait=30")
    assert execution["status"] == "SUCCEEDED", execution
    return execution["output"]


def assert_created(stack: Stack, output: dict, email: str, total: float) -> None:
    """The user, the order and the notification of one order_flow execution exist."""
    user = get(stack, "users", f"/users/{output['userId']}")
    assert user["email"] == email
    order = get(stack, "orders", f"/orders/{output['orderId']}")
    assert (order["userId"], order["total"]) == (output["userId"], total)
    notifications = get(stack, "notifications", f"/notifications?userId={output['userId']}")
    [notification] = notifications["notifications"]
    assert notification["notificationId"] == output["notificationId"]
    assert notification["orderId"] == output["orderId"]


# --- the test -------------------------------------------------------------------------------


def test_compose_stack_builds_runs_the_order_flow_and_keeps_its_data(stack: Stack):
    section = docker_section()
    before_restart, after_restart = console_blocks(section)
    [boto3_example] = python_blocks(section)

    # `docker compose config` is clean: no error, no warning about the file.
    config = stack.run("config", "-q", files=[COMPOSE_FILE], timeout=120)
    assert config.stderr.strip() == "", config.stderr

    stack.render()
    stack.run("build", timeout=BUILD_TIMEOUT)
    stack.run("up", "-d", timeout=900)
    stack.wait_healthy()

    # Every container runs as the image's non-root user.
    for container in stack.container_ids():
        uid = _run(
            ["docker", "exec", container, "python", "-c", "import os; print(os.getuid())"],
            timeout=60,
        )
        assert uid.returncode == 0 and uid.stdout.strip() not in ("", "0"), (container, uid)
    for service in SERVICES:
        assert get(stack, service, "/ready")
    # The console's graph library was installed by npm inside the build, not copied from a
    # developer's node_modules (.dockerignore keeps those out).
    elk = requests.get(stack.url("orchestrator") + "/console/vendor/elk.js", timeout=10)
    assert elk.status_code == 200 and len(elk.content) > 100_000, elk.status_code
    # ... and so was the designer's code editor, bundled there by esbuild.
    editor = requests.get(stack.url("orchestrator") + "/console/vendor/codemirror.js", timeout=10)
    assert editor.status_code == 200 and b"ConsoleEditor" in editor.content, editor.status_code

    # The README's order flow (REST facade), then its boto3 example (Lambda-ARN flow).
    run_console(before_restart, stack)
    rest_output = execution_output(stack, "order_flow:docker-order-1")
    assert_created(stack, rest_output, "grace@example.com", 19.98)

    snippet = _run(
        [sys.executable, "-c", for_stack(boto3_example, stack)], timeout=120, cwd=stack.workdir
    )
    assert snippet.returncode == 0, snippet.stderr
    status, _, printed = snippet.stdout.strip().partition(" ")
    assert status == "SUCCEEDED", snippet.stdout
    lambda_output = json.loads(printed)
    assert lambda_output == execution_output(stack, "order_flow_lambda:docker-order-2")
    assert_created(stack, lambda_output, "alan@example.com", 0.3)

    # Restart: `down` without -v removes the containers and keeps one volume per database.
    volumes = stack.volumes()
    assert len(volumes) == len(SERVICES), volumes
    stack.run("down", "--timeout", "10", timeout=300)
    assert stack.container_ids() == []
    assert stack.volumes() == volumes
    stack.run("up", "-d", timeout=900)
    stack.wait_healthy()

    run_console(after_restart, stack)
    assert execution_output(stack, "order_flow:docker-order-1") == rest_output
    assert_created(stack, rest_output, "grace@example.com", 19.98)
    assert_created(stack, lambda_output, "alan@example.com", 0.3)

    # Tear down with the volumes.
    stack.run("down", "-v", "--remove-orphans", "--timeout", "10", timeout=300)
    assert stack.container_ids() == []
    assert stack.volumes() == []
