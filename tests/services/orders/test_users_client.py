"""The orders → users HTTP check, against a fake transport (no network, no sleeping)."""

import pytest
import requests
from requests.adapters import BaseAdapter

from services.common import ApiError
from services.common.deadline import Deadline
from services.orders.users_client import UsersClient


class ScriptedAdapter(BaseAdapter):
    """Answers each request with the next scripted status code or raises the scripted error."""

    def __init__(self, script):
        super().__init__()
        self.script = list(script)
        self.requests = []

    def send(self, request, **kwargs):
        self.requests.append((request, kwargs))
        step = self.script.pop(0)
        if callable(step):  # e.g. the clock moves while users thinks
            step = step()
        if isinstance(step, Exception):
            raise step
        status, body = step if isinstance(step, tuple) else (step, b"{}")
        response = requests.Response()
        response.status_code = status
        response.request = request
        response._content = body
        return response

    def close(self):
        pass


def client_for(script, retries=2):
    adapter = ScriptedAdapter(script)
    session = requests.Session()
    session.mount("http://", adapter)
    sleeps = []
    return (
        UsersClient(
            "http://users:8001/", timeout=1.5, retries=retries, session=session, sleep=sleeps.append
        ),
        adapter,
        sleeps,
    )


def test_existing_user_passes_and_forwards_request_id():
    client, adapter, _ = client_for([200])
    client.ensure_user_exists("u-1", "req-1")
    request, kwargs = adapter.requests[0]
    assert request.url == "http://users:8001/users/u-1"
    assert request.headers["X-Request-Id"] == "req-1"
    assert kwargs["timeout"] == 1.5


def test_user_id_is_quoted_into_one_path_segment():
    client, adapter, _ = client_for([404])
    with pytest.raises(ApiError):
        client.ensure_user_exists("a/b?c")
    assert adapter.requests[0][0].url == "http://users:8001/users/a%2Fb%3Fc"


OUTCOMES = [
    ("not-found", [404], 422, "USER_NOT_FOUND", 1),
    ("users-5xx", [503], 502, "USERS_BAD_RESPONSE", 1),
    ("users-4xx", [400], 502, "USERS_BAD_RESPONSE", 1),
    ("timeout-not-retried", [requests.ReadTimeout()], 504, "USERS_TIMEOUT", 1),
    ("connect-timeout", [requests.ConnectTimeout()], 504, "USERS_TIMEOUT", 1),
    ("refused-every-time", [requests.ConnectionError()] * 3, 503, "USERS_UNAVAILABLE", 3),
    ("other-transport-error", [requests.exceptions.InvalidURL()], 503, "USERS_UNAVAILABLE", 1),
]


@pytest.mark.parametrize(
    "script,status,code,attempts", [o[1:] for o in OUTCOMES], ids=[o[0] for o in OUTCOMES]
)
def test_failures_become_clear_errors(script, status, code, attempts):
    client, adapter, _ = client_for(script)
    with pytest.raises(ApiError) as raised:
        client.ensure_user_exists("u-1")
    assert (raised.value.status, raised.value.code) == (status, code)
    assert len(adapter.requests) == attempts


def test_connection_errors_are_retried_with_backoff_then_succeed():
    client, adapter, sleeps = client_for(
        [requests.ConnectionError(), requests.ConnectionError(), 200]
    )
    client.ensure_user_exists("u-1")
    assert len(adapter.requests) == 3
    assert len(sleeps) == 2 and sleeps[0] <= sleeps[1] <= 0.5


def test_zero_retries_means_one_attempt():
    client, adapter, sleeps = client_for([requests.ConnectionError()], retries=0)
    with pytest.raises(ApiError):
        client.ensure_user_exists("u-1")
    assert (len(adapter.requests), sleeps) == (1, [])


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def deadline_in(clock, ms, margin_ms=250):
    return Deadline(int(clock.now * 1000) + ms, margin_ms, clock)


def test_deadline_is_forwarded_and_caps_the_timeout():
    clock = Clock()
    client, adapter, _ = client_for([200])
    deadline = deadline_in(clock, 1250)  # 1 s left before the margin, below USERS_TIMEOUT=1.5
    client.ensure_user_exists("u-1", "req-1", deadline)
    request, kwargs = adapter.requests[0]
    assert request.headers["X-Request-Deadline"] == str(deadline.at_ms)
    assert kwargs["timeout"] == pytest.approx(1.0)


def test_a_distant_deadline_leaves_the_usual_timeout():
    clock = Clock()
    client, adapter, _ = client_for([200])
    client.ensure_user_exists("u-1", None, deadline_in(clock, 60_000))
    assert adapter.requests[0][1]["timeout"] == 1.5


def test_no_time_left_is_504_without_calling_users():
    clock = Clock()
    client, adapter, _ = client_for([200])
    with pytest.raises(ApiError) as raised:
        client.ensure_user_exists("u-1", None, deadline_in(clock, 250))  # exactly the margin left
    assert (raised.value.status, raised.value.code) == (504, "DEADLINE_EXCEEDED")
    assert adapter.requests == []


def test_timeout_cut_short_by_the_deadline_is_deadline_exceeded():
    clock = Clock()
    client, _, _ = client_for([requests.ReadTimeout()])
    with pytest.raises(ApiError) as raised:
        client.ensure_user_exists("u-1", None, deadline_in(clock, 1000))
    assert (raised.value.status, raised.value.code) == (504, "DEADLINE_EXCEEDED")


def test_timeout_within_the_deadline_is_still_users_timeout():
    clock = Clock()
    client, _, _ = client_for([requests.ReadTimeout()])
    with pytest.raises(ApiError) as raised:
        client.ensure_user_exists("u-1", None, deadline_in(clock, 60_000))
    assert (raised.value.status, raised.value.code) == (504, "USERS_TIMEOUT")


@pytest.mark.parametrize(
    "body,code",
    [
        (b'{"error": "DEADLINE_EXCEEDED", "message": "late"}', "DEADLINE_EXCEEDED"),
        (b'{"error": "CHAOS_INJECTED", "message": "x"}', "USERS_BAD_RESPONSE"),
        (b"<html>", "USERS_BAD_RESPONSE"),
    ],
    ids=["deadline", "chaos", "not-json"],
)
def test_users_own_504(body, code):
    clock = Clock()
    client, _, _ = client_for([(504, body)])
    with pytest.raises(ApiError) as raised:
        client.ensure_user_exists("u-1", None, deadline_in(clock, 60_000))
    assert raised.value.code == code


def test_retries_stop_when_the_time_is_up():
    """Refused, refused while the clock passes the deadline: no third attempt, and 504 not 503."""
    clock = Clock()
    refused_late = lambda: (clock.advance(2), requests.ConnectionError())[1]  # noqa: E731
    client, adapter, _ = client_for([requests.ConnectionError(), refused_late, 200])
    with pytest.raises(ApiError) as raised:
        client.ensure_user_exists("u-1", None, deadline_in(clock, 1500))
    assert (raised.value.status, raised.value.code) == (504, "DEADLINE_EXCEEDED")
    assert len(adapter.requests) == 2
