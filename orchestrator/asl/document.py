"""A state's JSON document together with its text, serialised at most once.

AWS keeps every payload as JSON *text*: history events carry ``input``/``output`` strings,
and a document that passes through a state untouched keeps its original text (the recorded
history of ``scenarios/test_parallel_state_nested`` shows the execution input
``[[1, 2, 3], [4, 5, 6]]`` flowing through Pass and Parallel states with its spaces intact,
while any value a state computes is printed compactly). :class:`Doc` pairs the parsed value
with that text so the hot path serialises each new value once and never copies.

What counts as a JSON document here, one set of rules for every edge (execution input,
SendTaskSuccess output, Task results, definitions) and for every value the interpreter
computes: text that is valid Unicode (no lone UTF-16 surrogate such as ``"\\ud800"``,
which cannot be stored or sent as UTF-8), finite numbers only (no ``NaN``, ``Infinity``
or ``1e400``, which would print as text that is not JSON), and at most
:data:`MAX_DEPTH` levels of nesting. (AWS parses with Jackson, whose default limit is
1,000 levels; Python's own JSON parser and the interpreter recurse per level, so this
engine stops at 500, safely inside Python's recursion limit on every thread.)
:func:`parse` enforces them on text and raises :class:`InvalidJson` naming the problem
and where it is; :func:`dumps` enforces them on values the interpreter computed and fails
the state with ``States.Runtime``.

:func:`compact` is the same compact text without the checks, for values quoted in messages
and sent on the wire (AWS prints JSON with no spaces and non-ASCII characters as they are;
a few wire formats escape them, hence ``ensure_ascii``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from .errors import RUNTIME, StatesError

__all__ = ["Doc", "dumps", "compact", "loads", "parse", "check_text", "InvalidJson", "MAX_DEPTH"]

MAX_DEPTH = 500

_COMPACT = (",", ":")
_encode = json.JSONEncoder(ensure_ascii=False, separators=_COMPACT, allow_nan=False).encode
_compact = json.JSONEncoder(ensure_ascii=False, separators=_COMPACT).encode
_compact_ascii = json.JSONEncoder(separators=_COMPACT).encode
loads = json.loads
# A \uD800-\uDFFF escape in JSON text (a lone one decodes to a lone surrogate).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abAB]|\\u[dD][c-fC-F]")


class InvalidJson(ValueError):
    """Text that is not a JSON document by the rules above; ``str()`` says why and where."""


def dumps(value: Any) -> str:
    """Compact JSON as AWS prints computed values (no spaces); a value that breaks the rules
    above fails the state with ``States.Runtime``."""
    try:
        text = _encode(value)
    except ValueError as exc:  # NaN / Infinity
        raise StatesError(
            RUNTIME,
            f"The value is not valid JSON: {exc} (NaN or Infinity cannot be represented in JSON)",
        ) from None
    except RecursionError:
        raise StatesError(
            RUNTIME, f"The value is not valid JSON: it is nested more than {MAX_DEPTH} levels deep"
        ) from None
    if not text.isascii():
        problem = _bad_text(text)
        if problem is not None:
            raise StatesError(RUNTIME, f"The value is not valid JSON: {problem}")
    return text


def compact(value: Any, *, ensure_ascii: bool = False) -> str:
    """Compact JSON (no spaces), unchecked: ``json.dumps(value, separators=(",", ":"),
    ensure_ascii=ensure_ascii)``."""
    return _compact_ascii(value) if ensure_ascii else _compact(value)


def _bad_text(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"it holds a lone surrogate ({text[exc.start]!r}), which is not a Unicode character"
    return None


def _reject_constant(name: str) -> Any:
    raise InvalidJson(f"{name} is not a JSON number (JSON numbers are finite)")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise InvalidJson(f"the number {text[:40]} is too large for a double-precision number")
    return value


def _where(path: list) -> str:
    out = "$"
    for part in path:
        out += (
            f"[{part}]"
            if isinstance(part, int)
            else f".{part}"
            if part.isidentifier()
            else f"[{json.dumps(part)}]"
        )
    return out


def _walk(value: Any, surrogates: bool, depth: bool) -> None:
    """Find a lone surrogate (in keys and strings) and/or excess nesting; iterative."""
    stack: list[tuple[Any, list, int]] = [(value, [], 0)]
    while stack:
        node, path, level = stack.pop()
        if isinstance(node, str):
            if surrogates and _bad_text(node) is not None:
                raise InvalidJson(
                    f"the string at {_where(path)} holds a lone surrogate, "
                    f"which is not a Unicode character"
                )
            continue
        items: Iterable[tuple[Any, Any]]
        if isinstance(node, dict):
            items = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        if depth and level >= MAX_DEPTH:
            raise InvalidJson(
                f"it is nested more than {MAX_DEPTH} levels deep (at {_where(path[:8])}...)"
            )
        for key, child in items:
            if surrogates and isinstance(key, str) and _bad_text(key) is not None:
                raise InvalidJson(
                    f"the key {_where(path)}[...] holds a lone surrogate, "
                    f"which is not a Unicode character"
                )
            stack.append((child, path + [key], level + 1))


def check_text(text: str, value: Any) -> None:
    """Check the rules above on ``value``, parsed from ``text`` (cheap: a walk only when the
    text could break them)."""
    if not text.isascii() and _bad_text(text) is not None:
        raise InvalidJson("the text holds a lone surrogate, which is not a Unicode character")
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
    depth = text.count("[") + text.count("{") > MAX_DEPTH
    if surrogates or depth:
        _walk(value, surrogates, depth)


def parse(text: str) -> Any:
    """Parse a JSON document by the rules above; raises :class:`InvalidJson`."""
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except InvalidJson:
        raise
    except RecursionError:
        raise InvalidJson(f"it is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # JSONDecodeError, an integer of more than 4,300 digits
        raise InvalidJson(str(exc)) from None
    check_text(text, value)
    return value


class Doc:
    """``value`` plus its JSON ``text`` (computed lazily, then cached)."""

    __slots__ = ("value", "_text")

    def __init__(self, value: Any, text: str | None = None) -> None:
        self.value = value
        self._text = text

    @property
    def text(self) -> str:
        text = self._text
        if text is None:
            text = self._text = dumps(self.value)
        return text

    def derive(self, value: Any) -> Doc:
        """The document after a step that produced ``value``: keeps this text when the
        step returned the very same object (an identity path such as ``$``)."""
        if value is self.value:
            return self
        return Doc(value)

    @classmethod
    def from_text(cls, text: str) -> Doc:
        return cls(loads(text), text)

    def __repr__(self) -> str:
        return f"Doc({self.text})"
