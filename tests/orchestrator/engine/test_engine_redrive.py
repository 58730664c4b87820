"""RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution continues under the same ARN
from what did not succeed - at the top level, inside Parallel branches and inside Map
iterations - and no step that succeeded runs again (each Task resource sees exactly one
extra call for the step that failed)."""

import json
from collections import Counter

import pytest
from engine_helpers import SM_PREFIX, create, definition, event_types, history, wait_until_waiting

from orchestrator.asl.errors import StatesError
from orchestrator.engine.errors import ApiError

SM = SM_PREFIX + "sm"


def flaky(failures: int, result=None):
    """A handler that fails ``failures`` times, then answers ``result`` (or echoes)."""
    state = {"left": failures}

    def handler(invoke):
        if state["left"] > 0:
            state["left"] -= 1
            raise StatesError("Service.Down", "try again later")
        return result if result is not None else {"done": invoke.parameters}

    return handler


FN = "arn:aws:lambda:us-east-1:123456789012:function:"


def task(name: str, **fields) -> dict:
    """A Task on the Lambda function ``name`` (served by the fake invoker)."""
    resource = name if name.startswith("arn:") else FN + name
    return {"Type": "Task", "Resource": resource, **fields}


def run(engine, defn: str, input_text: str = "{}") -> str:
    create(engine, defn=defn)
    arn = engine.start_execution({"stateMachineArn": SM, "name": "e", "input": input_text})[
        "executionArn"
    ]
    engine.wait_for(arn, 30)
    return arn


def redrive(engine, arn: str) -> dict:
    out = engine.redrive_execution({"executionArn": arn})
    assert out["redriveDate"].tzinfo is not None
    return engine.wait_for(arn, 30)


def calls(invoker) -> Counter:
    return Counter(c.resource.rsplit(":", 1)[1] for c in invoker.calls)


def test_a_failed_task_runs_again_and_the_ones_before_do_not(engine, invoker):
    invoker.handlers[FN + "B"] = flaky(1)
    arn = run(engine, definition({"A": task("A", Next="B"), "B": task("B", End=True)}))
    failed = engine.describe_execution({"executionArn": arn})
    assert (failed["status"], failed["redriveStatus"], failed["redriveCount"]) == (
        "FAILED",
        "REDRIVABLE",
        0,
    )
    assert "redriveStatusReason" not in failed
    out = redrive(engine, arn)
    assert out["status"] == "SUCCEEDED"
    assert calls(invoker) == {"A": 1, "B": 2}
    assert (out["redriveCount"], out["redriveStatus"]) == (1, "NOT_REDRIVABLE")
    assert out["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"
    assert "error" not in out and "redriveDate" in out
    types = event_types(engine, arn)
    at = types.index("ExecutionFailed")
    assert types[at + 1] == "ExecutionRedriven"
    assert types[at + 2 :] == [
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    events = history(engine, arn)
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert events[at + 1]["executionRedrivenEventDetails"] == {"redriveCount": 1}
    err = pytest.raises(ApiError, engine.redrive_execution, {"executionArn": arn}).value
    assert (err.code, err.message) == (
        "ExecutionNotRedrivable",
        "Execution is SUCCEEDED and cannot be redriven",
    )


def test_inside_a_parallel_branch_only_the_failed_branch_runs_again(engine, invoker):
    invoker.handlers[FN + "Y"] = flaky(1)
    defn = definition(
        {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {"StartAt": "X", "States": {"X": task("X", End=True)}},
                    {
                        # X is done before Y fails (1 s here): a branch still running
                        # when another fails is aborted, and a redrive runs it again.
                        "StartAt": "Later",
                        "States": {
                            "Later": {"Type": "Wait", "Seconds": 1000, "Next": "Y0"},
                            "Y0": task("Y0", Next="Y"),
                            "Y": task("Y", End=True),
                        },
                    },
                ],
            }
        }
    )
    arn = run(engine, defn, '{"n": 1}')
    assert engine.describe_execution({"executionArn": arn})["status"] == "FAILED"
    out = redrive(engine, arn)
    assert out["status"] == "SUCCEEDED", out
    assert calls(invoker) == {"X": 1, "Y0": 1, "Y": 2}
    assert len(json.loads(out["output"])) == 2


