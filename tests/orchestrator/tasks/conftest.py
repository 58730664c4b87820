"""A tiny real HTTP server on a free loopback port, recording what it receives."""
from __future__ import annotations

import base64
import threading
import time
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

from orchestrator.asl.runtime import Invoke
from tests.support.processes import free_port


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
            rec.requests.append({
                "method": request.method, "path": request.path,
                "query": request.query_string.decode(),
                "args": {k: request.args.getlist(k) for k in request.args},
                "headers": dict(request.headers), "body": request.get_data(as_text=True)})

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


def _make_invoke(resource: str, parameters: Any = None, *, key: str = "exec-arn#2",
                 timeout: float | None = None, token: str | None = None,
                 context: dict | None = None) -> Invoke:
    return Invoke(resource=resource, parameters=parameters, state_name="State", key=key,
                  timeout_seconds=timeout, task_token=token, context=context)


@pytest.fixture
def make_invoke():
    """Build an Invoke command: make_invoke(resource, parameters, key=..., timeout=...)."""
    return _make_invoke
