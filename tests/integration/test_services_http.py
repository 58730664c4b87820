"""The three services as real gunicorn processes over real HTTP ."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import uuid

import pytest
import requests

pytestmark = pytest.mark.integration


def unique_email() -> str:
    return "user-%s@example.com" % uuid.uuid4().hex[:12]


def create_user(stack, **headers) -> dict:
    response = requests.post(
        stack.users.url + "/users",
        json={"name": "Ada", "email": unique_email()},
        headers=headers,
        timeout=5,
    )
    assert response.status_code == 201, response.text
    return response.json()


def rows(service, table: str, where: str = "1", args=()) -> int:
    with sqlite3.connect(service.database) as conn:
        return conn.execute("SELECT count(*) FROM %s WHERE %s" % (table, where), args).fetchone()[0]


def test_order_checks_the_user_over_http(services):
    user = create_user(services)
    body = {"userId": user["userId"], "items": [{"sku": "BOOK", "quantity": 3, "unitPrice": 0.1}]}
    response = requests.post(
        services.orders.url + "/orders", json=body, headers={"X-Request-Id": "trace-1"}, timeout=5
    )
    assert response.status_code == 201, response.text
    assert response.headers["X-Request-Id"] == "trace-1"
    order = response.json()
    assert (order["total"], order["status"], order["userId"]) == (0.3, "CREATED", user["userId"])
    assert (
        requests.get(services.orders.url + "/orders/" + order["orderId"], timeout=5).json() == order
    )
    listed = requests.get(
        services.orders.url + "/orders", params={"userId": user["userId"]}, timeout=5
    ).json()
    assert listed == {"orders": [order]}
    # The request id travelled to users: both services logged the same id.
    assert '"request_id":"trace-1"' in services.users.log()


def test_unknown_user_is_422_over_http(services):
    body = {
        "userId": "nobody-" + uuid.uuid4().hex,
        "items": [{"sku": "A", "quantity": 1, "unitPrice": 1}],
    }
    response = requests.post(services.orders.url + "/orders", json=body, timeout=5)
    assert response.status_code == 422
    assert response.json()["error"] == "USER_NOT_FOUND"
    assert rows(services.orders, "orders", "user_id = ?", (body["userId"],)) == 0


def test_users_unreachable_is_503(tmp_path, start_service, unused_port):
    orders = start_service(
        "orders", tmp_path, {"USERS_URL": "http://127.0.0.1:%d" % unused_port, "USERS_RETRIES": "1"}
    )
    body = {"userId": "u-1", "items": [{"sku": "A", "quantity": 1, "unitPrice": 1}]}
    response = requests.post(orders.url + "/orders", json=body, timeout=10)
    assert response.status_code == 503
    assert response.json()["error"] == "USERS_UNAVAILABLE"
    assert rows(orders, "orders") == 0


def test_orders_without_users_url_fails_fast(tmp_path, repo_root, unused_port):
    env = {k: v for k, v in os.environ.items() if k != "USERS_URL"}
    env["DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(repo_root / "services" / "gunicorn_conf.py"),
            "--bind",
            "127.0.0.1:%d" % unused_port,
            "services.orders:create_app()",
        ],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "USERS_URL is not set" in result.stdout + result.stderr


SAMPLE_BODIES = {
    "users": lambda stack: {"name": "Grace", "email": unique_email()},
    "orders": lambda stack: {
        "userId": create_user(stack)["userId"],
        "items": [{"sku": "A", "quantity": 2, "unitPrice": 1.25}],
    },
    "notifications": lambda stack: {
        "userId": "u-%s" % uuid.uuid4().hex[:8],
        "channel": "push",
        "message": "hi",
    },
}
ID_FIELDS = {"users": "userId", "orders": "orderId", "notifications": "notificationId"}


@pytest.mark.parametrize("name", sorted(SAMPLE_BODIES))
def test_idempotent_replay_over_http(services, name):
    service = getattr(services, name)
    body, key = SAMPLE_BODIES[name](services), uuid.uuid4().hex
    first = requests.post(
        service.url + "/" + name, json=body, headers={"Idempotency-Key": key}, timeout=5
    )
    again = requests.post(
        service.url + "/" + name, json=body, headers={"Idempotency-Key": key}, timeout=5
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = requests.post(
        service.url + "/" + name,
        json=dict(body, userId="someone-else") if name != "users" else dict(body, name="Other"),
        headers={"Idempotency-Key": key},
        timeout=5,
    )
    assert other.status_code == 422
    assert rows(service, "idempotency_keys", "key = ?", (key,)) == 1


@pytest.mark.parametrize("name", sorted(SAMPLE_BODIES))
def test_concurrent_requests_with_one_key_create_exactly_one_row(services, name):
    """Twelve threads, two gunicorn workers, one key: one resource, twelve identical answers."""
    service = getattr(services, name)
    body, key = SAMPLE_BODIES[name](services), uuid.uuid4().hex
    threads_n = 12
    barrier = threading.Barrier(threads_n)
    results: list = [None] * threads_n

    def post(i):
        barrier.wait()
        results[i] = requests.post(
            service.url + "/" + name, json=body, headers={"Idempotency-Key": key}, timeout=30
        )

    threads = [threading.Thread(target=post, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r.status_code for r in results} == {201}
    assert len({r.json()[ID_FIELDS[name]] for r in results}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in results) == threads_n - 1
    created_id = results[0].json()[ID_FIELDS[name]]
    table, column = {
        "users": ("users", "email"),
        "orders": ("orders", "user_id"),
        "notifications": ("notifications", "user_id"),
    }[name]
    key_value = body["email"] if name == "users" else body["userId"]
    assert rows(service, table, "%s = ?" % column, (key_value,)) == 1
    assert created_id


def test_body_limit_over_http(services):
    response = requests.post(
        services.notifications.url + "/notifications",
        data=b"x" * (70 * 1024),
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 413
    assert response.json()["error"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize("how", ["sigterm", "kill-9"])
def test_restart_keeps_data(tmp_path, start_stack, how):
    stack = start_stack(tmp_path)
    user = create_user(stack)
    order = requests.post(
        stack.orders.url + "/orders",
        headers={"Idempotency-Key": "order-1"},
        timeout=5,
        json={"userId": user["userId"], "items": [{"sku": "A", "quantity": 1, "unitPrice": 5}]},
    ).json()
    note = requests.post(
        stack.notifications.url + "/notifications",
        timeout=5,
        json={
            "userId": user["userId"],
            "orderId": order["orderId"],
            "channel": "email",
            "message": "ok",
        },
    ).json()
    for service in stack.services:
        service.stop() if how == "sigterm" else service.kill()
    stack.start()  # same ports, same data directory
    assert requests.get(stack.users.url + "/users/" + user["userId"], timeout=5).json() == user
    assert requests.get(stack.orders.url + "/orders/" + order["orderId"], timeout=5).json() == order
    assert (
        requests.get(
            stack.notifications.url + "/notifications/" + note["notificationId"], timeout=5
        ).json()
        == note
    )
    replay = requests.post(
        stack.orders.url + "/orders",
        headers={"Idempotency-Key": "order-1"},
        timeout=5,
        json={"userId": user["userId"], "items": [{"sku": "A", "quantity": 1, "unitPrice": 5}]},
    )
    assert (replay.status_code, replay.json()) == (201, order)
    assert rows(stack.orders, "orders") == 1
