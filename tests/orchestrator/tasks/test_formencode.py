"""orchestrator/tasks/formencode.py: URL_ENCODED bodies for every ArrayFormat."""

from __future__ import annotations

import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.tasks.formencode import urlencode_body

ARRAY = {"array": ["a", "b", "c", "d"]}


@pytest.mark.parametrize(
    "array_format, expected",
    [
        # The AWS developer guide's own examples.
        ("INDICES", "array[0]=a&array[1]=b&array[2]=c&array[3]=d"),
        ("REPEAT", "array=a&array=b&array=c&array=d"),
        ("COMMAS", "array=a,b,c,d"),
        ("BRACKETS", "array[]=a&array[]=b&array[]=c&array[]=d"),
    ],
)
def test_array_formats_as_documented(array_format, expected):
    assert urlencode_body(ARRAY, array_format) == expected


@pytest.mark.parametrize(
    "body, array_format, expected",
    [
        ({"a": "x y&z=é"}, "INDICES", "a=x%20y%26z%3D%C3%A9"),
        ({"n": 1.5, "t": True, "f": False, "z": None}, "INDICES", "n=1.5&t=true&f=false&z="),
        (
            {"meta": {"owner": "me", "tags": ["p", "q"]}},
            "INDICES",
            "meta[owner]=me&meta[tags][0]=p&meta[tags][1]=q",
        ),
        ({"meta": {"tags": ["p", "q"]}}, "BRACKETS", "meta[tags][]=p&meta[tags][]=q"),
        ({"items": [{"sku": "s1"}, {"sku": "s2"}]}, "INDICES", "items[0][sku]=s1&items[1][sku]=s2"),
        ({"items": [{"sku": "s1"}]}, "COMMAS", "items[0][sku]=s1"),
        ({"v": ["a,b", "c d"]}, "COMMAS", "v=a%2Cb,c%20d"),
        ({"v": [], "w": {}}, "REPEAT", ""),
        ({"sp ace": "1"}, "INDICES", "sp%20ace=1"),
    ],
    ids=[
        "percent-encoding",
        "scalars",
        "nested",
        "nested-brackets",
        "objects-in-array",
        "commas-objects-fall-back",
        "commas-escape-items",
        "empty",
        "key-encoding",
    ],
)
def test_values_nesting_and_escaping(body, array_format, expected):
    assert urlencode_body(body, array_format) == expected


def test_unknown_array_format_is_a_runtime_error():
    with pytest.raises(StatesError) as info:
        urlencode_body(ARRAY, "SEMICOLONS")
    assert info.value.error == "States.Runtime"
    assert "ArrayFormat" in info.value.cause


def test_non_object_body_is_a_runtime_error():
    with pytest.raises(StatesError) as info:
        urlencode_body([1, 2])
    assert info.value.error == "States.Runtime"
