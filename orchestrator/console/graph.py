"""A definition as the nodes, edges and groups the console draws (pure: no I/O).

The browser hands this to elkjs (layered layout, compound nodes) and draws the SVG; the
graph's *content* is decided here so it can be tested without a browser:

- every state is a node with its ``Type``; a ``Start`` and an ``End`` marker per scope
  (the machine, each Parallel branch, each Map processor);
- ``Next`` edges (``kind: next``), a Choice's rules as edges labelled with the rule
  (``choice``) and its ``Default`` (``default``), ``Catch`` edges labelled with the caught
  errors (``catch``, drawn dashed);
- ASL: "A Parallel state ... Branches: An array of objects that specify state machines to
  execute in parallel", "The Map state's ItemProcessor (or Iterator) ... each iteration
  runs the states of the ItemProcessor": both become groups nested inside their state.

Node ids are ``s:<state name>`` (AWS: state names are unique in the whole state machine);
scope markers are ``start:<scope>`` / ``end:<scope>`` with ``<scope>`` ``root`` or a group id.
"""

from __future__ import annotations

import json
from typing import Any

from ..asl.model import children

__all__ = ["build_graph", "rule_label", "state_types", "MAX_LABEL"]

MAX_LABEL = 48

_OPERATORS = {
    "Equals": "==",
    "LessThan": "<",
    "GreaterThan": ">",
    "LessThanEquals": "<=",
    "GreaterThanEquals": ">=",
    "Matches": "matches",
}
_KINDS = ("String", "Numeric", "Boolean", "Timestamp")


def state_types(definition: dict) -> dict[str, str]:
    """Every state name of the definition (nested ones included) -> its ``Type``."""
    out: dict[str, str] = {}
    for name, state, _scope in _walk(definition, "root"):
        out[name] = state.get("Type", "?")
    return out


def _walk(machine: dict, scope: str):
    states = machine.get("States") if isinstance(machine, dict) else None
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        yield name, state, scope
        for index, (_field, sub) in enumerate(_children(state)):
            yield from _walk(sub, f"g:{name}:{index}")


def _children(state: dict) -> list[tuple[str, dict]]:
    """The nested state machines drawn as groups (those that are JSON objects), each with
    its place in the state as a JSON pointer relative to the state (``Branches/0``,
    ``ItemProcessor``)."""
    return [
        (field if index is None else f"{field}/{index}", machine)
        for field, index, machine in children(state)
        if isinstance(machine, dict)
    ]


def _value(value: Any) -> str:
    return (
        json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else json.dumps(value)
    )


def rule_label(rule: Any) -> str:
    """A short text for one Choice rule: ``$.x == "a"``, ``not($.y is present)``, ...

    ASL: "A Choice Rule ... must contain exactly one field whose name is a comparison
    operator", or ``And`` / ``Or`` / ``Not``; in JSONata mode a ``Condition``."""
    if not isinstance(rule, dict):
        return "?"
    if "Condition" in rule:
        return str(rule["Condition"])
    if "And" in rule or "Or" in rule:
        op = "And" if "And" in rule else "Or"
        parts = [rule_label(r) for r in rule.get(op) or []]
        return "(" + (" and " if op == "And" else " or ").join(parts) + ")"
    if "Not" in rule:
        return "not " + rule_label(rule["Not"])
    variable = rule.get("Variable", "")
    for key, value in rule.items():
        if key in ("Variable", "Next", "Comment", "Assign", "Output"):
            continue
        if key.startswith("Is"):
            # IsPresent, IsNull, IsString, ...: "is present" / "is not null"
            what = key[2:].lower()
            return f"{variable} is {'' if value else 'not '}{what}"
        path = key.endswith("Path")
        base = key[:-4] if path else key
        for kind in _KINDS:
            if base.startswith(kind):
                operator = _OPERATORS.get(base[len(kind) :], base[len(kind) :])
                shown = value if path else _value(value)
                return f"{variable} {operator} {shown}"
        return f"{variable} {key} {_value(value)}"
    return variable or "?"


