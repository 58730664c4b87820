"""Path coverage of workflows over a test session: which states, Choice branches, Catch
and Retry paths the runs exercised, so a team sees what its tests never reach.

What counts, per workflow (read from its definition, nested states included):

- **states**: every state; covered once entered;
- **choice branches**: each Choice state's distinct targets (its rules' ``Next`` and its
  ``Default``); covered once the Choice went there;
- **catches**: each catcher of each state (``state#catch[i]``); covered once an error left
  the state through it;
- **retries**: each retrier (``state#retry[i]``); covered once it retried an attempt.

All of it is read from the histories the runs recorded (no hook in the interpreter): a
transition is the state whose ``...StateExited`` event a ``...StateEntered`` event follows
(``previousEventId``); the error of a retried or caught attempt is that of its failure event,
matched to the retriers / catchers as the engine matches them.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from orchestrator.asl.model import all_states
from orchestrator.asl.retry import matches_error

__all__ = [
    "record",
    "report",
    "reset",
    "summary_lines",
    "write_json",
    "export",
    "merge",
    "Workflow",
]


class Workflow:
    """The paths of one workflow, and those its runs took."""

    def __init__(self, name: str, raw: dict) -> None:
        self.name = name
        self.raw = raw
        self.states: dict[str, dict] = dict(all_states(raw))
        self.branches = {
            (choice, target)
            for choice, state in self.states.items()
            if state.get("Type") == "Choice"
            for target in _choice_targets(state)
        }
        self.catches = {
            f"{name}#catch[{i}]"
            for name, state in self.states.items()
            for i, _ in enumerate(state.get("Catch") or [])
        }
        self.retries = {
            f"{name}#retry[{i}]"
            for name, state in self.states.items()
            for i, _ in enumerate(state.get("Retry") or [])
        }
        self.runs = 0
        self.seen_states: set[str] = set()
        self.seen_branches: set[tuple[str, str]] = set()
        self.seen_catches: set[str] = set()
        self.seen_retries: set[str] = set()

    def add(self, history: list[dict]) -> None:
        self.runs += 1
        exited: dict[int, str] = {}  # StateExited event id -> state name
        last_error: dict[str, str] = {}  # state -> error of its entry's failed attempt
        owner: dict[int, str] = {}  # event id -> the state whose entry it belongs to
        for event in history:
            kind = event["type"]
            prev = event["previousEventId"]
            if kind.endswith("StateEntered"):
                name = event["stateEnteredEventDetails"]["name"]
                self.seen_states.add(name)
                owner[event["id"]] = name
                source = exited.get(prev)
                if source is not None:
                    self._transition(source, name, last_error.pop(source, None))
                last_error.pop(name, None)  # a new entry
            elif kind.endswith("StateExited"):
                name = event["stateExitedEventDetails"]["name"]
                exited[event["id"]] = name
            else:
                state = owner.get(prev)
                if state is None:
                    continue
                owner[event["id"]] = state
                details = next((v for k, v in event.items() if k.endswith("EventDetails")), None)
                if kind.endswith(("Failed", "TimedOut")):
                    error = (details or {}).get("error")
                    if not error and kind.endswith("TimedOut"):
                        error = "States.Timeout"
                    last_error[state] = error or ""  # "": a failure whose name is not recorded
                elif kind.endswith("Scheduled") and last_error.get(state):
                    self._retried(state, last_error[state])  # a new attempt after a failure
                    last_error.pop(state, None)

    def _transition(self, source: str, target: str, error: str | None) -> None:
        state = self.states.get(source) or {}
        if state.get("Type") == "Choice":
            self.seen_branches.add((source, target))
            return
        if error is None:  # the entry's last attempt did not fail: its own Next
            return
        for i, catcher in enumerate(state.get("Catch") or []):
            if catcher.get("Next") == target and (
                not error or matches_error(catcher.get("ErrorEquals") or [], error)
            ):
                self.seen_catches.add(f"{source}#catch[{i}]")
                return

    def _retried(self, state_name: str, error: str) -> None:
        state = self.states.get(state_name) or {}
        for i, retrier in enumerate(state.get("Retry") or []):
            if matches_error(retrier.get("ErrorEquals") or [], error):
                self.seen_retries.add(f"{state_name}#retry[{i}]")
                return

    def as_dict(self) -> dict:
        def part(total: set, seen: set, show=str) -> dict:
            covered = total & seen
            return {
                "covered": len(covered),
                "total": len(total),
                "missing": sorted(show(x) for x in total - seen),
            }

        return {
            "runs": self.runs,
            "states": part(set(self.states), self.seen_states),
            "choiceBranches": part(
                self.branches, self.seen_branches, lambda b: f"{b[0]} -> {b[1]}"
            ),
            "catches": part(self.catches, self.seen_catches),
            "retries": part(self.retries, self.seen_retries),
        }


def _choice_targets(state: dict) -> list[str]:
    targets = [r["Next"] for r in state.get("Choices") or [] if isinstance(r, dict) and "Next" in r]
    if state.get("Default"):
        targets.append(state["Default"])
    return list(dict.fromkeys(targets))


_lock = threading.Lock()
_workflows: dict[str, Workflow] = {}


def record(name: str, raw: dict, history: list[dict]) -> None:
    """Count one run of workflow ``name`` (its definition ``raw``)."""
    with _lock:
        workflow = _workflows.get(name)
        if workflow is None:
            workflow = _workflows[name] = Workflow(name, raw)
        workflow.add(history)


def report() -> dict[str, dict]:
    """The session's coverage so far, by workflow name."""
    with _lock:
        return {name: w.as_dict() for name, w in sorted(_workflows.items())}


def export() -> dict:
    """What this process saw, to be merged in another (pytest-xdist's workers)."""
    with _lock:
        return {
            name: {
                "raw": w.raw,
                "runs": w.runs,
                "states": sorted(w.seen_states),
                "branches": sorted(list(b) for b in w.seen_branches),
                "catches": sorted(w.seen_catches),
                "retries": sorted(w.seen_retries),
            }
            for name, w in _workflows.items()
        }


def merge(data: dict) -> None:
    """Add what another process saw (:func:`export`)."""
    with _lock:
        for name, seen in data.items():
            workflow = _workflows.get(name)
            if workflow is None:
                workflow = _workflows[name] = Workflow(name, seen["raw"])
            workflow.runs += seen["runs"]
            workflow.seen_states.update(seen["states"])
            workflow.seen_branches.update(tuple(b) for b in seen["branches"])
            workflow.seen_catches.update(seen["catches"])
            workflow.seen_retries.update(seen["retries"])


def reset() -> None:
    with _lock:
        _workflows.clear()


def summary_lines() -> list[str]:
    lines = []
    for name, data in report().items():
        parts = []
        for key, label in (
            ("states", "states"),
            ("choiceBranches", "choice branches"),
            ("catches", "catches"),
            ("retries", "retries"),
        ):
            part = data[key]
            if part["total"]:
                parts.append(f"{label} {part['covered']}/{part['total']}")
        lines.append(f"{name} ({data['runs']} runs): " + ", ".join(parts))
        for key in ("states", "choiceBranches", "catches", "retries"):
            if data[key]["missing"]:
                lines.append(f"    never: {', '.join(data[key]['missing'])}")
    return lines


def write_json(path: str | Path) -> None:
    Path(path).write_text(json.dumps(report(), indent=2) + "\n", encoding="utf-8")
