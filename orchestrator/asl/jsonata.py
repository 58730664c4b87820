"""JSONata expressions as Step Functions evaluates them (``QueryLanguage: JSONata``).

AWS developer guide, "Transforming data with JSONata in Step Functions": *"Any string value,
including those inside objects or arrays, will be evaluated as JSONata if surrounded by
{% %} characters."* Expressions see the reserved ``$states`` variable (``input``,
``result``, ``errorOutput``, ``context``, each only where AWS provides it), the workflow
variables, and the Step Functions functions ``$partition``, ``$range``, ``$hash``,
``$random`` (optional seed), ``$uuid`` and ``$parse``; ``$eval`` is not available.

Library choice (checked 2026-11-25 on PyPI from this machine):

* ``jsonata-python`` 0.7.1 (chosen; pure Python, maintained, a port of the reference
  jsonata-js 2.0 via jsonata-java). Its repository runs the jsonata-js test suite as a git
  submodule and lists 11 known deviations in ``tests/test-overrides.json`` (number-to-words
  beyond 64 bits, ``$formatNumber`` exponents, sort stability, a few regex and date edge
  cases); the PyPI package ships neither. Here we ran a sample of the suite (the
  ``boolean-expresssions``, ``array-constructor``, ``blocks`` and ``closures`` groups: 47/47
  pass) and every expression of the conformance corpus. It compiles once (``Jsonata(text)``),
  binds Python callables (``Jsonata.JLambda``) and variables per evaluation, tells JSONata
  ``null`` from *undefined* (``set_output_convert_nulls(False)``) and reports jsonata-js'
  codes and messages (``T1006: Attempted to invoke a non-function``, the exact text AWS
  records). Speed: ~20 µs per evaluation of ``$states.input.x + 1`` through the library,
  ~1 µs through our fast path for such simple expressions (:mod:`.jsonata_fast`, checked
  against the library by differential tests). Its own ``timeout`` guard starts its clock
  at compile time, so we install our own entry/exit hooks per evaluation (below).
* ``jsonatapy`` 2.2.13 (Rust): ~1 µs per evaluation and built-in timeout/depth guards, but
  bindings must be JSON (no Python functions, so no ``$uuid``/``$hash``/...), and a function
  result comes back as ``None`` (indistinguishable from undefined). Rejected.
* ``jsonata`` 0.2.5 (wraps the JS library, last release 2023) and ``pyjsonata`` (not on the
  index) were not considered further.

Guard: a runaway expression must fail the state (``States.QueryEvaluationError``), not hang
the engine. The per-node entry hook counts evaluation steps and nesting depth; both limits
are deterministic (no clock read, so a replay fails at the same point) and raise jsonata's
own ``D1012``/``D1011`` errors. Python's ``RecursionError`` is mapped to ``D1011`` too.
Each evaluation also has a time budget (:mod:`.budget`: the effects hand it out and the
engine journals the evaluations that ran out, so a replay fails the same ones): the hook
checks it every few hundred steps, and regular expression literals are compiled by the
``regex`` module and matched within it (a backtracking ``/^(a|aa)+$/`` cannot freeze the
process). Running out is jsonata's ``D1012`` "Evaluation timeout after N milliseconds".
"""

from __future__ import annotations

import json
import random as _random
import re
import threading
from typing import Any

from jsonata import Jsonata
from jsonata.jexception import JException
from jsonata.parser import Parser
from jsonata.utils import Utils

from .budget import Deadline, EvaluationTimedOut, PatternError, compile_pattern, new_deadline
from .errors import QUERY_EVALUATION_ERROR, StatesError
from .intrinsics import HASH_ALGORITHMS
from .jsonata_fast import Fallback, compile_fast
from .jsontext import is_number

__all__ = [
    "is_expression",
    "compile_expression",
    "compile_value",
    "Expression",
    "JsonataValue",
    "JsonataSyntaxError",
    "MAX_STEPS",
    "MAX_DEPTH",
    "evaluate_bindings",
]

