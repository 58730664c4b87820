"""Choice Rules: every operator, its ...Path form, type mismatches, nesting and errors."""

from __future__ import annotations

import pytest

from orchestrator.asl.choice import (
    COMPARATORS,
    TYPE_TESTS,
    compile_choice_rule,
    missing_path_cause,
    string_matches,
)
from orchestrator.asl.errors import DefinitionError, StatesError

TS = "2012-10-09T19:00:55Z"
TS_LATER = "2012-10-09T19:00:56Z"
TS_SAME_OFFSET = "2012-10-09T20:00:55+01:00"  # the same instant as TS

# (operator, variable value, operand, expected) -- each row is run with the operand as a
# literal and, for operators that have one, through the ...Path form.
COMPARISONS = [
    ("NumericEquals", 1, 1, True),
    ("NumericEquals", 1, 1.0, True),
    ("NumericEquals", 0.0, 0, True),
    ("NumericEquals", 2.22, 2.22, True),
    ("NumericEquals", 1.1, 1, False),
    ("NumericEquals", -0.0, 0, True),
    ("NumericEquals", 10**20, 10**20, True),
    ("NumericEquals", "1", 1, False),  # no string-to-number coercion
    ("NumericEquals", True, 1, False),  # booleans are not numbers
    ("NumericEquals", False, 0, False),
    ("NumericEquals", None, 0, False),
    ("NumericEquals", [1], 1, False),
    ("NumericEquals", {"A": 0}, 0, False),
    ("NumericGreaterThan", 1, 0, True),
    ("NumericGreaterThan", 1, 1, False),
    ("NumericGreaterThan", 1.5, 1, True),
    ("NumericGreaterThan", "2", 1, False),
    ("NumericGreaterThanEquals", 1, 1.0, True),
    ("NumericGreaterThanEquals", 0, 1, False),
    ("NumericLessThan", 0, 1, True),
    ("NumericLessThan", 0.0, 0, False),
    ("NumericLessThan", -5, -4.5, True),
    ("NumericLessThanEquals", 1, 1, True),
    ("NumericLessThanEquals", 1, 0, False),
    ("StringEquals", "Hello", "Hello", True),
    ("StringEquals", "hello", "Hello", False),
    ("StringEquals", " ", "     ", False),
    ("StringEquals", "\t\n", "\t\r\n", False),
    ("StringEquals", 0, "0", False),
    ("StringEquals", None, "null", False),
    ("StringEquals", TS, TS, True),  # a timestamp is a string too
    ("StringGreaterThan", "AB", "A", True),
    ("StringGreaterThan", "A", "A ", False),
    ("StringGreaterThan", "a", "B", True),  # code units, not case-insensitive
    ("StringGreaterThan", "", "", False),
    ("StringGreaterThanEquals", "", "", True),
    ("StringGreaterThanEquals", "A", "AB", False),
    ("StringLessThan", "A", "AB", True),
    ("StringLessThan", "AB", "A", False),
    ("StringLessThan", 1, "2", False),
    ("StringLessThanEquals", "A", "A", True),
    ("StringLessThanEquals", "B", "A", False),
    # Java compareTo orders UTF-16 code units: U+1F600 is the surrogate pair D83D DE00,
    # which sorts *before* U+FF21 although its code point is larger.
    ("StringLessThan", "\U0001f600", "\uff21", True),
    ("StringGreaterThan", "\uff21", "\U0001f600", True),
    ("StringLessThan", "\u00e9", "\u00ea", True),
    ("BooleanEquals", True, True, True),
    ("BooleanEquals", False, False, True),
    ("BooleanEquals", False, True, False),
    ("BooleanEquals", 1, True, False),
    ("BooleanEquals", 0, False, False),
    ("BooleanEquals", "true", True, False),
    ("BooleanEquals", None, False, False),
    ("TimestampEquals", TS, TS, True),
    ("TimestampEquals", TS_SAME_OFFSET, TS, True),
    ("TimestampEquals", TS, TS_LATER, False),
    ("TimestampEquals", "2012-10-09T19:00:55", TS, False),  # no zone: not a timestamp
    ("TimestampEquals", "2023-02-24 12:15:56.832957", TS, False),
    ("TimestampEquals", 0, TS, False),
    ("TimestampEquals", None, TS, False),
    ("TimestampGreaterThan", TS_LATER, TS, True),
    ("TimestampGreaterThan", TS, TS, False),
    ("TimestampGreaterThan", "2012-10-09T19:00:55.000000001Z", TS, True),
    ("TimestampGreaterThanEquals", TS, TS_SAME_OFFSET, True),
    ("TimestampGreaterThanEquals", TS, TS_LATER, False),
    ("TimestampLessThan", TS, TS_LATER, True),
    ("TimestampLessThan", TS_LATER, TS, False),
    ("TimestampLessThanEquals", TS, TS, True),
    ("TimestampLessThanEquals", TS_LATER, TS, False),
]


