"""Execution operations: Start (name idempotency), StartSync, Stop, Describe, List, and the
outcomes of Task calls through the worker pool."""

import json

import pytest
from engine_helpers import (
    PASS,
    SM_PREFIX,
    create,
    definition,
    event_types,
    fail_with,
    run_to_end,
)

from orchestrator.engine.errors import ApiError

HTTP = "arn:aws:states:::http:invoke"
LONG_WAIT = definition({"W": {"Type": "Wait", "Seconds": 100000, "End": True}})


def api_error(fn, request) -> ApiError:
    with pytest.raises(ApiError) as err:
        fn(request)
    return err.value


def test_start_and_describe_a_succeeded_execution(engine):
    sm = create(engine)
    started = engine.start_execution({"stateMachineArn": sm, "name": "run-1", "input": '{"a": 1}'})
    assert started["executionArn"] == "arn:aws:states:us-east-1:123456789012:execution:sm:run-1"
    out = engine.wait_for(started["executionArn"], 30)
    assert out == {
        "executionArn": started["executionArn"],
        "stateMachineArn": sm,
        "name": "run-1",
        "status": "SUCCEEDED",
        "startDate": started["startDate"],
        "stopDate": out["stopDate"],
        "input": '{"a": 1}',
        "inputDetails": {"included": True},
        "output": '{"ok":true}',
        "outputDetails": {"included": True},
        "redriveCount": 0,
        "redriveStatus": "NOT_REDRIVABLE",
        "redriveStatusReason": "Execution is SUCCEEDED and cannot be redriven",
    }
    assert out["stopDate"] >= out["startDate"]
    history = engine.get_execution_history({"executionArn": started["executionArn"]})["events"]
    # The ExecutionStarted event carries the startDate StartExecution answered.
    assert history[0]["timestamp"] == started["startDate"]
    meta = engine.describe_execution(
        {"executionArn": started["executionArn"], "includedData": "METADATA_ONLY"}
    )
    assert "input" not in meta and "output" not in meta
    assert meta["inputDetails"] == {"included": False}


def test_generated_names_are_uuids(engine):
    import uuid

    sm = create(engine)
    arn = engine.start_execution({"stateMachineArn": sm})["executionArn"]
    uuid.UUID(arn.rsplit(":", 1)[1])
    assert engine.wait_for(arn, 30)["input"] == "{}"


def test_name_idempotency(engine):
    sm = create(engine, defn=LONG_WAIT)
    first = engine.start_execution({"stateMachineArn": sm, "name": "n", "input": '{"x": 1}'})
    # "same name and input as a running execution ... the same response"
    again = engine.start_execution({"stateMachineArn": sm, "name": "n", "input": '{"x": 1}'})
    assert again == first
    err = api_error(
        engine.start_execution, {"stateMachineArn": sm, "name": "n", "input": '{"x": 2}'}
    )
    assert (err.code, err.message) == (
        "ExecutionAlreadyExists",
        f"Execution Already Exists: '{first['executionArn']}'",
    )
    engine.stop_execution({"executionArn": first["executionArn"]})
    # "If the execution is closed ... ExecutionAlreadyExists"
    err = api_error(
        engine.start_execution, {"stateMachineArn": sm, "name": "n", "input": '{"x": 1}'}
    )
    assert err.code == "ExecutionAlreadyExists"


@pytest.mark.parametrize(
    "patch,code",
    [
        ({"stateMachineArn": SM_PREFIX + "nope"}, "StateMachineDoesNotExist"),
        ({"stateMachineArn": "nope"}, "InvalidArn"),
        ({"name": "a b"}, "InvalidName"),
        ({"input": "{not json"}, "InvalidExecutionInput"),
        ({"input": json.dumps({"big": "x" * 262144})}, "ValidationException"),
    ],
)
def test_start_errors(engine, patch, code):
    sm = create(engine)
    err = api_error(engine.start_execution, {"stateMachineArn": sm, **patch})
    assert err.code == code
    if code == "InvalidExecutionInput":
        assert err.message.startswith("Invalid State Machine Execution Input: '")


def test_stop_execution(engine):
    sm = create(engine, defn=LONG_WAIT)
    arn = engine.start_execution({"stateMachineArn": sm})["executionArn"]
    out = engine.stop_execution({"executionArn": arn, "error": "Manual", "cause": "by test"})
    desc = engine.describe_execution({"executionArn": arn})
    assert desc["status"] == "ABORTED" and desc["stopDate"] == out["stopDate"]
    assert (desc["error"], desc["cause"]) == ("Manual", "by test")
    events = engine.get_execution_history({"executionArn": arn})["events"]
    assert [e["type"] for e in events] == [
        "ExecutionStarted",
        "WaitStateEntered",
        "ExecutionAborted",
    ]
    assert events[-1]["previousEventId"] == 2
    assert events[-1]["executionAbortedEventDetails"] == {"cause": "by test", "error": "Manual"}
    # Stopping a closed execution changes nothing.
    assert engine.stop_execution({"executionArn": arn}) == out
    assert (
        api_error(engine.stop_execution, {"executionArn": arn + "x"}).code
        == "ExecutionDoesNotExist"
    )


