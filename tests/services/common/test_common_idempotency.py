"""Idempotency-Key on every POST: replay, conflict, malformed keys (concurrency: tests/integration)."""

import sqlite3

import pytest

BODIES = {
    "users": {"name": "Ada", "email": "ada@example.com"},
    "orders": {"userId": "u-1", "items": [{"sku": "A", "quantity": 1, "unitPrice": 2.5}]},
    "notifications": {"userId": "u-1", "channel": "sms", "message": "hello"},
}
TABLES = {"users": "users", "orders": "orders", "notifications": "notifications"}


def rows(app, table):
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT count(*) FROM %s" % table).fetchone()[0]


@pytest.mark.parametrize("service", sorted(BODIES))
def test_same_key_replays_the_first_response_and_creates_nothing(make_app, service):
    app = make_app(service)
    client = app.test_client()
    path, body = "/" + service, BODIES[service]
    first = client.post(path, json=body, headers={"Idempotency-Key": "key-1"})
    # Key order and whitespace do not matter: the fingerprint is of the canonical JSON.
    reordered = dict(reversed(list(body.items())))
    again = client.post(path, json=reordered, headers={"Idempotency-Key": "key-1"})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert rows(app, TABLES[service]) == 1


@pytest.mark.parametrize("service", sorted(BODIES))
def test_same_key_with_another_body_is_422(make_app, service):
    app = make_app(service)
    client = app.test_client()
    path, body = "/" + service, BODIES[service]
    client.post(path, json=body, headers={"Idempotency-Key": "key-1"})
    changed = dict(
        body,
        **{
            "users": {"name": "Bob"},
            "orders": {"userId": "u-2"},
            "notifications": {"message": "bye"},
        }[service],
    )
    response = client.post(path, json=changed, headers={"Idempotency-Key": "key-1"})
    assert response.status_code == 422
    assert response.get_json()["error"] == "IDEMPOTENCY_KEY_REUSED"
    assert rows(app, TABLES[service]) == 1


def test_without_a_key_each_post_creates(make_app):
    app = make_app("notifications")
    client = app.test_client()
    for _ in range(2):
        assert client.post("/notifications", json=BODIES["notifications"]).status_code == 201
    assert rows(app, "notifications") == 2


def test_failed_requests_are_not_recorded_so_a_retry_can_succeed(make_app, users_client_fake):
    app = make_app("orders")
    client = app.test_client()
    body = dict(BODIES["orders"], userId="later")
    assert client.post("/orders", json=body, headers={"Idempotency-Key": "k"}).status_code == 422
    users_client_fake.known.add("later")
    assert client.post("/orders", json=body, headers={"Idempotency-Key": "k"}).status_code == 201


def test_replay_does_not_call_users_again(make_app, users_client_fake):
    client = make_app("orders").test_client()
    for _ in range(3):
        client.post("/orders", json=BODIES["orders"], headers={"Idempotency-Key": "k"})
    assert len(users_client_fake.calls) == 1


@pytest.mark.parametrize(
    "key",
    ["", "has space", "x" * 256, "caf\u00e9"],
    ids=["empty", "space", "too-long", "non-ascii"],
)
def test_malformed_keys_are_400_naming_the_header(make_app, key):
    app = make_app("notifications")
    response = app.test_client().post(
        "/notifications",
        json=BODIES["notifications"],
        headers={"Idempotency-Key": key.encode("utf-8").decode("latin-1")},
    )
    assert response.status_code == 400
    assert response.get_json()["field"] == "Idempotency-Key"
    assert rows(app, "notifications") == 0
