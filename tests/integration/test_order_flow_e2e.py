"""The reference scenario end to end: real services, a real orchestrator, real HTTP.

create a user -> place an order -> send a notification, driven through boto3 against the
orchestrator; chaos on a service is ridden out by the definitions' Retry, and when the
notification's retries are exhausted the fallback state marks it deferred. The time scale
makes the retry backoff (1 s, 2 s, 4 s ...) take hundredths of a second.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid

import pytest
import requests

from tests.orchestrator.api.orchestrator_server import ROOT as repo_root
from tests.orchestrator.api.orchestrator_server import Orchestrator
from tests.support.aws import stepfunctions_client

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def orchestrator(stack, tmp_path_factory):
    work = tmp_path_factory.mktemp("orchestrator")
    stack.write_endpoint_map(work / "endpoints.json")
    running = Orchestrator(
        work,
        {"ORCHESTRATOR_CONFIG": str(work / "endpoints.json"), "ORCHESTRATOR_TIME_SCALE": "0.01"},
    )
    for flow in ("order_flow", "order_flow_lambda", "order_flow_jsonata"):
        shutil.copy(repo_root / "statemachines" / f"{flow}.asl.json", running.statemachines)
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def sfn(orchestrator):
    return stepfunctions_client(orchestrator.url)


def _machine_arn(sfn, name: str) -> str:
    machines = sfn.list_state_machines()["stateMachines"]
    return next(m["stateMachineArn"] for m in machines if m["name"] == name)


def _order_input() -> dict:
    tag = uuid.uuid4().hex[:10]
    return {
        "user": {"name": f"Ada {tag}", "email": f"ada-{tag}@example.com"},
        "items": [{"sku": "BOOK-1", "quantity": 2, "unitPrice": 12.5}],
        "channel": "email",
    }


def _run(sfn, flow: str, data: dict) -> dict:
    arn = sfn.start_execution(stateMachineArn=_machine_arn(sfn, flow), input=json.dumps(data))[
        "executionArn"
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # polling for completion, not timing anything
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError(f"{arn} still running: {sfn.get_execution_history(executionArn=arn)}")


def _history(sfn, arn: str) -> list[dict]:
    pages = sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
    return [event for page in pages for event in page["events"]]


def _failed_attempts(history: list[dict]) -> int:
    return sum(1 for e in history if e["type"] == "TaskFailed")


@pytest.mark.parametrize("flow", ["order_flow", "order_flow_lambda", "order_flow_jsonata"])
def test_order_flow_creates_user_order_and_notification(services, sfn, flow):
    data = _order_input()
    described = _run(sfn, flow, data)
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    user = requests.get(f"{services.users.url}/users/{output['userId']}", timeout=5).json()
    assert user["email"] == data["user"]["email"]
    order = requests.get(f"{services.orders.url}/orders/{output['orderId']}", timeout=5).json()
    assert order["userId"] == output["userId"] and order["total"] == output["total"] == 25.0
    notes = requests.get(
        f"{services.notifications.url}/notifications",
        params={"userId": output["userId"]},
        timeout=5,
    ).json()["notifications"]
    assert [n["notificationId"] for n in notes] == [output["notificationId"]]


@pytest.mark.parametrize(
    "chaos",
    [{"count": 2, "status": 503}, {"count": 1, "drop": True}],
    ids=["503-twice", "dropped-connection"],
)
def test_service_failures_are_retried_without_duplicates(services, sfn, chaos):
    requests.post(f"{services.orders.url}/chaos", json=chaos, timeout=5).raise_for_status()
    described = _run(sfn, "order_flow", _order_input())
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    history = _history(sfn, described["executionArn"])
    assert _failed_attempts(history) == chaos["count"]
    orders = requests.get(
        f"{services.orders.url}/orders", params={"userId": output["userId"]}, timeout=5
    ).json()["orders"]
    assert [o["orderId"] for o in orders] == [output["orderId"]]


def test_exhausted_notification_retries_fall_back_to_deferred(services, sfn):
    requests.post(
        f"{services.notifications.url}/chaos", json={"count": 50, "status": 503}, timeout=5
    ).raise_for_status()
    described = _run(sfn, "order_flow", _order_input())
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["notification"]["status"] == "DEFERRED"
    assert output["notification"]["error"] == "States.Http.StatusCode.503"
    history = _history(sfn, described["executionArn"])
    assert _failed_attempts(history) == 5  # the first attempt and MaxAttempts 4 retries
    names = [
        e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("StateEntered")
    ]
    assert names[-2:] == ["SendNotification", "DeferNotification"]
    order = requests.get(f"{services.orders.url}/orders/{output['orderId']}", timeout=5)
    assert order.status_code == 200  # the order stands


def test_an_unknown_service_host_is_refused(services, sfn):
    definition = json.loads(
        json.dumps(
            {
                "StartAt": "Call",
                "States": {
                    "Call": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::http:invoke",
                        "End": True,
                        "Parameters": {
                            "ApiEndpoint": "http://example.com/",
                            "Method": "GET",
                            "Authentication": {
                                "ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/x/y"
                            },
                        },
                    }
                },
            }
        )
    )
    arn = sfn.create_state_machine(
        name=f"refused-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/local",
    )["stateMachineArn"]
    started = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    deadline = time.monotonic() + 30
    while (
        sfn.describe_execution(executionArn=started)["status"] == "RUNNING"
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    described = sfn.describe_execution(executionArn=started)
    assert described["status"] == "FAILED" and described["error"] == "States.Permissions"


@pytest.mark.parametrize("flow", ["order_flow", "order_flow_lambda", "order_flow_jsonata"])
def test_exhausted_order_retries_notify_the_user_and_fail_clearly(services, sfn, flow):
    requests.post(
        f"{services.orders.url}/chaos", json={"count": 5, "status": 503}, timeout=5
    ).raise_for_status()
    data = _order_input()
    described = _run(sfn, flow, data)
    assert described["status"] == "FAILED", described
    assert described["error"] == "OrderNotPlaced"
    assert (
        "States.Http.StatusCode.503" in described["cause"]
        or "Http.StatusCode.503" in described["cause"]
    )
    history = _history(sfn, described["executionArn"])
    user_id = json.loads(
        next(e for e in history if e["type"] == "TaskSucceeded")["taskSucceededEventDetails"][
            "output"
        ]
    )
    user_id = user_id.get("ResponseBody", user_id.get("Payload", {}))["userId"]
    notes = requests.get(
        f"{services.notifications.url}/notifications", params={"userId": user_id}, timeout=5
    ).json()["notifications"]
    assert len(notes) == 1 and notes[0]["message"].startswith("We could not place your order")
    assert (
        requests.get(f"{services.orders.url}/orders", params={"userId": user_id}, timeout=5).json()[
            "orders"
        ]
        == []
    )
