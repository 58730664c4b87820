"""A fast path for the simplest JSONata expressions, with the library as the fallback.

Most expressions in state machines are tiny: ``$states.input.order.id``, ``$count + 1``,
``$i < $n``, ``'order-' & $id``, ``$ok ? 'a' : 'b'``. The library evaluates them through its
general machinery (frames, sequences, hooks) at ~15 µs each; this module compiles the parsed
tree of such an expression once into plain Python closures.

Exactness comes first: a closure computes a value only when the operands have the simple
types whose JSONata semantics it reproduces (numbers for arithmetic, two numbers or two
strings for comparisons, two strings for ``&``, booleans for ``and``/``or``/``?:``, plain
object walks for paths). Anything else — an undefined value, an array inside a path, a
null operand, a mixed-type comparison — raises :class:`Fallback` and the caller evaluates
the expression with the library, which then gives JSONata's own result or error. Differential
tests (tests/orchestrator/asl/test_jsonata_fast.py) check both give the same results.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from jsonata.utils import Utils

__all__ = ["Fallback", "compile_fast"]

NULL = Utils.NULL_VALUE
_convert_number = Utils.convert_number


class Fallback(Exception):
    """The fast path cannot be sure: evaluate with the library."""


_FALLBACK = Fallback()


def _plain(node) -> bool:
    """No predicates, stages, grouping or other path decorations on this node."""
    for attr in ("predicate", "stages", "group", "focus", "index", "tuple", "ancestor"):
        if getattr(node, attr, None):
            return False
    return not getattr(node, "keep_array", False) and not getattr(node, "consarray", False)


def _is_number(v: Any) -> bool:
    """A finite number: :func:`orchestrator.asl.jsontext.is_number`, and not ``inf``/``nan``
    (which the library handles itself), spelled for speed."""
    t = type(v)
    return t is int or (t is float and math.isfinite(v))


def _const(value: Any) -> Callable:
    return lambda b: value


def _variable(name: str) -> Callable:
    def get(b):
        value = b.get(name, _FALLBACK)
        if value is _FALLBACK or value is None or callable(value):
            raise _FALLBACK
        return value

    return get


def _path(first: str, names: tuple) -> Callable:
    last = len(names) - 1

    def walk(b):
        node = b.get(first, _FALLBACK)
        if type(node) is not dict:
            raise _FALLBACK
        for i, name in enumerate(names):
            if type(node) is not dict:
                raise _FALLBACK
            node = node.get(name, _FALLBACK)
            if node is _FALLBACK:
                raise _FALLBACK  # undefined: let the library say so
            if i < last and type(node) is not dict:
                raise _FALLBACK  # arrays map over their items: not ours
        if node is None:
            return NULL
        return node

    return walk


def _arithmetic(op: str, lhs: Callable, rhs: Callable) -> Callable:
    def calc(b):
        left, right = lhs(b), rhs(b)
        if not (_is_number(left) and _is_number(right)):
            raise _FALLBACK
        left, right = float(left), float(right)
        if op == "+":
            result = left + right
        elif op == "-":
            result = left - right
        elif op == "*":
            result = left * right
        else:
            if right == 0:
                raise _FALLBACK
            result = left / right
        if not math.isfinite(result):
            raise _FALLBACK
        return _convert_number(result)

    return calc


_ORDER = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _comparison(op: str, lhs: Callable, rhs: Callable) -> Callable:
    compare = _ORDER[op]

    def calc(b):
        left, right = lhs(b), rhs(b)
        if _is_number(left) and _is_number(right):
            return compare(float(left), float(right))
        if type(left) is str and type(right) is str:
            return compare(left, right)
        raise _FALLBACK

    return calc


def _equality(op: str, lhs: Callable, rhs: Callable) -> Callable:
    negate = op == "!="

    def calc(b):
        left, right = lhs(b), rhs(b)
        if _is_number(left) and _is_number(right):
            equal = float(left) == float(right)
        elif type(left) is type(right) and type(left) in (str, bool):
            equal = left == right
        else:
            raise _FALLBACK
        return equal is not negate

    return calc


def _concat(lhs: Callable, rhs: Callable) -> Callable:
    def calc(b):
        left, right = lhs(b), rhs(b)
        if type(left) is not str or type(right) is not str:
            raise _FALLBACK
        return left + right

    return calc


def _logical(op: str, lhs: Callable, rhs: Callable) -> Callable:
    def calc(b):
        left = lhs(b)
        if type(left) is not bool:
            raise _FALLBACK
        if op == "and" and not left:
            return False
        if op == "or" and left:
            return True
        right = rhs(b)
        if type(right) is not bool:
            raise _FALLBACK
        return right

    return calc


def _condition(test: Callable, then: Callable, otherwise: Callable | None) -> Callable:
    def calc(b):
        flag = test(b)
        if type(flag) is not bool:
            raise _FALLBACK
        if flag:
            return then(b)
        if otherwise is None:
            raise _FALLBACK  # undefined
        return otherwise(b)

    return calc


def _compile(node) -> Callable | None:
    kind = getattr(node, "type", None)
    if node is None or not _plain(node):
        return None
    if kind in ("number", "string"):
        value = node.value
        if kind == "number" and not _is_number(value):
            return None
        return _const(value)
    if kind == "value":
        value = node.value
        if value is None:
            return _const(NULL)
        return _const(value) if type(value) is bool else None
    if kind == "variable":
        name = node.value
        return _variable(name) if name else None  # "$" (the context) is not ours
    if kind == "path":
        steps = node.steps
        if not steps or getattr(steps[0], "type", None) != "variable" or not steps[0].value:
            return None
        if not all(_plain(s) for s in steps):
            return None
        if not all(getattr(s, "type", None) == "name" for s in steps[1:]):
            return None
        return _path(steps[0].value, tuple(s.value for s in steps[1:]))
    if kind == "binary":
        op = node.value
        lhs, rhs = _compile(node.lhs), _compile(node.rhs)
        if lhs is None or rhs is None:
            return None
        if op in ("+", "-", "*", "/"):
            return _arithmetic(op, lhs, rhs)
        if op in _ORDER:
            return _comparison(op, lhs, rhs)
        if op in ("=", "!="):
            return _equality(op, lhs, rhs)
        if op == "&":
            return _concat(lhs, rhs)
        if op in ("and", "or"):
            return _logical(op, lhs, rhs)
        return None
    if kind == "condition":
        test, then = _compile(node.condition), _compile(node.then)
        otherwise = None
        # jsonata-python's AST names the else branch ``_else`` (``else`` is a keyword):
        # a public field of its node, despite the underscore.
        if getattr(node, "_else", None) is not None:
            otherwise = _compile(node._else)
            if otherwise is None:
                return None
        if test is None or then is None:
            return None
        return _condition(test, then, otherwise)
    return None


def compile_fast(ast) -> Callable[[dict], Any] | None:
    """A closure ``f(bindings)`` for a simple expression (raises :class:`Fallback` when it
    cannot be sure), or None when the expression is not simple."""
    try:
        return _compile(ast)
    except AttributeError:
        return None
