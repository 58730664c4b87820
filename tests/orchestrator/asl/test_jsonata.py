"""JSONata expressions and the JSONata pipeline (orchestrator/asl/jsonata.py,
orchestrator/asl/states/jsonata_io.py): evaluation, AWS's error causes, the Step Functions
functions, the runaway guard, every field that takes an expression, and the
``EvaluationFailed`` event."""

from __future__ import annotations

import pytest

from orchestrator.asl import jsonata
from orchestrator.asl.effects import SeededEffects
from orchestrator.asl.errors import DefinitionError, StatesError
from orchestrator.asl.runner import run
from orchestrator.asl.validator import validate

PREFIX = "An error occurred while executing the state 'S' (entered at the event id #2). "


def evaluate(text: str, variables: dict | None = None, states: dict | None = None, effects=None):
    expr = jsonata.compile_expression(text)
    bindings = jsonata.evaluate_bindings(variables or {}, states or {"input": {}})
    return jsonata.run_expression(expr, "Output", bindings, effects or SeededEffects(1))


def machine(state: dict, **top) -> dict:
    return {"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": state}, **top}


def pass_output(output, data=None, **extra):
    return run(machine({"Type": "Pass", "Output": output, "End": True, **extra}), data or {})


# --- expressions ------------------------------------------------------------------------

EXPRESSIONS = [
    ("{% 1 %}", True),
    ("{%%}", True),
    ("{% x", False),
    ("x %}", False),
    ("{}", False),
    (1, False),
    ("{%", False),
]


@pytest.mark.parametrize("value, expected", EXPRESSIONS, ids=[repr(v) for v, _ in EXPRESSIONS])
def test_is_expression(value, expected):
    assert jsonata.is_expression(value) is expected


VALUES = [
    ("$states.input.x + 1", {"input": {"x": 41}}, 42),
    ("$v", {"input": None}, None),  # a variable holding null is null, not undefined
    ("null", None, None),
    ("2.5 * 2", None, 5),  # integral numbers print as integers
    ("$sum([0.5, 0.25])", None, 0.75),
    ("[1, 'two', 3]", None, [1, "two", 3]),
    ("{'a': null}", None, {"a": None}),
    ("$partition([1, 2, 3], 2)", None, [[1, 2], [3]]),
    ("$range(1, 7, 3)", None, [1, 4, 7]),
    ("$range(1, 1, 1)", None, 1),  # a one-item sequence is the item (recorded on AWS)
    ("$range(5, 1, -2)", None, [5, 3, 1]),
    (
        "$hash('a', 'SHA-256')",
        None,
        "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
    ),
    ("$hash('a', 'MD5')", None, "0cc175b9c0f1b6a831c399e269772661"),
    ("$parse('{\"k\": [1, true]}')", None, {"k": [1, True]}),
    ("$random(7) = $random(7)", None, True),
    ("$states.context.Execution.Name", {"input": {}, "context": {"Execution": {"Name": "e"}}}, "e"),
]


@pytest.mark.parametrize("text, states, expected", VALUES, ids=[v[0] for v in VALUES])
def test_values(text, states, expected):
    assert evaluate(text, {"v": None}, states) == expected


def test_uuid_and_random_come_from_the_effects():
    first = evaluate("[$uuid(), $random()]", effects=SeededEffects(3))
    again = evaluate("[$uuid(), $random()]", effects=SeededEffects(3))
    other = evaluate("[$uuid(), $random()]", effects=SeededEffects(4))
    assert first == again != other
    assert len(first[0]) == 36 and 0 <= first[1] < 1


