"""TestState through the engine: one state, one attempt; a Task without a mock calls the
engine's own Task resources; the statuses, the inspection levels and the request errors."""

from __future__ import annotations

import json

import pytest
from engine_helpers import ROLE, fail_with

from orchestrator.asl.errors import StatesError
from orchestrator.engine.errors import ApiError

ECHO = "arn:aws:lambda:us-east-1:123456789012:function:echo"


def ask(engine, state: dict, **request) -> dict:
    for key in ("input", "variables", "context"):
        if key in request and not isinstance(request[key], str):
            request[key] = json.dumps(request[key])
    return engine.test_state({"definition": json.dumps(state), **request})


def test_a_pass_state_shows_each_step_of_its_pipeline_at_debug(engine):
    state = {
        "Type": "Pass",
        "InputPath": "$.order",
        "Parameters": {"id.$": "$.id", "kind": "book"},
        "ResultPath": "$.placed",
        "Next": "Ship",
    }
    out = ask(engine, state, input={"order": {"id": 7}}, inspectionLevel="DEBUG")
    assert out["status"] == "SUCCEEDED" and out["nextState"] == "Ship"
    # ResultPath places the result in the state's own input.
    placed = {"order": {"id": 7}, "placed": {"id": 7, "kind": "book"}}
    assert json.loads(out["output"]) == placed
    data = {k: json.loads(v) for k, v in out["inspectionData"].items()}
    assert data == {
        "input": {"order": {"id": 7}},
        "afterInputPath": {"id": 7},
        "afterParameters": {"id": 7, "kind": "book"},
        "afterResultSelector": {"id": 7, "kind": "book"},
        "afterResultPath": placed,
    }
    info = ask(engine, state, input={"order": {"id": 7}})
    assert "inspectionData" not in info and info["output"] == out["output"]


def test_a_task_without_a_mock_calls_its_resource_once(engine, invoker):
    invoker.handlers[ECHO] = lambda invoke: {"got": invoke.parameters}
    state = {"Type": "Task", "Resource": ECHO, "ResultSelector": {"v.$": "$.got"}, "End": True}
    out = ask(engine, state, input={"a": 1}, roleArn=ROLE, inspectionLevel="TRACE")
    assert out["status"] == "SUCCEEDED" and "nextState" not in out
    assert json.loads(out["output"]) == {"v": {"a": 1}}
    assert json.loads(out["inspectionData"]["result"]) == {"got": {"a": 1}}
    assert len(invoker.calls) == 1


def test_retriable_caught_and_failed(engine, invoker):
    invoker.handlers[ECHO] = fail_with("Busy", "try later")
    state = {
        "Type": "Task",
        "Resource": ECHO,
        "Retry": [{"ErrorEquals": ["Busy"], "MaxAttempts": 2, "IntervalSeconds": 3}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Fallback"}],
        "End": True,
    }
    retriable = ask(engine, state, roleArn=ROLE, inspectionLevel="DEBUG")
    assert (retriable["status"], retriable["error"], retriable["cause"]) == (
        "RETRIABLE",
        "Busy",
        "try later",
    )
    assert retriable["inspectionData"]["errorDetails"] == {
        "retryBackoffIntervalSeconds": 3,
        "retryIndex": 0,
    }
    second = ask(
        engine,
        state,
        roleArn=ROLE,
        inspectionLevel="DEBUG",
        stateConfiguration={"retrierRetryCount": 1},
    )
    assert second["inspectionData"]["errorDetails"]["retryBackoffIntervalSeconds"] == 6
    caught = ask(
        engine,
        state,
        input={"k": 1},
        roleArn=ROLE,
        inspectionLevel="DEBUG",
        stateConfiguration={"retrierRetryCount": 2},
    )
    assert caught["status"] == "CAUGHT_ERROR" and caught["nextState"] == "Fallback"
    assert json.loads(caught["output"]) == {
        "k": 1,
        "error": {"Error": "Busy", "Cause": "try later"},
    }
    assert caught["inspectionData"]["errorDetails"] == {"catchIndex": 0}
    del state["Catch"]
    failed = ask(engine, state, roleArn=ROLE, stateConfiguration={"retrierRetryCount": 2})
    assert (failed["status"], failed["error"]) == ("FAILED", "Busy")
    assert len(invoker.calls) == 4  # one call per TestState, never a retry


def test_mocks_stand_for_the_work(engine, invoker):
    task = {"Type": "Task", "Resource": ECHO, "End": True}
    mocked = ask(engine, task, mock={"result": '{"m": true}'})
    assert mocked["status"] == "SUCCEEDED" and json.loads(mocked["output"]) == {"m": True}
    failed = ask(engine, task, mock={"errorOutput": {"error": "Nope", "cause": "mocked"}})
    assert (failed["status"], failed["error"], failed["cause"]) == ("FAILED", "Nope", "mocked")
    assert invoker.calls == []
    fan_out = {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "I",
            "States": {"I": {"Type": "Pass", "End": True}},
        },
        "ToleratedFailureCount": 1,
        "End": True,
    }
    ok = ask(
        engine,
        fan_out,
        input=[1, 2, 3],
        mock={"result": "[1, 2, 3]"},
        inspectionLevel="DEBUG",
        stateConfiguration={"mapIterationFailureCount": 1},
    )
    assert ok["status"] == "SUCCEEDED" and ok["inspectionData"]["toleratedFailureCount"] == 1
    over = ask(
        engine,
        fan_out,
        input=[1, 2, 3],
        mock={"result": "[1, 2, 3]"},
        stateConfiguration={"mapIterationFailureCount": 2},
    )
    assert over["error"] == "States.ExceedToleratedFailureThreshold"


