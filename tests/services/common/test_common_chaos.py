"""The chaos switch through the Flask test client (gunicorn behaviour: tests/integration)."""

import errno
import socket

import pytest

from services.common.chaos import ConnectionDropped


@pytest.fixture
def app(make_app):
    return make_app("users", CHAOS_ENABLED=True)


def test_off_unless_enabled(make_app):
    client = make_app("users").test_client()
    for method in ("get", "post", "delete"):
        response = getattr(client, method)("/chaos", json={"count": 1, "status": 503})
        assert (response.status_code, response.get_json()["error"]) == (404, "NOT_FOUND")
    assert "/chaos" not in client.get("/openapi.json").get_json()["paths"]


def test_initially_inactive(client):
    assert client.get("/chaos").get_json() == {
        "active": False,
        "count": None,
        "remaining": None,
        "rate": None,
        "status": None,
        "delayMs": None,
        "drop": False,
    }


def test_count_fails_exactly_the_next_n_requests(client):
    state = client.post("/chaos", json={"count": 2, "status": 503}).get_json()
    assert (state["active"], state["remaining"]) == (True, 2)
    statuses = [client.get("/users/x").status_code for _ in range(4)]
    assert statuses == [503, 503, 404, 404]
    assert client.get("/chaos").get_json()["active"] is False


def test_injected_error_is_the_usual_json_shape(client):
    client.post("/chaos", json={"count": 1, "status": 418})
    response = client.post("/users", json={"name": "A", "email": "a@b.co"})
    assert response.status_code == 418
    assert response.get_json()["error"] == "CHAOS_INJECTED"
    assert "X-Request-Id" in response.headers


def test_probes_and_chaos_itself_are_never_affected(client):
    client.post("/chaos", json={"rate": 1, "status": 500})
    for path in ("/health", "/ready", "/chaos"):
        assert client.get(path).status_code == 200
    assert client.get("/openapi.json").status_code == 500
    assert client.delete("/chaos").get_json()["active"] is False
    assert client.get("/openapi.json").status_code == 200


@pytest.mark.parametrize("draws,expected", [([0.2, 0.9, 0.29, 0.3], [500, 200, 500, 200])])
def test_rate_uses_the_injected_random_source(make_app, draws, expected):
    source = iter(draws)
    client = make_app("users", CHAOS_ENABLED=True, CHAOS_RANDOM=lambda: next(source)).test_client()
    client.post("/chaos", json={"rate": 0.3, "status": 500})
    assert [client.get("/health").status_code for _ in draws] == [200] * 4  # probes draw nothing
    assert [client.get("/openapi.json").status_code for _ in draws] == expected


def test_delay_then_serves_normally(client):
    client.post("/chaos", json={"count": 1, "delayMs": 0})
    assert client.get("/users/x").status_code == 404


def test_drop_closes_without_a_response(client):
    client.post("/chaos", json={"count": 1, "drop": True})
    with pytest.raises(ConnectionDropped):
        client.get("/users/x")
    assert client.get("/users/x").status_code == 404


def test_a_new_switch_replaces_the_old_one(client):
    client.post("/chaos", json={"count": 5, "status": 503})
    state = client.post("/chaos", json={"rate": 0.5, "drop": True}).get_json()
    assert state == {
        "active": True,
        "count": None,
        "remaining": None,
        "rate": 0.5,
        "status": None,
        "delayMs": None,
        "drop": True,
    }


BAD = [
    ("nothing", {}, "count"),
    ("no-effect", {"count": 1}, "status"),
    ("no-selector", {"status": 503}, "count"),
    ("both-selectors", {"count": 1, "rate": 0.5, "status": 503}, "rate"),
    ("two-effects", {"count": 1, "status": 503, "drop": True}, "drop"),
    ("count-zero", {"count": 0, "status": 503}, "count"),
    ("count-bool", {"count": True, "status": 503}, "count"),
    ("rate-above-one", {"rate": 1.5, "status": 503}, "rate"),
    ("status-not-error", {"count": 1, "status": 200}, "status"),
    ("delay-negative", {"count": 1, "delayMs": -1}, "delayMs"),
    ("drop-false", {"count": 1, "drop": False}, "drop"),
    ("unknown-field", {"count": 1, "status": 503, "colour": "red"}, "colour"),
    ("array", [1], "body"),
]


@pytest.mark.parametrize("body,field", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_switches_are_400_and_change_nothing(client, body, field):
    response = client.post("/chaos", json=body)
    assert (response.status_code, response.get_json()["field"]) == (400, field)
    assert client.get("/chaos").get_json()["active"] is False


def test_drop_under_gunicorn_closes_the_client_socket(client):
    """gunicorn passes the client socket as ``environ["gunicorn.socket"]``: it is shut down
    and gunicorn gets an ECONNRESET, which its worker treats as a client gone away."""
    client.post("/chaos", json={"count": 1, "drop": True})
    server_end, client_end = socket.socketpair()
    try:
        with pytest.raises(OSError) as raised:
            client.get("/users/x", environ_overrides={"gunicorn.socket": server_end})
        assert raised.value.errno == errno.ECONNRESET
        client_end.settimeout(5)
        assert client_end.recv(1) == b""  # closed, and not one byte of response was written
    finally:
        server_end.close()
        client_end.close()