FAILURES = [
    (
        "$nothing",
        "The JSONata expression '$nothing' specified for the field 'Output' returned "
        "nothing (undefined).",
    ),
    (
        "$eval('1')",
        "The JSONata expression '$eval('1')' specified for the field 'Output' threw "
        "an error during evaluation. T1006: Attempted to invoke a non-function",
    ),
    (
        "$randomSeeded(1)",
        "The JSONata expression '$randomSeeded(1)' specified for the field "
        "'Output' threw an error during evaluation. T1006: Attempted to invoke "
        "a non-function",
    ),
    (
        "function($x){$x}",
        "The JSONata expression 'function($x){$x}' specified for the field "
        "'Output' returned an unsupported result type.",
    ),
    (
        "1 + 'a'",
        "The JSONata expression '1 + 'a'' specified for the field 'Output' threw an "
        "error during evaluation. T2002: The right side of the + operator must evaluate "
        "to a number",
    ),
    ("$hash('a', 'SHA-3')", "threw an error during evaluation. T0410"),
    ("$range(1, 2000, 1)", "threw an error during evaluation. D3001"),
    ("$parse('{')", "threw an error during evaluation. D3140"),
]


@pytest.mark.parametrize("text, cause", FAILURES, ids=[f[0] for f in FAILURES])
def test_failures_are_query_evaluation_errors_with_aws_causes(text, cause):
    with pytest.raises(StatesError) as info:
        evaluate(text)
    assert info.value.error == "States.QueryEvaluationError"
    assert cause in info.value.cause


RUNAWAYS = [
    ("($f := function($x){$f($x)}; $f(1))", "D1012"),  # endless tail recursion
    ("($f := function($x){1 + $f($x)}; $f(1))", "D1011"),  # endless deep recursion
    ("$count([1..100000].($ * 2))", "D1012"),  # too much work
]


@pytest.mark.parametrize("text, code", RUNAWAYS, ids=[r[1] + ":" + r[0] for r in RUNAWAYS])
def test_runaway_expressions_fail_instead_of_hanging(text, code, monkeypatch):
    monkeypatch.setattr(jsonata, "MAX_STEPS", 20_000)
    with pytest.raises(StatesError) as info:
        evaluate(text)
    assert f"threw an error during evaluation. {code}" in info.value.cause


def test_syntax_errors_carry_the_position():
    with pytest.raises(jsonata.JsonataSyntaxError) as info:
        jsonata.compile_expression("{% $states.input.a + %}")
    assert (info.value.code, info.value.position) == ("S0207", 17)


def test_an_expression_is_compiled_once():
    assert jsonata.compile_expression("{% 1 + 1 %}") is jsonata.compile_expression("{%1 + 1%}")


# --- definitions ------------------------------------------------------------------------

DIAGNOSTICS = [
    (
        machine({"Type": "Pass", "Output": {"a": ["{% 1 + %}"]}, "End": True}),
        "/States/S/Output/a/0",
    ),
    (
        machine(
            {"Type": "Choice", "Choices": [{"Condition": "{% ( %}", "Next": "T"}], "Default": "T"}
        )
        | {
            "States": {
                "S": {"Type": "Choice", "Choices": [{"Condition": "{% ( %}", "Next": "T"}]},
                "T": {"Type": "Succeed"},
            }
        },
        "/States/S/Choices/0/Condition",
    ),
    (machine({"Type": "Wait", "Seconds": "{% $x + %}", "End": True}), "/States/S/Seconds"),
]


@pytest.mark.parametrize("definition, location", DIAGNOSTICS, ids=[d[1] for d in DIAGNOSTICS])
def test_syntax_errors_are_found_at_definition_time(definition, location):
    errors = [d for d in validate(definition) if d.severity == "ERROR"]
    assert [d.location for d in errors] == [location]
    assert "is not valid: S0" in errors[0].message
    with pytest.raises(DefinitionError):
        run(definition, {})


def test_a_jsonata_machine_cannot_hold_a_jsonpath_state():
    definition = machine({"Type": "Pass", "QueryLanguage": "JSONPath", "End": True})
    assert any("QueryLanguage" in d.message for d in validate(definition))


def test_a_jsonpath_machine_may_hold_a_jsonata_state():
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Parameters": {"x.$": "$.a"}, "Next": "B"},
            "B": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": "{% $states.input.x * 2 %}",
                "End": True,
            },
        },
    }
    assert run(definition, {"a": 21}).output == 42


# --- the fields ---------------------------------------------------------------------------


