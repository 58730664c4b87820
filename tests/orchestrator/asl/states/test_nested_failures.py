"""Failures inside nested Parallel and Map states: the exact events each state records.

What AWS records (conformance corpus): the state whose error ends a branch or iteration
records its own failure event and then ``<Type>StateAborted`` -- ``TaskFailed`` then
``TaskStateAborted`` (``callback/test_callback.test_sqs_failure_in_wait_for_task_tok_no_
error_field[SQS_PARALLEL_WAIT_FOR_TASK_TOKEN]``, ``states_variables/test_error_output.
test_parallel_catch_error``); the states in progress in the iterations it stops record
``<Type>StateAborted`` after ``MapIterationAborted``, all linked to the event that failed
the first iteration (``timeouts/test_timeouts.test_service_lambda_map_timeout``); the
Parallel/Map itself then records ``ParallelStateFailed`` / ``MapStateFailed`` once its
retries are used up, and nothing when it retries. A nested Parallel or Map is such a
state: its ``...StateFailed`` is its failure (like ``TaskFailed``) and
``<Type>StateAborted`` the one event that ends it in the enclosing branch. Every state a
stopped branch was running ends with exactly one terminal event (Exited or Aborted).
"""

from __future__ import annotations

from collections import Counter

import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.asl.runner import Delayed, run

FN = "arn:aws:lambda:us-east-1:123456789012:function:"
RETRY_ALL = [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}]
CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]


def program(name: str, state: dict) -> dict:
    end = {} if state["Type"] == "Fail" else {"End": True}
    return {"StartAt": name, "States": {name: {**state, **end}}}


FAIL = program("F", {"Type": "Fail", "Error": "Boom", "Cause": "inner"})
TASK = program("T", {"Type": "Task", "Resource": FN + "t"})


def wait(name: str = "W") -> dict:
    return program(name, {"Type": "Wait", "Seconds": 100})


def parallel(*branches: dict, **fields) -> dict:
    return {"Type": "Parallel", "Branches": list(branches), **fields}


def map_of(processor: dict, **fields) -> dict:
    return {"Type": "Map", "ItemProcessor": processor, **fields}


def machine(outer: dict) -> dict:
    """``Outer`` at the top; a Catch on it goes to the Pass state ``Caught``."""
    states = {"Outer": {**outer, "End": True}}
    if "Catch" in outer:
        states["Outer"] = {**outer, "Next": "Caught"}
        states["Caught"] = {"Type": "Pass", "End": True}
    return {"StartAt": "Outer", "States": states}


def inner(state: dict, name: str = "Inner") -> dict:
    """A branch / item processor holding one nested state, ``Inner``; a Catch on it goes
    to the branch's own Pass state ``InnerCaught``."""
    if "Catch" not in state:
        return program(name, state)
    state = {
        **state,
        "Catch": [{**c, "Next": "InnerCaught"} for c in state["Catch"]],
        "Next": "InnerCaught",
    }
    return {"StartAt": name, "States": {name: state, "InnerCaught": {"Type": "Pass", "End": True}}}


def failing_task(command):
    raise StatesError("Boom", "inner")


def execute(definition: dict, items=(1,)):
    result = run(definition, {"items": list(items)}, invoke=failing_task)
    return result, [e["type"] for e in result.history]


def links(result) -> dict[int, tuple[str, int]]:
    return {e["id"]: (e["type"], e["previousEventId"]) for e in result.history}


def test_parallel_in_parallel_the_inner_state_records_failed_then_aborted():
    result, types = execute(machine(parallel(inner(parallel(FAIL)))))
    assert (result.status, result.error, result.cause) == ("FAILED", "Boom", "inner")
    assert types == [
        "ExecutionStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",  # Outer
        "ParallelStateEntered",
        "ParallelStateStarted",  # Inner
        "FailStateEntered",
        "ParallelStateFailed",  # Inner failed ...
        "ParallelStateAborted",  # ... and ends its branch
        "ParallelStateFailed",  # Outer
        "ExecutionFailed",
    ]
    # As TaskFailed -> TaskStateAborted / ParallelStateFailed in the recorded case: the
    # aborted event and the outer failure both follow the inner failure.
    assert links(result)[7] == ("ParallelStateFailed", 6)
    assert links(result)[8] == ("ParallelStateAborted", 7)
    assert links(result)[9] == ("ParallelStateFailed", 7)


def test_parallel_in_parallel_caught_by_the_outer_state():
    result, types = execute(machine(parallel(inner(parallel(FAIL)), Catch=CATCH_ALL)))
    assert result.status == "SUCCEEDED"
    assert types == [
        "ExecutionStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "FailStateEntered",
        "ParallelStateFailed",
        "ParallelStateAborted",
        "ParallelStateFailed",
        "ParallelStateExited",  # Outer: caught
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]


def test_parallel_in_parallel_caught_by_the_inner_state():
    result, types = execute(machine(parallel(inner(parallel(FAIL, Catch=CATCH_ALL)))))
    assert result.status == "SUCCEEDED"
    assert types == [
        "ExecutionStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "FailStateEntered",
        "ParallelStateFailed",
        "ParallelStateExited",  # Inner: caught, exits
        "PassStateEntered",
        "PassStateExited",  # InnerCaught
        "ParallelStateSucceeded",
        "ParallelStateExited",
        "ExecutionSucceeded",
    ]


