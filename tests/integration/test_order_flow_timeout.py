"""A slow service that hits the Task's ``TimeoutSeconds``: timed out, retried, no duplicate.

AWS: "If the task runs longer than the
specified seconds, this state fails with a States.Timeout error" - the history shows
``TaskTimedOut``, and the shipped flows retry ``States.Timeout``. The slow first request is
not cancelled: it completes in the orders service after the orchestrator gave up on it, and
the ``Idempotency-Key`` it shares with the retry makes it replay the retry's order instead
of creating a second one.

``ORCHESTRATOR_TIME_SCALE=0.1`` with ``ORCHESTRATOR_SCALE_TASK_TIMEOUTS=1`` turns the 10 s
``TimeoutSeconds`` into 1 s (and the 1 s retry interval into at most 0.1 s).
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from tests.orchestrator.api.orchestrator_server import ROOT, Orchestrator
from tests.support.aws import stepfunctions_client

pytestmark = pytest.mark.integration

SLOW_MS = 2500  # longer than the scaled 1 s TimeoutSeconds


@pytest.fixture(scope="module")
def orchestrator(stack, tmp_path_factory):
    work = tmp_path_factory.mktemp("orchestrator")
    stack.write_endpoint_map(work / "endpoints.json")
    running = Orchestrator(
        work,
        {
            "ORCHESTRATOR_CONFIG": str(work / "endpoints.json"),
            "ORCHESTRATOR_TIME_SCALE": "0.1",
            "ORCHESTRATOR_SCALE_TASK_TIMEOUTS": "1",
        },
    )
    for flow in ("order_flow", "order_flow_lambda"):
        (running.statemachines / f"{flow}.asl.json").write_text(
            (ROOT / "statemachines" / f"{flow}.asl.json").read_text()
        )
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def sfn(orchestrator):
    return stepfunctions_client(orchestrator.url)


def _run(sfn, flow: str, data: dict) -> tuple[dict, list[dict]]:
    machine = next(
        m["stateMachineArn"]
        for m in sfn.list_state_machines()["stateMachines"]
        if m["name"] == flow
    )
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(data))["executionArn"]
    deadline = time.monotonic() + 30
    while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "execution still running"
        time.sleep(0.05)  # polling for completion, not timing anything
    pages = sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
    return described, [event for page in pages for event in page["events"]]


def _attempts(history: list[dict], state: str) -> list[str]:
    """The outcome event type of each Task attempt made in ``state``."""
    current, outcomes = None, []
    for event in history:
        if event["type"].endswith("StateEntered"):
            current = event["stateEnteredEventDetails"]["name"]
        elif current == state and event["type"] in (
            "TaskSucceeded",
            "TaskFailed",
            "TaskTimedOut",
            "LambdaFunctionSucceeded",
            "LambdaFunctionFailed",
            "LambdaFunctionTimedOut",
        ):
            outcomes.append(event["type"])
    return outcomes


def _await_slow_request_served(stack, seen: int) -> dict:
    """The delayed POST /orders, once the orders service finished it (its log line after
    the first ``seen`` characters of the log)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:  # polling a condition, not timing anything
        for line in stack.orders.log()[seen:].splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                if record.get("chaos") == "delay" and record["path"] == "/orders":
                    return record
        time.sleep(0.05)
    raise AssertionError("the slow request never completed:\n" + stack.orders.log()[-2000:])


@pytest.mark.parametrize("flow", ["order_flow", "order_flow_lambda"])
def test_a_timed_out_call_is_retried_and_creates_one_order(services, sfn, flow):
    seen = len(services.orders.log())
    requests.post(
        services.orders.url + "/chaos", json={"count": 1, "delayMs": SLOW_MS}, timeout=5
    ).raise_for_status()
    tag = uuid.uuid4().hex[:8]
    data = {
        "user": {"name": "Slow", "email": f"slow-{tag}@example.com"},
        "items": [{"sku": "SKU-9", "quantity": 3, "unitPrice": 2.0}],
        "channel": "sms",
    }
    described, history = _run(sfn, flow, data)
    assert described["status"] == "SUCCEEDED", described
    attempts = _attempts(history, "PlaceOrder")
    assert attempts[0] == "TaskTimedOut" and attempts[-1] == "TaskSucceeded", attempts
    timeout_event = next(e for e in history if e["type"] == "TaskTimedOut")
    assert timeout_event["taskTimedOutEventDetails"]["error"] == "States.Timeout"
    output = json.loads(described["output"])

    slow = _await_slow_request_served(services, seen)
    assert slow["status"] == 201  # answered with the retry's order, replayed from its key
    orders = requests.get(
        services.orders.url + "/orders", params={"userId": output["userId"]}, timeout=5
    ).json()["orders"]
    assert [o["orderId"] for o in orders] == [output["orderId"]]