@pytest.mark.parametrize("op,value,operand,expected", COMPARISONS)
def test_comparison_with_literal(op, value, operand, expected):
    rule = compile_choice_rule({"Variable": "$.v", op: operand, "Next": "X"})
    assert rule.evaluate({"v": value}, {}) is expected


@pytest.mark.parametrize("op,value,operand,expected", COMPARISONS)
def test_comparison_with_path(op, value, operand, expected):
    rule = compile_choice_rule({"Variable": "$.v", op + "Path": "$.other"})
    assert rule.evaluate({"v": value, "other": operand}, {}) is expected


@pytest.mark.parametrize(
    "op,other",
    [
        ("NumericEqualsPath", "1"),
        ("NumericLessThanPath", None),
        ("NumericGreaterThanPath", True),
        ("StringEqualsPath", 1),
        ("StringLessThanPath", ["a"]),
        ("BooleanEqualsPath", "true"),
        ("BooleanEqualsPath", 1),
        ("TimestampEqualsPath", "yesterday"),
        ("TimestampLessThanPath", 0),
    ],
)
def test_path_operand_of_the_wrong_type_is_false(op, other):
    value = {
        "NumericEqualsPath": 1,
        "NumericLessThanPath": 1,
        "NumericGreaterThanPath": 1,
        "StringEqualsPath": "1",
        "StringLessThanPath": "a",
        "BooleanEqualsPath": True,
        "TimestampEqualsPath": TS,
        "TimestampLessThanPath": TS,
    }[op]
    rule = compile_choice_rule({"Variable": "$.v", op: "$.other"})
    assert rule.evaluate({"v": value, "other": other}, {}) is False


ALL_VALUES = [
    None,
    "",
    " ",
    "HelloWorld",
    TS,
    "2012-10-09T19:00:55",
    0,
    0.0,
    1.1,
    True,
    False,
    [],
    [""],
    {},
    {"A": 0},
]
TYPE_OF = {
    "IsNull": lambda v: v is None,
    "IsBoolean": lambda v: v is True or v is False,
    "IsNumeric": lambda v: type(v) in (int, float),
    "IsString": lambda v: type(v) is str,
    "IsTimestamp": lambda v: v == TS,
}


@pytest.mark.parametrize("op", sorted(TYPE_TESTS))
@pytest.mark.parametrize("value", ALL_VALUES, ids=repr)
@pytest.mark.parametrize("expected", [True, False])
def test_type_tests(op, value, expected):
    rule = compile_choice_rule({"Variable": "$.v", op: expected})
    assert rule.evaluate({"v": value}, {}) is (TYPE_OF[op](value) == expected)


@pytest.mark.parametrize(
    "doc,expected",
    [
        ({"v": None}, True),
        ({"v": False}, True),
        ({"v": {}}, True),
        ({"v": 0}, True),
        ({}, False),
        ({"other": 1}, False),
    ],
)
@pytest.mark.parametrize("operand", [True, False])
def test_is_present(doc, expected, operand):
    rule = compile_choice_rule({"Variable": "$.v", "IsPresent": operand})
    assert rule.evaluate(doc, {}) is (expected == operand)


@pytest.mark.parametrize(
    "variable,doc,expected",
    [
        ("$.a.b", {"a": {"b": 1}}, True),
        ("$.a.b", {"a": 1}, False),  # through a non-object
        ("$.a[1]", {"a": [0, 1]}, True),
        ("$.a[5]", {"a": [0, 1]}, False),
        ("$.a[*].b", {"a": [{"b": 1}]}, True),
        ("$.a[*].b", {"a": [{"c": 1}]}, False),  # an indefinite path matching nothing
        ("$", None, True),
    ],
)
def test_is_present_paths(variable, doc, expected):
    assert (
        compile_choice_rule({"Variable": variable, "IsPresent": True}).evaluate(doc, {}) is expected
    )


