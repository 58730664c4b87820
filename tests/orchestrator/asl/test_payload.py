"""Payload templates: Parameters / ResultSelector / ItemSelector (orchestrator/asl/payload.py)."""

from __future__ import annotations

import copy

import pytest

from orchestrator.asl.effects import SeededEffects
from orchestrator.asl.errors import StatesError
from orchestrator.asl.payload import TemplateError, compile_template

INPUT = {"a": 1, "b": {"c": [10, 20]}, "items": [{"v": 1}, {"v": 2}], "int-literal": 0}
CONTEXT = {
    "Execution": {"Id": "arn:exec", "Input": INPUT},
    "Map": {"Item": {"Index": 3, "Value": "x"}},
}

EVAL_CASES = [
    # (template, expected output)
    ({}, {}),
    (
        {"const": 1, "nested": {"s": "t", "l": [1, {"k": None}]}},
        {"const": 1, "nested": {"s": "t", "l": [1, {"k": None}]}},
    ),
    ({"x.$": "$.a"}, {"x": 1}),
    ({"x.$": "$"}, {"x": INPUT}),
    ({"x.$": "$.b.c[1]"}, {"x": 20}),
    ({"x.$": "$.items[*].v"}, {"x": [1, 2]}),  # indefinite path -> list
    ({"x.$": "$.missing[*]"}, {"x": []}),  # recorded: indefinite miss is []
    ({"id.$": "$$.Execution.Id", "i.$": "$$.Map.Item.Index"}, {"id": "arn:exec", "i": 3}),
    ({"f.$": "States.Format('{}-{}', $.a, $$.Map.Item.Value)"}, {"f": "1-x"}),
    ({"outer": {"inner.$": "$.a", "keep": True}}, {"outer": {"inner": 1, "keep": True}}),
    (
        {"list": [{"v.$": "$.a"}, "plain", [{"w.$": "$.b.c"}]]},
        {"list": [{"v": 1}, "plain", [{"w": [10, 20]}]]},
    ),
    (
        {"dollar$": "$.a", "not.$key": "$.a"},
        {"dollar$": "$.a", "not.$key": "$.a"},
    ),  # only a '.$' suffix counts
    ({"v.$": "$.int-literal"}, {"v": 0}),
]


@pytest.mark.parametrize(
    "template,expected", EVAL_CASES, ids=[str(i) for i in range(len(EVAL_CASES))]
)
def test_evaluate(template, expected) -> None:
    assert compile_template(template).evaluate(INPUT, CONTEXT, SeededEffects()) == expected


def test_variables_are_resolved() -> None:
    template = compile_template({"x.$": "$v.k", "y.$": "States.Array($v)"})
    assert template.evaluate({}, {}, SeededEffects(), {"v": {"k": 5}}) == {"x": 5, "y": [{"k": 5}]}


def test_uuid_comes_from_effects() -> None:
    out = compile_template({"u.$": "States.UUID()"}).evaluate({}, {}, SeededEffects(2))
    assert out == {"u": SeededEffects(2).uuid()}


def test_constant_template() -> None:
    assert compile_template({"a": [1, {"b": 2}]}).is_constant
    assert not compile_template({"a": [1, {"b.$": "$"}]}).is_constant


def test_evaluation_does_not_mutate_input_or_template() -> None:
    source = {"x.$": "$.b", "c": {"d": [1]}}
    snapshot_source, snapshot_input = copy.deepcopy(source), copy.deepcopy(INPUT)
    compile_template(source).evaluate(INPUT, CONTEXT, SeededEffects())
    assert source == snapshot_source and INPUT == snapshot_input


RUNTIME_ERRORS = [
    # recorded: "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be
    # found in the input '<json-input:1>'" (the core adds the "An error occurred ..." prefix)
    (
        {"value.$": "$.no_such_jsonpath"},
        "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found "
        'in the input \'{"a":1,"b":{"c":[10,20]},"items":[{"v":1},{"v":2}],"int-literal":0}\'',
    ),
    (
        {"value.$": "$$.Execution.Input.no_such_jsonpath"},
        "The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' could not be "
        'found in the input \'{"a":1,"b":{"c":[10,20]},"items":[{"v":1},{"v":2}],"int-literal":0}\'',
    ),
    (
        {"deep": [{"w.$": "$.b.c[5]"}]},
        "The JSONPath '$.b.c[5]' specified for the field 'w.$' could not be found "
        'in the input \'{"a":1,"b":{"c":[10,20]},"items":[{"v":1},{"v":2}],"int-literal":0}\'',
    ),
    (
        {"f.$": "States.Format('{}', $.zz)"},
        "The JSONPath '$.zz' specified for the field 'f.$' could not be found "
        'in the input \'{"a":1,"b":{"c":[10,20]},"items":[{"v":1},{"v":2}],"int-literal":0}\'',
    ),
]


@pytest.mark.parametrize(
    "template,cause", RUNTIME_ERRORS, ids=[str(i) for i in range(len(RUNTIME_ERRORS))]
)
def test_path_not_found_is_states_runtime(template, cause: str) -> None:
    with pytest.raises(StatesError) as info:
        compile_template(template).evaluate(INPUT, CONTEXT, SeededEffects())
    assert info.value.error == "States.Runtime"
    assert info.value.cause == cause


def test_intrinsic_failure_propagates() -> None:
    with pytest.raises(StatesError) as info:
        compile_template({"x.$": "States.ArrayGetItem($.items, 9)"}).evaluate(
            INPUT, CONTEXT, SeededEffects()
        )
    assert info.value.error == "States.IntrinsicFailure"


DEFINITION_ERRORS = [
    # (template, field, location) -- AWS: "The value for the field 'parsed.$' must be a valid
    # JSONPath or a valid intrinsic function call" (recorded, SCHEMA_VALIDATION_FAILED)
    (
        {"parsed.$": 'States.StringToJson(\'{"text":"An \\"escaped double quote\\" here"}\')'},
        "parsed.$",
        (),
    ),
    (
        {"parsed.$": "States.Format('He said, \\\"Hello, {}!\\\"', 'Test \\\"Name\\\" Here')"},
        "parsed.$",
        (),
    ),
    ({"x.$": "not a path"}, "x.$", ()),
    ({"x.$": 5}, "x.$", ()),
    ({"x.$": None}, "x.$", ()),
    ({"x.$": "$.a b"}, "x.$", ()),
    ({"x.$": "States.Nope()"}, "x.$", ()),
    ({"outer": {"list": [0, {"bad.$": "$["}]}}, "bad.$", ("outer", "list", 1)),
]


@pytest.mark.parametrize(
    "template,field,location",
    DEFINITION_ERRORS,
    ids=[str(i) for i in range(len(DEFINITION_ERRORS))],
)
def test_definition_errors(template, field: str, location: tuple) -> None:
    with pytest.raises(TemplateError) as info:
        compile_template(template)
    assert str(info.value) == (
        f"The value for the field '{field}' must be a valid JSONPath "
        "or a valid intrinsic function call"
    )
    assert info.value.field == field
    assert info.value.location == location
    assert info.value.detail
    assert isinstance(info.value, ValueError)
