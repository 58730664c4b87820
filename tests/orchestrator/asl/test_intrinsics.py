"""Intrinsic functions (orchestrator/asl/intrinsics.py).

Expected values marked "recorded" come from the AWS conformance corpus
(../shared/conformance/cases/intrinsic_functions)."""

from __future__ import annotations

import pytest

from orchestrator.asl.effects import SeededEffects
from orchestrator.asl.errors import StatesError
from orchestrator.asl.intrinsics import (
    IntrinsicSyntaxError,
    compile_intrinsic,
    is_intrinsic,
    java_double,
    java_string,
    to_json_text,
)

INPUT = {
    "s": "a,b,,c",
    "n": 3,
    "f": 1.5,
    "arr": [1, 2, 3, 4, 5],
    "obj": {"k": "v", "l": [1, "x"]},
    "nul": None,
    "t": True,
    "json": '{"a": [1, 2]}',
    "big": 10**21,
}
CONTEXT = {
    "Execution": {"Name": "exec-1", "Input": {"x": 1}},
    "StateMachine": {"Id": "arn:sm", "Name": "my-machine"},
}


def run(text: str, input=INPUT, effects=None, variables=None):
    return compile_intrinsic(text).evaluate(input, CONTEXT, effects or SeededEffects(7), variables)