MAX_STEPS = 500_000  # evaluation nodes per expression evaluation (~1.5 s here)
MAX_DEPTH = 500  # nested evaluation depth (a RecursionError first is mapped to D1011 too)


def is_expression(value: Any) -> bool:
    """``"{% ... %}"`` (AWS: the string must start with ``{%`` and end with ``%}``)."""
    return (
        type(value) is str and value.startswith("{%") and value.endswith("%}") and len(value) >= 4
    )


class JsonataSyntaxError(ValueError):
    """A definition-time syntax error: ``code`` (``S0201``...), ``position`` in the expression."""

    def __init__(self, text: str, code: str, message: str, position: int) -> None:
        super().__init__(
            f"The JSONata expression '{text}' is not valid: {code}: {message} "
            f"(at position {position})"
        )
        self.text = text
        self.code = code
        self.position = position


# --- the Step Functions functions -------------------------------------------------------

_local = threading.local()  # the effects of the evaluation running on this thread


def _fail(code: str, message: str) -> JException:
    exc = JException(code, -1)
    exc.args = (message,)
    return exc


def _partition(array, size):
    if not isinstance(array, list) or not is_number(size) or size != int(size) or size <= 0:
        raise _fail(
            "T0410",
            "Invalid arguments: $partition(array, chunkSize) needs an array and a positive integer",
        )
    size = int(size)
    return [list(array[i : i + size]) for i in range(0, len(array), size)]


def _range(first, last, step):
    for v in (first, last, step):
        if not is_number(v) or v != int(v):
            raise _fail("T0410", "Invalid arguments: $range(start, end, step) needs integers")
    first, last, step = int(first), int(last), int(step)
    if step == 0:
        raise _fail("T0410", "Invalid arguments: $range step must not be 0")
    out = list(range(first, last + (1 if step > 0 else -1), step))
    if len(out) > 1000:
        raise _fail("D3001", "$range produces more than 1000 items")
    # A JSONata sequence: AWS returns a one-item range as the item itself (recorded:
    # intrinsic_functions/test_array_jsonata.test_array_range, $range(1, 1, 1) = 1).
    return Utils.create_sequence_from_iter(out)


def _hash(data, algorithm):
    if not isinstance(data, str) or algorithm not in HASH_ALGORITHMS:
        raise _fail(
            "T0410",
            "Invalid arguments: $hash(string, algorithm) with algorithm one of "
            + ", ".join(HASH_ALGORITHMS),
        )
    return HASH_ALGORITHMS[algorithm](data.encode("utf-8")).hexdigest()


def _random_value(seed=None):
    if seed is None:
        return _local.effects.random()
    if not is_number(seed):
        raise _fail("T0410", "Invalid arguments: $random(seed) needs a number")
    return _random.Random(seed).random()


def _uuid():
    return _local.effects.uuid()


def _parse(text):
    if not isinstance(text, str):
        raise _fail("T0410", "Invalid arguments: $parse(string) needs a string")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise _fail("D3140", f"Unable to parse JSON: {exc}") from None


_FUNCTIONS = {
    "partition": Jsonata.JLambda(_partition),
    "range": Jsonata.JLambda(_range),
    "hash": Jsonata.JLambda(_hash),
    "random": Jsonata.JLambda(_random_value),
    "uuid": Jsonata.JLambda(_uuid),
    "parse": Jsonata.JLambda(_parse),
    # AWS: "$eval" is not supported; an unbound name makes a call fail with T1006.
    "eval": None,
}


# --- the guard ----------------------------------------------------------------------------

_CLOCK_EVERY = 256  # evaluation steps between two looks at the time budget


