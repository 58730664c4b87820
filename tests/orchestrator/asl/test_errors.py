"""StatesError's declared fields and the one place a state's failure is handled
(StateRun.failure: the cause prefix and EvaluationFailed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestrator.asl.effects import SeededEffects
from orchestrator.asl.errors import QUERY_EVALUATION_ERROR, RUNTIME, StatesError, cause_text
from orchestrator.asl.model import parse
from orchestrator.asl.runner import make_env, run
from orchestrator.asl.runtime import Cancelled
from orchestrator.asl.states.base import Frame, StateRun
from orchestrator.asl.states.jsonata_io import query_error

T0 = datetime(2024, 1, 1, tzinfo=UTC)
FN = "arn:aws:lambda:us-east-1:123456789012:function:f"


def test_replace_keeps_every_field_it_does_not_change():
    err = StatesError(
        "E", "c", state_type="Map", from_children=True, location="Items", evaluation_failed=True
    )
    copy = err.with_cause("other")
    assert copy is not err and (err.error, err.cause) == ("E", "c")  # never mutated
    assert (
        copy.error,
        copy.cause,
        copy.state_type,
        copy.from_children,
        copy.location,
        copy.evaluation_failed,
    ) == ("E", "other", "Map", True, "Items", True)
    assert copy.replace(state_type="Task").state_type == "Task"
    with pytest.raises(TypeError):
        err.replace(failed_state_type="Task")


def test_cancelled_says_which_state_was_in_progress():
    assert Cancelled().state_type is None and Cancelled("Wait").state_type == "Wait"


def test_cause_text_renders_json_values_compactly():
    assert [cause_text(v) for v in ("x", 1, 1.5, True, None, {"a": [1]})] == [
        "x",
        "1",
        "1.5",
        "true",
        "null",
        '{"a":[1]}',
    ]


def state_run(state_type: str = "Pass"):
    env = make_env(
        "{}", now=lambda: T0, effects=SeededEffects(0), execution_name="e", state_machine_name="sm"
    )
    env.history.execution_started("{}", "role")
    definition = {"StartAt": "S", "States": {"S": {"Type": state_type, "End": True}}}
    if state_type == "Wait":
        definition["States"]["S"]["Seconds"] = 1
    state = parse(definition).program.states["S"]
    frame = Frame(env, 0)
    entered = env.history.state_entered(state_type, "S", "{}", 0)
    return StateRun(state, frame, entered, T0, 0), env.history


def test_failure_prefixes_a_runtime_cause_once_and_keeps_the_other_fields():
    run_, history = state_run()
    err = StatesError(RUNTIME, "bad", state_type="Map", from_children=True)
    handled = run_.failure(err)
    assert handled.cause == (
        "An error occurred while executing the state 'S' (entered at the event id #2). bad"
    )
    assert (handled.state_type, handled.from_children) == ("Map", True)
    assert run_.failure(handled) is handled  # a nested state's error is left alone
    assert [e["type"] for e in history.events] == ["ExecutionStarted", "PassStateEntered"]


@pytest.mark.parametrize("state_type, linked_to", [("Pass", 0), ("Wait", 2)])
def test_failure_records_evaluation_failed_once_for_a_query_evaluation_error(state_type, linked_to):
    run_, history = state_run(state_type)
    err = query_error("The Seconds field must be ...", "Seconds")
    assert len(history.events) == 2  # building the error records nothing
    handled = run_.failure(err)
    assert run_.failure(handled) is handled
    (event,) = [e for e in history.events if e["type"] == "EvaluationFailed"]
    assert event["previousEventId"] == linked_to and run_.frame.prev == event["id"]
    assert event["evaluationFailedEventDetails"] == {
        "cause": handled.cause,
        "error": QUERY_EVALUATION_ERROR,
        "location": "Seconds",
        "state": "S",
    }
    assert handled.evaluation_failed and handled.location == "Seconds"


def test_each_retried_attempt_records_its_evaluation_failure():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": FN,
                "Arguments": "{% $missing %}",
                "End": True,
                "Retry": [{"ErrorEquals": ["States.QueryEvaluationError"], "MaxAttempts": 1}],
            }
        },
    }
    result = run(definition, {})
    failures = [e for e in result.history if e["type"] == "EvaluationFailed"]
    assert len(failures) == 2
    assert result.status == "FAILED" and result.error == QUERY_EVALUATION_ERROR
    assert result.cause.count("An error occurred while executing the state") == 1
    assert [e["evaluationFailedEventDetails"]["cause"] for e in failures] == [result.cause] * 2
