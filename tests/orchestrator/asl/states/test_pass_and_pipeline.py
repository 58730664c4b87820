"""Pass/Succeed/Fail/Choice and the JSONPath pipeline (InputPath -> Parameters ->
ResultSelector -> ResultPath -> OutputPath), run end to end through the runner."""

from __future__ import annotations

import pytest

from orchestrator.asl.runner import run


def one_pass(**fields):
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True, **fields}}}


@pytest.mark.parametrize(
    "fields, given, expected",
    [
        ({}, {"a": 1}, {"a": 1}),
        ({"Result": {"r": 1}}, {"a": 1}, {"r": 1}),
        ({"Result": {"r": 1}, "ResultPath": "$.out"}, {"a": 1}, {"a": 1, "out": {"r": 1}}),
        ({"Result": 5, "ResultPath": "$.x.y.z"}, {}, {"x": {"y": {"z": 5}}}),
        ({"Result": 5, "ResultPath": None}, {"a": 1}, {"a": 1}),
        ({"InputPath": "$.a"}, {"a": {"b": 2}}, {"b": 2}),
        ({"InputPath": None}, {"a": 1}, {}),
        ({"OutputPath": "$.a"}, {"a": [1]}, [1]),
        ({"OutputPath": None}, {"a": 1}, {}),
        ({"Parameters": {"k.$": "$.a", "c": "lit"}}, {"a": 3}, {"k": 3, "c": "lit"}),
        (
            {"InputPath": "$.in", "Parameters": {"v.$": "$.x"}, "ResultPath": "$.in.res"},
            {"in": {"x": 1}},
            {"in": {"x": 1, "res": {"v": 1}}},
        ),
        ({"Parameters": {"n.$": "$$.State.Name"}}, {}, {"n": "P"}),
        (
            {"Parameters": {"s.$": "States.Format('{}-{}', $.a, $.b)"}},
            {"a": 1, "b": "x"},
            {"s": "1-x"},
        ),
    ],
)
def test_pass_pipeline(fields, given, expected):
    result = run(one_pass(**fields), given)
    assert (result.status, result.output) == ("SUCCEEDED", expected)


def test_untouched_input_keeps_its_text_and_computed_output_is_compact():
    result = run(one_pass(), input_text="[1, 2,  3]")
    assert result.output_text == "[1, 2,  3]"
    result = run(one_pass(Result=[1, 2]), input_text="{}")
    assert result.output_text == "[1,2]"


@pytest.mark.parametrize(
    "fields, cause",
    [
        (
            {"InputPath": "$.missing"},
            "Invalid path '$.missing' : No results for path: $['missing']",
        ),
        (
            {"OutputPath": "$.missing"},
            "Invalid path '$.missing' : No results for path: $['missing']",
        ),
    ],
)
def test_missing_paths_fail_with_aws_runtime_causes(fields, cause):
    result = run(one_pass(**fields), {"a": 1})
    assert result.status == "FAILED" and result.error == "States.Runtime"
    assert result.cause == (
        "An error occurred while executing the state 'P' (entered at the event id #2). " + cause
    )


def test_result_path_into_a_non_object_is_a_result_path_match_failure():
    result = run(one_pass(Result=1, ResultPath="$.a.b"), {"a": "text"})
    assert result.error == "States.ResultPathMatchFailure"


def test_payload_over_the_limit_fails_with_data_limit_exceeded():
    result = run(one_pass(Result="x" * 300), {}, payload_limit=100)
    assert (result.error, result.cause) == (
        "States.DataLimitExceeded",
        "The state/task 'P' returned a result with a size exceeding the maximum number of "
        "bytes service limit.",
    )
    assert [e["type"] for e in result.history] == [
        "ExecutionStarted",
        "PassStateEntered",
        "ExecutionFailed",
    ]


CHOICE = {
    "StartAt": "C",
    "States": {
        "C": {
            "Type": "Choice",
            "InputPath": "$.in",
            "OutputPath": "$.v",
            "Choices": [
                {"Variable": "$.v", "NumericGreaterThan": 10, "Next": "Big"},
                {"Not": {"Variable": "$.v", "IsNumeric": True}, "Next": "Odd"},
            ],
            "Default": "Small",
        },
        "Big": {"Type": "Pass", "Result": "big", "End": True},
        "Odd": {"Type": "Succeed"},
        "Small": {"Type": "Fail", "Error": "TooSmall", "Cause": "small"},
    },
}


@pytest.mark.parametrize(
    "value, status, output, error",
    [
        (11, "SUCCEEDED", "big", None),
        ("x", "SUCCEEDED", "x", None),
        (1, "FAILED", None, "TooSmall"),
    ],
)
def test_choice_routes_by_the_first_matching_rule(value, status, output, error):
    result = run(CHOICE, {"in": {"v": value}})
    assert (result.status, result.output, result.error) == (status, output, error)


def test_choice_without_match_or_default_fails_with_no_choice_matched():
    definition = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.v", "BooleanEquals": True, "Next": "E"}],
            },
            "E": {"Type": "Succeed"},
        },
    }
    result = run(definition, {"v": False})
    assert result.error == "States.NoChoiceMatched"


@pytest.mark.parametrize(
    "fields, given, error, cause",
    [
        ({"Error": "E", "Cause": "C"}, {}, "E", "C"),
        ({}, {}, None, None),
        ({"ErrorPath": "$.e", "CausePath": "$.c"}, {"e": "PathErr", "c": "why"}, "PathErr", "why"),
        (
            {"ErrorPath": "$$.State.Name", "CausePath": "States.Format('n={}', $.n)"},
            {"n": 2},
            "F",
            "n=2",
        ),
    ],
)
def test_fail_state_error_and_cause(fields, given, error, cause):
    definition = {"StartAt": "F", "States": {"F": {"Type": "Fail", **fields}}}
    result = run(definition, given)
    assert (result.status, result.error, result.cause) == ("FAILED", error, cause)
    assert result.history[-1]["previousEventId"] == 2