def _items(value: Any) -> list:
    return value if isinstance(value, list) else []


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def build_graph(definition: dict) -> dict:
    """``{"nodes": [...], "groups": [...], "edges": [...]}`` for a parsed definition.

    node: ``{"id", "name", "type", "scope", "start", "end", "comment"}`` (markers have
    ``type`` ``"Start"`` / ``"End"``); group: ``{"id", "state", "kind", "label", "scope", "field"}``
    (``scope`` is the group the node/group sits in, ``"root"`` at the top); edge:
    ``{"id", "source", "target", "kind", "label", "title", "field"}``.

    ``field`` says where the designer finds (and re-targets) a transition or a group, as a
    JSON pointer relative to the source state: ``Next``, ``Default``, ``Choices/<i>/Next``,
    ``Catch/<i>/Next``, ``End`` (the state's ``End: true``, or a Succeed / Fail), and
    ``StartAt`` for a scope's start edge (relative to the scope's state machine); a group's
    is ``Branches/<i>`` or ``ItemProcessor`` / ``Iterator``."""
    nodes: list[dict] = []
    groups: list[dict] = []
    edges: list[dict] = []

    def edge(source: str, target: str, kind: str, field: str, title: str = "") -> None:
        edges.append(
            {
                "id": f"e{len(edges)}",
                "source": source,
                "target": target,
                "kind": kind,
                "label": _short(title),
                "title": title,
                "field": field,
            }
        )

    def scope_of(machine: dict, scope: str) -> None:
        states = machine.get("States") if isinstance(machine, dict) else None
        if not isinstance(states, dict):
            return
        start_at = machine.get("StartAt")
        nodes.append(
            {
                "id": f"start:{scope}",
                "name": "Start",
                "type": "Start",
                "scope": scope,
                "start": False,
                "end": False,
                "comment": "",
            }
        )
        nodes.append(
            {
                "id": f"end:{scope}",
                "name": "End",
                "type": "End",
                "scope": scope,
                "start": False,
                "end": False,
                "comment": "",
            }
        )
        if start_at in states:
            edge(f"start:{scope}", f"s:{start_at}", "start", "StartAt")
        for name, state in states.items():
            if not isinstance(state, dict):
                continue
            state_type = state.get("Type", "?")
            terminal = state.get("End") is True or state_type in ("Succeed", "Fail")
            nodes.append(
                {
                    "id": f"s:{name}",
                    "name": name,
                    "type": state_type,
                    "scope": scope,
                    "start": name == start_at,
                    "end": terminal,
                    "comment": str(state.get("Comment") or ""),
                }
            )
            source = f"s:{name}"
            if terminal:
                edge(source, f"end:{scope}", "end", "End")
            if isinstance(state.get("Next"), str):
                edge(source, f"s:{state['Next']}", "next", "Next")
            for i, rule in enumerate(_items(state.get("Choices"))):
                if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
                    edge(
                        source, f"s:{rule['Next']}", "choice", f"Choices/{i}/Next", rule_label(rule)
                    )
            if isinstance(state.get("Default"), str):
                edge(source, f"s:{state['Default']}", "default", "Default", "Default")
            for i, catcher in enumerate(_items(state.get("Catch"))):
                if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
                    errors = catcher.get("ErrorEquals") or []
                    edge(
                        source,
                        f"s:{catcher['Next']}",
                        "catch",
                        f"Catch/{i}/Next",
                        "catch " + ", ".join(str(e) for e in errors),
                    )
            children = _children(state)
            for index, (field, sub) in enumerate(children):
                gid = f"g:{name}:{index}"
                kind = "branch" if state_type == "Parallel" else "processor"
                label = (
                    f"Branch {index + 1}"
                    if kind == "branch"
                    else "Item processor"
                    + (
                        " (distributed)"
                        if (sub.get("ProcessorConfig") or {}).get("Mode") == "DISTRIBUTED"
                        else ""
                    )
                )
                groups.append(
                    {
                        "id": gid,
                        "state": f"s:{name}",
                        "kind": kind,
                        "label": label,
                        "scope": scope,
                        "field": field,
                    }
                )
                scope_of(sub, gid)

    scope_of(definition, "root")
    known = {n["id"] for n in nodes}
    # A target that does not exist is a validation error; keep the graph drawable.
    edges = [e for e in edges if e["target"] in known and e["source"] in known]
    return {"nodes": nodes, "groups": groups, "edges": edges}
