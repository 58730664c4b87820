"""Definition-time placement of ``$states.result`` and ``$states.errorOutput`` .

Developer guide, "Transforming data with JSONata", reserved variable ``$states``: *"result:
API or sub-workflow's result (if successful)"*, *"errorOutput: Error Output (only available in
Catch)"*; ``input`` and ``context`` exist in every JSONata field.
"""

from __future__ import annotations

import pytest

from orchestrator.asl.validator import validate

TASK = "arn:aws:states:::lambda:invoke"
RESULT, ERROR_OUTPUT = "{% $states.result %}", "{% $states.errorOutput %}"


def catch(**fields):
    return [{"ErrorEquals": ["States.ALL"], "Next": "Done", **fields}]


def branch():
    return {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}


def machine(state: dict) -> dict:
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "S",
        "States": {"S": {"End": True, **state}, "Done": {"Type": "Succeed"}},
    }


TASK_STATE = {"Type": "Task", "Resource": TASK}
PARALLEL_STATE = {"Type": "Parallel", "Branches": [branch()]}
MAP_STATE = {"Type": "Map", "ItemProcessor": branch()}

# (id, state, location of the one expected diagnostic or None, the field named in it)
CASES = [
    # $states.result: Output and Assign of Task, Parallel, Map
    ("task-output", {**TASK_STATE, "Output": RESULT}, None, None),
    ("task-assign", {**TASK_STATE, "Assign": {"r": RESULT}}, None, None),
    ("parallel-output", {**PARALLEL_STATE, "Output": {"a": [RESULT]}}, None, None),
    ("map-assign", {**MAP_STATE, "Assign": {"r": "{% $count($states.result) %}"}}, None, None),
    (
        "task-arguments",
        {**TASK_STATE, "Arguments": {"a": RESULT}},
        "/States/S/Arguments/a",
        "result",
    ),
    (
        "parallel-arguments",
        {**PARALLEL_STATE, "Arguments": RESULT},
        "/States/S/Arguments",
        "result",
    ),
    ("map-items", {**MAP_STATE, "Items": RESULT}, "/States/S/Items", "result"),
    (
        "map-item-selector",
        {**MAP_STATE, "ItemSelector": {"x": RESULT}},
        "/States/S/ItemSelector/x",
        "result",
    ),
    (
        "pass-output",
        {"Type": "Pass", "Output": "{% $states.result.x %}"},
        "/States/S/Output",
        "result",
    ),
    (
        "wait-seconds",
        {"Type": "Wait", "Seconds": "{% $states.result %}"},
        "/States/S/Seconds",
        "result",
    ),
    (
        "task-timeout",
        {**TASK_STATE, "TimeoutSeconds": RESULT},
        "/States/S/TimeoutSeconds",
        "result",
    ),
    (
        "catch-output-result",
        {**TASK_STATE, "Catch": catch(Output=RESULT)},
        "/States/S/Catch/0/Output",
        "result",
    ),
    # $states.errorOutput: a catcher's Output and Assign only
    ("catch-output", {**TASK_STATE, "Catch": catch(Output=ERROR_OUTPUT)}, None, None),
    (
        "catch-assign",
        {**MAP_STATE, "Catch": catch(Assign={"e": "{% $states.errorOutput.Error %}"})},
        None,
        None,
    ),
    (
        "task-output-error",
        {**TASK_STATE, "Output": ERROR_OUTPUT},
        "/States/S/Output",
        "errorOutput",
    ),
    (
        "task-assign-error",
        {**TASK_STATE, "Assign": {"e": ERROR_OUTPUT}},
        "/States/S/Assign/e",
        "errorOutput",
    ),
    (
        "pass-output-error",
        {"Type": "Pass", "Output": {"e": ERROR_OUTPUT}},
        "/States/S/Output/e",
        "errorOutput",
    ),
    # $states.input / $states.context: everywhere
    ("input-arguments", {**TASK_STATE, "Arguments": "{% $states.input %}"}, None, None),
    (
        "context-catch",
        {**TASK_STATE, "Catch": catch(Output="{% $states.context.State.Name %}")},
        None,
        None,
    ),
    # only real references count: strings, other variables, deeper names
    (
        "string-literal",
        {**TASK_STATE, "Arguments": {"a": "{% '$states.result' & \"x\" %}"}},
        None,
        None,
    ),
    ("plain-string", {"Type": "Pass", "Output": "$states.errorOutput"}, None, None),
    ("other-variable", {"Type": "Pass", "Output": "{% $other.result %}"}, None, None),
    (
        "input-field-named-result",
        {"Type": "Pass", "Output": "{% $states.input.result %}"},
        None,
        None,
    ),
    (
        "nested-in-function",
        {"Type": "Pass", "Output": "{% $string($states.result) %}"},
        "/States/S/Output",
        "result",
    ),
    (
        "in-lambda",
        {"Type": "Pass", "Output": "{% (function($x){$states.errorOutput})(1) %}"},
        "/States/S/Output",
        "errorOutput",
    ),
]


@pytest.mark.parametrize(
    "state, location, field", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_states_field_placement(state, location, field):
    diags = [d for d in validate(machine(state)) if "$states." in d.message]
    if location is None:
        assert diags == []
    else:
        assert [(d.severity, d.code, d.location) for d in diags] == [
            ("WARNING", "STATES_FIELD_UNAVAILABLE", location)
        ]
        assert f"'$states.{field}'" in diags[0].message


def test_scope_does_not_leak_into_nested_states():
    """A Task's Output may read $states.result; a branch state's Output may not."""
    inner = {"StartAt": "B", "States": {"B": {"Type": "Pass", "Output": RESULT, "End": True}}}
    definition = machine({**PARALLEL_STATE, "Branches": [inner], "Output": RESULT})
    assert [d.location for d in validate(definition) if "$states." in d.message] == [
        "/States/S/Branches/0/States/B/Output"
    ]


def test_jsonpath_states_are_not_checked():
    """JSONPath fields are not JSONata: ``$states`` text there is a plain string."""
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": RESULT, "End": True}}}
    assert validate(definition) == []
