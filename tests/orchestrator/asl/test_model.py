"""Parsing a definition into the typed tree (after the validator)."""

from __future__ import annotations

import json

import pytest

from orchestrator.asl.errors import DefinitionError
from orchestrator.asl.model import (
    ChoiceState,
    FailState,
    MapState,
    ParallelState,
    PassState,
    Retrier,
    TaskState,
    WaitState,
    parse,
)
from orchestrator.asl.states.pipeline import IDENTITY, JsonPathIO

DEFINITION = {
    "Comment": "all types",
    "TimeoutSeconds": 30,
    "StartAt": "P",
    "States": {
        "P": {"Type": "Pass", "Result": {"a": 1}, "ResultPath": "$.r", "Next": "T"},
        "T": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "TimeoutSeconds": 3,
            "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "F"}],
            "Next": "C",
        },
        "C": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.x", "IsNull": True, "Next": "W"}],
            "Default": "Par",
        },
        "W": {"Type": "Wait", "SecondsPath": "$.s", "Next": "Par"},
        "Par": {
            "Type": "Parallel",
            "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}],
            "Next": "M",
        },
        "M": {
            "Type": "Map",
            "ItemsPath": "$.xs",
            "MaxConcurrency": 2,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "I",
                "States": {"I": {"Type": "Pass", "End": True}},
            },
            "End": True,
        },
        "F": {"Type": "Fail", "ErrorPath": "$.e.Error"},
    },
}


def test_every_state_type_becomes_its_dataclass():
    machine = parse(DEFINITION)
    states = machine.program.states
    assert machine.timeout_seconds == 30 and machine.program.start_at == "P"
    assert isinstance(states["P"], PassState) and states["P"].has_result
    assert isinstance(states["T"], TaskState) and states["T"].timeout_seconds == 3
    assert states["T"].retry == (Retrier(("States.ALL",), max_attempts=0),)
    assert states["T"].catch[0].next == "F"
    assert isinstance(states["C"], ChoiceState) and states["C"].default == "Par"
    assert isinstance(states["W"], WaitState) and states["W"].seconds_path.text == "$.s"
    assert isinstance(states["Par"], ParallelState) and len(states["Par"].branches) == 1
    assert isinstance(states["M"], MapState) and states["M"].max_concurrency == 2
    assert states["M"].processor.start_at == "I"
    assert isinstance(states["F"], FailState) and states["F"].error_path.text == "$.e.Error"


def test_states_are_frozen():
    state = parse(DEFINITION).program.states["P"]
    with pytest.raises(AttributeError):
        state.next = "X"


def test_the_json_text_form_parses_too():
    assert parse(json.dumps(DEFINITION)).program.states.keys() == DEFINITION["States"].keys()


@pytest.mark.parametrize(
    "fields, attr, expected",
    [
        ({}, "input_path", IDENTITY),
        ({"InputPath": "$"}, "input_path", IDENTITY),
        ({"InputPath": None}, "input_path", None),
        ({"ResultPath": None}, "result_path", None),
        ({"OutputPath": "$.a"}, "output_path", "$.a"),
    ],
)
def test_jsonpath_io_compiles_paths_once(fields, attr, expected):
    io = JsonPathIO(fields, "Pass")
    value = getattr(io, attr)
    assert (value.text if hasattr(value, "text") else value) == expected


@pytest.mark.parametrize(
    "definition",
    [
        {"StartAt": "Missing", "States": {"A": {"Type": "Pass", "End": True}}},
        {"StartAt": "A", "States": {"A": {"Type": "Pass"}}},
        {"StartAt": "A", "States": {"A": {"Type": "Nope", "End": True}}},
        "{not json",
    ],
)
def test_invalid_definitions_raise_definition_error_with_diagnostics(definition):
    with pytest.raises(DefinitionError) as info:
        parse(definition)
    assert info.value.diagnostics and all(d.severity == "ERROR" for d in info.value.diagnostics)


def test_children_walks_branches_and_processors_as_written():
    from orchestrator.asl.model import children

    branch = {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}
    parallel = {"Type": "Parallel", "Branches": [branch, "not an object"], "End": True}
    assert list(children(parallel)) == [("Branches", 0, branch), ("Branches", 1, "not an object")]
    legacy = {"Type": "Map", "Iterator": branch, "End": True}
    assert list(children(legacy)) == [("Iterator", None, branch)]
    both = {"Type": "Map", "ItemProcessor": branch, "Iterator": {}, "End": True}
    assert [field for field, _, _ in children(both)] == ["ItemProcessor", "Iterator"]
    for other in ({"Type": "Parallel", "Branches": {"x": branch}}, {"Type": "Pass"}, "Map", None):
        assert list(children(other)) == []
