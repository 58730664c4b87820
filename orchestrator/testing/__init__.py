"""Test workflows in-process, in milliseconds: ``run_workflow`` runs a definition on this
engine's interpreter on a virtual clock (a 24-hour Wait takes no time), with its Tasks
answered by Python values, callables, sequences by attempt or a Step Functions Local mock
configuration, and returns what happened: status, output, error, the states entered in order,
each entry's input and output, retries, the full history. Every run is also counted in the
session's path coverage (:mod:`.coverage`), which the pytest plugin prints at the end.

Example (pytest; the ``sfn`` fixture is this module)::

    def test_the_order_is_placed(sfn):
        result = sfn.run_workflow(
            "statemachines/order_flow.asl.json",
            {"user": {...}, "items": [...]},
            mocks={
                "CreateUser": [sfn.Throw("States.Http.StatusCode.503"), {"ResponseBody": {"userId": "u1"}}],
                "PlaceOrder": {"ResponseBody": {"orderId": "o1", "total": 12.5, "status": "PLACED"}},
                "SendNotification": lambda parameters: {"ResponseBody": {"notificationId": "n1"}},
            },
        )
        assert result.status == "SUCCEEDED" and result.retries("CreateUser") == 1

A mock is looked up by the Task state's name: a value is the Task's result; a
:class:`Throw` fails the attempt with its error and cause; a callable gets the Task's
effective input (its Parameters / Arguments) and returns the result or raises
:class:`Throw`; a list gives one of those per attempt of each entry of the state (the last
one again past its end). A Task with no mock fails the test run with a clear error (no real
call is made) unless ``invoke`` is given.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from orchestrator.asl.errors import StatesError
from orchestrator.asl.mock_config import MockConfig
from orchestrator.asl.model import parse
from orchestrator.asl.runner import run
from orchestrator.asl.runtime import Invoke

from . import coverage

__all__ = ["run_workflow", "Throw", "WorkflowResult", "Visit", "UnmockedTask", "coverage"]


class UnmockedTask(AssertionError):
    """A Task ran that the test gave no mock for (and no ``invoke``)."""


class Throw(Exception):
    """A mocked failure of one attempt: ``Throw("States.TaskFailed", "why")``."""

    def __init__(self, error: str, cause: str | None = None) -> None:
        super().__init__(error if cause is None else f"{error}: {cause}")
        self.error = error
        self.cause = cause


@dataclass
class Visit:
    """One entry into a state: its input and output (parsed), how it ended."""

    name: str
    input: Any = None
    output: Any = None
    failed: bool = False
    attempts: int = 0


@dataclass
class WorkflowResult:
    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None
    history: list[dict] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)

    @property
    def states(self) -> list[str]:
        """The states entered, in order (a state entered twice appears twice)."""
        return [v.name for v in self.visits]

    def entries(self, name: str) -> list[Visit]:
        return [v for v in self.visits if v.name == name]

    def state(self, name: str) -> Visit:
        """The last entry into ``name`` (AssertionError if it was never entered)."""
        found = self.entries(name)
        if not found:
            raise AssertionError(f"state {name!r} was never entered (entered: {self.states})")
        return found[-1]

    def retries(self, name: str) -> int:
        """How many times the entries of Task ``name`` were retried, in all."""
        return sum(max(0, v.attempts - 1) for v in self.entries(name))


def _load(definition: str | Path | dict) -> tuple[dict, str]:
    if isinstance(definition, dict):
        return definition, str(definition.get("Comment") or "workflow")
    text = str(definition)
    if text.lstrip().startswith("{"):
        raw = json.loads(text)
        return raw, str(raw.get("Comment") or "workflow")
    path = Path(text)
    name = path.name.removesuffix(".json").removesuffix(".asl")
    return json.loads(path.read_text(encoding="utf-8")), name


def _mock_invoke(
    mocks: Mapping[str, Any],
    case,
    invoke: Callable[[Invoke], Any] | None,
) -> Callable[[Invoke], Any]:
    def call(command: Invoke) -> Any:
        if command.state_name in mocks:
            mock = mocks[command.state_name]
            if isinstance(mock, list | tuple):
                if not mock:
                    raise UnmockedTask(f"the mock list of {command.state_name!r} is empty")
                mock = mock[min(command.attempt, len(mock) - 1)]
            try:
                if isinstance(mock, Throw):
                    raise mock
                if callable(mock):
                    return mock(command.parameters)
                return mock
            except Throw as thrown:
                raise StatesError(thrown.error, thrown.cause) from None
        if case is not None:
            outcome = case.outcome(command.state_name, command.attempt)
            if outcome is not None:
                return outcome.raise_or_return()
        if invoke is not None:
            return invoke(command)
        raise UnmockedTask(
            f"Task state {command.state_name!r} ({command.resource}) has no mock: give "
            f"mocks={{{command.state_name!r}: ...}}, a mock_config case, or invoke="
        )

    return call


def run_workflow(
    definition: str | Path | dict,
    input: Any = None,
    *,
    mocks: Mapping[str, Any] | None = None,
    mock_config: str | Path | None = None,
    test_case: str | None = None,
    state_machine_name: str | None = None,
    invoke: Callable[[Invoke], Any] | None = None,
    start_time: datetime | None = None,
    name: str | None = None,
) -> WorkflowResult:
    """Run ``definition`` (a dict, JSON text or a file path) on ``input`` on the virtual
    clock and return its :class:`WorkflowResult`. ``mock_config`` + ``test_case``: a Step
    Functions Local mock configuration's test case (under ``state_machine_name``, default
    the file's name) answers the Tasks that ``mocks`` does not. ``name``: the workflow's
    name in the coverage report (default: the file's name, or its Comment)."""
    raw, default_name = _load(definition)
    name = name or default_name
    case = None
    if mock_config is not None:
        if test_case is None:
            raise ValueError("mock_config needs test_case (the TestCases entry to run)")
        config = MockConfig.load(mock_config)
        machine = state_machine_name or default_name
        case = config.case(machine, test_case)
        if case is None:
            raise ValueError(
                f"{mock_config} has no test case {test_case!r} for {machine!r} "
                f"(its cases: {', '.join(config.cases(machine)) or 'none'})"
            )
    machine_model = parse(raw)
    result = run(
        machine_model,
        input,
        invoke=_mock_invoke(mocks or {}, case, invoke),
        start_time=start_time,
        state_machine_name=name.replace("/", "-").replace(" ", "-")[:80] or "workflow",
    )
    out = WorkflowResult(
        status=result.status,
        output=result.output,
        error=result.error,
        cause=result.cause,
        history=list(result.history),
        visits=_visits(result.history),
    )
    coverage.record(name, raw, out.history)
    return out


def _visits(history: list[dict]) -> list[Visit]:
    """The entries into states, from the history: an entry's own events follow one another
    (``previousEventId``); its exit is found by name (a Map's or Parallel's exit follows
    its children's events)."""
    visits: list[Visit] = []
    by_event: dict[int, Visit] = {}  # an entry's latest event id -> the entry
    pending: dict[str, list[Visit]] = {}  # entries not exited yet, by state name
    for event in history:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            details = event["stateEnteredEventDetails"]
            visit = Visit(details["name"], json.loads(details["input"]))
            visits.append(visit)
            by_event[event["id"]] = visit
            pending.setdefault(visit.name, []).append(visit)
        elif kind.endswith("StateExited"):
            details = event["stateExitedEventDetails"]
            waiting = pending.get(details["name"])
            if waiting:
                visit = waiting.pop()
                visit.output = json.loads(details["output"])
                visit.failed = False
        else:
            owner = by_event.pop(event["previousEventId"], None)
            if owner is None:
                continue
            if kind.endswith("Scheduled"):
                owner.attempts += 1
            elif kind.endswith(("Failed", "TimedOut")):
                owner.failed = True
            by_event[event["id"]] = owner
    return visits