@pytest.mark.parametrize(
    "pattern,value,expected",
    [
        ("log-*.txt", "log-2024.txt", True),
        ("log-*.txt", "log-.txt", True),
        ("log-*.txt", "log-1.txt.gz", False),
        ("foo*.log", "foo23.log", True),
        ("*.log", "zebra.log", True),
        ("foo*.*", "foobar.zebra", True),
        ("*", "", True),
        ("*", "anything at all\n", True),
        ("**", "x", True),
        ("a*b*c", "abc", True),
        ("a*b*c", "aXbYc", True),
        ("a*b*c", "acb", False),
        ("ab*ba", "aba", False),  # head and tail must not overlap
        ("ab*ba", "abba", True),
        ("*a*a*a*a*a*a*b", "a" * 60, False),  # linear, no backtracking blow-up
        ("exact", "exact", True),
        ("exact", "exactly", False),
        ("", "", True),
        ("", "x", False),
        ("a?c", "abc", False),  # only "*" is special
        ("a.c", "abc", False),
        ("[ab]", "a", False),
        ("[ab]", "[ab]", True),
        ("100\\*", "100*", True),  # \* is a literal star
        ("100\\*", "1000", False),
        ("\\**", "*star", True),
        ("\\**", "star", False),
        ("a\\\\b", "a\\b", True),  # \\ is a literal backslash
        ("a\\\\*", "a\\anything", True),  # \\ then a wildcard
        ("a\\b", "a\\b", True),  # a lone backslash stands for itself
        ("end\\", "end\\", True),
        ("\u00e9*", "\u00e9t\u00e9", True),
    ],
)
def test_string_matches(pattern, value, expected):
    rule = compile_choice_rule({"Variable": "$.v", "StringMatches": pattern})
    assert rule.evaluate({"v": value}, {}) is expected
    assert string_matches(value, pattern) is expected


@pytest.mark.parametrize("value", [None, 1, True, ["a"], {"a": 1}])
def test_string_matches_non_string_is_false(value):
    assert (
        compile_choice_rule({"Variable": "$.v", "StringMatches": "*"}).evaluate({"v": value}, {})
        is False
    )


# ------------------------------------------------------------------------- nesting

AWS_DOCS_EXAMPLE = [
    {"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"},
    {"Variable": "$.value", "NumericEquals": 0, "Next": "ValueIsZero"},
    {
        "And": [
            {"Variable": "$.value", "NumericGreaterThanEquals": 20},
            {"Variable": "$.value", "NumericLessThan": 30},
        ],
        "Next": "ValueInTwenties",
    },
]


def _first_match(rules, doc, context=None, variables=None):
    for rule in rules:
        if compile_choice_rule(rule).evaluate(doc, context or {}, variables):
            return rule["Next"]
    return None


@pytest.mark.parametrize(
    "doc,expected",
    [
        ({"type": "Private", "value": 22}, "ValueInTwenties"),  # the docs' own example
        ({"type": "Public", "value": 22}, "Public"),
        ({"type": "Private", "value": 0}, "ValueIsZero"),
        ({"type": "Private", "value": 30}, None),
        ({"type": "Private", "value": 19.999}, None),
    ],
)
def test_aws_docs_example(doc, expected):
    assert _first_match(AWS_DOCS_EXAMPLE, doc) == expected


