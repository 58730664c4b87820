"""Real loopback servers for the Task resources' tests.

- ``server``/``srv``: a tiny Flask server on a free loopback port, recording what it receives;
- ``listener``: raw sockets that COUNT the connections they accept (the allowlist probes:
  a denied destination must see none), answering each with a small HTTP 200 or a redirect;
- ``gate``: an aiohttp server holding ``/held`` answers until released, answering ``/now``
  at once, echoing request headers, serving ``/big?n=``: many calls in flight at once.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import threading
import time
from typing import Any

import pytest
from aiohttp import web
from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

from orchestrator.asl.runtime import Invoke
from orchestrator.tasks import TaskInvoker
from tests.support.processes import free_port


@pytest.fixture(autouse=True)
def _close_invokers(monkeypatch):
    """Close every TaskInvoker a test made (each may have started a loop thread)."""
    made: list[TaskInvoker] = []
    original = TaskInvoker.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(TaskInvoker, "__init__", init)
    yield
    for invoker in made:
        invoker.close()


class Recorder:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.tokens_issued = 0
        self.valid_tokens: set[str] = set()
        self.lock = threading.Lock()

    @property
    def last(self) -> dict[str, Any]:
        return self.requests[-1]

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.tokens_issued = 0
            self.valid_tokens.clear()


def _app(rec: Recorder) -> Flask:
    app = Flask("tasks-test-server")

    @app.before_request
    def record() -> None:
        with rec.lock:
            rec.requests.append(
                {
                    "method": request.method,
                    "path": request.path,
                    "query": request.query_string.decode(),
                    "args": {k: request.args.getlist(k) for k in request.args},
                    "headers": dict(request.headers),
                    "body": request.get_data(as_text=True),
                }
            )

    @app.route("/echo", methods=["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
    def echo():
        return jsonify({"method": request.method, "body": request.get_data(as_text=True)})

    @app.route("/status/<int:code>", methods=["GET", "POST"])
    def status(code: int):
        return jsonify({"error": "failed", "message": f"status {code}"}), code

    @app.route("/text")
    def text():
        return Response("plain words", mimetype="text/plain")

    @app.route("/multi")
    def multi():
        response = Response("", mimetype="text/plain")
        response.headers.add("Set-Cookie", "a=1")
        response.headers.add("Set-Cookie", "b=2")
        return response

    @app.route("/redirect")
    def redirect():
        return Response("", status=302, headers={"Location": "http://example.com/"})

    @app.route("/slow", methods=["GET", "POST"])
    def slow():
        time.sleep(float(request.args.get("delay", "0.2")))
        return jsonify({"slow": True})

    @app.route("/slowbody")
    def slowbody():  # headers at once, the body only later
        def chunks():
            yield "["
            time.sleep(0.3)
            yield "1]"

        return Response(chunks(), mimetype="application/json")

    @app.route("/token", methods=["POST", "GET"])
    def token():
        expected = "Basic " + base64.b64encode(b"client:secret").decode()
        if request.headers.get("Authorization") != expected:
            return jsonify({"error": "invalid_client"}), 401
        with rec.lock:
            rec.tokens_issued += 1
            value = f"tok-{rec.tokens_issued}"
            rec.valid_tokens.add(value)
        return jsonify({"access_token": value, "token_type": "bearer", "expires_in": 3600})

    @app.route("/protected", methods=["GET", "POST"])
    def protected():
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in rec.valid_tokens:
            return jsonify({"error": "unauthorized"}), 401
        return jsonify({"ok": True, "token": auth[7:]})

    @app.route("/fn", methods=["POST"])
    def fn():  # a Lambda-mapped function: echo the JSON event
        return Response(request.get_data(), mimetype="application/json")

    @app.route("/fn-error", methods=["POST"])
    def fn_error():
        return jsonify({"errorType": "ValidationError", "errorMessage": "bad input"}), 400

    return app


@pytest.fixture(scope="session")
def server():
    rec = Recorder()
    srv = make_server("127.0.0.1", 0, _app(rec), threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    rec.base = f"http://127.0.0.1:{srv.server_port}"
    rec.port = srv.server_port
    yield rec
    srv.shutdown()


@pytest.fixture
def srv(server):
    server.reset()
    return server


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on (connection refused)."""
    return free_port()


def _make_invoke(
    resource: str,
    parameters: Any = None,
    *,
    key: str = "exec-arn#2",
    timeout: float | None = None,
    token: str | None = None,
    context: dict | None = None,
) -> Invoke:
    return Invoke(
        resource=resource,
        parameters=parameters,
        state_name="State",
        key=key,
        timeout_seconds=timeout,
        task_token=token,
        context=context,
    )


@pytest.fixture
def make_invoke():
    """Build an Invoke command: make_invoke(resource, parameters, key=..., timeout=...)."""
    return _make_invoke


class Listener:
    """Accepts on a free port of ``host``, counting connections; answers each with
    ``answer`` (HTTP bytes) and closes it."""

    def __init__(self, host: str = "127.0.0.1", answer: bytes | None = None) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(128)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.answer = answer or (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2\r\nConnection: close\r\n\r\n{}"
        )
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, BlockingIOError):
                if self._stop.is_set():
                    return  # stopped, and the backlog drained
                continue
            self.accepted += 1
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(65536)
                    conn.sendall(self.answer)
                except OSError:
                    pass

    def count(self) -> int:
        """Connections accepted so far, the backlog included (stops the listener)."""
        self._stop.set()
        self._thread.join(5)
        self.sock.close()
        return self.accepted


@pytest.fixture
def listener():
    """listener(host="127.0.0.1", answer=None) -> Listener; all stopped at the end."""
    made: list[Listener] = []

    def make(host: str = "127.0.0.1", answer: bytes | None = None) -> Listener:
        made.append(Listener(host, answer))
        return made[-1]

    yield make
    for item in made:
        item.count()


class Gate:
    """An aiohttp server on its own loop thread: ``/held`` waits for :meth:`release`,
    ``/now`` answers at once; both echo the request headers. ``/big?n=N`` sends N bytes."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.held = 0
        self.seen: list[str] = []  # paths of every request received
        self.released: asyncio.Event | None = None
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)
        self.base = f"http://127.0.0.1:{self.port}"

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.released = asyncio.Event()
        app = web.Application(middlewares=[self._record])
        app.router.add_route("*", "/held", self._held)
        app.router.add_route("*", "/now", self._now)
        app.router.add_get("/big", self._big)
        self.runner = web.AppRunner(app, access_log=None)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0, backlog=1024)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    @web.middleware
    async def _record(self, request: web.Request, handler):
        self.seen.append(request.path)
        return await handler(request)

    async def _now(self, request: web.Request) -> web.Response:
        return web.json_response({"headers": dict(request.headers)})

    async def _held(self, request: web.Request) -> web.Response:
        self.held += 1
        await self.released.wait()
        return web.json_response({"headers": dict(request.headers)})

    async def _big(self, request: web.Request) -> web.Response:
        return web.Response(body=b"x" * int(request.query["n"]), content_type="text/plain")

    def release(self) -> None:
        self.loop.call_soon_threadsafe(self.released.set)

    def close(self) -> None:
        self.release()
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def make_gate():
    """make_gate() -> a new Gate (each its own destination); all closed at the end."""
    made: list[Gate] = []

    def make() -> Gate:
        made.append(Gate())
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.fixture
def gate(make_gate):
    return make_gate()


def _wait_for(predicate, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@pytest.fixture
def wait_for():
    """wait_for(predicate, timeout=30): poll until true - a bound for a hang, not a speed
    requirement."""
    return _wait_for
