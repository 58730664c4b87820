"""Intrinsic functions (``States.Format(...)`` and friends) for JSONPath states.

AWS developer guide, "Intrinsic functions for JSONPath states": *"The Amazon
States Language provides several intrinsic functions ... for use in fields that
accept JSONPath"*; *"To use intrinsic functions you must specify ``.$`` in the
key value in your state machine definitions"*; *"You can nest up to 10
intrinsic functions within a field"*.

A call is parsed once by :func:`compile_intrinsic` into a small tree (no
parser generator: a hand-written scanner) and evaluated many times.  Argument
kinds: string literals in single quotes, numbers, ``true``/``false``/``null``,
paths (``$``, ``$.x``, ``$$.x``, ``$variable.x``) and nested calls.  In string
literals *"the characters ``'``, ``{``, ``}`` and ``\\`` are reserved and must
be escaped with a backslash"*; any other backslash sequence is a definition
error (AWS rejects ``\\"`` at CreateStateMachine).

Errors at run time: a path argument that matches nothing is ``States.Runtime``
(as for any ``.$`` field); an argument of the wrong type or value is
``States.IntrinsicFailure`` with the cause ``Invalid arguments in States.X: ...``
(the corpus records no intrinsic failure, so these texts are our own).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from .document import compact
from .errors import INTRINSIC_FAILURE, RUNTIME, StatesError
from .jsontext import json_type_name
from .paths import JsonPath, PathNotFound, PathSyntaxError, compile_path

__all__ = [
    "IntrinsicSyntaxError",
    "Intrinsic",
    "is_intrinsic",
    "compile_intrinsic",
    "java_string",
    "java_double",
    "to_json_text",
    "json_equal",
    "path_not_found_cause",
    "FUNCTIONS",
    "MAX_NESTING",
    "HASH_ALGORITHMS",
]

MAX_NESTING = 10  # "You can nest up to 10 intrinsic functions within a field."
ARRAY_RANGE_LIMIT = 1000  # ArrayRange: "The array can contain a maximum of 1000 items."
BASE64_LIMIT = 10000  # Base64Encode/Decode: "up to 10,000 characters"
HASH_LIMIT = 128 * 1024  # Hash: input data of at most 128 KiB
# States.Hash's algorithms (and JSONata's $hash, :mod:`.jsonata`), by their AWS names.
HASH_ALGORITHMS = {
    "MD5": hashlib.md5,
    "SHA-1": hashlib.sha1,
    "SHA-256": hashlib.sha256,
    "SHA-384": hashlib.sha384,
    "SHA-512": hashlib.sha512,
}


class IntrinsicSyntaxError(ValueError):
    """The text is not a valid intrinsic function call (a definition error)."""

    def __init__(self, text: str, message: str) -> None:
        super().__init__(f"Invalid intrinsic function call '{text}': {message}")
        self.text = text
        self.reason = message


_CALL_START = re.compile(r"States\.([A-Za-z0-9]+)\s*\(")


def is_intrinsic(text: Any) -> bool:
    """True when ``text`` looks like an intrinsic call (``States.Name(...)``);
    whether it is a *valid* one is for :func:`compile_intrinsic` to say."""
    return (
        isinstance(text, str) and text.startswith("States.") and _CALL_START.match(text) is not None
    )


# --------------------------------------------------------------------------
# The argument tree
# --------------------------------------------------------------------------


class _Literal:
    __slots__ = ("value", "raw")

    def __init__(self, value: Any, raw: str | None = None) -> None:
        self.value = value
        self.raw = raw  # for strings: the text with escapes kept (States.Format needs it)

    def evaluate(self, env: _Env) -> Any:
        return self.value


class _PathArg:
    __slots__ = ("path",)

    def __init__(self, path: JsonPath) -> None:
        self.path = path

    def evaluate(self, env: _Env) -> Any:
        try:
            return self.path.resolve(env.input, env.context, env.variables)
        except PathNotFound:
            raise StatesError(RUNTIME, env.path_not_found(self.path.text)) from None


class _Env:
    __slots__ = ("input", "context", "effects", "variables", "field")

    def __init__(
        self, input: Any, context: Any, effects: Any, variables: Any, field: str | None
    ) -> None:
        self.input = input
        self.context = context
        self.effects = effects
        self.variables = variables
        self.field = field

    def path_not_found(self, path_text: str) -> str:
        return path_not_found_cause(path_text, self.field, self.input)


def path_not_found_cause(path_text: str, field: str | None, input: Any) -> str:
    """AWS's cause for a path that matched nothing: "The JSONPath '$.x' specified for the
    field 'value.$' could not be found in the input '{...}'" (recorded for Parameters
    fields; payload templates and intrinsic arguments alike)."""
    where = f" specified for the field '{field}'" if field else ""
    return (
        f"The JSONPath '{path_text}'{where} could not be found in the input '{to_json_text(input)}'"
    )


class Intrinsic:
    """A compiled call: ``evaluate(input, context, effects)`` returns its value."""

    __slots__ = ("text", "name", "args", "_fn", "static")

    def __init__(self, text: str, name: str, args: tuple) -> None:
        self.text = text
        self.name = name
        self.args = args
        self._fn = FUNCTIONS[name][2]
        self.static: Any = None  # per-function data prepared at compile time

    def __repr__(self) -> str:
        return f"Intrinsic({self.text!r})"

    def evaluate(
        self,
        input: Any,
        context: Any,
        effects: Any,
        variables: Any = None,
        field: str | None = None,
    ) -> Any:
        """Evaluate the call.  ``variables`` resolves ``$name`` arguments;
        ``field`` (e.g. ``value.$``) is quoted in path-not-found causes."""
        return self._evaluate(_Env(input, context, effects, variables, field))

    def _evaluate(self, env: _Env) -> Any:
        values = [
            a._evaluate(env) if isinstance(a, Intrinsic) else a.evaluate(env) for a in self.args
        ]
        return self._fn(self, values, env)


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_KEYWORDS = {"true": True, "false": False, "null": None}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, message: str) -> IntrinsicSyntaxError:
        return IntrinsicSyntaxError(self.text, f"{message} at position {self.pos}")

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def parse_call(self, depth: int) -> Intrinsic:
        if depth > MAX_NESTING:
            raise self.error(f"intrinsic functions can be nested at most {MAX_NESTING} deep")
        start = self.pos
        m = _CALL_START.match(self.text, self.pos)
        if not m:
            raise self.error("expected an intrinsic function call such as States.Format(...)")
        name = "States." + m.group(1)
        if name not in FUNCTIONS:
            raise self.error(f"unknown intrinsic function {name}")
        self.pos = m.end()
        args: list = []
        self.skip_ws()
        if self.text.startswith(")", self.pos):
            self.pos += 1
        else:
            while True:
                args.append(self.parse_arg(depth))
                self.skip_ws()
                c = self.text[self.pos] if self.pos < len(self.text) else ""
                if c == ",":
                    self.pos += 1
                    continue
                if c == ")":
                    self.pos += 1
                    break
                raise self.error("expected ',' or ')'")
        lo, hi, _ = FUNCTIONS[name]
        if len(args) < lo or (hi is not None and len(args) > hi):
            expected = (
                str(lo) if lo == hi else (f"at least {lo}" if hi is None else f"{lo} to {hi}")
            )
            raise self.error(
                f"{name} takes {expected} argument{'s' if hi != 1 else ''}, got {len(args)}"
            )
        call = Intrinsic(self.text[start : self.pos], name, tuple(args))
        _check_literal_args(call, self)
        return call

    def parse_arg(self, depth: int) -> Any:
        self.skip_ws()
        text, pos = self.text, self.pos
        if pos >= len(text):
            raise self.error("unexpected end of the call")
        c = text[pos]
        if c == "'":
            return self.parse_string()
        if c == "$":
            return _PathArg(self.parse_path())
        if text.startswith("States.", pos):
            return self.parse_call(depth + 1)
        m = _NUMBER_RE.match(text, pos)
        if m:
            self.pos = m.end()
            token = m.group(0)
            is_float = any(ch in token for ch in ".eE")
            return _Literal(float(token) if is_float else int(token))
        for word, value in _KEYWORDS.items():
            end = pos + len(word)
            if text.startswith(word, pos) and (end >= len(text) or not text[end].isalnum()):
                self.pos = end
                return _Literal(value)
        raise self.error("expected a string, number, boolean, null, path or intrinsic function")

    def parse_string(self) -> _Literal:
        text = self.text
        self.pos += 1
        start = self.pos
        out = []
        while self.pos < len(text):
            c = text[self.pos]
            if c == "\\":
                nxt = text[self.pos + 1] if self.pos + 1 < len(text) else ""
                if nxt not in ("'", "{", "}", "\\"):
                    raise self.error(
                        f"invalid escape sequence '\\{nxt}' (only \\', \\{{, \\}} and \\\\ are allowed)"
                    )
                out.append(nxt)
                self.pos += 2
                continue
            if c == "'":
                raw = text[start : self.pos]
                self.pos += 1
                return _Literal("".join(out), raw)
            out.append(c)
            self.pos += 1
        raise self.error("unterminated string literal")

    def parse_path(self) -> JsonPath:
        # A path argument runs to the next top-level ',' or ')'; brackets and
        # quotes inside it (filters, ['a,b']) are skipped over.
        text, start = self.text, self.pos
        depth, quote = 0, ""
        while self.pos < len(text):
            c = text[self.pos]
            if quote:
                if c == "\\":
                    self.pos += 1
                elif c == quote:
                    quote = ""
            elif c in "'\"":
                quote = c
            elif c in "[(":
                depth += 1
            elif c in "])":
                if depth == 0:
                    break
                depth -= 1
            elif c == "," and depth == 0:
                break
            self.pos += 1
        path_text = text[start : self.pos].rstrip()
        try:
            return compile_path(path_text)
        except PathSyntaxError as exc:
            raise self.error(f"invalid path argument '{path_text}': {exc.reason}") from None


@lru_cache(maxsize=2048)
def compile_intrinsic(text: str) -> Intrinsic:
    """Parse an intrinsic call once (cached); raises IntrinsicSyntaxError."""
    if not isinstance(text, str):
        raise IntrinsicSyntaxError(str(text), "an intrinsic function call must be a string")
    parser = _Parser(text)
    parser.skip_ws()
    call = parser.parse_call(1)
    parser.skip_ws()
    if parser.pos != len(text):
        raise parser.error("unexpected text after the intrinsic function call")
    return call


def _check_literal_args(call: Intrinsic, parser: _Parser) -> None:
    """Reject at definition time what can never work whatever the input."""
    if call.name == "States.Format":
        fmt = call.args[0]
        if isinstance(fmt, _Literal):
            if not isinstance(fmt.value, str):
                raise parser.error("the first argument of States.Format must be a string")
            assert fmt.raw is not None  # parse_string always sets raw on a string literal
            call.static = _format_parts(fmt.raw)  # parsed once, not per evaluation
            holes = call.static.count(None)
            if holes != len(call.args) - 1:
                raise parser.error(
                    f"States.Format has {holes} placeholder(s) but {len(call.args) - 1} argument(s)"
                )
    elif call.name == "States.JsonMerge":
        deep = call.args[2]
        if isinstance(deep, _Literal) and deep.value is not False:
            raise parser.error(
                "the third argument of States.JsonMerge must be false "
                "(deep merging is not supported)"
            )
    elif call.name == "States.Hash":
        alg = call.args[1]
        if isinstance(alg, _Literal) and alg.value not in HASH_ALGORITHMS:
            raise parser.error(
                f"unsupported hash algorithm {alg.value!r}; use one of "
                + ", ".join(HASH_ALGORITHMS)
            )


# --------------------------------------------------------------------------
# Value rendering (Java/Jackson conventions, since AWS runs on the JVM)
# --------------------------------------------------------------------------


def java_double(x: float) -> str:
    """``Double.toString``: ``1.0``, ``1.1``, ``1.0E21``, ``1.0E-5``.

    Java prints plain decimals for 1e-3 <= |x| < 1e7 and computerized
    scientific notation (``d.dddE±n``, no ``+``) outside that range, both
    with the shortest digits that round-trip (as Python's ``repr``)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    sign, digit_tuple, exp = Decimal(repr(x)).as_tuple()
    assert isinstance(exp, int)  # 'n'/'N'/'F' only for NaN/Infinity, returned above
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    # value = 0.d1d2d3... * 10**point
    point = len(digit_tuple) + exp
    minus = "-" if sign else ""
    if 1e-3 <= abs(x) < 1e7:
        if point <= 0:
            return f"{minus}0.{'0' * -point}{digits}"
        if point >= len(digits):
            return f"{minus}{digits}{'0' * (point - len(digits))}.0"
        return f"{minus}{digits[:point]}.{digits[point:]}"
    return f"{minus}{digits[0]}.{digits[1:] or '0'}E{point - 1}"


def _scalar_text(value: Any) -> str:
    """``null``, ``true``, ``false`` or a number, as both renderings below print them."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return java_double(value)
    return str(value)


def java_string(value: Any) -> str:
    """How ``States.Format`` renders an argument: strings as they are, JSON
    objects and arrays as Java's ``Map``/``List`` ``toString`` (recorded by
    AWS: ``{Arg1=1, Arg2=[]}``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(java_string(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_string(v)}" for k, v in value.items()) + "}"
    return _scalar_text(value)


def to_json_text(value: Any) -> str:
    """Compact JSON as AWS writes it (no spaces; floats as Java prints them)."""
    if isinstance(value, str):
        return compact(value)
    if isinstance(value, list):
        return "[" + ",".join(to_json_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ",".join(compact(str(k)) + ":" + to_json_text(v) for k, v in value.items()) + "}"
        )
    return _scalar_text(value)


def json_equal(a: Any, b: Any) -> bool:
    """JSON value equality (Jackson ``JsonNode.equals``): ``true`` is not ``1``
    and an integer node is not a floating-point node."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(v, b[k]) for k, v in a.items())
    return a == b


# --------------------------------------------------------------------------
# The functions.  Each takes (call, evaluated args, env).
# --------------------------------------------------------------------------


def _fail(call: Intrinsic, message: str) -> StatesError:
    return StatesError(INTRINSIC_FAILURE, f"Invalid arguments in {call.name}: {message}")


def _want(call: Intrinsic, value: Any, kinds: tuple, what: str, position: int) -> Any:
    ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if not ok:
        found = json_type_name(value, integer=True)
        raise _fail(
            call, f"argument {position} must be {what}, but was {found}: {to_json_text(value)}"
        )
    return value


def _want_int(call: Intrinsic, value: Any, position: int) -> int:
    """An integer argument; a float with an integral value (``2.0``) is accepted."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return _want(call, value, (int,), "an integer", position)


def _format_parts(raw: str) -> list:
    """Split a Format template (escapes kept) into text pieces and ``None``
    for every ``{}`` placeholder."""
    parts: list = []
    buf: list[str] = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == "\\" and i + 1 < len(raw):
            buf.append(raw[i + 1])
            i += 2
            continue
        if c == "{" and raw.startswith("{}", i):
            parts.append("".join(buf))
            buf = []
            parts.append(None)
            i += 2
            continue
        buf.append(c)
        i += 1
    parts.append("".join(buf))
    return parts


def _format(call: Intrinsic, args: list, env: _Env) -> str:
    """States.Format: *"constructs a string from both literal and interpolated
    values ... one or more placeholders {} and the values to interpolate"*."""
    parts = call.static
    if parts is None:
        fmt = _want(call, args[0], (str,), "a string", 1)
        parts = _format_parts(fmt)
    values = args[1:]
    if parts.count(None) != len(values):
        raise _fail(
            call,
            f"the format string has {parts.count(None)} placeholder(s) but "
            f"{len(values)} argument(s) were given",
        )
    out, it = [], iter(values)
    for part in parts:
        out.append(java_string(next(it)) if part is None else part)
    return "".join(out)


def _string_to_json(call: Intrinsic, args: list, env: _Env) -> Any:
    """States.StringToJson: *"takes a reference path to an escaped JSON string"*
    and returns it parsed; AWS returns null for an empty or blank string."""
    text = _want(call, args[0], (str,), "a string", 1)
    if not text.strip():
        return None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        raise _fail(call, f"the string is not valid JSON: {text}") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _json_to_string(call: Intrinsic, args: list, env: _Env) -> str:
    """States.JsonToString: *"returns the data as an escaped string"*."""
    return to_json_text(args[0])


def _array(call: Intrinsic, args: list, env: _Env) -> list:
    """States.Array: *"returns a JSON array containing the values of the
    arguments in the order provided"*."""
    return list(args)


def _array_partition(call: Intrinsic, args: list, env: _Env) -> list:
    """States.ArrayPartition: *"partitions the input array into multiple arrays
    of size specified by chunk size ... the last array may be smaller"*."""
    array = _want(call, args[0], (list,), "an array", 1)
    size = _want_int(call, args[1], 2)
    if size <= 0:
        raise _fail(call, f"the chunk size must be a positive integer, but was {size}")
    return [array[i : i + size] for i in range(0, len(array), size)]


def _array_contains(call: Intrinsic, args: list, env: _Env) -> bool:
    """States.ArrayContains: *"determine if a specific value is present in an array"*."""
    array = _want(call, args[0], (list,), "an array", 1)
    return any(json_equal(item, args[1]) for item in array)


def _array_range(call: Intrinsic, args: list, env: _Env) -> list:
    """States.ArrayRange(start, end, step): *"a new array containing a specific
    range of elements ... can contain up to 1000 elements"*; end is inclusive."""
    start = _want_int(call, args[0], 1)
    end = _want_int(call, args[1], 2)
    step = _want_int(call, args[2], 3)
    if step == 0:
        raise _fail(call, "the step must not be 0")
    count = max(0, (end - start) // step + 1)
    if count > ARRAY_RANGE_LIMIT:
        raise _fail(
            call,
            f"the array would contain {count} elements, more than the "
            f"maximum of {ARRAY_RANGE_LIMIT}",
        )
    return list(range(start, end + (1 if step > 0 else -1), step))


def _array_get_item(call: Intrinsic, args: list, env: _Env) -> Any:
    """States.ArrayGetItem: *"returns a specified index's value"*."""
    array = _want(call, args[0], (list,), "an array", 1)
    index = _want_int(call, args[1], 2)
    if not 0 <= index < len(array):
        raise _fail(call, f"index {index} is out of bounds for an array of length {len(array)}")
    return array[index]


def _array_length(call: Intrinsic, args: list, env: _Env) -> int:
    """States.ArrayLength: *"returns the length of an array"*."""
    return len(_want(call, args[0], (list,), "an array", 1))


def _array_unique(call: Intrinsic, args: list, env: _Env) -> list:
    """States.ArrayUnique: *"removes duplicate values from an array"* (first
    occurrences kept, in order)."""
    array = _want(call, args[0], (list,), "an array", 1)
    out: list = []
    for item in array:
        if not any(json_equal(item, seen) for seen in out):
            out.append(item)
    return out


def _base64_encode(call: Intrinsic, args: list, env: _Env) -> str:
    """States.Base64Encode: MIME Base64 of a string *"of up to 10,000 characters"*."""
    text = _want(call, args[0], (str,), "a string", 1)
    if len(text) > BASE64_LIMIT:
        raise _fail(call, f"the input string is longer than {BASE64_LIMIT} characters")
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _base64_decode(call: Intrinsic, args: list, env: _Env) -> str:
    """States.Base64Decode: decodes *"base64 encoded data of up to 10,000 characters"*."""
    text = _want(call, args[0], (str,), "a string", 1)
    if len(text) > BASE64_LIMIT:
        raise _fail(call, f"the input string is longer than {BASE64_LIMIT} characters")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise _fail(call, f"the input string is not valid Base64: {text}") from None


def _hash(call: Intrinsic, args: list, env: _Env) -> str:
    """States.Hash(data, algorithm): MD5, SHA-1, SHA-256, SHA-384 or SHA-512,
    hexadecimal; data is a string, or any JSON value hashed as its JSON text."""
    data = args[0]
    text = data if isinstance(data, str) else to_json_text(data)
    algorithm = _want(call, args[1], (str,), "a string", 2)
    fn = HASH_ALGORITHMS.get(algorithm)
    if fn is None:
        raise _fail(
            call,
            f"unsupported hash algorithm '{algorithm}'; use one of " + ", ".join(HASH_ALGORITHMS),
        )
    raw = text.encode("utf-8")
    if len(raw) > HASH_LIMIT:
        raise _fail(call, f"the input data is larger than {HASH_LIMIT} bytes")
    return fn(raw).hexdigest()


def _json_merge(call: Intrinsic, args: list, env: _Env) -> dict:
    """States.JsonMerge(a, b, false): *"merge two JSON objects into a single
    object"*; a key in both takes b's value (shallow merge; deep mode is not
    supported: the boolean must be false)."""
    left = _want(call, args[0], (dict,), "an object", 1)
    right = _want(call, args[1], (dict,), "an object", 2)
    deep = _want(call, args[2], (bool,), "a boolean", 3)
    if deep:
        raise _fail(call, "deep merging is not supported; the third argument must be false")
    merged = dict(left)
    merged.update(right)
    return merged


def _java_round(value: float | int) -> int:
    """``Math.round``: half up towards positive infinity (recorded by AWS:
    2.5 -> 3, -2.5 -> -2, -1.51 -> -2)."""
    if isinstance(value, int):
        return value
    return math.floor(value + 0.5)


def _math_random(call: Intrinsic, args: list, env: _Env) -> int:
    """States.MathRandom(start, end[, seed]): *"a random number between the
    specified start and end number"*.  With a seed the result is
    deterministic (Java's ``java.util.Random`` is emulated); without one the
    number is drawn from ``effects.random()`` so the engine can record it."""
    start = _java_round(_want(call, args[0], (int, float), "a number", 1))
    end = _java_round(_want(call, args[1], (int, float), "a number", 2))
    if start > end:
        raise _fail(call, f"the start {start} must not be greater than the end {end}")
    span = end - start + 1
    if len(args) == 3:
        seed = _java_round(_want(call, args[2], (int, float), "a number", 3))
        return start + _JavaRandom(seed).next_int(span) if span < 2**31 else start
    return start + min(int(env.effects.random() * span), span - 1)


class _JavaRandom:
    """``java.util.Random`` (48-bit LCG) -- so a seeded MathRandom gives the
    same number on every run and on every machine."""

    _MULT, _ADD, _MASK = 0x5DEECE66D, 0xB, (1 << 48) - 1

    def __init__(self, seed: int) -> None:
        self.seed = (seed ^ self._MULT) & self._MASK

    def _next(self, bits: int) -> int:
        self.seed = (self.seed * self._MULT + self._ADD) & self._MASK
        return self.seed >> (48 - bits)  # bits <= 31 here, so never negative

    def next_int(self, bound: int) -> int:
        if bound & -bound == bound:  # power of two
            return (bound * (self._next(31) & 0x7FFFFFFF)) >> 31
        while True:
            bits = self._next(31) & 0x7FFFFFFF
            val = bits % bound
            if bits - val + (bound - 1) < 2**31:
                return val


def _math_add(call: Intrinsic, args: list, env: _Env) -> int:
    """States.MathAdd: *"returns the sum of two numbers"*; AWS rounds each
    operand to an integer first (recorded: 1.49 + 1.5 = 3)."""
    a = _want(call, args[0], (int, float), "a number", 1)
    b = _want(call, args[1], (int, float), "a number", 2)
    return _java_round(a) + _java_round(b)


def _string_split(call: Intrinsic, args: list, env: _Env) -> list:
    """States.StringSplit(string, delimiters): splits on *every* character of
    the delimiter string and drops empty pieces (recorded by AWS:
    ``", , ,"`` split on ``","`` gives ``[" ", " "]``)."""
    text = _want(call, args[0], (str,), "a string", 1)
    delims = _want(call, args[1], (str,), "a string", 2)
    if not delims:
        return [text] if text else []
    return [piece for piece in _splitter(delims)(text) if piece]


@lru_cache(maxsize=256)
def _splitter(delims: str) -> Callable[[str], list]:
    return re.compile("[" + re.escape(delims) + "]").split


def _uuid(call: Intrinsic, args: list, env: _Env) -> str:
    """States.UUID: *"returns a version 4 universally unique identifier"*,
    drawn from ``effects.uuid()`` so the engine can record it."""
    return env.effects.uuid()


# name -> (min args, max args or None, implementation)
FUNCTIONS: dict[str, tuple[int, int | None, Callable[[Intrinsic, list, _Env], Any]]] = {
    "States.Format": (1, None, _format),
    "States.StringToJson": (1, 1, _string_to_json),
    "States.JsonToString": (1, 1, _json_to_string),
    "States.Array": (0, None, _array),
    "States.ArrayPartition": (2, 2, _array_partition),
    "States.ArrayContains": (2, 2, _array_contains),
    "States.ArrayRange": (3, 3, _array_range),
    "States.ArrayGetItem": (2, 2, _array_get_item),
    "States.ArrayLength": (1, 1, _array_length),
    "States.ArrayUnique": (1, 1, _array_unique),
    "States.Base64Encode": (1, 1, _base64_encode),
    "States.Base64Decode": (1, 1, _base64_decode),
    "States.Hash": (2, 2, _hash),
    "States.JsonMerge": (3, 3, _json_merge),
    "States.MathRandom": (2, 3, _math_random),
    "States.MathAdd": (2, 2, _math_add),
    "States.StringSplit": (2, 2, _string_split),
    "States.UUID": (0, 0, _uuid),
}
