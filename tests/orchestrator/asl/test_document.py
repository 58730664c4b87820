"""Doc: a value and its JSON text, serialised once, original text kept when unchanged."""

from __future__ import annotations

import pytest

from orchestrator.asl.document import Doc, dumps


@pytest.mark.parametrize(
    "value, text",
    [
        ({"a": [1, 2]}, '{"a":[1,2]}'),
        ("é", '"é"'),
        (3.3, "3.3"),
        (None, "null"),
    ],
)
def test_dumps_is_compact_and_keeps_unicode(value, text):
    assert dumps(value) == text


def test_original_text_survives_an_identity_step_only():
    doc = Doc.from_text("[[1, 2], [3]]")
    assert doc.derive(doc.value) is doc and doc.text == "[[1, 2], [3]]"
    changed = doc.derive(doc.value[0])
    assert changed.text == "[1,2]"


def test_text_is_computed_lazily_once():
    doc = Doc({"k": "v"})
    assert doc.text is doc.text


@pytest.mark.parametrize(
    "value, ensure_ascii, text",
    [
        ({"a": ["é", 1.5]}, False, '{"a":["é",1.5]}'),
        ({"a": ["é", 1.5]}, True, '{"a":["\\u00e9",1.5]}'),
        (float("nan"), False, "NaN"),  # unchecked, unlike dumps
    ],
)
def test_compact_is_json_dumps_without_spaces(value, ensure_ascii, text):
    from orchestrator.asl.document import compact

    assert compact(value, ensure_ascii=ensure_ascii) == text