def test_inside_a_map_only_the_failed_iteration_runs_again(engine, invoker):
    invoker.handlers[FN + "Item"] = lambda invoke: (
        flaky_item(invoke) if invoke.parameters == 3 else {"item": invoke.parameters}
    )
    state = {"left": 1}

    def flaky_item(invoke):
        if state["left"]:
            state["left"] -= 1
            raise StatesError("Service.Down", None)
        return {"item": 3}

    defn = definition(
        {
            "M": {
                "Type": "Map",
                "End": True,
                "MaxConcurrency": 1,  # items 4 and 5 never start before item 3 fails
                "ItemProcessor": {"StartAt": "T", "States": {"T": task("Item", End=True)}},
            }
        }
    )
    arn = run(engine, defn, "[1, 2, 3, 4, 5]")
    assert engine.describe_execution({"executionArn": arn})["status"] == "FAILED"
    out = redrive(engine, arn)
    assert out["status"] == "SUCCEEDED", out
    per_item = Counter(c.parameters for c in invoker.calls)
    assert per_item == {1: 1, 2: 1, 3: 2, 4: 1, 5: 1}
    assert json.loads(out["output"]) == [{"item": i} for i in range(1, 6)]


def test_an_aborted_execution_continues_where_it_was_stopped(engine, invoker):
    defn = definition(
        {
            "A": task("A", Next="W"),
            "W": {"Type": "Wait", "Seconds": 2000, "Next": "B"},
            "B": task("B", End=True),
        }
    )
    create(engine, defn=defn)
    arn = engine.start_execution({"stateMachineArn": SM})["executionArn"]
    wait_until_waiting(engine, arn)
    engine.stop_execution({"executionArn": arn, "error": "Ops", "cause": "paused"})
    assert engine.wait_for(arn, 30)["status"] == "ABORTED"
    out = redrive(engine, arn)
    assert out["status"] == "SUCCEEDED"
    assert calls(invoker) == {"A": 1, "B": 1}


def test_a_timed_out_execution_gets_its_timeout_again(engine, invoker):
    """TimeoutSeconds 300 (0.3 s here) on a callback never answered; after the redrive the
    answer arrives in time."""
    defn = definition(
        {
            "T": task(
                "arn:aws:states:::lambda:invoke.waitForTaskToken",
                Parameters={"t.$": "$$.Task.Token"},
                End=True,
            )
        },
        TimeoutSeconds=300,
    )
    arn = run(engine, defn)
    assert engine.describe_execution({"executionArn": arn})["status"] == "TIMED_OUT"
    engine.redrive_execution({"executionArn": arn})
    wait_until_waiting(engine, arn, "ExecutionRedriven")
    token = invoker.calls[-1].task_token
    engine.send_task_success({"taskToken": token, "output": '"late but fine"'})
    out = engine.wait_for(arn, 30)
    assert (out["status"], json.loads(out["output"])) == ("SUCCEEDED", "late but fine")


def test_redrive_count_in_the_context_and_twice(engine, invoker):
    invoker.handlers[FN + "B"] = flaky(2)
    defn = definition(
        {"B": task("B", Parameters={"count.$": "$$.Execution.RedriveCount"}, End=True)}
    )
    arn = run(engine, defn)
    assert redrive(engine, arn)["status"] == "FAILED"
    out = redrive(engine, arn)
    assert (out["status"], out["redriveCount"]) == ("SUCCEEDED", 2)
    assert [c.parameters["count"] for c in invoker.calls] == [0, 1, 2]
    assert event_types(engine, arn).count("ExecutionRedriven") == 2


