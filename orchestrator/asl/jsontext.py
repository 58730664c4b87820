"""The JSON type of a parsed value: the number tests, and how AWS names types in messages.

Parsed JSON is Python's ``None``, ``bool``, ``int``, ``float``, ``str``, ``list`` and
``dict``; ``bool`` is a subclass of ``int``, so "is this a JSON number" is not
``isinstance(value, int)``: :func:`is_number` and :func:`is_integer` are the tests.

:func:`json_type_name` is the one table for every module that reports a type: JSONata's
``'number' for value: ...`` (jsonata.py), Jayway's ``cannot set property 'x' of string``
(paths.py), the intrinsics' ``must be ..., but was integer`` and the validator's ``must be
a STRING but was INTEGER``. Jackson, which AWS runs on, tells an integer node from a
floating-point one; JSONata does not -- hence the ``integer`` switch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["json_type_name", "is_number", "is_integer"]


def is_number(value: Any) -> bool:
    """A JSON number: an ``int`` or a ``float``, never a ``bool``. (Exact types: parsed
    JSON holds no other subclasses, and this is on the Choice rules' hot path.)"""
    kind = type(value)
    return kind is int or kind is float


def is_integer(value: Any) -> bool:
    """A JSON number written without a fraction or exponent (a Python ``int``), never a
    ``bool``."""
    return type(value) is int


def json_type_name(value: Any, *, integer: bool = False) -> str:
    """``null``, ``boolean``, ``number``, ``string``, ``array`` or ``object`` for a parsed
    JSON value; with ``integer=True`` a whole number (a Python ``int``) is ``integer``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer" if integer else "number"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