class _Guard:
    __slots__ = ("steps", "depth", "deadline")

    def __init__(self, deadline: Deadline) -> None:
        self.steps = 0
        self.depth = 0
        self.deadline = deadline

    def enter(self, expr, input, env) -> None:
        steps = self.steps = self.steps + 1
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise JException("D1011", -1)
        if steps > MAX_STEPS:
            raise _fail("D1012", f"Evaluation exceeded {MAX_STEPS} steps. Check for infinite loop")
        if steps == 1 or not steps % _CLOCK_EVERY:
            self.deadline.check()  # EvaluationTimedOut, reported by Expression.evaluate

    def leave(self, expr, input, env, result) -> None:
        self.depth -= 1


def _current_deadline() -> Deadline:
    """The budget of the evaluation running on this thread (a pattern used elsewhere, such
    as a regex value passed on in a variable, gets a budget of its own)."""
    deadline = getattr(_local, "deadline", None)
    return deadline if deadline is not None else new_deadline()


def _regex_engine(pattern: str, flags) -> Any:
    """jsonata's pluggable regex engine: user patterns are matched within the budget."""
    try:
        return compile_pattern(
            pattern,
            ("i" if flags.case_insensitive else "") + ("m" if flags.multiline else ""),
            deadline=_current_deadline,
        )
    except PatternError as exc:
        raise _fail("S0302", f"Invalid regular expression /{pattern}/: {exc}") from None


def _timed_out(deadline: Deadline) -> JException:
    return JException("D1012", -1, int(deadline.seconds * 1000))


# --- expressions --------------------------------------------------------------------------

_CONTEXT_FREE = re.compile(r"\$states\.(?:input|result|errorOutput)\b")


class Expression:
    """One compiled ``{% %}`` expression (shared by every definition that uses the text)."""

    __slots__ = ("text", "_compiled", "_fast", "uses_context")

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            compiled = Jsonata(text, _regex_engine)
        except JException as exc:
            raise JsonataSyntaxError(text, exc.error, str(exc), exc.location) from None
        except Exception as exc:  # the parser has a few non-JException failures
            raise JsonataSyntaxError(text, "S0200", str(exc), 0) from None
        compiled.set_output_convert_nulls(False)
        for name, fn in _FUNCTIONS.items():
            compiled.environment.bind(name, fn)
        self._compiled = compiled
        # Tiny expressions ($states.input.x, $i + 1, $a < $b) skip the library's machinery.
        self._fast = compile_fast(compiled.ast)
        # $states.context costs a dict build: only expressions that may read it get it.
        self.uses_context = "$states" in _CONTEXT_FREE.sub("", text)

    def evaluate(self, bindings: dict, effects: Any) -> Any:
        """The raw result: ``None`` is *undefined*; raises ``JException``/``_Unsupported``."""
        fast = self._fast
        if fast is not None:
            try:
                return fast(bindings)
            except Fallback:
                pass
        make = getattr(effects, "deadline", None)
        deadline = make() if make is not None else new_deadline()
        guard = _Guard(deadline)
        bindings["__evaluate_entry"] = guard.enter
        bindings["__evaluate_exit"] = guard.leave
        _local.effects = effects
        _local.deadline = deadline
        try:
            result = self._compiled.evaluate(None, bindings)
        except RecursionError:
            raise JException("D1011", -1) from None
        except (JException, EvaluationTimedOut):
            # jsonata turns some foreign exceptions into its own "Unexpected": the deadline
            # knows whether the budget is what ended the evaluation.
            if deadline.expired:
                raise _timed_out(deadline) from None
            raise
        finally:
            _local.deadline = None
        if deadline.expired:  # a callback swallowed the timeout: still a timeout
            raise _timed_out(deadline)
        return result


_CACHE: dict[str, Expression] = {}


def compile_expression(source: str) -> Expression:
    """Compile ``"{% text %}"`` (or the bare text); raises :class:`JsonataSyntaxError`."""
    text = source[2:-2].strip() if is_expression(source) else source
    expr = _CACHE.get(text)
    if expr is None:
        expr = _CACHE[text] = Expression(text)
    return expr


class _Unsupported(Exception):
    pass


