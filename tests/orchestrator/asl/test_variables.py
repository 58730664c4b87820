"""Workflow variables (Assign) in both query languages: evaluation order, scope, references
from JSONPath paths and intrinsics, history details, size limits, catchers, replay."""

from __future__ import annotations

import pytest

from orchestrator.asl.effects import SeededEffects
from orchestrator.asl.errors import StatesError
from orchestrator.asl.runner import run
from orchestrator.asl.variables import MAX_VARIABLE_BYTES, check_assignment


def chain(*states: dict, ql: str | None = None) -> dict:
    """States named S0, S1, ... each going to the next; the last ends."""
    names = [f"S{i}" for i in range(len(states))]
    body = {}
    for i, state in enumerate(states):
        state = dict(state)
        if state["Type"] not in ("Choice", "Succeed", "Fail"):
            state.update({"Next": names[i + 1]} if i + 1 < len(states) else {"End": True})
        body[names[i]] = state
    definition = {"StartAt": "S0", "States": body}
    if ql:
        definition["QueryLanguage"] = ql
    return definition


def assigned(result) -> list[dict]:
    return [
        e["stateExitedEventDetails"].get("assignedVariables")
        for e in result.history
        if e["type"].endswith("StateExited")
    ]


# --- evaluation order: every right-hand side sees the values from before the state --------

ORDER = [
    (
        "JSONPath",
        [
            {"Type": "Pass", "Assign": {"a": 1, "b": 2}},
            {"Type": "Pass", "Assign": {"a.$": "$b", "b.$": "$a"}},
            {"Type": "Pass", "Parameters": {"a.$": "$a", "b.$": "$b"}},
        ],
    ),
    (
        "JSONata",
        [
            {"Type": "Pass", "Assign": {"a": 1, "b": 2}},
            {
                "Type": "Pass",
                "Assign": {"a": "{% $b %}", "b": "{% $a %}"},
                "Output": {"seen": "{% $a %}"},
            },
            {"Type": "Pass", "Output": {"a": "{% $a %}", "b": "{% $b %}"}},
        ],
    ),
]


@pytest.mark.parametrize("ql, states", ORDER, ids=[o[0] for o in ORDER])
def test_assignments_see_the_values_from_before_the_state(ql, states):
    result = run(chain(*states, ql=ql), {})
    assert result.output == {"a": 2, "b": 1}
    assert assigned(result)[:2] == [{"a": "1", "b": "2"}, {"a": "2", "b": "1"}]


def test_output_sees_old_values_in_jsonata():
    result = run(
        chain(
            {"Type": "Pass", "Assign": {"a": 1}},
            {"Type": "Pass", "Assign": {"a": 2}, "Output": "{% $a %}"},
            ql="JSONata",
        ),
        {},
    )
    assert result.output == 1


# --- references from JSONPath ---------------------------------------------------------------

REFERENCES = [
    ("InputPath", {"Type": "Pass", "InputPath": "$v"}, {"k": [1, 2], "e": "E"}),
    ("OutputPath", {"Type": "Pass", "OutputPath": "$v.k"}, [1, 2]),
    ("Parameters", {"Type": "Pass", "Parameters": {"x.$": "$v.k[1]"}}, {"x": 2}),
    ("intrinsic", {"Type": "Pass", "Parameters": {"x.$": "States.ArrayLength($v.k)"}}, {"x": 2}),
    (
        "ResultSelector-free Result",
        {"Type": "Pass", "Result": 1, "ResultPath": "$.r", "OutputPath": "$v"},
        {"k": [1, 2], "e": "E"},
    ),
    (
        "Choice Variable",
        {"Type": "Choice", "Choices": [{"Variable": "$v.k[0]", "NumericEquals": 1, "Next": "S2"}]},
        {"in": True},
    ),
    ("Fail CausePath", {"Type": "Fail", "ErrorPath": "$v.e", "CausePath": "$v.e"}, None),
]


@pytest.mark.parametrize("name, state, expected", REFERENCES, ids=[r[0] for r in REFERENCES])
def test_jsonpath_references_read_variables(name, state, expected):
    states = [{"Type": "Pass", "Assign": {"v": {"k": [1, 2], "e": "E"}}}, state]
    if state["Type"] == "Choice":
        states.append({"Type": "Succeed"})
    result = run(chain(*states), {"in": True})
    if expected is None:
        assert (result.error, result.cause) == ("E", "E")
    else:
        assert result.output == expected


def test_map_items_path_and_max_concurrency_path_read_variables():
    definition = chain(
        {"Type": "Pass", "Assign": {"xs": [1, 2, 3], "limit": 2}},
        {
            "Type": "Map",
            "ItemsPath": "$xs",
            "MaxConcurrencyPath": "$limit",
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        },
    )
    assert run(definition, {}).output == [1, 2, 3]


def test_an_undefined_variable_fails_the_state():
    result = run(chain({"Type": "Pass", "InputPath": "$nope"}), {})
    assert result.error == "States.Runtime"


# --- scope ----------------------------------------------------------------------------------


def inner(name: str) -> dict:
    return {
        "StartAt": name,
        "States": {
            name: {
                "Type": "Pass",
                "Assign": {"outer": "{% $outer + 1 %}", "inner": "{% $outer %}"},
                "Output": {"outer": "{% $outer %}"},
                "End": True,
            }
        },
    }