@pytest.mark.parametrize(
    "rule,doc,expected",
    [
        ({"And": [{"Variable": "$.a", "BooleanEquals": True}]}, {"a": True}, True),
        (
            {
                "And": [
                    {"Variable": "$.a", "BooleanEquals": True},
                    {"Variable": "$.b", "BooleanEquals": True},
                ]
            },
            {"a": True, "b": False},
            False,
        ),
        (
            {
                "Or": [
                    {"Variable": "$.a", "BooleanEquals": True},
                    {"Variable": "$.b", "BooleanEquals": True},
                ]
            },
            {"a": False, "b": True},
            True,
        ),
        (
            {
                "Or": [
                    {"Variable": "$.a", "BooleanEquals": True},
                    {"Variable": "$.b", "BooleanEquals": True},
                ]
            },
            {"a": False, "b": False},
            False,
        ),
        ({"Not": {"Not": {"Variable": "$.a", "IsNull": True}}}, {"a": None}, True),
        (
            {
                "Or": [
                    {
                        "And": [
                            {"Variable": "$.a", "NumericGreaterThan": 1},
                            {"Not": {"Variable": "$.a", "NumericEquals": 3}},
                        ]
                    },
                    {"Variable": "$.s", "StringMatches": "ok*"},
                ]
            },
            {"a": 3, "s": "okay"},
            True,
        ),
        (
            {
                "Or": [
                    {
                        "And": [
                            {"Variable": "$.a", "NumericGreaterThan": 1},
                            {"Not": {"Variable": "$.a", "NumericEquals": 3}},
                        ]
                    },
                    {"Variable": "$.s", "StringMatches": "ok*"},
                ]
            },
            {"a": 3, "s": "no"},
            False,
        ),
        # the corpus' Map break condition (scenarios/test_map_state_break_condition)
        (
            {
                "And": [
                    {"IsPresent": True, "Variable": "$"},
                    {
                        "And": [
                            {"IsNumeric": True, "Variable": "$"},
                            {"NumericEquals": 3, "Variable": "$"},
                        ]
                    },
                ]
            },
            3,
            True,
        ),
        (
            {
                "And": [
                    {"IsPresent": True, "Variable": "$"},
                    {
                        "And": [
                            {"IsNumeric": True, "Variable": "$"},
                            {"NumericEquals": 3, "Variable": "$"},
                        ]
                    },
                ]
            },
            "3",
            False,
        ),
    ],
)
def test_boolean_expressions(rule, doc, expected):
    assert compile_choice_rule(rule).evaluate(doc, {}) is expected


def test_and_short_circuits_past_a_missing_path():
    # AWS docs: the StringEquals rule "is only evaluated if $.keyThatMightNotExist exists
    # because of the preceding IsPresent choice rule".
    rule = compile_choice_rule(
        {
            "And": [
                {"Variable": "$.keyThatMightNotExist", "IsPresent": True},
                {"Variable": "$.keyThatMightNotExist", "StringEquals": "foo"},
            ]
        }
    )
    assert rule.evaluate({}, {}) is False
    assert rule.evaluate({"keyThatMightNotExist": "foo"}, {}) is True


def test_or_short_circuits_past_a_missing_path():
    rule = compile_choice_rule(
        {"Or": [{"Variable": "$.a", "IsPresent": False}, {"Variable": "$.a", "NumericEquals": 1}]}
    )
    assert rule.evaluate({}, {}) is True


# ---------------------------------------------------- context, variables and missing paths


def test_context_variable():
    # context_object/test_context_object.test_variable
    rule = compile_choice_rule(
        {
            "Variable": "$$.Execution.Input.input-value",
            "NumericLessThanEquals": 0,
            "Next": "QuitChoiceMatched",
        }
    )
    assert rule.evaluate({}, {"Execution": {"Input": {"input-value": 0}}}) is True
    assert rule.evaluate({}, {"Execution": {"Input": {"input-value": 1}}}) is False


def test_context_path_operand():
    rule = compile_choice_rule({"Variable": "$.n", "NumericEqualsPath": "$$.State.RetryCount"})
    assert rule.evaluate({"n": 2}, {"State": {"RetryCount": 2}}) is True


@pytest.mark.parametrize(
    "variables,expected",
    [
        ({"guess": "a", "answer": "a"}, True),
        ({"guess": "the_guess", "answer": "the_answer"}, False),
    ],
)
def test_workflow_variables(variables, expected):
    # assign/test_assign_reference_variables BASE_REFERENCE_IN_CHOICE
    rule = compile_choice_rule({"Variable": "$guess", "StringEqualsPath": "$answer"})
    assert rule.evaluate({}, {}, variables) is expected


def test_workflow_variable_sub_path():
    rule = compile_choice_rule({"Variable": "$order.items[0].qty", "NumericGreaterThan": 1})
    assert rule.evaluate({}, {}, {"order": {"items": [{"qty": 2}]}}) is True


