"""Nested workflows: ``states:startExecution`` Tasks start their child in this engine
(request-response, ``.sync``, ``.sync:2``, ``.waitForTaskToken``), with AWS's result and
error shapes, stop propagation, and a restart that never starts a child twice."""

from __future__ import annotations

import json

from engine_helpers import (
    SM_PREFIX,
    create,
    definition,
    event_types,
    history,
    run_to_end,
    wait_until_waiting,
)

CHILD = definition({"P": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True}})
FAILING = definition({"F": {"Type": "Fail", "Error": "SomeFailure", "Cause": "it fails"}})
WAITING = definition(
    {"W": {"Type": "Wait", "Seconds": 3600, "Next": "P"}, "P": {"Type": "Pass", "End": True}}
)


def parent(resource: str = "states:startExecution.sync", **params) -> str:
    return definition(
        {
            "Start": {
                "Type": "Task",
                "Resource": f"arn:aws:states:::{resource}",
                "Parameters": {"StateMachineArn": SM_PREFIX + "child", **params},
                "End": True,
            }
        }
    )


def children(engine) -> list[dict]:
    return engine.list_executions({"stateMachineArn": SM_PREFIX + "child"})["executions"]


def test_request_response_returns_start_executions_response(engine):
    create(engine, "child", CHILD)
    out = run_to_end(engine, create(engine, "parent", parent("states:startExecution")))
    result = json.loads(out["output"])
    assert set(result) == {"ExecutionArn", "StartDate", "SdkHttpMetadata", "SdkResponseMetadata"}
    assert result["ExecutionArn"].startswith(SM_PREFIX.replace("stateMachine", "execution"))
    assert result["SdkHttpMetadata"]["HttpStatusCode"] == 200
    child = engine.wait_for(result["ExecutionArn"], 30)
    assert child["status"] == "SUCCEEDED"
    assert engine.execution_row(result["ExecutionArn"])["started_by"] == out["executionArn"]


def test_sync_waits_for_the_child_and_returns_its_description(engine):
    create(engine, "child", CHILD)
    out = run_to_end(
        engine, create(engine, "parent", parent(Input={"a": 1}, Name="TestStartTarget"))
    )
    assert out["status"] == "SUCCEEDED"
    result = json.loads(out["output"])
    child_arn = SM_PREFIX.replace("stateMachine", "execution") + "child:TestStartTarget"
    assert result["ExecutionArn"] == child_arn
    assert (result["Input"], result["Output"]) == ('{"a":1}', '{"Arg1":"argument1"}')
    assert result["Status"] == "SUCCEEDED" and result["Name"] == "TestStartTarget"
    assert result["InputDetails"] == result["OutputDetails"] == {"Included": True}
    assert isinstance(result["StartDate"], int) and result["StopDate"] >= result["StartDate"]
    types = event_types(engine, out["executionArn"])
    assert types[2:6] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    submitted = next(
        e for e in history(engine, out["executionArn"]) if e["type"] == "TaskSubmitted"
    )
    assert json.loads(submitted["taskSubmittedEventDetails"]["output"])["ExecutionArn"] == child_arn


def test_sync2_parses_the_childs_input_and_output(engine):
    create(engine, "child", CHILD)
    out = run_to_end(engine, create(engine, "parent", parent("states:startExecution.sync:2")))
    result = json.loads(out["output"])
    assert (result["Input"], result["Output"]) == ({}, {"Arg1": "argument1"})


def test_a_failing_child_fails_the_task_with_its_description(engine):
    create(engine, "child", FAILING)
    out = run_to_end(engine, create(engine, "parent", parent()))
    assert (out["status"], out["error"]) == ("FAILED", "States.TaskFailed")
    cause = json.loads(out["cause"])
    assert (cause["Status"], cause["Error"], cause["Cause"]) == (
        "FAILED",
        "SomeFailure",
        "it fails",
    )
    assert "Output" not in cause


def test_start_errors_are_named_as_step_functions_names_them(engine):
    out = run_to_end(engine, create(engine, "parent", parent()))  # no such child machine
    assert (out["status"], out["error"]) == (
        "FAILED",
        "StepFunctions.StateMachineDoesNotExistException",
    )


def test_each_retry_starts_a_new_child(make_engine):
    engine = make_engine(time_scale=0.001)
    create(engine, "child", FAILING)
    defn = json.loads(parent())
    defn["States"]["Start"]["Retry"] = [
        {"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2, "IntervalSeconds": 1}
    ]
    out = run_to_end(engine, create(engine, "parent", json.dumps(defn)))
    assert out["status"] == "FAILED"
    assert len(children(engine)) == 3  # the first attempt and two retries, each its own name


def test_stopping_the_parent_stops_its_sync_child(engine):
    create(engine, "child", WAITING)
    arn = engine.start_execution({"stateMachineArn": create(engine, "parent", parent())})[
        "executionArn"
    ]
    wait_until_waiting(engine, arn, "TaskSubmitted")
    (child,) = children(engine)
    engine.stop_execution({"executionArn": arn})
    assert engine.wait_for(child["executionArn"], 30)["status"] == "ABORTED"


def test_wait_for_task_token_child_answers_with_the_token(engine):
    create(engine, "child", WAITING)
    defn = parent("states:startExecution.waitForTaskToken", Input={"token.$": "$$.Task.Token"})
    arn = engine.start_execution({"stateMachineArn": create(engine, "parent", defn)})[
        "executionArn"
    ]
    wait_until_waiting(engine, arn, "TaskSubmitted")
    (child,) = children(engine)
    token = json.loads(engine.execution_row(child["executionArn"])["input"])["token"]
    engine.send_task_success({"taskToken": token, "output": '"answered"'})
    assert engine.wait_for(arn, 30)["output"] == '"answered"'


def test_a_restarted_parent_never_starts_its_child_twice(make_engine):
    engine = make_engine(time_scale=0.001)  # the child's hour-long Wait: 3.6 s
    create(engine, "child", WAITING)
    arn = engine.start_execution({"stateMachineArn": create(engine, "parent", parent())})[
        "executionArn"
    ]
    wait_until_waiting(engine, arn, "TaskSubmitted")
    engine.close()
    again = make_engine(time_scale=0.001)
    out = again.wait_for(arn, 60)
    assert out["status"] == "SUCCEEDED"
    assert len(children(again)) == 1
    assert event_types(again, arn).count("TaskSubmitted") == 1


def test_a_sync_task_answered_through_its_token_leaves_its_child_running(make_engine):
    engine = make_engine(time_scale=0.001)  # the child's hour-long Wait: 3.6 s
    create(engine, "child", WAITING)
    defn = parent(Input={"token.$": "$$.Task.Token"})  # .sync: the Task has a token too
    arn = engine.start_execution({"stateMachineArn": create(engine, "parent", defn)})[
        "executionArn"
    ]
    wait_until_waiting(engine, arn, "TaskSubmitted")
    (child,) = children(engine)
    token = json.loads(engine.execution_row(child["executionArn"])["input"])["token"]
    engine.send_task_success({"taskToken": token, "output": '"early"'})
    assert engine.wait_for(arn, 30)["output"] == '"early"'
    # Not stopped when the Task went: it runs to its end.
    assert engine.wait_for(child["executionArn"], 60)["status"] == "SUCCEEDED"
