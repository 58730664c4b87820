"""The shipped order workflows, run by the interpreter against fake services.

The virtual-clock runner makes the retry backoff instant; the fakes answer like the real
services (201 with ids, 409 on a duplicate email) and can be told to fail N times.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.asl.runner import run

ROOT = Path(__file__).resolve().parents[2] / "statemachines"
INPUT = {
    "user": {"name": "Ada", "email": "ada@example.com"},
    "items": [{"sku": "BOOK-1", "quantity": 2, "unitPrice": 12.5}],
    "channel": "email",
}


class FakeServices:
    """In-memory users/orders/notifications behind both Task styles (HTTP and Lambda)."""

    def __init__(self, failures: dict[str, int] | None = None, status: int = 503):
        self.failures = dict(failures or {})  # service -> how many calls fail first
        self.status = status
        self.calls: dict[str, list] = defaultdict(list)
        self.created: dict[str, dict] = {}  # idempotency key -> response body
        self.notifications: list[dict] = []

    def _service(self, url_or_fn: str) -> str:
        for name, fn in (
            ("users", "CreateUser"),
            ("orders", "PlaceOrder"),
            ("notifications", "SendNotification"),
        ):
            if f"//{name}:" in url_or_fn or url_or_fn.endswith(":" + fn):
                return name
        raise AssertionError(f"unexpected target {url_or_fn}")

    def _answer(self, service: str, body: dict, key: str) -> tuple[int, dict]:
        self.calls[service].append(key)
        if self.failures.get(service, 0) > 0:
            self.failures[service] -= 1
            return self.status, {"error": "UNAVAILABLE", "message": "chaos"}
        if key in self.created:  # an Idempotency-Key replay: the first response, nothing new
            return 201, self.created[key]
        if service == "users":
            if body["email"] == "taken@example.com":
                return 409, {"error": "CONFLICT", "message": "email already registered"}
            result = {"userId": f"u{len(self.created) + 1}", **body}
        elif service == "orders":
            total = sum(i["quantity"] * i["unitPrice"] for i in body["items"])
            result = {
                "orderId": f"o{len(self.created) + 1}",
                "total": total,
                "status": "CREATED",
                **body,
            }
        else:
            result = {"notificationId": f"n{len(self.created) + 1}", **body}
            self.notifications.append(body)
        self.created[key] = result
        return 201, result

    def __call__(self, command):
        params = command.parameters
        if command.resource == "arn:aws:states:::http:invoke":
            key = params["Headers"]["Idempotency-Key"]
            status, body = self._answer(
                self._service(params["ApiEndpoint"]), params["RequestBody"], key
            )
            if status >= 300:
                raise StatesError(f"States.Http.StatusCode.{status}", json.dumps(body))
            return {
                "StatusCode": status,
                "StatusText": "Created",
                "Headers": {},
                "ResponseBody": body,
            }
        assert command.resource == "arn:aws:states:::lambda:invoke"
        status, body = self._answer(
            self._service(params["FunctionName"]), params["Payload"], command.key
        )
        if status >= 300:
            raise StatesError(f"Http.StatusCode.{status}", json.dumps(body))
        return {"StatusCode": 200, "Payload": body}


FLOWS = ["order_flow", "order_flow_lambda", "order_flow_jsonata"]


def _run(flow: str, services: FakeServices, data=INPUT, name="exec-1"):
    definition = json.loads((ROOT / f"{flow}.asl.json").read_text())
    return run(definition, data, invoke=services, execution_name=name)


@pytest.mark.parametrize("flow", FLOWS)
def test_happy_path_creates_user_order_and_notification(flow):
    services = FakeServices()
    result = _run(flow, services)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output == {"userId": "u1", "orderId": "o2", "total": 25.0, "notificationId": "n3"}


@pytest.mark.parametrize("flow", FLOWS)
def test_transient_failures_are_retried_with_one_idempotency_key(flow):
    services = FakeServices(failures={"users": 2, "orders": 3})
    result = _run(flow, services)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert len(services.calls["users"]) == 3 and len(services.calls["orders"]) == 4
    # Every attempt of one step carries the same key, so a lost response cannot duplicate.
    assert len(set(services.calls["users"])) == 1 and len(set(services.calls["orders"])) == 1
    entered = [e for e in result.history if e["type"] == "TaskStateEntered"]
    assert [e["stateEnteredEventDetails"]["name"] for e in entered] == [
        "CreateUser",
        "PlaceOrder",
        "SendNotification",
    ]


@pytest.mark.parametrize("flow", FLOWS)
def test_notification_failure_after_retries_falls_back_to_deferred(flow):
    services = FakeServices(failures={"notifications": 99})
    result = _run(flow, services)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert len(services.calls["notifications"]) == 5  # first attempt + MaxAttempts 4
    assert result.output["orderId"] == "o2" and "notificationId" not in result.output
    assert result.output["notification"]["status"] == "DEFERRED"
    assert result.output["notification"]["error"].endswith("StatusCode.503")


@pytest.mark.parametrize("flow", FLOWS)
def test_a_rejected_user_fails_the_execution_without_retrying(flow):
    services = FakeServices()
    result = _run(flow, services, {**INPUT, "user": {"name": "B", "email": "taken@example.com"}})
    assert result.status == "FAILED"
    assert result.error.endswith("StatusCode.409")
    assert len(services.calls["users"]) == 1 and not services.calls["orders"]


def test_http_flow_keys_differ_between_executions_and_steps():
    services = FakeServices()
    _run("order_flow", services, name="first")
    _run(
        "order_flow",
        services,
        {**INPUT, "user": {"name": "C", "email": "c@example.com"}},
        name="second",
    )
    keys = [k for calls in services.calls.values() for k in calls]
    assert len(keys) == len(set(keys)) == 6


@pytest.mark.parametrize("flow", FLOWS)
def test_order_failure_after_retries_notifies_the_user_then_fails(flow):
    services = FakeServices(failures={"orders": 99})
    result = _run(flow, services)
    assert result.status == "FAILED"
    assert result.error == "OrderNotPlaced"
    assert result.cause.startswith("PlaceOrder failed with ")
    assert "StatusCode.503" in result.cause
    assert len(services.calls["orders"]) == 5
    assert [n["message"] for n in services.notifications] == [
        f"We could not place your order: {result.cause.split(' with ')[1].split(':')[0]}"
    ]
    entered = [
        e["stateEnteredEventDetails"]["name"]
        for e in result.history
        if e["type"].endswith("StateEntered")
    ]
    assert entered[-2:] == ["NotifyOrderFailed", "OrderNotPlaced"]


@pytest.mark.parametrize("flow", FLOWS)
def test_order_failure_still_fails_clearly_when_the_notification_fails_too(flow):
    services = FakeServices(failures={"orders": 99, "notifications": 99})
    result = _run(flow, services)
    assert result.status == "FAILED" and result.error == "OrderNotPlaced"
    assert len(services.calls["notifications"]) == 5 and not services.notifications
