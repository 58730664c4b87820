"""Paths, Reference Paths and ResultPath assignment (orchestrator/asl/paths.py)."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.asl.paths import (
    PathNotFound,
    PathSyntaxError,
    _evaluate,
    assign,
    compile_path,
    compile_reference_path,
)

DOC = {
    "a": {"b": [1, 2, {"c": 3}], "n": None, "s": "text"},
    "store": {
        "book": [
            {"title": "A", "price": 8.95, "category": "ref"},
            {"title": "B", "price": 12.99, "category": "fiction", "isbn": "1"},
            {"title": "C", "price": 22.99, "category": "fiction", "isbn": "2"},
        ],
        "bicycle": {"price": 19.95},
    },
    "limit": 10,
    "list": [0, 1, 2, 3, 4],
    "odd key": {"x.y": 1},
    "items": [],
}

FIND_CASES = [
    # (path, expected value, definite?)
    ("$", DOC, True),
    ("$.a.s", "text", True),
    ("$.a.n", None, True),
    ("$.a.b[0]", 1, True),
    ("$.a.b[-1].c", 3, True),
    ("$['odd key']['x.y']", 1, True),
    ('$["odd key"]["x.y"]', 1, True),
    ("$.list[1:3]", [1, 2], False),
    ("$.list[:2]", [0, 1], False),
    ("$.list[-2:]", [3, 4], False),
    ("$.list[0,4]", [0, 4], False),
    ("$.list[*]", [0, 1, 2, 3, 4], False),
    ("$.store.book[*].title", ["A", "B", "C"], False),
    ("$.store.*.price", [19.95], False),
    ("$..price", [8.95, 12.99, 22.99, 19.95], False),
    ("$..book[0].title", ["A"], False),
    ("$.store.book[?(@.price > 10)].title", ["B", "C"], False),
    ("$.store.book[?(@.price < $.limit)].title", ["A"], False),
    ("$.store.book[?(@.isbn)].title", ["B", "C"], False),
    ("$.store.book[?(!@.isbn)].title", ["A"], False),
    ("$.store.book[?(@.category == 'fiction' && @.price < 20)].title", ["B"], False),
    ("$.store.book[?(@.category == 'ref' || @.price > 20)].title", ["A", "C"], False),
    ("$.store.book[?(@.title in ['A', 'C'])].title", ["A", "C"], False),
    ("$.store.book[?(@.title nin ['A', 'C'])].title", ["B"], False),
    ("$.store.book[?(@.title =~ /[AB]/)].title", ["A", "B"], False),
    ("$.store.book[?(@.price != 8.95)].title", ["B", "C"], False),
    ("$.store.book[?(@.price >= 12.99)].title", ["B", "C"], False),
    ("$.store.book[0]['title','price']", {"title": "A", "price": 8.95}, True),
    (
        "$.store.book[*]['title','isbn']",
        [{"title": "A"}, {"title": "B", "isbn": "1"}, {"title": "C", "isbn": "2"}],
        False,
    ),
    ("$.list.length()", 5, True),
    ("$.store.book.length()", 3, True),
    ("$.list.sum()", 10.0, True),
    ("$.list.max()", 4.0, True),
    ("$.store.book[*].price.min()", 8.95, True),
    # AWS (recorded): an indefinite path over missing data is just empty.
    ("$.missing[*]", [], False),
    ("$.missing.items[1:]", [], False),
    ("$.items[*].itemValue", [], False),
    ("$.a.s[*]", [], False),
]


@pytest.mark.parametrize("text,expected,definite", FIND_CASES, ids=[c[0] for c in FIND_CASES])
def test_find(text: str, expected, definite: bool) -> None:
    path = compile_path(text)
    assert path.is_definite is definite
    assert path.find(DOC) == expected


NOT_FOUND_CASES = [
    # Jayway's messages, which AWS quotes ("Invalid path '$.x' : No results for path: $['x']")
    ("$.x", "No results for path: $['x']"),
    ("$.a.x", "No results for path: $['a']['x']"),
    ("$.no.such.result.path", "Missing property in path $['no']"),
    ("$.a.b[9]", "No results for path: $['a']['b'][9]"),
    ("$.a.b[-4]", "No results for path: $['a']['b'][-4]"),
    ("$.a.b[9].c", "No results for path: $['a']['b'][9]['c']"),
    ("$.store.book['title','price']", "No results for path: $['store']['book']['title','price']"),
    ("$.limit[0]", "Filter: [0] can only be applied to arrays. Current context is: 10"),
    (
        "$.a.n.x",
        "Expected to find an object with property ['x'] in path $['a']['n'] but found 'null'. "
        "This is not a json object according to the JsonProvider: "
        "'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.",
    ),
]


@pytest.mark.parametrize("text,message", NOT_FOUND_CASES, ids=[c[0] for c in NOT_FOUND_CASES])
def test_definite_path_not_found(text: str, message: str) -> None:
    with pytest.raises(PathNotFound) as info:
        compile_path(text).find(DOC)
    assert str(info.value) == message
    assert info.value.path == text


SYNTAX_ERRORS = [
    "",
    "a.b",
    "$.",
    "$..",
    "$.a b",
    "$[",
    "$['a'",
    "$.a[x]",
    "$.a[1:2:3]",
    "$.a.nosuch()",
    "$.a.length().b",
    "$.a[?(@.b >)]",
    "$.a]",
]


@pytest.mark.parametrize("text", SYNTAX_ERRORS)
def test_syntax_errors(text: str) -> None:
    with pytest.raises(PathSyntaxError) as info:
        compile_path(text)
    assert info.value.path == text


CONTEXT = {
    "Execution": {"Id": "arn:x", "Input": {"k": [5]}},
    "Map": {"Item": {"Value": {"v": 1}, "Index": 0}},
}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("$$", CONTEXT),
        ("$$.Execution.Id", "arn:x"),
        ("$$.Execution.Input.k[0]", 5),
        ("$$.Map.Item.Value", {"v": 1}),
        ("$$.Map.Item.Index", 0),
    ],
)
def test_context_paths(text: str, expected) -> None:
    path = compile_path(text)
    assert path.is_context
    assert path.resolve({"ignored": True}, CONTEXT) == expected


def test_variable_paths_resolve_against_variables() -> None:
    path = compile_path("$var.items[1]")
    assert path.variable == "var" and not path.is_context
    assert path.resolve({}, {}, {"var": {"items": [1, 2]}}) == 2
    with pytest.raises(PathNotFound):
        path.resolve({}, {}, {})


def test_compiled_paths_are_cached() -> None:
    assert compile_path("$.a.b") is compile_path("$.a.b")


def test_find_returns_values_without_mutating_the_document() -> None:
    before = copy.deepcopy(DOC)
    for text, _, _ in FIND_CASES:
        compile_path(text).find(DOC)
    assert DOC == before


REFERENCE_OK = ["$", "$.a", "$.a.b", "$['a b'].c", "$.a[0]", "$.a[0].b"]
REFERENCE_BAD = [
    "$.a[*]",
    "$..a",
    "$.a[1:2]",
    "$.a[0,1]",
    "$.a[?(@.b)]",
    "$.a.length()",
    "$$.Execution",
    "$var",
    "$.a['b','c']",
    "a",
]


@pytest.mark.parametrize("text", REFERENCE_OK)
def test_reference_paths_accepted(text: str) -> None:
    assert compile_reference_path(text).is_definite


@pytest.mark.parametrize("text", REFERENCE_BAD)
def test_reference_paths_rejected(text: str) -> None:
    with pytest.raises(PathSyntaxError):
        compile_reference_path(text)


def test_reference_path_may_allow_context() -> None:
    assert compile_reference_path("$$.Execution.Input", allow_context=True).is_context


ASSIGN_CASES = [
    # (document, ResultPath, value, expected)
    ({"a": 1}, "$", {"r": 1}, {"r": 1}),
    ({"a": 1}, "$.r", 2, {"a": 1, "r": 2}),
    ({"a": 1}, "$.a", 2, {"a": 2}),
    ({"a": {"x": 1}}, "$.a.b.c", 3, {"a": {"x": 1, "b": {"c": 3}}}),
    ({}, "$.new.deep", True, {"new": {"deep": True}}),
    ({"l": [1, {"k": 0}]}, "$.l[1].k", 9, {"l": [1, {"k": 9}]}),
    ({"l": [1, 2]}, "$.l[0]", "x", {"l": ["x", 2]}),
    ({"a b": {}}, "$['a b'].c", None, {"a b": {"c": None}}),
    ("not an object", "$", 5, 5),
]


@pytest.mark.parametrize("doc,ref,value,expected", ASSIGN_CASES, ids=[c[1] for c in ASSIGN_CASES])
def test_assign(doc, ref: str, value, expected) -> None:
    before = copy.deepcopy(doc)
    result = assign(doc, compile_reference_path(ref), value)
    assert result == expected
    assert doc == before  # the input is never mutated


def test_assign_shares_unchanged_subtrees() -> None:
    doc = {"keep": {"big": [1, 2, 3]}, "change": {"x": 1}}
    result = assign(doc, compile_reference_path("$.change.y"), 2)
    assert result["keep"] is doc["keep"]
    assert result["change"] is not doc["change"]


@pytest.mark.parametrize(
    "doc,ref,error",
    [
        ("text", "$.a", TypeError),
        ({"a": "text"}, "$.a.b", TypeError),
        ({"a": [1]}, "$.a.b", TypeError),
        ({"a": {"b": 1}}, "$.a[0]", TypeError),
        ({"a": [1]}, "$.a[3]", PathNotFound),
    ],
)
def test_assign_failures(doc, ref: str, error: type) -> None:
    with pytest.raises(error):
        assign(doc, compile_reference_path(ref), 1)


# --- properties -------------------------------------------------------------

_KEYS = st.sampled_from(["a", "b", "c d", "0"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=12,
)
_REF_STEPS = st.lists(st.one_of(_KEYS, st.integers(0, 2)), max_size=4)


def _ref_text(steps) -> str:
    return "$" + "".join(f"['{s}']" if isinstance(s, str) else f"[{s}]" for s in steps)


@settings(max_examples=300, deadline=None)
@given(doc=_JSON, steps=_REF_STEPS, value=_JSON)
def test_assign_then_find_gives_the_value_and_never_mutates(doc, steps, value) -> None:
    ref = compile_reference_path(_ref_text(steps))
    before = copy.deepcopy(doc)
    try:
        result = assign(doc, ref, value)
    except (TypeError, PathNotFound):
        assert doc == before
        return
    assert doc == before
    assert ref.find(result) == value


@settings(max_examples=300, deadline=None)
@given(doc=_JSON, steps=_REF_STEPS)
def test_definite_fast_path_agrees_with_the_general_evaluator(doc, steps) -> None:
    # the general (indefinite) evaluator over the same steps finds the same single node
    path = compile_path(_ref_text(steps))
    general = _evaluate(path.steps, doc, path)
    try:
        assert [path.find(doc)] == general
    except PathNotFound:
        assert general == []