def _to_json(value: Any) -> Any:
    """JSONata values to plain JSON: ``null`` marker -> None, sequences -> lists, integral
    floats -> ints (JSONata prints ``2.0`` as ``2``), functions rejected."""
    if value is Utils.NULL_VALUE:
        return None
    t = type(value)
    if t is str or t is int or t is bool:
        return value
    if t is float:
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if value is None:
        return None
    raise _Unsupported()


def evaluate_bindings(variables: dict, states: dict) -> dict:
    """``$states`` and the variables; a variable holding ``null`` is bound to JSONata's
    null (an unbound or None-bound name is *undefined*)."""
    bindings = {k: (Utils.NULL_VALUE if v is None else v) for k, v in variables.items()}
    bindings["states"] = states
    return bindings


# --- values holding expressions (Output, Arguments, Assign, ...) ---------------------------


class _Const:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def evaluate(self, scope):
        return self.value


class _Expr:
    __slots__ = ("expr", "field")

    def __init__(self, expr: Expression, field: str) -> None:
        self.expr = expr
        self.field = field

    def evaluate(self, scope):
        return scope.run_expression(self.expr, self.field)


class _Object:
    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items

    def evaluate(self, scope):
        return {k: node.evaluate(scope) for k, node in self.items}


class _Array:
    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items

    def evaluate(self, scope):
        return [node.evaluate(scope) for node in self.items]


def _compile(value: Any, field: str):
    if isinstance(value, str):
        if is_expression(value):
            return _Expr(compile_expression(value), field)
        return _Const(value)
    if isinstance(value, dict):
        items = tuple((k, _compile(v, f"{field}/{k}")) for k, v in value.items())
        if all(isinstance(n, _Const) for _, n in items):
            return _Const(value)
        return _Object(items)
    if isinstance(value, list):
        nodes = tuple(_compile(v, f"{field}/{i}") for i, v in enumerate(value))
        if all(isinstance(n, _Const) for n in nodes):
            return _Const(value)
        return _Array(nodes)
    return _Const(value)


class JsonataValue:
    """A field's JSON value with ``{% %}`` strings at any depth, compiled once."""

    __slots__ = ("field", "source", "_root", "uses_context")

    def __init__(self, value: Any, field: str) -> None:
        self.field = field
        self.source = value
        self._root = _compile(value, field)
        self.uses_context = _uses_context(self._root)

    @property
    def is_constant(self) -> bool:
        return isinstance(self._root, _Const)

    def evaluate(self, scope) -> Any:
        return self._root.evaluate(scope)


def _uses_context(node) -> bool:
    if isinstance(node, _Expr):
        return node.expr.uses_context
    if isinstance(node, _Object):
        return any(_uses_context(n) for _, n in node.items)
    if isinstance(node, _Array):
        return any(_uses_context(n) for n in node.items)
    return False


def compile_value(value: Any, field: str) -> JsonataValue:
    return JsonataValue(value, field)


def expression_error(expr: Expression, field: str, what: str) -> StatesError:
    return StatesError(
        QUERY_EVALUATION_ERROR,
        f"The JSONata expression '{expr.text}' specified for the field '{field}' {what}",
    )


def run_expression(expr: Expression, field: str, bindings: dict, effects: Any) -> Any:
    """Evaluate and convert to JSON, raising AWS's ``States.QueryEvaluationError`` causes."""
    try:
        raw = expr.evaluate(bindings, effects)
    except JException as exc:
        raise expression_error(
            expr, field, f"threw an error during evaluation. {exc.error}: {exc}"
        ) from None
    except StatesError:
        raise
    except Exception as exc:  # a library defect must fail the state, not the engine
        raise expression_error(expr, field, f"threw an error during evaluation. {exc}") from None
    if raw is None:
        raise expression_error(expr, field, "returned nothing (undefined).")
    if isinstance(raw, (Parser.Symbol, Jsonata.JFunctionCallable)):
        raise expression_error(expr, field, "returned an unsupported result type.")
    try:
        return _to_json(raw)
    except _Unsupported:
        raise expression_error(expr, field, "returned an unsupported result type.") from None
