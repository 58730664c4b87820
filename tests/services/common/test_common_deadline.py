"""X-Request-Deadline on every service, with a fake clock: chaos delays and slow peers advance
it instead of sleeping, so every case is deterministic (real delays: tests/integration)."""

import sqlite3

import pytest

from services.common import ApiError, ConfigError
from services.users import create_app as create_users

HEADER = "X-Request-Deadline"
BODIES = {
    "users": {"name": "Ada", "email": "ada@example.com"},
    "orders": {"userId": "u-1", "items": [{"sku": "A", "quantity": 1, "unitPrice": 2.5}]},
    "notifications": {"userId": "u-1", "channel": "sms", "message": "hello"},
}
SERVICES = sorted(BODIES)


class Clock:
    """Seconds since the epoch, moved only by ``advance`` (also used as chaos's sleep)."""

    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds

    def ms(self, offset=0):
        return str(int(self.now * 1000) + offset)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make(make_app, clock):
    def make(service, **config):
        return make_app(
            service, CHAOS_ENABLED=True, DEADLINE_CLOCK=clock, CHAOS_SLEEP=clock.advance, **config
        )

    return make


def rows(app, table):
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT count(*) FROM %s" % table).fetchone()[0]


def post(client, service, n=0, **headers):
    body = (
        dict(BODIES[service], email="ada%d@example.com" % n)
        if service == "users"
        else BODIES[service]
    )
    return client.post("/" + service, json=body, headers=headers)


def error_of(response):
    return response.status_code, response.get_json()["error"]


@pytest.mark.parametrize(
    "value",
    ["", "soon", "-1", "+1", "1.5", "1e3", "0x10", " 1", "1 2", "1" * 17, "12\u00b2", "1,2"],
    ids=[
        "empty",
        "word",
        "negative",
        "plus",
        "fraction",
        "exponent",
        "hex",
        "space",
        "two",
        "17-digits",
        "superscript",
        "list",
    ],
)
@pytest.mark.parametrize("service", SERVICES)
def test_malformed_deadline_is_400_naming_the_header(make, service, value):
    app = make(service)
    response = post(app.test_client(), service, **{HEADER: value})
    assert (response.status_code, response.get_json()["field"]) == (400, HEADER)
    assert rows(app, service) == 0


@pytest.mark.parametrize("service", SERVICES)
def test_future_deadline_is_served_normally(make, clock, service, users_client_fake):
    app = make(service)
    client = app.test_client()
    assert post(client, service, **{HEADER: clock.ms(5000)}).status_code == 201
    assert post(client, service, 1, **{HEADER: "9" * 16}).status_code == 201
    assert rows(app, service) == 2
    if service == "orders":  # the deadline is handed to the users call
        assert [d.at_ms for d in users_client_fake.deadlines] == [
            int(clock.ms(5000)),
            int("9" * 16),
        ]


@pytest.mark.parametrize("offset", [0, -1, -86_400_000], ids=["now", "just-past", "yesterday"])
@pytest.mark.parametrize("service", SERVICES)
def test_passed_deadline_is_504_and_does_nothing(make, clock, service, users_client_fake, offset):
    app = make(service)
    client = app.test_client()
    client.post("/chaos", json={"count": 1, "status": 503})
    response = post(client, service, **{HEADER: clock.ms(offset), "Idempotency-Key": "k"})
    assert error_of(response) == (504, "DEADLINE_EXCEEDED")
    assert rows(app, service) == 0 and rows(app, "idempotency_keys") == 0
    assert client.get("/chaos").get_json()["remaining"] == 1  # not even a chaos draw
    assert users_client_fake.calls == []
    assert error_of(client.get("/%s/x" % service, headers={HEADER: "0"})) == (
        504,
        "DEADLINE_EXCEEDED",
    )