@pytest.mark.parametrize(
    "rule,doc,variables,path",
    [
        ({"Variable": "$.type", "StringEquals": "Private"}, {"value": 1}, None, "$.type"),
        ({"Variable": "$.a.b", "NumericEquals": 1}, {"a": "x"}, None, "$.a.b"),
        ({"Variable": "$.v", "IsNull": True}, {}, None, "$.v"),
        ({"Variable": "$.v", "StringMatches": "*"}, {}, None, "$.v"),
        ({"Variable": "$.left", "NumericLessThanPath": "$.right"}, {"left": 8}, None, "$.right"),
        ({"Variable": "$.left", "NumericLessThanPath": "$.right"}, {"right": 8}, None, "$.left"),
        ({"Variable": "$missing", "StringEquals": "x"}, {}, {"other": 1}, "$missing"),
        ({"Variable": "$missing", "StringEquals": "x"}, {}, None, "$missing"),
        ({"Variable": "$$.Execution.Nope", "StringEquals": "x"}, {}, None, "$$.Execution.Nope"),
        ({"Not": {"Variable": "$.type", "StringEquals": "Private"}}, {}, None, "$.type"),
    ],
)
def test_missing_path_is_a_runtime_error(rule, doc, variables, path):
    with pytest.raises(StatesError) as raised:
        compile_choice_rule(rule).evaluate(doc, {"Execution": {}}, variables)
    assert raised.value.error == "States.Runtime"
    assert raised.value.cause == (
        f"Invalid path '{path}': The choice state's condition path references an invalid value."
    )
    assert raised.value.cause == missing_path_cause(path)


def test_null_is_present_and_not_an_error():
    assert (
        compile_choice_rule({"Variable": "$.v", "NumericEquals": 1}).evaluate({"v": None}, {})
        is False
    )


# --------------------------------------------------------------------- compile errors


@pytest.mark.parametrize(
    "rule",
    [
        "not an object",
        {},
        {"Next": "X"},
        {"Variable": "$.a"},  # no operator
        {"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1},  # two operators
        {"Variable": "$.a", "StringEqual": "x"},  # unknown operator
        {"NumericEquals": 1},  # no Variable
        {"Variable": "$.a", "NumericEquals": "1"},
        {"Variable": "$.a", "NumericEquals": True},
        {"Variable": "$.a", "StringEquals": 1},
        {"Variable": "$.a", "BooleanEquals": "true"},
        {"Variable": "$.a", "TimestampEquals": "2012-10-09"},
        {"Variable": "$.a", "IsNull": "true"},
        {"Variable": "$.a", "IsPresent": 1},
        {"Variable": "$.a", "StringMatches": 1},
        {"Variable": "$.a", "StringMatchesPath": "$.b"},  # AWS has no StringMatchesPath
        {"Variable": "$.a", "NumericEqualsPath": 1},
        {"Variable": "$.a", "NumericEqualsPath": "not a path"},
        {"Variable": "no dollar", "NumericEquals": 1},
        {"Variable": "$.a[", "NumericEquals": 1},
        {"Variable": 5, "NumericEquals": 1},
        {"And": []},
        {"And": {"Variable": "$.a", "IsNull": True}},
        {"Or": "x"},
        {"Not": [{"Variable": "$.a", "IsNull": True}]},
        {"And": [{"Variable": "$.a", "IsNull": True}], "Or": [{"Variable": "$.a", "IsNull": True}]},
        {"And": [{"Variable": "$.a", "IsNull": True}], "Variable": "$.a"},
        {"And": [{"Variable": "$.a"}]},  # nested problems too
        {"Condition": "{% true %}", "Next": "X"},  # JSONata, not this compiler
    ],
)
def test_malformed_rules_are_definition_errors(rule):
    with pytest.raises(DefinitionError) as raised:
        compile_choice_rule(rule, "/States/C/Choices/0")
    assert raised.value.diagnostics[0].location.startswith("/States/C/Choices/0")


def test_nested_error_location():
    with pytest.raises(DefinitionError) as raised:
        compile_choice_rule(
            {
                "And": [
                    {"Variable": "$.a", "IsNull": True},
                    {"Not": {"Variable": "$.b", "NumericEquals": "x"}},
                ]
            },
            "/States/C/Choices/2",
        )
    assert raised.value.diagnostics[0].location == "/States/C/Choices/2/And/1/Not/NumericEquals"


def test_rule_extras_are_ignored():
    rule = compile_choice_rule(
        {"Variable": "$.a", "IsNull": True, "Next": "X", "Comment": "c", "Assign": {"x": 1}}
    )
    assert rule.evaluate({"a": None}, {}) is True


def test_every_operator_is_covered():
    assert {row[0] for row in COMPARISONS} == set(COMPARATORS)


def test_compiled_rule_is_reusable():
    rule = compile_choice_rule({"Variable": "$.n", "NumericLessThan": 10})
    assert [rule.evaluate({"n": n}, {}) for n in (1, 10, 11, 9.5)] == [True, False, False, True]
