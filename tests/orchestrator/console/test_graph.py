"""Definition -> graph content (what the console lays out with elkjs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.console.graph import build_graph, rule_label, state_types

HERE = Path(__file__).parent
ROOT = HERE.parents[2]


def _edges(graph, kind=None):
    return {
        (e["source"], e["target"], e["label"])
        for e in graph["edges"]
        if kind is None or e["kind"] == kind
    }


def test_order_flow_graph():
    definition = json.loads((ROOT / "statemachines" / "order_flow.asl.json").read_text())
    graph = build_graph(definition)
    states = {n["name"]: n for n in graph["nodes"] if n["type"] not in ("Start", "End")}
    assert set(states) == set(definition["States"])
    assert states["CreateUser"]["start"] and states["CreateUser"]["type"] == "Task"
    assert states["UserNotCreated"]["end"] and states["OrderCompleted"]["end"]
    assert ("start:root", "s:CreateUser", "") in _edges(graph, "start")
    assert _edges(graph, "next") >= {
        ("s:CreateUser", "s:PlaceOrder", ""),
        ("s:PlaceOrder", "s:SendNotification", ""),
    }
    assert ("s:SendNotification", "s:DeferNotification", "catch States.ALL") in _edges(
        graph, "catch"
    )
    assert {e[0] for e in _edges(graph, "end")} == {
        "s:OrderCompleted",
        "s:DeferNotification",
        "s:UserNotCreated",
        "s:OrderNotPlaced",
    }
    assert graph["groups"] == []


def test_nested_groups_choice_and_default():
    definition = json.loads((HERE / "console_demo.asl.json").read_text())
    graph = build_graph(definition)
    groups = {g["id"]: g for g in graph["groups"]}
    assert groups["g:FanOut:0"]["kind"] == groups["g:FanOut:1"]["kind"] == "branch"
    assert groups["g:PriceItems:0"] == {
        "id": "g:PriceItems:0",
        "state": "s:PriceItems",
        "kind": "processor",
        "label": "Item processor",
        "scope": "g:FanOut:1",
        "field": "ItemProcessor",
    }
    assert groups["g:FanOut:1"]["field"] == "Branches/1"
    scope = {n["id"]: n["scope"] for n in graph["nodes"]}
    assert scope["s:Pause"] == "g:FanOut:0" and scope["s:Price"] == "g:PriceItems:0"
    assert scope["start:g:PriceItems:0"] == "g:PriceItems:0"
    assert ("s:Decide", "s:Deferred", '$.charge == "deferred"') in _edges(graph, "choice")
    assert ("s:Decide", "s:Rejected", "Default") in _edges(graph, "default")
    fields = {(e["source"], e["target"]): e["field"] for e in graph["edges"]}
    assert fields["s:Decide", "s:Deferred"].startswith("Choices/")
    assert fields["s:Decide", "s:Rejected"] == "Default"
    assert fields["start:g:PriceItems:0", "s:Price"] == "StartAt"
    assert state_types(definition)["Price"] == "Pass"
    assert len(state_types(definition)) == 13


@pytest.mark.parametrize(
    "rule,label",
    [
        ({"Variable": "$.x", "StringEquals": "a"}, '$.x == "a"'),
        ({"Variable": "$.n", "NumericGreaterThanEqualsPath": "$.m"}, "$.n >= $.m"),
        (
            {"Variable": "$.t", "TimestampLessThan": "2024-01-01T00:00:00Z"},
            '$.t < "2024-01-01T00:00:00Z"',
        ),
        ({"Variable": "$.b", "IsPresent": False}, "$.b is not present"),
        ({"Not": {"Variable": "$.b", "BooleanEquals": True}}, "not $.b == true"),
        (
            {
                "Or": [
                    {"Variable": "$.a", "IsNull": True},
                    {"Variable": "$.s", "StringMatches": "x*"},
                ]
            },
            '($.a is null or $.s matches "x*")',
        ),
        ({"Condition": "{% $states.input.n > 1 %}"}, "{% $states.input.n > 1 %}"),
    ],
)
def test_rule_labels(rule, label):
    assert rule_label(rule) == label


def test_long_labels_are_shortened_but_kept_whole_in_the_title():
    rule = {
        "Variable": "$.a_really_long_variable_name.and_more",
        "StringEquals": "x" * 40,
        "Next": "B",
    }
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Choice", "Choices": [rule], "Default": "B"},
            "B": {"Type": "Succeed"},
        },
    }
    (edge,) = [e for e in build_graph(definition)["edges"] if e["kind"] == "choice"]
    assert len(edge["label"]) == 48 and edge["label"].endswith("…")
    assert edge["title"] == rule_label(rule)


def test_broken_targets_do_not_break_the_graph():
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}}}
    graph = build_graph(definition)
    assert [e["kind"] for e in graph["edges"]] == ["start"]


def test_a_hundred_states():
    states = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(99)}
    states["S99"] = {"Type": "Succeed"}
    graph = build_graph({"StartAt": "S0", "States": states})
    assert len([n for n in graph["nodes"] if n["id"].startswith("s:")]) == 100
    assert len(graph["edges"]) == 101  # start + 99 next + end


def test_a_legacy_iterator_is_a_processor_group_too():
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "Iterator": {"StartAt": "In", "States": {"In": {"Type": "Pass", "End": True}}},
            }
        },
    }
    graph = build_graph(definition)
    assert [(g["id"], g["kind"]) for g in graph["groups"]] == [("g:M:0", "processor")]
    assert state_types(definition) == {"M": "Map", "In": "Pass"}
