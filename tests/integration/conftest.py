"""Real gunicorn processes on free loopback ports, for the services' integration tests.

The tests get everything through fixtures (the suite runs in pytest's importlib mode, where
test modules cannot import helpers from their folder).

Tests run under pytest-xdist, so ports are never fixed: each service binds a port the OS
just reported free (and is restarted on another one in the rare case it was taken).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support.processes import free_port, kill_group, port_was_taken, spawn_group, wait_ready

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30


class Service:
    """One ``gunicorn 'services.<name>:create_app()'`` process group."""

    def __init__(self, name: str, data_dir: Path, env: dict | None = None, port: int | None = None):
        self.name = name
        self.data_dir = data_dir
        self.env = dict(env or {})
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = data_dir / ("%s.log" % name)

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.port

    @property
    def database(self) -> Path:
        return self.data_dir / ("%s.db" % self.name)

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "services" / "gunicorn_conf.py"),
            "--bind",
            "127.0.0.1:%d" % self.port,
            "services.%s:create_app()" % self.name,
        ]

    def spawn(self) -> subprocess.Popen:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.endswith(("_DB", "_URL")) and k != "CHAOS_ENABLED"
        }
        env.update(
            {"DATA_DIR": str(self.data_dir), "WEB_CONCURRENCY": "2", "PYTHONUNBUFFERED": "1"}
        )
        env.update(self.env)
        return spawn_group(self.command(), cwd=ROOT, env=env, log_path=self.log_path)

    def start(self) -> Service:
        try:
            return self.launch().wait_started()
        except BaseException:
            self.stop()
            raise

    def launch(self) -> Service:
        self.process = self.spawn()
        return self

    def wait_started(self) -> Service:
        for attempt in range(3):
            if self._wait_healthy():
                return self
            if port_was_taken(self.process, self.log_path) and attempt < 2:
                self.port = free_port()  # another xdist worker took it in between: try elsewhere
                self.process = self.spawn()
                continue
            self.stop()
            raise RuntimeError("%s did not start:\n%s" % (self.name, self.log()))
        raise AssertionError("unreachable")

    def _wait_healthy(self) -> bool:
        return wait_ready(self.process, self._healthy, START_TIMEOUT_S)

    def _healthy(self) -> bool:
        return requests.get(self.url + "/health", timeout=1).status_code == 200

    def kill(self) -> None:
        """kill -9 the whole process group: a crash, no graceful shutdown."""
        if self.process is not None and self.process.poll() is None:
            kill_group(self.process)

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self) -> None:
        if self.process is None:
            return
        self.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill_group(self.process)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class Stack:
    """users, orders (pointed at users) and notifications sharing one data directory."""

    def __init__(self, data_dir: Path, chaos: bool = True, orders_env: dict | None = None):
        common = {"CHAOS_ENABLED": "1" if chaos else "0"}
        self.users = Service("users", data_dir, common)
        self.orders = Service(
            "orders",
            data_dir,
            dict(
                common,
                USERS_URL=self.users.url,
                USERS_TIMEOUT="1.5",
                USERS_RETRIES="2",
                **(orders_env or {}),
            ),
        )
        self.notifications = Service("notifications", data_dir, common)

    def write_endpoint_map(self, path: Path) -> Path:
        """The shipped endpoint map (statemachines/endpoints.json) with the definitions' host
        names (users:8001, ...) pointed at this stack's ports, which alone are allowed."""
        config = json.loads((ROOT / "statemachines" / "endpoints.json").read_text())
        config["endpoints"] = {
            "%s:%d" % (service.name, default): "127.0.0.1:%d" % service.port
            for service, default in zip(self.services, (8001, 8002, 8003))
        }
        config["allowlist"] = ["127.0.0.1:%d" % service.port for service in self.services]
        path.write_text(json.dumps(config))
        return path

    @property
    def services(self) -> list[Service]:
        return [self.users, self.orders, self.notifications]

    def start(self) -> Stack:
        # All three boot in parallel: orders needs users only when it serves a request.
        try:
            for service in self.services:
                service.launch()
            self.users.wait_started()
            if self.orders.env["USERS_URL"] != self.users.url:  # users had to move to another port
                self.orders.stop()
                self.orders.env["USERS_URL"] = self.users.url
                self.orders.launch()
            self.orders.wait_started()
            self.notifications.wait_started()
        except BaseException:
            self.stop()  # a fixture whose set-up fails gets no teardown: leave no process behind
            raise
        return self

    def stop(self) -> None:
        for service in self.services:
            service.terminate()
        for service in self.services:
            service.stop()

    def clear_chaos(self) -> None:
        for service in self.services:
            requests.delete(service.url + "/chaos", timeout=5)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """users, orders and notifications with chaos enabled, shared by one test module."""
    running = Stack(tmp_path_factory.mktemp("stack")).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def plain_stack(tmp_path_factory):
    """The same with chaos off (the OpenAPI documents then have no catch-all response)."""
    running = Stack(tmp_path_factory.mktemp("plain"), chaos=False).start()
    yield running
    running.stop()


@pytest.fixture
def services(stack):
    """The module's stack, with every chaos switch cleared after the test."""
    yield stack
    stack.clear_chaos()


@pytest.fixture
def start_stack():
    """``start_stack(data_dir)`` → a started Stack of the test's own, stopped afterwards."""
    started = []

    def start(data_dir: Path, **kwargs) -> Stack:
        started.append(Stack(data_dir, **kwargs))
        return started[-1].start()

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def start_service():
    """``start_service(name, data_dir, env)`` → a started Service, stopped afterwards."""
    started = []

    def start(name: str, data_dir: Path, env: dict | None = None) -> Service:
        started.append(Service(name, data_dir, env))
        return started[-1].start()

    yield start
    for service in started:
        service.stop()


@pytest.fixture
def unused_port() -> int:
    return free_port()


@pytest.fixture
def repo_root() -> Path:
    return ROOT
