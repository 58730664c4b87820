"""The JSONata fast path (orchestrator/asl/jsonata_fast.py) against the library: whenever
the fast path gives a value, it is the library's value; otherwise it falls back."""

from __future__ import annotations

import itertools

import pytest
from jsonata import Jsonata
from jsonata.utils import Utils

from orchestrator.asl.jsonata import evaluate_bindings
from orchestrator.asl.jsonata_fast import Fallback, compile_fast

EXPRESSIONS = [
    "$a",
    "$b",
    "$s",
    "$o",
    "$xs",
    "$n",
    "$missing",
    "$states.input",
    "$states.input.a",
    "$states.input.o.k",
    "$states.input.xs",
    "$states.input.missing",
    "$states.input.o.missing",
    "$states.input.n",
    "$o.k",
    "$xs.k",
    "$a + $b",
    "$a - 1",
    "$a * 2.5",
    "$a / $b",
    "$a / 0",
    "$a + $s",
    "$a + $n",
    "$a < $b",
    "$a <= 1",
    "$a > $b",
    "$a >= 1.0",
    "$s < 'b'",
    "$s > $a",
    "$n < 1",
    "$a = 1",
    "$a = 1.0",
    "$a != $b",
    "$s = 'x'",
    "$t = true",
    "$o = $o",
    "$a = $s",
    "$n = null",
    "$s & 'y'",
    "$s & $a",
    "'p' & $states.input.s",
    "$t and $f",
    "$f and $missing",
    "$t or $missing",
    "$f or $t",
    "$a and $t",
    "$t ? 'yes' : 'no'",
    "$f ? 1",
    "$a ? 1 : 2",
    "$a < $b ? $a : $b",
    "1",
    "-2.5",
    "'text'",
    "true",
    "null",
    "1e300 * 1e300",
    "$a + 1 = 3",
    "($a + 1) * 2",
    "$states.input.a + $states.input.b < 10",
    "$xs[0]",
    "$states.input.xs[1]",
    "$o.k[0]",
    "$sum($xs)",
    "$",
]

BINDINGS = [
    {"a": 2, "b": 3, "s": "x", "o": {"k": 1}, "xs": [1, 2], "n": None, "t": True, "f": False},
    {
        "a": 2.5,
        "b": 0.5,
        "s": "abc",
        "o": {"k": [1, 2]},
        "xs": [{"k": 1}],
        "n": None,
        "t": False,
        "f": True,
    },
    {"a": -1, "b": 10**20, "s": "", "o": {}, "xs": [], "n": None, "t": True, "f": False},
]


def _library(text: str, bindings: dict):
    expr = Jsonata(text)
    expr.set_output_convert_nulls(False)
    return expr.evaluate(None, dict(bindings))


def _normalise(value):
    return Utils.convert_nulls(value) if value is not Utils.NULL_VALUE else "null"


CASES = list(itertools.product(EXPRESSIONS, range(len(BINDINGS))))


@pytest.mark.parametrize("text, index", CASES, ids=[f"{t} #{i}" for t, i in CASES])
def test_the_fast_path_agrees_with_the_library(text, index):
    variables = BINDINGS[index]
    bindings = evaluate_bindings(variables, {"input": dict(variables)})
    fast = compile_fast(Jsonata(text).ast)
    if fast is None:
        return  # not a simple expression: the library evaluates it
    try:
        got = fast(bindings)
    except Fallback:
        return
    assert _normalise(got) == _normalise(_library(text, bindings))
    assert type(_normalise(got)) is type(_normalise(_library(text, bindings)))


SIMPLE = [
    "$a",
    "$states.input.a.b",
    "$a + 1",
    "$i < $n",
    "'a' & $b",
    "$t ? 1 : 2",
    "$a = 'x' and $b != 2",
    "null",
    "-1",
]
NOT_SIMPLE = [
    "$xs[0]",
    "$sum($xs)",
    "$",
    "$a.b[k = 1]",
    "$a % 2",
    "-$a",
    "a.b",
    "$xs.(k)",
    "function($x){$x}",
    "$a in [1, 2]",
]


@pytest.mark.parametrize("text", SIMPLE)
def test_simple_expressions_get_a_fast_path(text):
    assert compile_fast(Jsonata(text).ast) is not None


@pytest.mark.parametrize("text", NOT_SIMPLE)
def test_other_expressions_use_the_library(text):
    assert compile_fast(Jsonata(text).ast) is None


def test_the_fast_path_is_used_for_common_cases():
    bindings = evaluate_bindings(BINDINGS[0], {"input": {"o": {"k": 5}}})
    used = []
    for text in ("$a + $b", "$a < $b", "$states.input.o.k", "$s & 'y'", "$t ? 1 : 2"):
        try:
            used.append(compile_fast(Jsonata(text).ast)(bindings))
        except Fallback:
            used.append("fallback")
    assert used == [5, True, 5, "xy", 1]