@pytest.mark.parametrize(
    "operation",
    ["describe_execution", "get_execution_history", "describe_state_machine_for_execution"],
)
def test_unknown_execution(engine, operation):
    arn = "arn:aws:states:us-east-1:123456789012:execution:sm:nope"
    err = api_error(getattr(engine, operation), {"executionArn": arn})
    assert (err.code, err.message) == (
        "ExecutionDoesNotExist",
        f"Execution Does Not Exist: '{arn}'",
    )
    assert (
        api_error(getattr(engine, operation), {"executionArn": SM_PREFIX + "x"}).code
        == "InvalidArn"
    )


def test_list_executions_filter_and_paging(engine):
    sm = create(engine, defn=LONG_WAIT)
    waiting = [
        engine.start_execution({"stateMachineArn": sm, "name": f"w{i}"})["executionArn"]
        for i in range(3)
    ]
    engine.stop_execution({"executionArn": waiting[0]})
    out = engine.list_executions({"stateMachineArn": sm, "statusFilter": "RUNNING"})
    assert [e["name"] for e in out["executions"]] == ["w2", "w1"]  # newest first
    assert all("stopDate" not in e for e in out["executions"])
    names, token = [], None
    while True:
        request = {"stateMachineArn": sm, "maxResults": 2}
        if token:
            request["nextToken"] = token
        page = engine.list_executions(request)
        names += [e["name"] for e in page["executions"]]
        token = page.get("nextToken")
        if not token:
            break
    assert names == ["w2", "w1", "w0"]
    aborted = engine.list_executions({"stateMachineArn": sm, "statusFilter": "ABORTED"})
    assert [(e["name"], e["status"]) for e in aborted["executions"]] == [("w0", "ABORTED")]
    assert aborted["executions"][0]["stopDate"]
    for patch, code in [
        ({"nextToken": "zz"}, "InvalidToken"),
        ({"stateMachineArn": SM_PREFIX + "x"}, "StateMachineDoesNotExist"),
        ({"maxResults": 1001}, "ValidationException"),
    ]:
        assert api_error(engine.list_executions, {"stateMachineArn": sm, **patch}).code == code


def test_task_results_retries_and_catch(engine, invoker):
    attempts = []

    def flaky(invoke):
        attempts.append(invoke.attempt)
        if len(attempts) < 3:
            raise __import__("orchestrator.asl.errors", fromlist=["x"]).StatesError(
                "States.Http.StatusCode.503", "busy"
            )
        return {"n": len(attempts)}

    invoker.handlers[HTTP] = flaky
    invoker.handlers["arn:aws:states:::lambda:invoke"] = fail_with("Boom", "it broke")
    sm = create(
        engine,
        defn=definition(
            {
                "Call": {
                    "Type": "Task",
                    "Resource": HTTP,
                    "Parameters": {"x.$": "$.x"},
                    "Retry": [
                        {
                            "ErrorEquals": ["States.ALL"],
                            "IntervalSeconds": 30,
                            "MaxAttempts": 5,
                            "BackoffRate": 2,
                        }
                    ],
                    "ResultPath": "$.call",
                    "Next": "Broken",
                },
                "Broken": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": "f"},
                    "End": True,
                    "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.err", "Next": "Done"}],
                },
                "Done": {"Type": "Pass", "End": True},
            }
        ),
    )
    out = run_to_end(engine, sm, '{"x": 7}')
    assert out["status"] == "SUCCEEDED"
    assert json.loads(out["output"]) == {
        "x": 7,
        "call": {"n": 3},
        "err": {"Error": "Boom", "Cause": "it broke"},
    }
    assert attempts == [0, 1, 2]
    keys = {c.key for c in invoker.calls if c.resource == HTTP}
    assert len(keys) == 1  # one idempotency key for every attempt of one state entry
    assert event_types(engine, out["executionArn"]).count("TaskFailed") == 3


def test_failed_execution_and_non_json_result(engine, invoker):
    invoker.handlers[HTTP] = lambda invoke: {1, 2}  # a set is not JSON
    sm = create(engine, defn=definition({"T": {"Type": "Task", "Resource": HTTP, "End": True}}))
    out = run_to_end(engine, sm)
    assert out["status"] == "FAILED" and out["error"] == "States.Runtime"
    assert "not JSON" in out["cause"]
    invoker.handlers[HTTP] = lambda invoke: 1 / 0  # a resource bug, not an engine crash
    out = run_to_end(engine, sm)
    assert (out["status"], out["error"]) == ("FAILED", "States.TaskFailed")
    assert "ZeroDivisionError" in out["cause"]