@pytest.mark.parametrize("service", SERVICES)
def test_deadline_passing_during_a_chaos_delay_commits_nothing_and_a_retry_creates_once(
    make, clock, service
):
    app = make(service)
    client = app.test_client()
    client.post("/chaos", json={"rate": 1, "delayMs": 1500})
    response = post(client, service, **{HEADER: clock.ms(1000), "Idempotency-Key": "retry-me"})
    assert error_of(response) == (504, "DEADLINE_EXCEEDED")
    assert rows(app, service) == 0 and rows(app, "idempotency_keys") == 0
    client.delete("/chaos")
    first = post(client, service, **{"Idempotency-Key": "retry-me"})
    again = post(client, service, **{"Idempotency-Key": "retry-me"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert rows(app, service) == 1


@pytest.mark.parametrize(
    "left_ms,margin,status",
    [(249, 250, 504), (250, 250, 504), (251, 250, 201), (1, 0, 201)],
    ids=["inside-margin", "at-margin", "outside-margin", "no-margin"],
)
def test_commit_needs_more_than_the_margin_left(make, clock, left_ms, margin, status):
    """The request starts in time (the deadline has not passed) but is refused at COMMIT when
    no more than DEADLINE_MARGIN_MS are left."""
    app = make("notifications", DEADLINE_MARGIN_MS=margin)
    response = post(app.test_client(), "notifications", **{HEADER: clock.ms(left_ms)})
    assert response.status_code == status
    assert rows(app, "notifications") == (1 if status == 201 else 0)


def test_the_check_is_made_inside_the_transaction_after_the_insert(make, clock, monkeypatch):
    """Time spent in the transaction itself (e.g. waiting for the write lock) counts: the
    clock moves while the row is inserted, and the insert is rolled back."""
    from services.notifications import store

    insert = store.insert_notification

    def slow_insert(conn, payload):
        clock.advance(2)
        return insert(conn, payload)

    monkeypatch.setattr(store, "insert_notification", slow_insert)
    app = make("notifications")
    response = post(app.test_client(), "notifications", **{HEADER: clock.ms(1000)})
    assert error_of(response) == (504, "DEADLINE_EXCEEDED")
    assert rows(app, "notifications") == 0


def test_slow_users_call_then_no_order(make, clock, users_client_fake):
    users_client_fake.during_call = lambda: clock.advance(3)
    app = make("orders")
    response = post(app.test_client(), "orders", **{HEADER: clock.ms(2000)})
    assert error_of(response) == (504, "DEADLINE_EXCEEDED")
    assert rows(app, "orders") == 0 and rows(app, "order_items") == 0


def test_users_client_deadline_error_passes_through(make, clock, users_client_fake):
    users_client_fake.error = ApiError(504, "DEADLINE_EXCEEDED", "too late")
    app = make("orders")
    assert error_of(post(app.test_client(), "orders", **{HEADER: clock.ms(2000)})) == (
        504,
        "DEADLINE_EXCEEDED",
    )
    assert rows(app, "orders") == 0


def test_chaos_switch_honours_the_deadline(make, clock):
    client = make("users").test_client()
    response = client.post(
        "/chaos", json={"count": 1, "status": 503}, headers={HEADER: clock.ms(100)}
    )
    assert error_of(response) == (504, "DEADLINE_EXCEEDED")  # 100 ms left < 250 ms margin
    assert client.get("/chaos").get_json()["active"] is False


def test_without_the_header_nothing_changes(make, clock):
    app = make("users")
    client = app.test_client()
    client.post("/chaos", json={"rate": 1, "delayMs": 60_000})
    assert post(client, "users").status_code == 201  # a minute of (fake) delay, no deadline: served


def test_margin_setting_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DEADLINE_MARGIN_MS", "100")
    assert create_users({"DATABASE": str(tmp_path / "u.db")}).config["DEADLINE_MARGIN_MS"] == 100
    monkeypatch.delenv("DEADLINE_MARGIN_MS")
    assert create_users({"DATABASE": str(tmp_path / "u.db")}).config["DEADLINE_MARGIN_MS"] == 250


@pytest.mark.parametrize("value", ["soon", "-5", "1.5"])
def test_malformed_margin_fails_fast_naming_the_variable(tmp_path, monkeypatch, value):
    monkeypatch.setenv("DEADLINE_MARGIN_MS", value)
    with pytest.raises(ConfigError, match="^DEADLINE_MARGIN_MS="):
        create_users({"DATABASE": str(tmp_path / "u.db")})
