"""gunicorn's own error answers, made JSON by services/common/gunicorn_errors.py: driven here
through gunicorn's real ``Worker.handle_error`` on a socket pair (real gunicorn processes:
tests/integration/test_services_hardening.py)."""

import json
import logging
import runpy
import socket
import types
from pathlib import Path

import pytest
from gunicorn import util
from gunicorn.http import errors
from gunicorn.workers.base import Worker

from services.common.gunicorn_errors import install, write_json_error

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def patched(monkeypatch):
    monkeypatch.setattr(util, "write_error", util.write_error)  # undone after the test
    install()


def answer_to(exc) -> tuple[str, dict, dict]:
    """What ``Worker.handle_error`` writes to the client for ``exc``: status line, headers, body."""
    server, client = socket.socketpair()
    with server, client:
        worker = types.SimpleNamespace(log=logging.getLogger("test.gunicorn"), cfg=None)
        Worker.handle_error(worker, None, server, ("127.0.0.1", 1), exc)
        server.shutdown(socket.SHUT_WR)
        data = client.makefile("rb").read()
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    assert int(headers["Content-Length"]) == len(body)
    return status, headers, json.loads(body)


CASES = [
    ("line-too-long", errors.LimitRequestLine(8192, 4094), "414 URI Too Long", "URI_TOO_LONG"),
    (
        "too-many-headers",
        errors.LimitRequestHeaders("limit request headers fields"),
        "431 Request Header Fields Too Large",
        "HEADERS_TOO_LARGE",
    ),
    ("bad-header", errors.InvalidHeader("this is not a header"), "400 Bad Request", "BAD_REQUEST"),
    ("bad-header-name", errors.InvalidHeaderName("Bad Name"), "400 Bad Request", "BAD_REQUEST"),
    (
        "bad-request-line",
        errors.InvalidRequestLine("GARBAGE \xff"),
        "400 Bad Request",
        "BAD_REQUEST",
    ),
    (
        "bad-transfer-coding",
        errors.UnsupportedTransferCoding("gzip"),
        "501 Bad Request",
        "NOT_IMPLEMENTED",
    ),
    (
        "expectation",
        errors.ExpectationFailed("202-accepted"),
        "417 Expectation Failed",
        "EXPECTATION_FAILED",
    ),
    ("forbidden-proxy", errors.ForbiddenProxyRequest("10.0.0.1"), "403 Forbidden", "FORBIDDEN"),
    ("crash", RuntimeError("boom"), "500 Internal Server Error", "INTERNAL"),
]


@pytest.mark.parametrize("exc,status,code", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_gunicorn_errors_are_json(patched, exc, status, code):
    status_line, headers, body = answer_to(exc)
    assert status_line == "HTTP/1.1 " + status  # gunicorn's own status line, unchanged
    assert headers["Content-Type"] == "application/json" and headers["Connection"] == "close"
    assert body["error"] == code and set(body) == {"error", "message"}
    assert body["message"]  # gunicorn's text, or the reason phrase when it has none (500)


def test_message_is_gunicorns_text(patched):
    _, _, body = answer_to(errors.InvalidRequestLine("GARBAGE \xff"))
    assert body["message"] == "Invalid Request Line 'Invalid HTTP request line: 'GARBAGE \xff''"


def test_without_the_patch_gunicorn_writes_html():
    server, client = socket.socketpair()
    with server, client:
        util.write_error(server, 414, "URI Too Long", "x")
        server.shutdown(socket.SHUT_WR)
        assert b"Content-Type: text/html" in client.makefile("rb").read()


def test_unknown_status_gets_a_generic_code():
    server, client = socket.socketpair()
    with server, client:
        write_json_error(server, 418, "I'm a teapot", "")
        server.shutdown(socket.SHUT_WR)
        data = client.makefile("rb").read()
    assert json.loads(data.partition(b"\r\n\r\n")[2]) == {
        "error": "HTTP_418",
        "message": "I'm a teapot",
    }


def test_gunicorn_conf_installs_it_in_each_worker(monkeypatch):
    monkeypatch.setattr(util, "write_error", util.write_error)
    conf = runpy.run_path(str(ROOT / "services" / "gunicorn_conf.py"))
    conf["post_worker_init"](None)
    assert util.write_error is write_json_error
