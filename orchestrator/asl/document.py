"""A state's JSON document together with its text, serialised at most once.

AWS keeps every payload as JSON *text*: history events carry ``input``/``output`` strings,
and a document that passes through a state untouched keeps its original text (the recorded
history of ``scenarios/test_parallel_state_nested`` shows the execution input
``[[1, 2, 3], [4, 5, 6]]`` flowing through Pass and Parallel states with its spaces intact,
while any value a state computes is printed compactly). :class:`Doc` pairs the parsed value
with that text so the hot path serialises each new value once and never copies.
"""
from __future__ import annotations

import json
from typing import Any

__all__ = ["Doc", "dumps", "loads"]

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
loads = json.loads


def dumps(value: Any) -> str:
    """Compact JSON as AWS prints computed values (no spaces)."""
    return _encode(value)


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
            text = self._text = _encode(self.value)
        return text

    def derive(self, value: Any) -> "Doc":
        """The document after a step that produced ``value``: keeps this text when the
        step returned the very same object (an identity path such as ``$``)."""
        if value is self.value:
            return self
        return Doc(value)

    @classmethod
    def from_text(cls, text: str) -> "Doc":
        return cls(loads(text), text)

    def __repr__(self) -> str:
        return f"Doc({self.text})"