def test_task_timeout_races_a_slow_call(engine, invoker):
    import threading

    release = threading.Event()
    invoker.handlers[HTTP] = lambda invoke: release.wait(30) and {"late": True}
    sm = create(
        engine,
        defn=definition(
            {"T": {"Type": "Task", "Resource": HTTP, "TimeoutSeconds": 5, "End": True}}
        ),
    )
    out = run_to_end(engine, sm)  # 5 s at time scale 0.001
    release.set()
    assert (out["status"], out["error"]) == ("FAILED", "States.Timeout")
    assert "TaskTimedOut" in event_types(engine, out["executionArn"])


def test_execution_timeout(engine):
    sm = create(
        engine,
        defn=definition({"W": {"Type": "Wait", "Seconds": 50, "End": True}}, TimeoutSeconds=10),
    )
    out = run_to_end(engine, sm)
    assert (out["status"], out["error"]) == ("TIMED_OUT", "States.Timeout")


def test_wait_time_is_consistent_under_the_time_scale(make_engine):
    """After a scaled wait, the execution clock has reached the deadline it asked for."""
    engine = make_engine(time_scale=0.0001)
    sm = create(
        engine,
        defn=definition(
            {
                "W": {"Type": "Wait", "Seconds": 3600, "Next": "P"},
                "P": {"Type": "Pass", "Parameters": {"t.$": "$$.State.EnteredTime"}, "End": True},
            }
        ),
    )
    out = run_to_end(engine, sm)
    events = engine.get_execution_history({"executionArn": out["executionArn"]})["events"]
    entered, exited = events[1]["timestamp"], events[2]["timestamp"]
    assert (exited - entered).total_seconds() >= 3600
    assert (out["stopDate"] - out["startDate"]).total_seconds() >= 3600


def test_express_sync_and_async(engine):
    sm = create(engine, "fast", PASS, type="EXPRESS")
    out = engine.start_sync_execution({"stateMachineArn": sm, "input": '{"q": 1}'})
    assert out["status"] == "SUCCEEDED" and out["output"] == '{"ok":true}'
    assert out["executionArn"].startswith("arn:aws:states:us-east-1:123456789012:express:fast:")
    assert out["name"] == out["executionArn"].split(":")[7]
    assert out["input"] == '{"q": 1}' and out["billingDetails"]["billedMemoryUsedInMB"] == 64
    failing = create(
        engine,
        "failing",
        definition({"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}),
        type="EXPRESS",
    )
    out = engine.start_sync_execution({"stateMachineArn": failing})
    assert (out["status"], out["error"], out["cause"]) == ("FAILED", "E", "C")
    assert "output" not in out
    standard = create(engine, "std", PASS)
    assert (
        api_error(engine.start_sync_execution, {"stateMachineArn": standard}).code
        == "StateMachineTypeNotSupported"
    )
    started = engine.start_execution({"stateMachineArn": sm})
    assert ":express:fast:" in started["executionArn"]
    assert engine.wait_for(started["executionArn"], 30)["status"] == "SUCCEEDED"
    # Express executions are not journaled, and AWS does not list them.
    assert (
        api_error(engine.list_executions, {"stateMachineArn": sm}).code
        == "StateMachineTypeNotSupported"
    )


def test_an_engine_bug_fails_only_that_execution(engine, monkeypatch):
    from orchestrator.engine.run import Run

    sm = create(engine, defn=LONG_WAIT)

    def broken(self):
        raise RuntimeError("simulated engine bug")

    monkeypatch.setattr(Run, "_number_commands", broken)
    arn = engine.start_execution({"stateMachineArn": sm})["executionArn"]
    out = engine.wait_for(arn, 30)
    assert (out["status"], out["error"]) == ("FAILED", "States.Runtime")
    assert "simulated engine bug" in out["cause"]
    assert event_types(engine, arn) == ["ExecutionStarted", "WaitStateEntered", "ExecutionFailed"]
    monkeypatch.undo()
    assert run_to_end(engine, create(engine, "fine", PASS))["status"] == "SUCCEEDED"


def test_task_timeouts_stay_real_seconds_by_default(make_engine, invoker):
    """TimeoutSeconds bounds real work: at time scale 0.001 a 1 s Task timeout still lets a
    50 ms call finish (scaled, it would be 1 ms), while the 20 s Wait is scaled."""
    import threading

    invoker.handlers[HTTP] = lambda invoke: threading.Event().wait(0.05) or {"slow": True}
    engine = make_engine(time_scale=0.001, scale_task_timeouts=False)
    sm = create(
        engine,
        defn=definition(
            {
                "W": {"Type": "Wait", "Seconds": 20, "Next": "T"},
                "T": {"Type": "Task", "Resource": HTTP, "TimeoutSeconds": 1, "End": True},
            }
        ),
    )
    out = run_to_end(engine, sm)
    assert (out["status"], out["output"]) == ("SUCCEEDED", '{"slow":true}')
