"""Each chaos mode against real gunicorn workers, and what orders makes of a failing users."""

from __future__ import annotations

import threading
import uuid

import pytest
import requests

pytestmark = pytest.mark.integration


def set_chaos(service, **switch):
    response = requests.post(service.url + "/chaos", json=switch, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def test_status_for_the_next_n_requests(services):
    set_chaos(services.users, count=2, status=503)
    got = [requests.get(services.users.url + "/users/none", timeout=5) for _ in range(3)]
    assert [r.status_code for r in got] == [503, 503, 404]
    assert got[0].json()["error"] == "CHAOS_INJECTED"


def test_count_is_shared_by_all_workers(services):
    """Two gunicorn workers, sixteen concurrent requests: exactly five are failed."""
    set_chaos(services.notifications, count=5, status=500)
    statuses: list[int] = []
    lock = threading.Lock()

    def call():
        status = requests.get(
            services.notifications.url + "/notifications/none", timeout=10
        ).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [404] * 11 + [500] * 5
    assert requests.get(services.notifications.url + "/chaos", timeout=5).json()["remaining"] == 0


def test_probes_and_chaos_are_never_affected(services):
    set_chaos(services.orders, rate=1, status=500)
    for path in ("/health", "/ready", "/chaos"):
        assert requests.get(services.orders.url + path, timeout=5).status_code == 200
    assert requests.get(services.orders.url + "/orders?userId=x", timeout=5).status_code == 500
    assert requests.delete(services.orders.url + "/chaos", timeout=5).json()["active"] is False
    assert requests.get(services.orders.url + "/orders?userId=x", timeout=5).status_code == 200


def test_rate_zero_affects_nothing(services):
    set_chaos(services.users, rate=0, status=500)
    assert all(
        requests.get(services.users.url + "/users/none", timeout=5).status_code == 404
        for _ in range(5)
    )


def test_delay_then_normal_answer(services):
    set_chaos(services.users, count=2, delayMs=1500)
    with pytest.raises(requests.Timeout):
        requests.get(services.users.url + "/users/none", timeout=0.3)
    # The second delayed request is still answered normally once the delay is over.
    assert requests.get(services.users.url + "/users/none", timeout=10).status_code == 404


def test_drop_closes_the_connection_without_a_response(services):
    set_chaos(services.users, count=2, drop=True)
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            requests.get(services.users.url + "/users/none", timeout=5)
    assert requests.get(services.users.url + "/users/none", timeout=5).status_code == 404
    assert '"chaos":"drop"' in services.users.log()


def order_for(services, user_id):
    return requests.post(
        services.orders.url + "/orders",
        timeout=10,
        json={"userId": user_id, "items": [{"sku": "A", "quantity": 1, "unitPrice": 1}]},
    )


@pytest.fixture
def user_id(services):
    return requests.post(
        services.users.url + "/users",
        timeout=5,
        json={"name": "Chaos", "email": "chaos-%s@example.com" % uuid.uuid4().hex},
    ).json()["userId"]


@pytest.mark.parametrize(
    "switch,status,code",
    [
        ({"count": 1, "status": 500}, 502, "USERS_BAD_RESPONSE"),
        (
            {"count": 3, "drop": True},
            503,
            "USERS_UNAVAILABLE",
        ),  # USERS_RETRIES=2: three attempts, all dropped
        ({"count": 1, "delayMs": 4000}, 504, "USERS_TIMEOUT"),  # USERS_TIMEOUT=1.5
    ],
    ids=["users-500", "users-drops", "users-slow"],
)
def test_orders_answers_clearly_when_users_fails(services, user_id, switch, status, code):
    set_chaos(services.users, **switch)
    response = order_for(services, user_id)
    assert (response.status_code, response.json()["error"]) == (status, code)
    assert requests.get(
        services.orders.url + "/orders", params={"userId": user_id}, timeout=5
    ).json() == {"orders": []}


def test_orders_retries_a_dropped_connection_to_users(services, user_id):
    set_chaos(services.users, count=2, drop=True)  # fewer drops than attempts: the third succeeds
    assert order_for(services, user_id).status_code == 201
