"""How AWS names the JSON type of a value in its messages.

One table for every module that reports a type: JSONata's ``'number' for value: ...``
(jsonata.py), Jayway's ``cannot set property 'x' of string`` (paths.py), the intrinsics'
``must be ..., but was integer`` and the validator's ``must be a STRING but was INTEGER``.
Jackson, which AWS runs on, tells an integer node from a floating-point one; JSONata does
not -- hence the ``integer`` switch.
"""
from __future__ import annotations

from typing import Any

__all__ = ["json_type_name"]


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