def test_not_redrivable(engine, invoker):
    create(engine, defn=definition({"W": {"Type": "Wait", "Seconds": 100, "End": True}}))
    arn = engine.start_execution({"stateMachineArn": SM})["executionArn"]
    err = pytest.raises(ApiError, engine.redrive_execution, {"executionArn": arn}).value
    assert (err.code, err.message) == (
        "ExecutionNotRedrivable",
        "Execution is RUNNING and cannot be redriven",
    )
    missing = arn + "x"
    err = pytest.raises(ApiError, engine.redrive_execution, {"executionArn": missing}).value
    assert err.code == "ExecutionDoesNotExist"
    err = pytest.raises(ApiError, engine.redrive_execution, {"executionArn": "nonsense"}).value
    assert err.code == "InvalidArn"


def test_list_executions_redrive_filter(engine, invoker):
    invoker.handlers[FN + "B"] = flaky(1)
    create(engine, defn=definition({"B": task("B", End=True)}))
    first = engine.start_execution({"stateMachineArn": SM, "name": "one"})["executionArn"]
    engine.wait_for(first, 30)
    second = engine.start_execution({"stateMachineArn": SM, "name": "two"})["executionArn"]
    engine.wait_for(second, 30)
    redrive(engine, first)

    def names(**extra):
        items = engine.list_executions({"stateMachineArn": SM, **extra})["executions"]
        return [(e["name"], e["redriveCount"]) for e in items]

    assert names(redriveFilter="REDRIVEN") == [("one", 1)]
    assert names(redriveFilter="NOT_REDRIVEN") == [("two", 0)]
    assert names() == [("two", 0), ("one", 1)]


def test_a_redriven_execution_survives_a_restart(make_engine, invoker):
    invoker.handlers[FN + "B"] = flaky(1)
    engine = make_engine()
    defn = definition(
        {
            "A": task("A", Next="B"),
            "B": task("B", Next="W"),
            "W": {"Type": "Wait", "Seconds": 5000, "Next": "C"},
            "C": task("C", End=True),
        }
    )
    arn = run(engine, defn)
    engine.redrive_execution({"executionArn": arn})
    wait_until_waiting(engine, arn)
    engine.close()
    again = make_engine()
    out = again.wait_for(arn, 30)
    assert out["status"] == "SUCCEEDED", out
    assert calls(invoker) == {"A": 1, "B": 2, "C": 1}
    types = event_types(again, arn)
    assert types.count("ExecutionRedriven") == 1 and types.count("WaitStateEntered") == 1


def test_a_failed_activity_task_is_offered_again(make_engine):
    engine = make_engine(activity_poll_seconds=5)
    activity = engine.create_activity({"name": "work"})["activityArn"]
    arn = run_started(
        engine, definition({"A": {"Type": "Task", "Resource": activity, "End": True}})
    )
    first = engine.get_activity_task({"activityArn": activity, "workerName": "one"})
    engine.send_task_failure({"taskToken": first["taskToken"], "error": "Worker.Crashed"})
    assert engine.wait_for(arn, 30)["status"] == "FAILED"
    engine.redrive_execution({"executionArn": arn})
    second = engine.get_activity_task({"activityArn": activity, "workerName": "two"})
    engine.send_task_success({"taskToken": second["taskToken"], "output": '"ok"'})
    assert engine.wait_for(arn, 30)["status"] == "SUCCEEDED"
    types = event_types(engine, arn)
    assert types.count("ActivityScheduled") == 2 and types.count("ActivityStarted") == 2


def test_a_failure_in_the_first_step_is_not_redrivable(engine):
    arn = run(engine, definition({"F": {"Type": "Fail", "Error": "Boom"}}))
    described = engine.describe_execution({"executionArn": arn})
    assert (described["status"], described["redriveStatus"]) == ("FAILED", "NOT_REDRIVABLE")
    err = pytest.raises(ApiError, engine.redrive_execution, {"executionArn": arn}).value
    assert err.code == "ExecutionNotRedrivable"


def run_started(engine, defn: str) -> str:
    create(engine, defn=defn)
    return engine.start_execution({"stateMachineArn": SM})["executionArn"]