def test_task_arguments_output_and_timeouts():
    seen = []

    def invoke(command):
        seen.append((command.parameters, command.timeout_seconds))
        return {"echo": command.parameters}

    definition = machine(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::http:invoke",
            "Arguments": {"ApiEndpoint": "{% 'http://x/' & $states.input.id %}"},
            "TimeoutSeconds": "{% $states.input.t %}",
            "Output": {"in": "{% $states.input.id %}", "out": "{% $states.result.echo %}"},
            "End": True,
        }
    )
    result = run(definition, {"id": "7", "t": 9}, invoke=invoke)
    assert seen == [({"ApiEndpoint": "http://x/7"}, 9)]
    assert result.output == {"in": "7", "out": {"ApiEndpoint": "http://x/7"}}


def test_catch_output_sees_the_error_output_and_the_input():
    def invoke(command):
        raise StatesError("Boom", "bad")

    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "S",
        "States": {
            "S": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Next": "F",
                        "Output": {"e": "{% $states.errorOutput %}", "i": "{% $states.input %}"},
                    }
                ],
                "End": True,
            },
            "F": {"Type": "Succeed"},
        },
    }
    result = run(definition, {"a": 1}, invoke=invoke)
    assert result.output == {"e": {"Error": "Boom", "Cause": "bad"}, "i": {"a": 1}}


CHOICES = [({"v": 5}, "small"), ({"v": 50}, "default")]


@pytest.mark.parametrize("data, expected", CHOICES, ids=["rule", "default"])
def test_choice_condition_with_its_own_output(data, expected):
    definition = machine(
        {
            "Type": "Choice",
            "Choices": [
                {"Condition": "{% $states.input.v < 10 %}", "Next": "T", "Output": "small"}
            ],
            "Default": "T",
            "Output": "default",
        }
    )
    definition["States"]["T"] = {"Type": "Succeed"}
    assert run(definition, data).output == expected


def test_map_items_item_selector_and_max_concurrency():
    definition = machine(
        {
            "Type": "Map",
            "Items": "{% $states.input.xs %}",
            "MaxConcurrency": "{% $states.input.limit %}",
            "ItemSelector": {
                "value": "{% $states.context.Map.Item.Value %}",
                "index": "{% $states.context.Map.Item.Index %}",
            },
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
            "Output": "{% $states.result.value %}",
            "End": True,
        }
    )
    assert run(definition, {"xs": ["a", "b"], "limit": 1}).output == ["a", "b"]


def test_map_items_must_be_an_array():
    result = run(
        machine(
            {
                "Type": "Map",
                "Items": "{% $states.input %}",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        ),
        {"a": 1},
    )
    assert result.cause == PREFIX + (
        "The JSONata expression '$states.input' specified for the field 'Items' returned an "
        "unexpected result type. Expected 'array', but was 'object' for value: {\"a\":1}"
    )
    assert [e["type"] for e in result.history][-3:] == [
        "EvaluationFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]


def test_wait_seconds_and_fail_error_cause():
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": "{% $states.input.s %}", "Next": "F"},
            "F": {
                "Type": "Fail",
                "Error": "{% 'E' & $states.input.s %}",
                "Cause": "{% $string($states.input) %}",
            },
        },
    }
    result = run(definition, {"s": 3})
    assert (result.error, result.cause) == ("E3", '{"s":3}')
    waited = result.history[-1]["timestamp"] - result.history[0]["timestamp"]
    assert waited.total_seconds() == 3


def test_evaluation_failed_event_as_aws_records_it():
    result = pass_output({"x": "{% $missing %}"})
    cause = PREFIX + (
        "The JSONata expression '$missing' specified for the field 'Output/x' "
        "returned nothing (undefined)."
    )
    failed = result.history[-2]
    assert (failed["type"], failed["previousEventId"]) == ("EvaluationFailed", 0)
    assert failed["evaluationFailedEventDetails"] == {
        "cause": cause,
        "error": "States.QueryEvaluationError",
        "location": "Output/x",
        "state": "S",
    }
    assert (result.error, result.cause) == ("States.QueryEvaluationError", cause)


def test_pass_output_defaults_to_the_input_and_has_no_result():
    assert pass_output("{% $states.input %}", {"a": 1}).output == {"a": 1}
    assert pass_output("{% $exists($states.result) %}").output is False
