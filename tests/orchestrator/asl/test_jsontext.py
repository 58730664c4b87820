"""orchestrator/asl/jsontext.py: JSON number tests and type names."""

from __future__ import annotations

import pytest

from orchestrator.asl.jsontext import is_integer, is_number, json_type_name


@pytest.mark.parametrize(
    "value, number, integer, name",
    [
        (1, True, True, "integer"),
        (1.0, True, False, "number"),
        (True, False, False, "boolean"),
        (None, False, False, "null"),
        ("1", False, False, "string"),
        ([1], False, False, "array"),
        ({}, False, False, "object"),
    ],
)
def test_a_bool_is_never_a_number(value, number, integer, name):
    assert (is_number(value), is_integer(value)) == (number, integer)
    assert json_type_name(value, integer=True) == name
