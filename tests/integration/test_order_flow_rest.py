"""The order flow through plain HTTP - the REST facade and the AWS JSON 1.0 protocol spoken
with ``requests`` as curl would - against real services and a real orchestrator.

Through boto3 and through curl/REST: the happy path; transient failures injected with
``/chaos`` that retries ride out (history shows each retry); callbacks; StopExecution; bad
definitions and bad inputs with clear errors. The boto3
side of the happy path, retries and fallbacks is ``test_order_flow_e2e.py``; the API's own
error shapes against a server without services are ``tests/orchestrator/api``. Here: what a
curl user sees, callbacks answered by a person who read a notification, StopExecution of an
execution whose Task call is in flight, and bad definitions / inputs end to end.
"""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import quote

import pytest
import requests

from tests.orchestrator.api.orchestrator_server import ROOT, Orchestrator
from tests.support.aws import stepfunctions_client

pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
CONNECTION = {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/local-services/x"}


@pytest.fixture(scope="module")
def orchestrator(stack, tmp_path_factory):
    work = tmp_path_factory.mktemp("orchestrator")
    stack.write_endpoint_map(work / "endpoints.json")
    running = Orchestrator(
        work,
        {"ORCHESTRATOR_CONFIG": str(work / "endpoints.json"), "ORCHESTRATOR_TIME_SCALE": "0.01"},
    )
    (running.statemachines / "order_flow.asl.json").write_text(
        (ROOT / "statemachines" / "order_flow.asl.json").read_text()
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def url(orchestrator) -> str:
    return orchestrator.url


@pytest.fixture(scope="module")
def sfn(orchestrator):
    return stepfunctions_client(orchestrator.url)


def aws(url: str, operation: str, body: dict) -> requests.Response:
    """``curl -X POST URL -H 'X-Amz-Target: AWSStepFunctions.OP' -d BODY``."""
    return requests.post(
        url + "/",
        data=json.dumps(body),
        timeout=30,
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": f"AWSStepFunctions.{operation}",
        },
    )


def order_input(**user) -> dict:
    tag = uuid.uuid4().hex[:10]
    return {
        "user": {"name": f"Rest {tag}", "email": f"rest-{tag}@example.com", **user},
        "items": [{"sku": "MUG-1", "quantity": 2, "unitPrice": 7.25}],
        "channel": "email",
    }


def start(url: str, machine: str, data, name: str | None = None) -> dict:
    body = {"stateMachine": machine, "input": data, **({"name": name} if name else {})}
    response = requests.post(url + "/executions", json=body, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def wait(url: str, arn: str) -> dict:
    return requests.get(
        f"{url}/executions/{quote(arn, safe='')}", params={"wait": 30}, timeout=40
    ).json()


def history(url: str, arn: str) -> list[dict]:
    return requests.get(f"{url}/executions/{quote(arn, safe='')}/history", timeout=30).json()[
        "events"
    ]


def task_outcomes(events: list[dict], state: str) -> list[str]:
    current, outcomes = None, []
    for event in events:
        if event["type"].endswith("StateEntered"):
            current = event["stateEnteredEventDetails"]["name"]
        elif current == state and event["type"] in ("TaskSucceeded", "TaskFailed", "TaskTimedOut"):
            outcomes.append(event["type"])
    return outcomes


def await_event(url: str, arn: str, predicate, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # polling for a condition, not timing anything
        for event in history(url, arn):
            if predicate(event):
                return event
        time.sleep(0.05)
    raise AssertionError(f"no such event in {history(url, arn)}")


# -- the happy path and retries, with curl ---------------------------------------------------


def test_happy_path_with_curl(services, url):
    data = order_input()
    started = start(url, "order_flow", data, name=f"curl-{uuid.uuid4().hex[:8]}")
    done = wait(url, started["executionArn"])
    assert done["status"] == "SUCCEEDED", done
    output = done["output"]  # a JSON value in the REST facade, not JSON text
    assert output["total"] == 14.5 and set(output) == {
        "userId",
        "orderId",
        "total",
        "notificationId",
    }
    # The `<stateMachine>:<name>` id form reads the same execution.
    short = requests.get(
        f"{url}/executions/order_flow:{started['executionArn'].rsplit(':', 1)[1]}", timeout=10
    ).json()
    assert short["status"] == "SUCCEEDED" and short["input"] == data
    events = history(url, started["executionArn"])
    assert [task_outcomes(events, s) for s in ("CreateUser", "PlaceOrder", "SendNotification")] == [
        ["TaskSucceeded"]
    ] * 3
    listed = requests.get(
        f"{url}/executions",
        params={"stateMachine": "order_flow", "status": "SUCCEEDED"},
        timeout=10,
    ).json()["executions"]
    assert started["executionArn"] in [e["executionArn"] for e in listed]
    orders = requests.get(
        services.orders.url + "/orders", params={"userId": output["userId"]}, timeout=5
    ).json()["orders"]
    assert [o["orderId"] for o in orders] == [output["orderId"]]


@pytest.mark.parametrize(
    "service, state",
    [("users", "CreateUser"), ("orders", "PlaceOrder"), ("notifications", "SendNotification")],
)
def test_transient_failures_show_each_retry_in_the_rest_history(services, url, service, state):
    requests.post(
        getattr(services, service).url + "/chaos", json={"count": 2, "status": 503}, timeout=5
    ).raise_for_status()
    started = start(url, "order_flow", order_input())
    done = wait(url, started["executionArn"])
    assert done["status"] == "SUCCEEDED", done
    events = history(url, started["executionArn"])
    assert task_outcomes(events, state) == ["TaskFailed", "TaskFailed", "TaskSucceeded"]
    failures = [e["taskFailedEventDetails"]["error"] for e in events if e["type"] == "TaskFailed"]
    assert failures == ["States.Http.StatusCode.503"] * 2


# -- callbacks: the token travels through a real service to a person --------------------------

# AWS accepts .waitForTaskToken on service integrations such as lambda:invoke, not on
# http:invoke (the validator refuses that resource, as AWS does). "SendNotification" is the
# endpoint map's Lambda name for POST /notifications.
APPROVAL_PARAMETERS = {
    "FunctionName": "SendNotification",
    "Payload": {
        "userId.$": "$.user.userId",
        "channel": "email",
        "message.$": "States.Format('Approve your order: {}', $$.Task.Token)",
    },
}


def approval_flow() -> dict:
    return {
        "StartAt": "CreateUser",
        "States": {
            "CreateUser": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {
                    "ApiEndpoint": "http://users:8001/users",
                    "Method": "POST",
                    "Authentication": CONNECTION,
                    "RequestBody": {"name.$": "$.user.name", "email.$": "$.user.email"},
                },
                "ResultSelector": {"userId.$": "$.ResponseBody.userId"},
                "ResultPath": "$.user",
                "Next": "AwaitApproval",
            },
            "AwaitApproval": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": APPROVAL_PARAMETERS,
                "TimeoutSeconds": 120,
                "HeartbeatSeconds": 60,
                "ResultPath": "$.approval",
                "End": True,
            },
        },
    }


@pytest.fixture(scope="module")
def approval_machine(url):
    name = f"approval-{uuid.uuid4().hex[:8]}"
    response = aws(
        url,
        "CreateStateMachine",
        {"name": name, "roleArn": ROLE, "definition": json.dumps(approval_flow())},
    )
    assert response.status_code == 200, response.text
    return name


def token_from_notification(services, url: str, arn: str) -> str:
    created = await_event(url, arn, lambda e: e["type"] == "TaskSucceeded")
    user_id = json.loads(created["taskSucceededEventDetails"]["output"])["ResponseBody"]["userId"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # polling until the service got the approval request
        notes = requests.get(
            services.notifications.url + "/notifications", params={"userId": user_id}, timeout=5
        ).json()["notifications"]
        if notes:
            assert len(notes) == 1
            return notes[0]["message"].rsplit(" ", 1)[1]
        time.sleep(0.05)
    raise AssertionError("the approval request never reached the notifications service")


def test_callback_succeeds_with_send_task_success(services, url, sfn, approval_machine):
    started = start(url, approval_machine, order_input())
    token = token_from_notification(services, url, started["executionArn"])
    assert (
        requests.get(
            f"{url}/executions/{quote(started['executionArn'], safe='')}", timeout=10
        ).json()["status"]
        == "RUNNING"
    )  # it waits for the person
    sfn.send_task_heartbeat(taskToken=token)
    sfn.send_task_success(taskToken=token, output=json.dumps({"approved": True, "by": "Grace"}))
    done = wait(url, started["executionArn"])
    assert done["status"] == "SUCCEEDED", done
    assert done["output"]["approval"] == {"approved": True, "by": "Grace"}


def test_callback_fails_with_send_task_failure(services, url, sfn, approval_machine):
    started = start(url, approval_machine, order_input())
    token = token_from_notification(services, url, started["executionArn"])
    sfn.send_task_failure(taskToken=token, error="Rejected", cause="The reviewer said no")
    done = wait(url, started["executionArn"])
    assert (done["status"], done["error"], done["cause"]) == (
        "FAILED",
        "Rejected",
        "The reviewer said no",
    )
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=token, output="{}")  # answered once


# -- StopExecution while a Task call is in flight ------------------------------------------


def test_stop_execution_while_place_order_is_in_flight(services, url, sfn):
    requests.post(
        services.orders.url + "/chaos", json={"count": 1, "delayMs": 3000}, timeout=5
    ).raise_for_status()
    started = start(url, "order_flow", order_input())
    arn = started["executionArn"]
    entered = await_event(
        url,
        arn,
        lambda e: (
            e["type"] == "TaskStateEntered"
            and e["stateEnteredEventDetails"]["name"] == "PlaceOrder"
        ),
    )
    await_event(url, arn, lambda e: e["type"] == "TaskStarted" and e["id"] > entered["id"])
    sfn.stop_execution(executionArn=arn, error="Cancelled", cause="The customer changed their mind")
    done = wait(url, arn)
    assert (done["status"], done["error"], done["cause"]) == (
        "ABORTED",
        "Cancelled",
        "The customer changed their mind",
    )
    events = history(url, arn)
    assert events[-1]["type"] == "ExecutionAborted"
    assert not any(
        e["type"] == "TaskStateEntered"
        and e["stateEnteredEventDetails"]["name"] == "SendNotification"
        for e in events
    )


# -- bad definitions and bad inputs ----------------------------------------------------------


@pytest.mark.parametrize(
    "definition, expected",
    [
        (
            '{"StartAt": "Missing", "States": {"A": {"Type": "Pass", "End": true}}}',
            "MISSING_TRANSITION_TARGET: Missing 'StartAt' target: Missing at /StartAt",
        ),
        (
            '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}',
            "INVALID_JSON_DESCRIPTION",
        ),
        (
            json.dumps(
                {
                    "StartAt": "A",
                    "States": {
                        "A": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::http:invoke",
                            "End": True,
                            "Retry": [{"ErrorEquals": ["States.ALL", "Other"]}],
                        }
                    },
                }
            ),
            "SCHEMA_VALIDATION_FAILED: 'States.ALL' must appear alone in 'ErrorEquals' "
            "at /States/A/Retry/0/ErrorEquals",
        ),
    ],
    ids=["missing-target", "not-json", "states-all-not-alone"],
)
def test_bad_definitions_are_refused_with_their_diagnostics(url, definition, expected):
    created = aws(
        url,
        "CreateStateMachine",
        {"name": f"bad-{uuid.uuid4().hex[:8]}", "roleArn": ROLE, "definition": definition},
    )
    assert created.status_code == 400
    body = created.json()
    assert body["__type"].rsplit("#", 1)[-1] == "InvalidDefinition"
    assert (
        body["message"].startswith("Invalid State Machine Definition: '")
        and expected in body["message"]
    )
    validated = aws(url, "ValidateStateMachineDefinition", {"definition": definition}).json()
    assert validated["result"] == "FAIL" and validated["diagnostics"][0]["code"] in expected


