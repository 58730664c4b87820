"""The orders → users HTTP check, against a fake transport (no network, no sleeping)."""
import pytest
import requests
from requests.adapters import BaseAdapter

from services.common import ApiError
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
        if isinstance(step, Exception):
            raise step
        response = requests.Response()
        response.status_code = step
        response.request = request
        response._content = b"{}"
        return response

    def close(self):
        pass


def client_for(script, retries=2):
    adapter = ScriptedAdapter(script)
    session = requests.Session()
    session.mount("http://", adapter)
    sleeps = []
    return UsersClient("http://users:8001/", timeout=1.5, retries=retries, session=session, sleep=sleeps.append), adapter, sleeps


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


@pytest.mark.parametrize("script,status,code,attempts", [o[1:] for o in OUTCOMES], ids=[o[0] for o in OUTCOMES])
def test_failures_become_clear_errors(script, status, code, attempts):
    client, adapter, _ = client_for(script)
    with pytest.raises(ApiError) as raised:
        client.ensure_user_exists("u-1")
    assert (raised.value.status, raised.value.code) == (status, code)
    assert len(adapter.requests) == attempts


def test_connection_errors_are_retried_with_backoff_then_succeed():
    client, adapter, sleeps = client_for([requests.ConnectionError(), requests.ConnectionError(), 200])
    client.ensure_user_exists("u-1")
    assert len(adapter.requests) == 3
    assert len(sleeps) == 2 and sleeps[0] <= sleeps[1] <= 0.5


def test_zero_retries_means_one_attempt():
    client, adapter, sleeps = client_for([requests.ConnectionError()], retries=0)
    with pytest.raises(ApiError):
        client.ensure_user_exists("u-1")
    assert (len(adapter.requests), sleeps) == (1, [])
