"""Hostile input against the real gunicorn services: the errors gunicorn answers by itself
(over raw sockets) are JSON like the app's, and X-Request-Deadline holds through a real
chaos delay (unit tests of every case: tests/services/common)."""

from __future__ import annotations

import json
import socket
import time
import uuid

import pytest
import requests

pytestmark = pytest.mark.integration

SERVICES = ["users", "orders", "notifications"]

RAW = [
    # (id, request bytes, status, code)
    (
        "request-line-10000",
        b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        414,
        "URI_TOO_LONG",
    ),
    (
        "200-headers",
        b"GET /health HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(200))
        + b"\r\n",
        431,
        "HEADERS_TOO_LARGE",
    ),
    (
        "10kb-header",
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 10_240 + b"\r\n\r\n",
        431,
        "HEADERS_TOO_LARGE",
    ),
    (
        "header-without-colon",
        b"GET /health HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n",
        400,
        "BAD_REQUEST",
    ),
    (
        "header-name-with-space",
        b"GET /health HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",
        400,
        "BAD_REQUEST",
    ),
    ("garbage-request-line", b"GARBAGE\r\n\r\n", 400, "BAD_REQUEST"),
    (
        "raw-bytes-in-path",
        b"GET /users/\xed\xa0\x80 HTTP/1.1\r\nHost: x\r\n\r\n",
        400,
        "BAD_REQUEST",
    ),
]


def exchange(service, data: bytes) -> tuple[int, dict, bytes]:
    """Send raw bytes, read until the server closes: (status, headers, body)."""
    received = b""
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
        sock.sendall(data)
        while True:
            try:
                chunk = sock.recv(65536)
            except (
                ConnectionResetError
            ):  # closed with part of our request unread: the answer came first
                break
            if not chunk:
                break
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {
        name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)
    }
    assert int(headers["content-length"]) == len(body)
    return int(status_line.split(" ", 2)[1]), headers, body


@pytest.mark.parametrize("data,status,code", [r[1:] for r in RAW], ids=[r[0] for r in RAW])
@pytest.mark.parametrize("name", SERVICES)
def test_gunicorn_errors_are_json(services, name, data, status, code):
    got_status, headers, body = exchange(getattr(services, name), data)
    assert got_status == status
    assert headers["content-type"] == "application/json"
    error = json.loads(body)
    assert error["error"] == code and error["message"] and set(error) == {"error", "message"}


def test_app_errors_through_gunicorn_stay_json(services):
    surrogate = b'{"name": "\\ud800", "email": "a@b.co"}'
    response = requests.post(
        services.users.url + "/users",
        data=surrogate,
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert (response.status_code, response.json()["field"]) == (400, "name")
    deep = requests.post(
        services.users.url + "/users", data=b"[" * 10_000 + b"]" * 10_000, timeout=5
    )
    assert (deep.status_code, deep.json()["error"]) == (400, "VALIDATION_ERROR")
    bad = requests.get(
        services.users.url + "/users/x", headers={"X-Request-Deadline": "soon"}, timeout=5
    )
    assert (bad.status_code, bad.json()["field"]) == (400, "X-Request-Deadline")


def set_chaos(service, **switch):
    response = requests.post(service.url + "/chaos", json=switch, timeout=5)
    assert response.status_code == 200, response.text


def in_ms(ms: int) -> str:
    return str(int(time.time() * 1000) + ms)


@pytest.fixture
def user_id(services):
    return requests.post(
        services.users.url + "/users",
        timeout=5,
        json={"name": "Late", "email": "late-%s@example.com" % uuid.uuid4().hex},
    ).json()["userId"]


def orders_of(services, user_id):
    return requests.get(
        services.orders.url + "/orders", params={"userId": user_id}, timeout=5
    ).json()["orders"]


def test_deadline_passing_during_a_real_chaos_delay_creates_nothing(services, user_id):
    body, key = (
        {"userId": user_id, "items": [{"sku": "A", "quantity": 1, "unitPrice": 1}]},
        uuid.uuid4().hex,
    )
    set_chaos(services.orders, rate=1, delayMs=1500)
    late = requests.post(
        services.orders.url + "/orders",
        json=body,
        timeout=10,
        headers={"X-Request-Deadline": in_ms(1000), "Idempotency-Key": key},
    )
    assert (late.status_code, late.json()["error"]) == (504, "DEADLINE_EXCEEDED")
    # The 504 is the delayed request's own answer: it has finished, and left nothing behind.
    requests.delete(services.orders.url + "/chaos", timeout=5)
    assert orders_of(services, user_id) == []
    retry = requests.post(
        services.orders.url + "/orders", json=body, headers={"Idempotency-Key": key}, timeout=10
    )
    assert retry.status_code == 201, retry.text
    assert [o["orderId"] for o in orders_of(services, user_id)] == [retry.json()["orderId"]]


def test_call_to_a_slow_users_is_cut_at_the_deadline(services, user_id):
    """users delays 1.7 s, USERS_TIMEOUT is 1.5 s: without the deadline's cap this would be
    USERS_TIMEOUT; with 1 s left (0.75 s before the margin) it is DEADLINE_EXCEEDED."""
    set_chaos(services.users, count=1, delayMs=1700)
    response = requests.post(
        services.orders.url + "/orders",
        timeout=10,
        headers={"X-Request-Deadline": in_ms(1000)},
        json={"userId": user_id, "items": [{"sku": "A", "quantity": 1, "unitPrice": 1}]},
    )
    assert (response.status_code, response.json()["error"]) == (504, "DEADLINE_EXCEEDED")
    assert orders_of(services, user_id) == []
