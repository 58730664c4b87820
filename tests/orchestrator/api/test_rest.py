"""The REST facade for curl: executions by name or ARN, history, listings, health."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from fake_engine import machine_arn

from orchestrator.engine.errors import ApiError, StoreUnavailable

DEFINITION = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:flow:run1"


@pytest.fixture
def flow(engine):
    for name in ("other", "flow", "third"):  # more than one page of state machines (page size 2)
        engine.create_state_machine(
            {"name": name, "definition": DEFINITION, "roleArn": "arn:aws:iam::1:role/r"}
        )
    engine.calls.clear()
    return machine_arn("flow")


def start(client, **body):
    return client.post("/executions", json=body)


def test_start_by_name_resolves_the_arn_and_sends_input_as_json_text(client, engine, flow):
    response = start(client, stateMachine="flow", input={"a": [1, "\u00e9"]}, name="run1")
    assert response.status_code == 201
    assert response.json["executionArn"] == EXECUTION
    assert response.json["startDate"] == "2024-01-02T03:04:05.678Z"
    assert response.headers["Location"] == "/executions/" + quote(EXECUTION, safe="")
    assert engine.calls[-1] == (
        "start_execution",
        {"stateMachineArn": flow, "input": '{"a":[1,"\u00e9"]}', "name": "run1"},
    )


def test_start_by_arn_and_default_input(client, engine, flow):
    assert start(client, stateMachine=flow).status_code == 201
    assert engine.calls == [("start_execution", {"stateMachineArn": flow, "input": "{}"})]


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"stateMachine": "missing"}, 404, "StateMachineDoesNotExist"),
        ({}, 400, "ValidationException"),
        ({"stateMachine": "flow", "name": "x" * 81}, 400, "ValidationException"),
        ({"stateMachine": "flow", "inptu": {}}, 400, "ValidationException"),
    ],
    ids=["unknown-machine", "no-machine", "name-too-long", "unknown-field"],
)
def test_start_errors(client, flow, body, status, code):
    response = client.post("/executions", json=body)
    assert (response.status_code, response.json["error"]) == (status, code)
    assert response.json["message"]


def test_start_with_a_non_object_body_is_400(client, flow):
    response = client.post("/executions", data="[1]", content_type="application/json")
    assert (response.status_code, response.json["error"]) == (400, "BAD_REQUEST")


def test_duplicate_name_is_409(client, engine, flow):
    start(client, stateMachine="flow", name="run1")
    engine.fail_with = ApiError("ExecutionAlreadyExists", "Execution Already Exists: 'x'")
    response = start(client, stateMachine="flow", name="run1")
    assert (response.status_code, response.json["error"]) == (409, "ExecutionAlreadyExists")


@pytest.mark.parametrize(
    "ident",
    [EXECUTION, quote(EXECUTION, safe=""), "flow:run1"],
    ids=["arn", "url-encoded-arn", "machine:execution"],
)
def test_describe_by_any_id_form(client, flow, ident):
    start(client, stateMachine="flow", input={"n": 1}, name="run1")
    response = client.get("/executions/" + ident)
    assert response.status_code == 200
    assert response.json["executionArn"] == EXECUTION
    assert response.json["input"] == {"n": 1} and response.json["output"] == {
        "n": 1
    }  # JSON values, not text
    assert response.json["stopDate"] == "2024-01-02T03:04:06.678Z"


@pytest.mark.parametrize(
    "ident, status, code",
    [
        ("flow:nope", 404, "ExecutionDoesNotExist"),
        ("nope:run1", 404, "StateMachineDoesNotExist"),
        ("just-a-name", 400, "InvalidArn"),
        ("a:b:c", 400, "InvalidArn"),
    ],
    ids=["no-execution", "no-machine", "no-colon", "too-many-colons"],
)
def test_describe_errors(client, flow, ident, status, code):
    response = client.get("/executions/" + ident)
    assert (response.status_code, response.json["error"]) == (status, code)


def test_describe_with_wait_blocks_on_the_engine(client, engine, flow):
    start(client, stateMachine="flow", name="run1")
    assert client.get("/executions/flow:run1?wait=2.5").status_code == 200
    assert engine.waited == [(EXECUTION, 2.5)]
    assert client.get("/executions/flow:run1?wait=9999").status_code == 200
    assert engine.waited[-1] == (EXECUTION, 300.0)
    assert client.get("/executions/flow:run1?wait=soon").status_code == 400


def test_history_collects_every_page_in_order(client, engine, flow):
    start(client, stateMachine="flow", name="run1")
    forward = client.get("/executions/flow:run1/history").json["events"]
    assert [e["id"] for e in forward] == [1, 2, 3]  # three events over two pages of two
    assert forward[0]["timestamp"] == "2024-01-02T03:04:05.678Z"
    backward = client.get(
        "/executions/%s/history?reverseOrder=true" % quote(EXECUTION, safe="")
    ).json["events"]
    assert [e["id"] for e in backward] == [3, 2, 1]


def test_history_of_a_missing_execution_is_404(client, flow):
    assert client.get("/executions/flow:nope/history").status_code == 404


def test_list_state_machines_collects_every_page(client, flow):
    machines = client.get("/state-machines").json["stateMachines"]
    assert [m["name"] for m in machines] == ["other", "flow", "third"]
    assert machines[0]["creationDate"] == "2024-01-02T03:04:05.678Z"


def test_list_executions_of_a_machine(client, flow):
    for n in range(3):
        start(client, stateMachine="flow", name="run%d" % n)
    assert len(client.get("/executions?stateMachine=flow").json["executions"]) == 3
    assert client.get("/executions?stateMachine=flow&status=RUNNING").json["executions"] == []
    assert (
        client.get("/executions?stateMachine=flow&status=NOPE").json["error"]
        == "ValidationException"
    )
    assert client.get("/executions").status_code == 400


def test_health_and_ready(client, engine):
    assert client.get("/health").json == {"status": "ok"}
    assert client.get("/ready").json == {"status": "ready"}
    engine.fail_with = RuntimeError("journal is gone")
    response = client.get("/ready")
    assert response.status_code == 503 and "journal is gone" in response.json["message"]


def test_unknown_route_and_method_are_json(client):
    response = client.get("/nope")
    assert (response.status_code, response.json["error"]) == (404, "NOT_FOUND")
    response = client.delete("/state-machines")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    "error, status",
    [
        (ApiError("ExecutionDoesNotExist", "Execution Does Not Exist: 'x'"), 404),
        (ApiError("ThrottlingException", "Rate exceeded"), 429),
        (StoreUnavailable("disk full"), 503),
    ],
    ids=["missing", "throttled", "unavailable"],
)
def test_rest_and_console_answer_engine_errors_alike(client, engine, flow, error, status):
    engine.fail_with = error
    rest = client.get("/executions/" + quote(EXECUTION, safe=""))
    console = client.get("/console/api/executions/%s/history" % EXECUTION)
    for response in (rest, console):
        assert response.status_code == status
        assert response.json == {"error": error.code, "message": error.message}
        assert response.headers.get("Retry-After") == ("1" if status in (429, 503) else None)
