"""The Task state: Invoke commands, Retry -> Catch -> fail, timeouts, history shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.asl.runner import Delayed, run

START = datetime(2024, 1, 1, tzinfo=UTC)
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:fn"
SERVICE = "arn:aws:states:::lambda:invoke"


def task(**fields):
    state = {"Type": "Task", "Resource": LAMBDA, "End": True}
    state.update(fields)
    states = {"T": state}
    if "Catch" in fields:
        states["Caught"] = {"Type": "Pass", "End": True}
    return {"StartAt": "T", "States": states}


class Script:
    """An invoke hook replaying a list of outcomes (values, errors or Delayed)."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.calls = []

    def __call__(self, command):
        self.calls.append(command)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, StatesError):
            raise outcome
        return outcome


def types(result):
    return [e["type"] for e in result.history]


def test_success_records_lambda_events_and_applies_the_pipeline():
    hook = Script({"r": 1})
    result = run(
        task(Parameters={"x.$": "$.a"}, ResultSelector={"y.$": "$.r"}, ResultPath="$.out"),
        {"a": 5},
        invoke=hook,
    )
    assert result.output == {"a": 5, "out": {"y": 1}}
    assert hook.calls[0].parameters == {"x": 5} and hook.calls[0].resource == LAMBDA
    assert types(result) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    scheduled = result.history[2]["lambdaFunctionScheduledEventDetails"]
    assert scheduled == {
        "input": '{"x":5}',
        "inputDetails": {"truncated": False},
        "resource": LAMBDA,
    }


def test_service_integration_records_task_events_with_resource_type():
    result = run(task(Resource=SERVICE, TimeoutSeconds=5), {}, invoke=Script({"ok": True}))
    assert types(result)[2:5] == ["TaskScheduled", "TaskStarted", "TaskSucceeded"]
    assert result.history[2]["taskScheduledEventDetails"] == {
        "parameters": "{}",
        "region": "us-east-1",
        "resource": "invoke",
        "resourceType": "lambda",
        "timeoutInSeconds": 5,
    }
    assert result.history[4]["taskSucceededEventDetails"]["resourceType"] == "lambda"


def test_retry_waits_with_backoff_then_succeeds():
    hook = Script(StatesError("Busy", "1"), StatesError("Busy", "2"), "done")
    retry = [{"ErrorEquals": ["Busy"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 5}]
    result = run(task(Retry=retry), {}, invoke=hook, start_time=START)
    assert result.output == "done"
    scheduled = [
        e["timestamp"] - START for e in result.history if e["type"] == "LambdaFunctionScheduled"
    ]
    assert scheduled == [timedelta(0), timedelta(seconds=2), timedelta(seconds=8)]
    assert [c.attempt for c in hook.calls] == [0, 1, 2]
    assert len({c.key for c in hook.calls}) == 1  # one idempotency key per state entry


def test_retriers_keep_separate_counters_and_max_attempts_zero_never_retries():
    retry = [
        {"ErrorEquals": ["A"], "MaxAttempts": 1, "IntervalSeconds": 1},
        {"ErrorEquals": ["B"], "MaxAttempts": 0},
    ]
    hook = Script(StatesError("A"), StatesError("B"))
    result = run(task(Retry=retry), {}, invoke=hook)
    assert (result.status, result.error, len(hook.calls)) == ("FAILED", "B", 2)


def test_catch_after_retries_are_exhausted_places_the_error_output():
    retry = [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}]
    catch = [
        {"ErrorEquals": ["Other"], "Next": "Caught"},
        {"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.err", "Next": "Caught"},
    ]
    hook = Script(StatesError("Boom", "c1"), StatesError("Boom", "c2"))
    result = run(task(Retry=retry, Catch=catch), {"keep": 1}, invoke=hook)
    assert result.output == {"keep": 1, "err": {"Error": "Boom", "Cause": "c2"}}
    assert types(result)[-4:] == [
        "TaskStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]


@pytest.mark.parametrize("error", ["States.Runtime", "States.DataLimitExceeded"])
def test_terminal_errors_are_neither_retried_nor_caught(error):
    hook = Script(StatesError(error, "x"))
    result = run(
        task(
            Retry=[{"ErrorEquals": ["States.ALL"]}],
            Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
        ),
        {},
        invoke=hook,
    )
    assert (result.status, result.error, len(hook.calls)) == ("FAILED", error, 1)


def test_timeout_races_the_invoke_and_is_caught_as_states_timeout():
    hook = Script(Delayed(60, value="late"))
    result = run(
        task(TimeoutSeconds=5, Catch=[{"ErrorEquals": ["States.Timeout"], "Next": "Caught"}]),
        {},
        invoke=hook,
        start_time=START,
    )
    assert result.output == {"Error": "States.Timeout", "Cause": ""}
    timed_out = next(e for e in result.history if e["type"] == "LambdaFunctionTimedOut")
    assert timed_out["timestamp"] - START == timedelta(seconds=5)
    assert timed_out["lambdaFunctionTimedOutEventDetails"] == {"error": "States.Timeout"}


def test_a_result_inside_the_timeout_wins_the_race():
    result = run(task(TimeoutSeconds=5), {}, invoke=Script(Delayed(4, value="fast")))
    assert result.output == "fast"


def test_timeout_seconds_path_and_task_token_reach_the_invoke():
    hook = Script("ok")
    definition = task(
        Resource="arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        TimeoutSecondsPath="$.t",
        HeartbeatSeconds=3,
        Parameters={"token.$": "$$.Task.Token"},
    )
    run(definition, {"t": 30}, invoke=hook)
    call = hook.calls[0]
    assert (call.timeout_seconds, call.heartbeat_seconds) == (30, 3)
    assert call.task_token and call.parameters == {"token": call.task_token}


def test_retry_count_is_visible_in_the_context_object():
    hook = Script(StatesError("E"), "ok")
    run(
        task(
            Parameters={"n.$": "$$.State.RetryCount"},
            Retry=[{"ErrorEquals": ["E"], "IntervalSeconds": 1}],
        ),
        {},
        invoke=hook,
    )
    assert [c.parameters for c in hook.calls] == [{"n": 0}, {"n": 1}]


def test_without_an_invoke_hook_a_task_fails_clearly():
    result = run(task(), {})
    assert result.error == "States.TaskFailed" and "no invoke hook" in result.cause