def test_invalid_json_input_is_invalid_execution_input(url):
    machine = next(
        m
        for m in requests.get(url + "/state-machines", timeout=10).json()["stateMachines"]
        if m["name"] == "order_flow"
    )
    response = aws(
        url, "StartExecution", {"stateMachineArn": machine["stateMachineArn"], "input": "{not json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["__type"].rsplit("#", 1)[-1] == "InvalidExecutionInput"
    assert body["message"].startswith("Invalid State Machine Execution Input: ")


@pytest.mark.parametrize(
    "method, path, body, status, code",
    [
        (
            "post",
            "/executions",
            {"stateMachine": "no_such_flow", "input": {}},
            404,
            "StateMachineDoesNotExist",
        ),
        (
            "post",
            "/executions",
            {"stateMachine": "order_flow", "inputs": {}},
            400,
            "ValidationException",
        ),
        (
            "post",
            "/executions",
            {"stateMachine": "order_flow", "name": "has space"},
            400,
            "InvalidName",
        ),
        ("post", "/executions", "not json", 400, "BAD_REQUEST"),
        ("get", "/executions/order_flow:never-started", None, 404, "ExecutionDoesNotExist"),
        ("get", "/executions/not-an-id", None, 400, "InvalidArn"),
        ("get", "/executions", None, 400, "ValidationException"),
    ],
    ids=[
        "unknown-machine",
        "unknown-field",
        "bad-name",
        "body-not-json",
        "unknown-execution",
        "bad-id",
        "list-without-machine",
    ],
)
def test_rest_errors_are_json_with_a_clear_code(url, method, path, body, status, code):
    kwargs = {"data": body} if isinstance(body, str) else {"json": body}
    response = getattr(requests, method)(url + path, timeout=10, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"] == code and response.json()["message"]


def test_reusing_a_name_with_other_input_is_a_409(url):
    name = f"once-{uuid.uuid4().hex[:8]}"
    wait(url, start(url, "order_flow", order_input(), name=name)["executionArn"])
    again = requests.post(
        url + "/executions",
        timeout=10,
        json={"stateMachine": "order_flow", "input": order_input(), "name": name},
    )
    assert again.status_code == 409 and again.json()["error"] == "ExecutionAlreadyExists"


def test_an_input_the_flow_cannot_use_fails_with_a_clear_cause(url):
    started = start(url, "order_flow", {"items": []})
    done = wait(url, started["executionArn"])
    assert (done["status"], done["error"]) == ("FAILED", "States.Runtime")
    assert (
        "The JSONPath '$.user.name' specified for the field 'name.$' could not be found"
        in done["cause"]
    )
