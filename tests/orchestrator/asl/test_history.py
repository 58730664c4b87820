"""History events: GetExecutionHistory shape, ids, links and detail keys."""

from __future__ import annotations

import pytest

from orchestrator.asl.history import DETAILS_KEY, History


@pytest.mark.parametrize(
    "event_type, key",
    [
        ("PassStateEntered", "stateEnteredEventDetails"),
        ("MapStateExited", "stateExitedEventDetails"),
        ("TaskScheduled", "taskScheduledEventDetails"),
        ("LambdaFunctionFailed", "lambdaFunctionFailedEventDetails"),
        ("MapIterationStarted", "mapIterationStartedEventDetails"),
        ("ExecutionFailed", "executionFailedEventDetails"),
    ],
)
def test_details_key_follows_the_event_type(event_type, key):
    assert DETAILS_KEY[event_type] == key


def test_events_get_sequential_ids_the_given_link_and_the_clock_reading():
    clock = iter(range(100))
    history = History(lambda: next(clock))
    first = history.execution_started('{"a": 1}', "role")
    second = history.state_entered("Pass", "P", '{"a": 1}', 0)
    third = history.state_exited("Pass", "P", "{}", second)
    assert (first, second, third) == (1, 2, 3)
    assert history.events[2] == {
        "timestamp": 2,
        "type": "PassStateExited",
        "id": 3,
        "previousEventId": 2,
        "stateExitedEventDetails": {
            "name": "P",
            "output": "{}",
            "outputDetails": {"truncated": False},
        },
    }


@pytest.mark.parametrize(
    "error, cause, details",
    [
        ("E", "C", {"error": "E", "cause": "C"}),
        (None, None, {}),
        ("E", None, {"error": "E"}),
    ],
)
def test_failure_events_omit_missing_error_and_cause(error, cause, details):
    history = History(lambda: 0)
    history.failure("ExecutionFailed", error, cause, 0)
    assert history.events[0]["executionFailedEventDetails"] == details


def test_events_without_details_have_no_details_member():
    history = History(lambda: 0)
    history.add("MapStateSucceeded", 4)
    assert set(history.events[0]) == {"timestamp", "type", "id", "previousEventId"}


def test_listener_sees_every_event():
    seen = []
    history = History(lambda: 0, listener=seen.append)
    history.add("MapStateSucceeded", 0)
    assert seen == history.events