def test_variables_context_choice_and_wait(engine):
    choice = {
        "Type": "Choice",
        "Choices": [{"Variable": "$limit", "NumericGreaterThan": 5, "Next": "Big"}],
        "Default": "Small",
    }
    assert ask(engine, choice, variables={"limit": 9})["nextState"] == "Big"
    assert ask(engine, choice, variables={"limit": 1})["nextState"] == "Small"
    # A day-long Wait answers at once (virtual time).
    wait = {"Type": "Wait", "Seconds": 86400, "Next": "After"}
    assert ask(engine, wait)["nextState"] == "After"
    given = {"Execution": {"Name": "run-1"}}
    echo = {"Type": "Pass", "Parameters": {"ctx.$": "$$"}, "End": True}
    out = ask(engine, echo, context=given)
    assert json.loads(out["output"]) == {"ctx": given}
    machine = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Pass", "Result": "b", "Next": "C"},
            "C": {"Type": "Succeed"},
        },
    }
    named = ask(engine, machine, stateName="B")
    assert (named["output"], named["nextState"]) == ('"b"', "C")


@pytest.mark.parametrize(
    "state, request_fields, code, message",
    [
        ({"Type": "Nope"}, {}, "InvalidDefinition", "SCHEMA_VALIDATION_FAILED"),
        (
            {"Type": "Pass", "End": True},
            {"mock": {"result": "{}"}},
            "ValidationException",
            "State type 'Pass' is not supported when a mock is specified",
        ),
        (
            {"Type": "Task", "Resource": ECHO, "End": True},
            {},
            "ValidationException",
            "RoleArn must be specified when testing a Task state",
        ),
        (
            {
                "Type": "Parallel",
                "Branches": [{"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}],
                "End": True,
            },
            {},
            "InvalidDefinition",
            "does not support Map or Parallel",
        ),
        (
            {
                "Type": "Task",
                "Resource": "arn:aws:states:us-east-1:123456789012:activity:work",
                "End": True,
            },
            {"roleArn": ROLE},
            "InvalidDefinition",
            "when a mock is specified",
        ),
        (
            {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}},
            {"stateName": "Z"},
            "ValidationException",
            "State not found in definition",
        ),
        ({"Type": "Pass", "End": True}, {"input": "{not json"}, "InvalidExecutionInput", "input"),
        (
            {"Type": "Task", "Resource": ECHO, "End": True},
            {"mock": {"result": "nope"}},
            "ValidationException",
            "Mocked result must be valid JSON",
        ),
    ],
)
def test_requests_are_checked(engine, state, request_fields, code, message):
    with pytest.raises(ApiError) as raised:
        ask(engine, state, **request_fields)
    assert raised.value.code == code and message in str(raised.value)


def test_a_mocked_result_is_checked_against_the_resource_model(engine):
    put = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": True}
    bad = {"result": '{"ConsumedCapacity": {"CapacityUnits": "1.5"}}'}
    with pytest.raises(ApiError) as raised:
        ask(engine, put, mock=bad)
    assert "Field 'CapacityUnits' must be a number" in str(raised.value)
    loose = ask(engine, put, mock={**bad, "fieldValidationMode": "NONE"})
    assert loose["status"] == "SUCCEEDED"


def test_a_failing_resource_is_the_state_failure_not_an_api_error(engine, invoker):
    def broken(invoke):
        raise StatesError("States.TaskFailed", "boom")

    invoker.handlers[ECHO] = broken
    out = ask(engine, {"Type": "Task", "Resource": ECHO, "End": True}, roleArn=ROLE)
    assert (out["status"], out["error"], out["cause"]) == ("FAILED", "States.TaskFailed", "boom")
