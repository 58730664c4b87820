"""The Parallel state: concurrent branches, output array, failure stops the siblings."""

from __future__ import annotations

from datetime import UTC, datetime

from orchestrator.asl.errors import StatesError
from orchestrator.asl.runner import Delayed, run

START = datetime(2024, 1, 1, tzinfo=UTC)
FN = "arn:aws:lambda:us-east-1:123456789012:function:"


def branch(name, state):
    return {"StartAt": name, "States": {name: {**state, "End": True}}}


def parallel(*branches, **fields):
    return {
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "Branches": list(branches), "End": True, **fields}},
    }


def test_output_is_one_element_per_branch_in_branch_order():
    definition = parallel(
        branch("A", {"Type": "Pass", "Result": 1}),
        branch("B", {"Type": "Pass"}),
        ResultSelector={"both.$": "$"},
    )
    result = run(definition, input_text='{"x": 1}')
    assert result.output == {"both": [1, {"x": 1}]}
    types = [e["type"] for e in result.history]
    assert types[:3] == ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted"]
    assert types[-3:] == ["ParallelStateSucceeded", "ParallelStateExited", "ExecutionSucceeded"]


def test_branch_outputs_keep_their_text():
    result = run(parallel(branch("A", {"Type": "Pass"})), input_text="[1, 2]")
    assert result.output_text == "[[1, 2]]"


def test_branches_wait_concurrently():
    calls = []

    def hook(command):
        calls.append(command.resource)
        return Delayed(10, value=command.resource)

    definition = parallel(
        branch("A", {"Type": "Task", "Resource": FN + "a"}),
        branch("B", {"Type": "Task", "Resource": FN + "b"}),
    )
    result = run(definition, {}, invoke=hook, start_time=START)
    assert result.output == [FN + "a", FN + "b"]
    # Both calls were in flight together: the execution took 10 s, not 20 s.
    assert (result.history[-1]["timestamp"] - START).total_seconds() == 10


def test_a_failing_branch_cancels_the_others_and_fails_the_state():
    def hook(command):
        if command.resource.endswith("bad"):
            raise StatesError("Bad", "it broke")
        return Delayed(100, value="never")

    definition = parallel(
        branch("Slow", {"Type": "Task", "Resource": FN + "slow"}),
        branch("Bad", {"Type": "Task", "Resource": FN + "bad"}),
    )
    result = run(definition, {}, invoke=hook, start_time=START)
    assert (result.status, result.error, result.cause) == ("FAILED", "Bad", "it broke")
    assert result.history[-1]["timestamp"] == START  # nobody waited for the slow branch
    types = [e["type"] for e in result.history]
    assert "ParallelStateFailed" in types and "TaskStateAborted" in types


def test_parallel_retry_and_catch():
    attempts = []

    def hook(command):
        attempts.append(command)
        raise StatesError("Flaky")

    definition = parallel(
        branch("T", {"Type": "Task", "Resource": FN + "t"}),
        Retry=[{"ErrorEquals": ["Flaky"], "MaxAttempts": 2, "IntervalSeconds": 1}],
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handled", "ResultPath": "$.error"}],
    )
    definition["States"]["P"].pop("End")
    definition["States"]["P"]["Next"] = "Done"
    definition["States"]["Handled"] = {"Type": "Pass", "End": True}
    definition["States"]["Done"] = {"Type": "Pass", "End": True}
    result = run(definition, {"in": 1}, invoke=hook)
    assert len(attempts) == 3
    assert result.output == {"in": 1, "error": {"Error": "Flaky", "Cause": ""}}
    assert [e["type"] for e in result.history].count("ParallelStateStarted") == 3