def test_parallel_in_parallel_retried_by_the_inner_state():
    result, types = execute(machine(parallel(inner(parallel(FAIL, Retry=RETRY_ALL)))))
    assert result.status == "FAILED"
    assert types == [
        "ExecutionStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "FailStateEntered",  # attempt 1: no failure event
        "ParallelStateStarted",
        "FailStateEntered",  # attempt 2
        "ParallelStateFailed",
        "ParallelStateAborted",
        "ParallelStateFailed",
        "ExecutionFailed",
    ]


def test_parallel_in_parallel_retried_by_the_outer_state():
    result, types = execute(machine(parallel(inner(parallel(FAIL)), Retry=RETRY_ALL)))
    attempt = [
        "ParallelStateEntered",
        "ParallelStateStarted",
        "FailStateEntered",
        "ParallelStateFailed",
        "ParallelStateAborted",
    ]
    assert types == [
        "ExecutionStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        *attempt,
        "ParallelStateStarted",
        *attempt,
        "ParallelStateFailed",
        "ExecutionFailed",
    ]


def test_map_in_parallel():
    result, types = execute(machine(parallel(inner(map_of(TASK, ItemsPath="$.items")))))
    assert (result.status, result.error) == ("FAILED", "Boom")
    assert types == [
        "ExecutionStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapIterationStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionFailed",
        "MapIterationFailed",
        "TaskStateAborted",  # the iteration's Task
        "MapStateFailed",
        "MapStateAborted",  # the Map in its branch
        "ParallelStateFailed",
        "ExecutionFailed",
    ]


def test_map_in_parallel_caught_by_the_map():
    result, types = execute(
        machine(parallel(inner(map_of(TASK, ItemsPath="$.items", Catch=CATCH_ALL))))
    )
    assert result.status == "SUCCEEDED"
    assert types[10:] == [
        "MapIterationFailed",
        "TaskStateAborted",
        "MapStateFailed",
        "MapStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ParallelStateSucceeded",
        "ParallelStateExited",
        "ExecutionSucceeded",
    ]


def test_parallel_in_map():
    result, types = execute(machine(map_of(inner(parallel(TASK)), ItemsPath="$.items")))
    assert (result.status, result.error) == ("FAILED", "Boom")
    assert types == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapIterationStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionFailed",
        "TaskStateAborted",
        "ParallelStateFailed",  # the Parallel's branch
        "MapIterationFailed",
        "ParallelStateAborted",  # the Parallel's iteration
        "MapStateFailed",
        "ExecutionFailed",
    ]


@pytest.mark.parametrize("where", ["inner", "outer"])
def test_parallel_in_map_with_catch(where):
    nested = parallel(TASK, Catch=CATCH_ALL) if where == "inner" else parallel(TASK)
    outer = map_of(
        inner(nested), ItemsPath="$.items", **({"Catch": CATCH_ALL} if where == "outer" else {})
    )
    result, types = execute(machine(outer))
    assert result.status == "SUCCEEDED"
    if where == "inner":
        assert types[10:] == [
            "TaskStateAborted",
            "ParallelStateFailed",
            "ParallelStateExited",
            "PassStateEntered",
            "PassStateExited",
            "MapIterationSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded",
        ]
    else:
        assert types[10:] == [
            "TaskStateAborted",
            "ParallelStateFailed",
            "MapIterationFailed",
            "ParallelStateAborted",
            "MapStateFailed",
            "MapStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ]


def test_the_states_of_stopped_branches_are_aborted_once():
    """A failing branch stops its siblings: the state each one was running (a Wait here,
    a Parallel with its own Wait) records one <Type>StateAborted, linked to the event
    that failed the branch, as a stopped Map iteration's state does."""
    definition = machine(
        parallel(inner(parallel(FAIL)), wait("W1"), inner(parallel(wait("W2")), "Inner2"))
    )
    result, types = execute(definition)
    assert result.status == "FAILED"
    entered = Counter(
        t[: -len("StateEntered")]
        for t in types
        if t.endswith("StateEntered") and t != "FailStateEntered"
    )
    ended = Counter(t[: -len("StateExited")] for t in types if t.endswith("StateExited"))
    ended.update(t[: -len("StateAborted")] for t in types if t.endswith("StateAborted"))
    # Only Outer stays open: its failure ends the execution.
    assert entered - ended == Counter({"Parallel": 1})
    assert ended == Counter({"Parallel": 2, "Wait": 2})
    failed_by = next(e["id"] for e in result.history if e["type"] == "FailStateEntered")
    inner_failed = next(
        e["id"]
        for e in result.history
        if e["type"] == "ParallelStateFailed" and e["previousEventId"] == failed_by
    )
    aborted = [
        (e["type"], e["previousEventId"])
        for e in result.history
        if e["type"].endswith("StateAborted")
    ]
    assert ("WaitStateAborted", inner_failed) in aborted  # Outer's Wait branch
    assert ("ParallelStateAborted", inner_failed) in aborted  # the failing Inner
    assert types[-2:] == ["ParallelStateFailed", "ExecutionFailed"]


def test_a_task_in_a_stopped_branch_is_aborted():
    def hook(command):
        if command.resource.endswith("bad"):
            raise StatesError("Bad", "it broke")
        return Delayed(100, value="never")

    definition = machine(
        parallel(
            program("Slow", {"Type": "Task", "Resource": FN + "slow"}),
            program("Bad", {"Type": "Task", "Resource": FN + "bad"}),
        )
    )
    result = run(definition, {}, invoke=hook)
    by_id = links(result)
    failed = next(i for i, (t, _) in by_id.items() if t == "LambdaFunctionFailed")
    assert [t for t, prev in by_id.values() if prev == failed] == [
        "TaskStateAborted",
        "TaskStateAborted",
        "ParallelStateFailed",
    ]
