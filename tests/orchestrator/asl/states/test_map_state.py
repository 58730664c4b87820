"""The Map state: items, ItemSelector, MaxConcurrency, failures, distributed mode."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.asl.runner import Delayed, run

START = datetime(2024, 1, 1, tzinfo=UTC)
FN = "arn:aws:lambda:us-east-1:123456789012:function:f"


def map_state(processor_state=None, mode="INLINE", **fields):
    processor_state = dict(processor_state or {"Type": "Pass"})
    if processor_state["Type"] not in ("Fail", "Succeed"):
        processor_state["End"] = True
    config = {"Mode": mode}
    if mode == "DISTRIBUTED":
        config["ExecutionType"] = "STANDARD"
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "ItemProcessor": {
                    "ProcessorConfig": config,
                    "StartAt": "I",
                    "States": {"I": processor_state},
                },
                **fields,
            }
        },
    }


@pytest.mark.parametrize(
    "fields, given, expected",
    [
        ({}, [1, 2], [1, 2]),
        ({"ItemsPath": "$.xs"}, {"xs": ["a"]}, ["a"]),
        (
            {
                "ItemSelector": {
                    "i.$": "$$.Map.Item.Index",
                    "v.$": "$$.Map.Item.Value",
                    "k.$": "$.k",
                },
                "ItemsPath": "$.xs",
            },
            {"xs": [7, 8], "k": 0},
            [{"i": 0, "v": 7, "k": 0}, {"i": 1, "v": 8, "k": 0}],
        ),
        ({"ItemsPath": "$.xs", "ResultPath": "$.out"}, {"xs": []}, {"xs": [], "out": []}),
    ],
)
def test_map_results(fields, given, expected):
    result = run(map_state(**fields), given)
    assert (result.status, result.output) == ("SUCCEEDED", expected)


def test_legacy_iterator_and_parameters():
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "Parameters": {"v.$": "$$.Map.Item.Value"},
                "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
            }
        },
    }
    assert run(definition, [1]).output == [{"v": 1}]


def test_history_links_iterations_like_aws():
    result = run(map_state(MaxConcurrency=1), [1, 2])
    rows = [(e["id"], e["previousEventId"], e["type"]) for e in result.history]
    assert rows == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "MapStateEntered"),
        (3, 2, "MapStateStarted"),
        (4, 3, "MapIterationStarted"),
        (5, 4, "PassStateEntered"),
        (6, 5, "PassStateExited"),
        (7, 6, "MapIterationSucceeded"),
        (8, 6, "MapIterationStarted"),
        (9, 8, "PassStateEntered"),
        (10, 9, "PassStateExited"),
        (11, 10, "MapIterationSucceeded"),
        (12, 11, "MapStateSucceeded"),
        (13, 11, "MapStateExited"),
        (14, 13, "ExecutionSucceeded"),
    ]


@pytest.mark.parametrize(
    "limit, call_times",
    [
        (0, [0, 0, 0, 0]),
        (2, [0, 0, 1, 1]),
        (1, [0, 1, 2, 3]),
    ],
)
def test_max_concurrency_bounds_the_calls_in_flight(limit, call_times):
    seen = []

    def hook(command):
        seen.append(command.context["State"]["EnteredTime"])
        return Delayed(1, value=command.parameters)

    result = run(
        map_state({"Type": "Task", "Resource": FN}, MaxConcurrency=limit),
        [1, 2, 3, 4],
        invoke=hook,
        start_time=START,
    )
    assert result.output == [1, 2, 3, 4]
    assert [int(t[17:19]) for t in seen] == call_times


def test_an_iteration_failure_fails_the_map_with_its_error():
    result = run(map_state({"Type": "Fail", "Error": "ItemErr", "Cause": "bad item"}), [1])
    assert (result.error, result.cause) == ("ItemErr", "bad item")
    assert [e["type"] for e in result.history][-3:] == [
        "MapIterationFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]


def test_a_failed_iteration_aborts_the_others():
    def hook(command):
        if command.parameters == 2:
            raise StatesError("Boom")
        return Delayed(50, value=1)

    result = run(
        map_state({"Type": "Task", "Resource": FN}), [1, 2, 3], invoke=hook, start_time=START
    )
    assert result.error == "Boom" and result.history[-1]["timestamp"] == START
    assert [e["type"] for e in result.history].count("MapIterationAborted") == 2


@pytest.mark.parametrize(
    "fields, given, error",
    [
        ({"MaxConcurrencyPath": "$.m"}, {"m": "x", "xs": [1]}, "which is not a valid integer"),
        ({"ToleratedFailureCountPath": "$.c"}, {"c": -1, "xs": [1]}, "cannot be negative"),
        ({"ToleratedFailurePercentagePath": "$.p"}, {"p": 101, "xs": [1]}, "between 0 and 100"),
    ],
)
def test_bad_dynamic_fields_are_runtime_errors(fields, given, error):
    result = run(map_state(mode="DISTRIBUTED", ItemsPath="$.xs", **fields), given)
    assert result.error == "States.Runtime" and error in result.cause


def test_distributed_map_keeps_iteration_events_out_of_the_parent_history():
    result = run(map_state(mode="DISTRIBUTED"), [1, 2])
    assert result.output == [1, 2]
    assert [e["type"] for e in result.history] == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]


@pytest.mark.parametrize(
    "fields, status",
    [
        ({"ToleratedFailureCount": 1}, "SUCCEEDED"),
        ({"ToleratedFailurePercentage": 50}, "SUCCEEDED"),
        ({"ToleratedFailureCount": 0}, "FAILED"),
        ({}, "FAILED"),
    ],
)
def test_distributed_tolerated_failures(fields, status):
    processor = {
        "Type": "Choice",
        "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "Bad"}],
        "Default": "Good",
    }
    definition = map_state(mode="DISTRIBUTED", **fields)
    definition["States"]["M"]["ItemProcessor"]["States"] = {
        "I": processor,
        "Bad": {"Type": "Fail", "Error": "E"},
        "Good": {"Type": "Succeed"},
    }
    result = run(definition, [1, 2])
    assert result.status == status
    if status == "FAILED":
        assert result.error == "States.ExceedToleratedFailureThreshold"