SCOPES = [
    ("Parallel", {"Type": "Parallel", "Branches": [inner("A"), inner("B")]}, [{"outer": 10}] * 2),
    ("Map", {"Type": "Map", "Items": [1, 2], "ItemProcessor": inner("I")}, [{"outer": 10}] * 2),
]


@pytest.mark.parametrize("name, state, inner_output", SCOPES, ids=[s[0] for s in SCOPES])
def test_branches_and_iterations_read_outer_variables_but_do_not_change_them(
    name, state, inner_output
):
    definition = chain(
        {"Type": "Pass", "Assign": {"outer": 10}},
        {
            **state,
            "Output": {
                "inner": "{% $states.result %}",
                "outer": "{% $outer %}",
                "leaked": "{% $exists($inner) %}",
            },
        },
        ql="JSONata",
    )
    result = run(definition, {})
    assert result.output == {"inner": inner_output, "outer": 10, "leaked": False}
    inner_events = [a for a in assigned(result) if a and "inner" in a]
    assert inner_events == [{"outer": "11", "inner": "10"}] * 2


def test_distributed_map_iterations_cannot_read_outer_variables():
    definition = chain(
        {"Type": "Pass", "Assign": {"outer": 10}},
        {
            "Type": "Map",
            "Items": [1],
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "I",
                "States": {"I": {"Type": "Pass", "Output": "{% $exists($outer) %}", "End": True}},
            },
        },
        ql="JSONata",
    )
    assert run(definition, {}).output == [False]


# --- history, choice, catch -----------------------------------------------------------------


def test_history_records_json_texts_and_nothing_for_an_empty_assign():
    result = run(
        chain(
            {"Type": "Pass", "Assign": {"s": "x", "n": 1.5, "o": {"a": None}}},
            {"Type": "Pass", "Assign": {}},
        ),
        {},
    )
    assert assigned(result) == [{"s": '"x"', "n": "1.5", "o": '{"a":null}'}, None]
    exited = result.history[2]["stateExitedEventDetails"]
    assert exited["assignedVariablesDetails"] == {"truncated": False}


CHOICE_ASSIGN = [(1, {"via": '"rule"'}), (2, {"via": '"default"'})]


@pytest.mark.parametrize("value, expected", CHOICE_ASSIGN, ids=["rule", "default"])
def test_jsonpath_choice_rule_assign_or_state_assign_on_default(value, expected):
    definition = chain(
        {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.v", "NumericEquals": 1, "Assign": {"via": "rule"}, "Next": "S1"}
            ],
            "Default": "S1",
            "Assign": {"via": "default"},
        },
        {"Type": "Succeed"},
    )
    assert assigned(run(definition, {"v": value}))[0] == expected


CATCH = [
    (
        "JSONPath",
        {
            "ErrorEquals": ["States.ALL"],
            "Next": "S1",
            "ResultPath": None,
            "Assign": {"err.$": "$.Error", "ok": False},
        },
    ),
    (
        "JSONata",
        {
            "ErrorEquals": ["States.ALL"],
            "Next": "S1",
            "Assign": {"err": "{% $states.errorOutput.Error %}", "ok": False},
        },
    ),
]


@pytest.mark.parametrize("ql, catcher", CATCH, ids=[c[0] for c in CATCH])
def test_a_catcher_assigns_and_the_failed_state_assignments_do_not_apply(ql, catcher):
    def invoke(command):
        raise StatesError("Boom", "bad")

    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::http:invoke",
        "Assign": {"ok": True},
        "Catch": [catcher],
    }
    definition = chain(task, {"Type": "Succeed"}, ql=ql)
    result = run(definition, {}, invoke=invoke)
    assert assigned(result)[0] == {"err": '"Boom"', "ok": "false"}


# --- limits and replay ----------------------------------------------------------------------

LIMITS = [
    ({"big": "x" * MAX_VARIABLE_BYTES}, {}, "The variable 'big' has a size of"),
    ({"a": "x" * 200_000, "b": "y" * 200_000}, {}, "combined size"),
    ({"new": "x" * 250_000}, {f"v{i}": "x" * 250_000 for i in range(41)}, "total size"),
    ({"ok": "x" * 1000}, {}, None),
]


@pytest.mark.parametrize("values, current, message", LIMITS, ids=["one", "assign", "total", "ok"])
def test_size_limits(values, current, message):
    if message is None:
        check_assignment(values, current)
        return
    with pytest.raises(StatesError) as info:
        check_assignment(values, current)
    assert (info.value.error, message in info.value.cause) == ("States.Runtime", True)


def test_an_oversized_variable_fails_the_state():
    result = run(
        chain({"Type": "Pass", "Assign": {"big": "{% $pad('', 300000, 'x') %}"}}, ql="JSONata"), {}
    )
    assert result.error == "States.Runtime"
    assert result.cause.startswith("An error occurred while executing the state 'S0'")


def test_variables_replay_deterministically():
    definition = chain(
        {"Type": "Pass", "Assign": {"id": "{% $uuid() %}", "r": "{% $random() %}"}},
        {"Type": "Pass", "Output": {"id": "{% $id %}", "r": "{% $r %}"}},
        ql="JSONata",
    )
    first = run(definition, {}, effects=SeededEffects(9))
    again = run(definition, {}, effects=SeededEffects(9))
    assert first.history == again.history
    assert first.output == {"id": first.output["id"], "r": first.output["r"]}
