"""Choice Rules against the conformance corpus recorded on real AWS.

Two sources of truth:

* ``choice_operators/*.json`` -- 491 io-pair cases: one Choice state whose rule sends the
  input to ``ConditionTrue`` or ``ConditionFalse`` (two Pass states with a constant
  ``Result``), and the output AWS produced. The output tells which branch AWS took.
* every JSONPath Choice state inside the recorded execution histories: the
  ``ChoiceStateEntered`` input and the state entered right after it tell which branch AWS
  took for that input.

Each decision is replayed with :mod:`orchestrator.asl.choice`: the first matching rule's
``Next``, else ``Default``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.asl.choice import compile_choice_rule
from orchestrator.asl.errors import StatesError
from tests.corpus import CASES as CORPUS

IO_PAIR_COUNT = 491


def choose(state: dict, input, context=None, variables=None) -> str | None:
    """The Choice state's transition: the first matching rule's Next, else Default."""
    for index, rule in enumerate(state["Choices"]):
        if compile_choice_rule(rule, f"/Choices/{index}").evaluate(input, context or {}, variables):
            return rule["Next"]
    return state.get("Default")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _io_pair_cases() -> list[dict]:
    return [
        case
        for case in map(_load, sorted((CORPUS / "choice_operators").glob("*.json")))
        if case["kind"] == "io-pair"
    ]


IO_PAIRS = _io_pair_cases()


def _expected_branch(case: dict) -> str:
    """The Pass state whose constant Result equals the recorded output."""
    states = case["definition"]["States"]
    branches = [
        name
        for name, state in states.items()
        if state["Type"] == "Pass" and state.get("Result") == case["expected"]["output"]
    ]
    assert len(branches) == 1, f"output matches {branches}, cannot tell the branch"
    return branches[0]


def test_corpus_has_every_io_pair():
    assert len(IO_PAIRS) == IO_PAIR_COUNT


@pytest.mark.parametrize("case", IO_PAIRS, ids=[case["id"] for case in IO_PAIRS])
def test_io_pair(case):
    definition = case["definition"]
    state = definition["States"][definition["StartAt"]]
    assert state["Type"] == "Choice"
    expected = case["expected"]
    if expected["status"] == "FAILED":
        with pytest.raises(StatesError) as raised:
            choose(state, case["input"])
        assert (raised.value.error, raised.value.cause) == (
            expected["error"],
            expected.get("cause"),
        )
    else:
        assert expected["status"] == "SUCCEEDED"
        assert choose(state, case["input"]) == _expected_branch(case)


# ------------------------------------------------------------ decisions inside histories


def _choice_states(states: dict, out: dict) -> None:
    for name, state in states.items():
        if state.get("Type") == "Choice":
            out[name] = state
        for branch in state.get("Branches", ()):
            _choice_states(branch["States"], out)
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                _choice_states(state[key]["States"], out)


def _is_jsonpath(definition: dict, state: dict) -> bool:
    language = state.get("QueryLanguage", definition.get("QueryLanguage", "JSONPath"))
    return language == "JSONPath" and all("Condition" not in rule for rule in state["Choices"])


def _history_decisions() -> list[tuple[str, dict, object, dict, dict, str | None]]:
    """(id, Choice state, its input, context, variables, state entered next) for every
    recorded JSONPath Choice decision outside Parallel/Map (whose events interleave).
    Variables are rebuilt from the ``assignedVariables`` (JSON texts) of earlier events."""
    decisions = []
    for path in sorted(CORPUS.rglob("*.json")):
        if path.parent.name == "choice_operators":
            continue
        case = _load(path)
        definition, history = case["definition"], case.get("history")
        if (
            not history
            or not isinstance(definition, dict)
            or case.get("history_order") == "reverse"
        ):
            continue
        states: dict = {}
        _choice_states(definition.get("States", {}), states)
        if not states or any(e["type"].startswith(("Map", "Parallel")) for e in history):
            continue
        variables: dict = {}
        for position, event in enumerate(history):
            assigned = event.get("stateExitedEventDetails", {}).get("assignedVariables", {})
            variables.update((name, json.loads(text)) for name, text in assigned.items())
            if event["type"] != "ChoiceStateEntered":
                continue
            details = event["stateEnteredEventDetails"]
            state = states[details["name"]]
            if not _is_jsonpath(definition, state):
                continue
            following = [e for e in history[position + 1 :] if e["type"].endswith("StateEntered")]
            failed = [e for e in history[position + 1 :] if e["type"] == "ExecutionFailed"]
            if not following and not failed:
                continue
            target = following[0]["stateEnteredEventDetails"]["name"] if following else None
            context = {"Execution": {"Input": case["input"]}}
            decisions.append(
                (
                    f"{case['id']}#{event['id']}",
                    state,
                    details["input"],
                    context,
                    dict(variables),
                    target,
                )
            )
    return decisions


DECISIONS = _history_decisions()


def test_history_decisions_found():
    # 12 executions with a JSONPath Choice outside Map/Parallel; two of them loop back
    # through their Choice state, recording two decisions each.
    assert len(DECISIONS) == 14


@pytest.mark.parametrize(
    "decision_id,state,input,context,variables,target", DECISIONS, ids=[d[0] for d in DECISIONS]
)
def test_history_decision(decision_id, state, input, context, variables, target):
    assert choose(state, input, context, variables) == target