EVAL_CASES = [
    # States.Format
    ("States.Format('Hello {}!', 'World')", "Hello World!"),
    ("States.Format('{} and {}', $.n, $.f)", "3 and 1.5"),
    (
        "States.Format('literal \\{\\} braces, quote \\' and backslash \\\\ {}', 1)",
        "literal {} braces, quote ' and backslash \\ 1",
    ),
    ("States.Format('{}', $.nul)", "null"),  # recorded
    ("States.Format('{}', $.obj)", "{k=v, l=[1, x]}"),  # recorded style (Java toString)
    (
        "States.Format('{} {}', $$.Execution.Name, $$.StateMachine)",
        "exec-1 {Id=arn:sm, Name=my-machine}",
    ),  # recorded style
    ("States.Format('{}', $.t)", "true"),
    ("States.Format('no placeholders')", "no placeholders"),
    # JSON
    ("States.StringToJson($.json)", {"a": [1, 2]}),
    ("States.StringToJson('')", None),  # recorded
    ("States.StringToJson(' ')", None),  # recorded
    ("States.StringToJson('-0')", 0),  # recorded
    ("States.StringToJson('1.1')", 1.1),
    ("States.JsonToString($.obj)", '{"k":"v","l":[1,"x"]}'),  # recorded style
    ("States.JsonToString($.nul)", "null"),  # recorded
    ("States.JsonToString($.f)", "1.5"),
    ("States.JsonToString($.big)", "1000000000000000000000"),
    ("States.JsonToString('x')", '"x"'),  # recorded
    (
        'States.JsonMerge($.obj, States.StringToJson(\'{"k": 2, "m": 3}\'), false)',
        {"k": 2, "l": [1, "x"], "m": 3},
    ),
    (
        'States.JsonMerge(States.StringToJson(\'{"a": {"x": 1}}\'), States.StringToJson(\'{"a": {"y": 2}}\'), false)',
        {"a": {"y": 2}},
    ),  # shallow, as recorded
    # arrays
    ("States.Array()", []),  # recorded
    ("States.Array($.n, 'x', true, null, 1.5, $.arr)", [3, "x", True, None, 1.5, [1, 2, 3, 4, 5]]),
    ("States.ArrayPartition($.arr, 2)", [[1, 2], [3, 4], [5]]),  # recorded style
    ("States.ArrayPartition(States.Array(), 3)", []),  # recorded
    ("States.ArrayContains($.arr, 3)", True),
    ("States.ArrayContains($.arr, 9)", False),
    ("States.ArrayContains(States.Array(1, true), true)", True),  # recorded
    ("States.ArrayContains(States.Array(1), true)", False),  # true is not 1
    ("States.ArrayContains(States.Array($.obj), $.obj)", True),  # recorded (deep equality)
    ("States.ArrayRange(0, 9, 3)", [0, 3, 6, 9]),  # recorded
    ("States.ArrayRange(0, 10, 3)", [0, 3, 6, 9]),  # recorded
    ("States.ArrayRange(1, 9, 9)", [1]),  # recorded
    ("States.ArrayRange(5, 1, -2)", [5, 3, 1]),
    ("States.ArrayRange(5, 1, 2)", []),
    ("States.ArrayGetItem($.arr, 4)", 5),
    ("States.ArrayLength($.arr)", 5),
    ("States.ArrayUnique(States.Array(1, 1, true, 'a', 'a', null, null))", [1, True, "a", None]),
    # encoding, hashing
    ("States.Base64Encode('Data to encode')", "RGF0YSB0byBlbmNvZGU="),  # recorded
    ("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "Data to encode"),  # recorded
    ("States.Base64Encode('')", ""),  # recorded
    ("States.Hash('input data', 'MD5')", "812f45842bc6d66ee14572ce20db8e86"),  # recorded
    ("States.Hash('input data', 'SHA-1')", "aaff4a450a104cd177d28d18d74485e8cae074b7"),  # recorded
    (
        "States.Hash('input data', 'SHA-256')",
        "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3",
    ),  # recorded
    # math (recorded: each operand rounded half up first)
    ("States.MathAdd(1, 2)", 3),
    ("States.MathAdd(-9, 3)", -6),
    ("States.MathAdd(1.49, 1.5)", 3),
    ("States.MathAdd(-1.5, 0)", -1),
    ("States.MathAdd(-1.51, 0)", -2),
    ("States.MathAdd(2.5, 0)", 3),
    ("States.MathAdd(-2.5, 0)", -2),
    ("States.MathAdd(States.ArrayLength($.arr), -1)", 4),
    # strings (recorded: every delimiter character splits, empty pieces dropped)
    ("States.StringSplit($.s, ',')", ["a", "b", "c"]),
    ("States.StringSplit(', , ,', ',')", [" ", " "]),
    ("States.StringSplit(',,,,', ',')", []),
    ("States.StringSplit('This.is+a,test=string', '.+,=')", ["This", "is", "a", "test", "string"]),
    ("States.StringSplit('Hello\nWorld', '\n')", ["Hello", "World"]),
    # nesting, context, whole input
    ("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 0)", "my"),
    ("States.JsonToString($$.Execution.Input)", '{"x":1}'),
    ("States.ArrayLength(States.Array($, $))", 2),
]


@pytest.mark.parametrize("text,expected", EVAL_CASES, ids=[c[0][:60] for c in EVAL_CASES])
def test_evaluate(text: str, expected) -> None:
    result = run(text)
    assert result == expected
    assert type(result) is type(expected)


def test_variables_in_arguments() -> None:
    assert (
        run("States.Format('{}-{}', $a, $b.c[0])", variables={"a": 1, "b": {"c": ["z"]}}) == "1-z"
    )


def test_uuid_and_random_come_from_effects() -> None:
    assert run("States.UUID()", effects=SeededEffects(1)) == SeededEffects(1).uuid()
    rng = SeededEffects(3)
    expected = 10 + int(SeededEffects(3).random() * 11)
    assert run("States.MathRandom(10, 20)", effects=rng) == expected


def test_seeded_math_random_is_deterministic_and_in_range() -> None:
    values = {run("States.MathRandom(0, 999, 3)", effects=SeededEffects(s)) for s in range(5)}
    assert len(values) == 1
    value = values.pop()
    assert 0 <= value <= 999
    assert value == 734  # java.util.Random(3).nextInt(1000)
    assert {run(f"States.MathRandom(0, 999, {seed})") for seed in range(5)} != {value}


@pytest.mark.parametrize("seed", range(20))
def test_unseeded_math_random_stays_in_range(seed: int) -> None:
    assert -5 <= run("States.MathRandom(-5, 5)", effects=SeededEffects(seed)) <= 5


FAILURES = [
    # (call, error, cause)
    (
        "States.ArrayGetItem($.arr, 5)",
        "States.IntrinsicFailure",
        "Invalid arguments in States.ArrayGetItem: index 5 is out of bounds for an array of length 5",
    ),
    (
        "States.ArrayLength($.s)",
        "States.IntrinsicFailure",
        'Invalid arguments in States.ArrayLength: argument 1 must be an array, but was string: "a,b,,c"',
    ),
    (
        "States.ArrayPartition($.arr, 0)",
        "States.IntrinsicFailure",
        "Invalid arguments in States.ArrayPartition: the chunk size must be a positive integer, but was 0",
    ),
    (
        "States.ArrayRange(0, 1000, 1)",
        "States.IntrinsicFailure",
        "Invalid arguments in States.ArrayRange: the array would contain 1001 elements, more than the maximum of 1000",
    ),
    (
        "States.ArrayRange(0, 10, 0)",
        "States.IntrinsicFailure",
        "Invalid arguments in States.ArrayRange: the step must not be 0",
    ),
    (
        "States.ArrayRange(0, 1.5, 1)",
        "States.IntrinsicFailure",
        "Invalid arguments in States.ArrayRange: argument 2 must be an integer, but was number: 1.5",
    ),
    (
        "States.StringToJson('{oops')",
        "States.IntrinsicFailure",
        "Invalid arguments in States.StringToJson: the string is not valid JSON: {oops",
    ),
    (
        "States.StringToJson($.n)",
        "States.IntrinsicFailure",
        "Invalid arguments in States.StringToJson: argument 1 must be a string, but was integer: 3",
    ),
    (
        "States.Base64Decode('***')",
        "States.IntrinsicFailure",
        "Invalid arguments in States.Base64Decode: the input string is not valid Base64: ***",
    ),
    (
        "States.Hash('x', $.s)",
        "States.IntrinsicFailure",
        "Invalid arguments in States.Hash: unsupported hash algorithm 'a,b,,c'; use one of "
        "MD5, SHA-1, SHA-256, SHA-384, SHA-512",
    ),
    (
        "States.JsonMerge($.obj, $.arr, false)",
        "States.IntrinsicFailure",
        "Invalid arguments in States.JsonMerge: argument 2 must be an object, but was array: [1,2,3,4,5]",
    ),
    (
        "States.JsonMerge($.obj, $.obj, $.t)",
        "States.IntrinsicFailure",
        "Invalid arguments in States.JsonMerge: deep merging is not supported; the third argument must be false",
    ),
    (
        "States.MathAdd($.s, 1)",
        "States.IntrinsicFailure",
        'Invalid arguments in States.MathAdd: argument 1 must be a number, but was string: "a,b,,c"',
    ),
    (
        "States.MathAdd($.t, 1)",
        "States.IntrinsicFailure",
        "Invalid arguments in States.MathAdd: argument 1 must be a number, but was boolean: true",
    ),
    (
        "States.MathRandom(5, 1)",
        "States.IntrinsicFailure",
        "Invalid arguments in States.MathRandom: the start 5 must not be greater than the end 1",
    ),
    (
        "States.Format($.s, 1)",
        "States.IntrinsicFailure",
        "Invalid arguments in States.Format: the format string has 0 placeholder(s) but 1 argument(s) were given",
    ),
    (
        "States.Format('{}', $.missing)",
        "States.Runtime",
        "The JSONPath '$.missing' could not be found in the input "
        + "'"
        + to_json_text(INPUT)
        + "'",
    ),
]


@pytest.mark.parametrize("text,error,cause", FAILURES, ids=[c[0][:60] for c in FAILURES])
def test_failures(text: str, error: str, cause: str) -> None:
    with pytest.raises(StatesError) as info:
        run(text)
    assert info.value.error == error
    assert info.value.cause == cause


def test_path_miss_names_the_field_when_given() -> None:
    with pytest.raises(StatesError) as info:
        compile_intrinsic("States.Array($.nope)").evaluate(
            {"a": 1}, {}, SeededEffects(), None, "x.$"
        )
    assert (
        info.value.cause
        == "The JSONPath '$.nope' specified for the field 'x.$' could not be found in the input '{\"a\":1}'"
    )


def test_base64_and_hash_size_limits() -> None:
    assert len(run("States.Base64Encode($.x)", input={"x": "a" * 10000})) > 0
    with pytest.raises(StatesError, match="longer than 10000 characters"):
        run("States.Base64Encode($.x)", input={"x": "a" * 10001})
    with pytest.raises(StatesError, match="longer than 10000 characters"):
        run("States.Base64Decode($.x)", input={"x": "QUFB" * 2501})
    assert len(run("States.Hash($.x, 'SHA-512')", input={"x": "a" * 131072})) == 128
    with pytest.raises(StatesError, match="larger than 131072 bytes"):
        run("States.Hash($.x, 'SHA-512')", input={"x": "a" * 131073})


SYNTAX_ERRORS = [
    "States.Nope()",
    "States.Format('a",
    "States.Format('x', )",
    "States.Array(1 2)",
    "States.Array(1))",
    "States.UUID(1)",
    "States.MathAdd(1)",
    "States.ArrayRange(1, 2)",
    "States.Format('{} {}', 1)",  # placeholders vs arguments
    "States.Format(1)",
    "States.JsonMerge($.a, $.b, true)",  # deep merge is not supported
    "States.Hash('x', 'SHA-3')",
    "States.Array($.a b)",
    "States.Array(bogus)",
    # AWS rejects escapes other than \' \{ \} \\ (recorded: InvalidDefinition)
    'States.StringToJson(\'{"text":"An \\"escaped double quote\\" here"}\')',
    "States.Format('He said, \\\"Hello, {}!\\\"', 'Test \\\"Name\\\" Here')",
    "States.Array(" * 11 + ")" * 11,  # nesting deeper than 10
]


@pytest.mark.parametrize("text", SYNTAX_ERRORS)
def test_syntax_errors(text: str) -> None:
    with pytest.raises(IntrinsicSyntaxError):
        compile_intrinsic(text)


def test_ten_levels_of_nesting_are_allowed() -> None:
    depth, value = 0, run("States.Array(" * 10 + ")" * 10)
    while value:
        value, depth = value[0], depth + 1
    assert depth == 9


@pytest.mark.parametrize(
    "text,expected",
    [
        ("States.Format('x')", True),
        ("States.UUID()", True),
        ("$.a", False),
        ("States.x", False),
        ("Hello", False),
        (3, False),
    ],
)
def test_is_intrinsic(text, expected: bool) -> None:
    assert is_intrinsic(text) is expected


@pytest.mark.parametrize(
    "value,expected",
    [
        (1.0, "1.0"),
        (1.1, "1.1"),
        (0.001, "0.001"),
        (1e-4, "1.0E-4"),
        (1e7, "1.0E7"),
        (9999999.0, "9999999.0"),
        (1e21, "1.0E21"),
        (123456789.0, "1.23456789E8"),
        (-2.5e-10, "-2.5E-10"),
        (0.0, "0.0"),
    ],
)
def test_java_double(value: float, expected: str) -> None:
    assert java_double(value) == expected


def test_java_string_and_json_text_of_nested_values() -> None:
    value = {"a": [1, 2.0, None, True], "b": {"c": "d"}}
    assert java_string(value) == "{a=[1, 2.0, null, true], b={c=d}}"
    assert to_json_text(value) == '{"a":[1,2.0,null,true],"b":{"c":"d"}}'
    assert to_json_text('é"') == '"é\\""'
