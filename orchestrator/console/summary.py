"""Per-state summary of one execution, derived from its history events (pure: no I/O).

The console colours the graph and fills the state panel and the timeline from this.
AWS API reference, HistoryEvent: every event has an ``id`` and a ``previousEventId`` ("The
id of the previous event"), and AWS links each event to the previous one *of the same
thread* (main flow, Parallel branch, Map iteration). That link tells which state entry an
event belongs to; when it is missing or masked (the conformance corpus masks the ids inside
branches), the event goes to the latest open entry of a matching state.

A *visit* is one entry into a state (``<Type>StateEntered`` up to ``<Type>StateExited``).
An *attempt* is one try of a Task / Parallel / Map: AWS developer guide, "Handling errors":
a Retry "retries the state", so every ``TaskScheduled`` (``LambdaFunctionScheduled``,
``ParallelStateStarted``, ``MapStateStarted``) after the first one is a retry, and the gap
between a failed attempt and the next one is the retrier's backoff.

Visit status:

- ``running``: entered, not exited, execution still running;
- ``succeeded``: exited after its only attempt (or a state without attempts) succeeded;
- ``retried``: exited after a later attempt succeeded;
- ``caught``: its last attempt failed and it exited anyway (a ``Catch`` took over: AWS
  records ``<Type>StateExited`` with the catcher's output before entering the ``Next``);
- ``failed``: it failed and never exited (the error ended the execution or its branch), or
  it is a ``Fail`` state;
- ``aborted``: ``<Type>StateAborted``, or still open when the execution was stopped or
  timed out.

A state's status over all its visits is the most telling one:
running > failed > aborted > caught > retried > succeeded; ``not_reached`` without visits.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..asl.jsontext import is_number
from ..asl.model import JSONATA, JSONPATH, children
from .statuses import STATUSES

__all__ = [
    "summarize",
    "Summarizer",
    "STATUSES",
    "state_status",
    "timestamp_ms",
    "query_languages",
    "pipeline_steps",
]

# STATUSES (the console's status vocabulary, :mod:`.statuses`) is most telling first.
_RANK = {status: rank for rank, status in enumerate(STATUSES)}

_ATTEMPT_STARTS = frozenset({"ParallelStateStarted", "MapStateStarted"})
_ATTEMPT_SUCCESSES = frozenset(
    {
        "TaskSucceeded",
        "LambdaFunctionSucceeded",
        "ActivitySucceeded",
        "ParallelStateSucceeded",
        "MapStateSucceeded",
    }
)
_RUNNING_STARTS = frozenset({"TaskStarted", "LambdaFunctionStarted", "ActivityStarted"})
_EXECUTION_END = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionAborted": "ABORTED",
    "ExecutionTimedOut": "TIMED_OUT",
}
# Which state type owns an event that carries no state name.
_OWNER_TYPE = (
    ("Lambda", "Task"),
    ("Activity", "Task"),
    ("Task", "Task"),
    ("Parallel", "Parallel"),
    ("MapRun", "Map"),
    ("Map", "Map"),
    ("Wait", "Wait"),
)


def timestamp_ms(value: Any) -> float | None:
    """Milliseconds since the epoch for a ``datetime``, an ISO 8601 text or a number of
    epoch seconds (AWS JSON's timestamps); ``None`` when the value is not a time (the
    conformance corpus masks timestamps as ``"timestamp"``)."""
    if isinstance(value, datetime):
        return value.timestamp() * 1000.0
    if is_number(value):
        return float(value) * 1000.0
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000.0
        except ValueError:
            return None
    return None


def _data(value: Any) -> Any:
    """History payloads are JSON texts (the API's shape); the corpus stores them parsed."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _details(event: dict) -> dict:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def _span(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else max(0.0, end - start)


def _owner_type(event_type: str) -> str | None:
    for prefix, state_type in _OWNER_TYPE:
        if event_type.startswith(prefix):
            return state_type
    return None


def query_languages(definition: Any) -> dict[str, str]:
    """Every state name of the definition (nested ones included) -> its query language.

    AWS developer guide, "Transforming data with JSONata": *"QueryLanguage ... can be
    specified at the top level of the state machine or in each state"*; a state without one
    uses its enclosing one (the engine's parser passes a Parallel's / Map's language down to
    its branches and processor, which may declare their own)."""
    out: dict[str, str] = {}

    def walk(machine: Any, inherited: str) -> None:
        states = machine.get("States") if isinstance(machine, dict) else None
        if not isinstance(states, dict):
            return
        language = machine.get("QueryLanguage", inherited)
        for name, state in states.items():
            if not isinstance(state, dict):
                continue
            own = state.get("QueryLanguage", language)
            out[name] = own
            for _field, _index, child in children(state):
                walk(child, own)

    walk(definition, JSONPATH)
    return out


# The steps of a state's data flow, in order: (pipeline key, label, what it shows).
_STEPS = {
    # AWS developer guide, "Processing input and output": InputPath -> Parameters (the
    # effective input, recorded as the Task's ``parameters``) -> the result ->
    # ResultSelector / ResultPath / OutputPath -> the state output.
    JSONPATH: (
        ("input", "State input", "As the state received it"),
        (
            "parameters",
            "Effective input (parameters)",
            "After InputPath and Parameters/Arguments: what the last attempt sent",
        ),
        (
            "result",
            "Result",
            "What the task / branches / iterations returned, before ResultSelector and ResultPath",
        ),
        (
            "output",
            "State output",
            "After ResultSelector, ResultPath and OutputPath: the next state's input",
        ),
    ),
    # AWS developer guide, "Transforming data with JSONata": *"Arguments ... the input to
    # the task"*, ``$states.result`` is what it returned, and *"Output ... the state output"*;
    # there is no InputPath / ResultPath / OutputPath in JSONata states.
    JSONATA: (
        ("input", "State input", "As the state received it ($states.input)"),
        ("parameters", "Arguments", "The evaluated Arguments: what the last attempt sent"),
        ("result", "Result", "What the task / branches / iterations returned ($states.result)"),
        (
            "output",
            "Output",
            "The evaluated Output (the state input when there is none): the next state's input",
        ),
    ),
}


def pipeline_steps(query_language: str) -> list[dict]:
    """The labelled data-flow steps the console shows for a state of ``query_language``."""
    steps = _STEPS.get(query_language, _STEPS[JSONPATH])
    return [{"key": key, "label": label, "help": help_text} for key, label, help_text in steps]


def _assigned(details: dict) -> dict | None:
    """``assignedVariables`` of a ``*StateExited`` event: name -> JSON text (the API's
    shape; the corpus stores some values parsed) -> name -> JSON value."""
    assigned = details.get("assignedVariables")
    if not isinstance(assigned, dict):
        return None
    return {name: _data(value) for name, value in assigned.items()}


def state_status(visit_statuses: Iterable[str]) -> str:
    """The most telling status of a state's visits (``not_reached`` when there are none)."""
    return min(visit_statuses, key=_RANK.__getitem__, default="not_reached")


class _Visit:
    def __init__(
        self,
        vid: int | None,
        name: str,
        state_type: str,
        entered: float | None,
        input_value: Any,
        parent: _Visit | None,
        iteration: int | None,
        branch: int | None,
    ) -> None:
        self.id = vid
        self.name = name
        self.type = state_type
        self.entered = entered
        self.exited: float | None = None
        self.ended: float | None = None  # exit, failure or abort: the end of its bar
        self.input = input_value
        self.output: Any = None
        self.open = True
        self.parent = parent
        self.iteration = iteration
        self.branch = branch
        self.attempts: list[dict] = []
        self.error: str | None = None
        self.cause: Any = None
        self.failed = False  # a failure that no later attempt undid
        self.aborted = False
        self.culprit = False  # the first state aborted in its branch: the one that failed
        self.status = "running"
        self.events: list[int] = []
        self.iterations: list[dict] = []
        self.children_started: int | None = None  # event id starting a branch / iteration
        self.query_language = JSONPATH
        self.assigned: dict | None = None  # variables its exit assigned
        self.evaluation_failed: dict | None = None  # EvaluationFailed: error/cause/location

    def attempt(self) -> dict | None:
        return self.attempts[-1] if self.attempts else None

    def fail(self, error: Any, cause: Any, at: float | None) -> None:
        self.failed = True
        if error is not None or cause is not None:
            self.error, self.cause = error, cause
        self.ended = at

    def as_dict(self) -> dict:
        attempt = self.attempt()
        result = attempt.get("result") if attempt and attempt["status"] == "succeeded" else None
        parameters = attempt.get("parameters") if attempt else None
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "status": self.status,
            "enteredMs": self.entered,
            "exitedMs": self.exited,
            "endedMs": self.ended,
            "durationMs": _span(self.entered, self.ended),
            "input": self.input,
            "output": self.output,
            # A retried state that then succeeded keeps its errors in its attempts only.
            "error": self.error if self.failed else None,
            "cause": self.cause if self.failed else None,
            "attempts": self.attempts,
            "retries": max(0, len(self.attempts) - 1),
            "parentId": self.parent.id if self.parent else None,
            "iteration": self.iteration,
            "branch": self.branch,
            "iterations": self.iterations,
            "events": self.events,
            "queryLanguage": self.query_language,
            "assignedVariables": self.assigned,
            "evaluationFailed": self.evaluation_failed,
            # The values at each step of the data flow; ``pipelineSteps`` names them for
            # the state's query language.
            "pipeline": {
                "input": self.input,
                "parameters": parameters,
                "result": result,
                "output": self.output,
            },
            "pipelineSteps": pipeline_steps(self.query_language),
        }


def summarize(
    events: list[dict],
    definition_states: dict[str, str] | None = None,
    languages: dict[str, str] | None = None,
) -> dict:
    """Summary of an execution from its history ``events`` (ascending ``id``).

    ``definition_states`` maps every state name of the definition to its type, so that
    states the execution never reached are listed as ``not_reached``; ``languages`` maps
    state names to their query language (``query_languages(definition)``; JSONPath when
    missing), which names the steps of each visit's pipeline.

    Returns ``{"status", "startMs", "stopMs", "durationMs", "input", "output", "error",
    "cause", "states": {name: {...}}, "visits": [...], "visitCount", "lastEventId"}``; see
    the module docstring and :class:`Summarizer` (the same, fed a part at a time)."""
    summarizer = Summarizer(definition_states, languages)
    summarizer.feed(events)
    return summarizer.result()


class Summarizer:
    """:func:`summarize`, incremental: :meth:`feed` the history a part at a time (each event
    once, in id order) and read :meth:`result` whenever — the console's execution view
    keeps one per execution it shows, so each poll reads and folds in only the new events.
    :meth:`result` leaves the fed state as it was (a visit's status can still change: an
    open one ends, an aborted one's culprit depends on how the execution ended)."""

    def __init__(
        self,
        definition_states: dict[str, str] | None = None,
        languages: dict[str, str] | None = None,
    ) -> None:
        self.definition_states = definition_states or {}
        self.languages = languages or {}
        self.visits: list[_Visit] = []
        self._open: list[_Visit] = []  # visits entered and maybe not ended (pruned lazily)
        self._by_event: dict[int, _Visit] = {}
        self._branch_of: dict[int, int] = {}  # ParallelStateStarted id -> next branch number
        self._iteration_of: dict[int, int | None] = {}  # MapIterationStarted id -> index
        self._aborted_under: set = set()  # (parent visit id, attempt) with an abort seen
        self.status = "RUNNING"
        self.execution: dict = {
            "input": None,
            "output": None,
            "error": None,
            "cause": None,
            "startMs": None,
            "stopMs": None,
        }
        self.last_event_id = 0

    def _open_visits(self, match) -> list[_Visit]:
        self._open = [v for v in self._open if v.open]
        return [v for v in self._open if match(v)]

    def _resolve(self, event: dict, match) -> _Visit | None:
        """The visit an event belongs to: follow previousEventId up the parents, else the
        latest open visit that fits."""
        prev = event.get("previousEventId")
        visit = self._by_event.get(prev) if isinstance(prev, int) else None
        while visit is not None:
            if visit.open and match(visit):
                return visit
            visit = visit.parent
        candidates = self._open_visits(match)
        return candidates[-1] if candidates else None

    def feed(self, events: Iterable[dict]) -> None:
        for event in events:
            self._feed_one(event)
            if isinstance(event.get("id"), int):
                self.last_event_id = max(self.last_event_id, event["id"])

    def _feed_one(self, event: dict) -> None:
        etype = event.get("type", "")
        eid = event.get("id")
        at = timestamp_ms(event.get("timestamp"))
        details = _details(event)
        visit: _Visit | None = None

        if etype == "ExecutionStarted":
            self.execution["input"] = _data(details.get("input"))
            self.execution["startMs"] = at
        elif etype == "ExecutionRedriven":
            # RedriveExecution: running again; the end recorded before is history.
            self.status = "RUNNING"
            self.execution.update({"stopMs": None, "error": None, "cause": None})
        elif etype in _EXECUTION_END:
            self.status = _EXECUTION_END[etype]
            self.execution["stopMs"] = at
            if etype == "ExecutionSucceeded":
                self.execution["output"] = _data(details.get("output"))
            else:
                self.execution["error"] = details.get("error")
                self.execution["cause"] = details.get("cause")
                # A Fail state (or an uncaught error) ends the execution right after it.
                visit = self._resolve(event, lambda v: True)
                if visit is not None and visit.error is None and etype == "ExecutionFailed":
                    visit.error, visit.cause = details.get("error"), details.get("cause")
        elif etype.endswith("StateEntered"):
            prev = event.get("previousEventId")
            before = self._by_event.get(prev) if isinstance(prev, int) else None
            parent = iteration = branch = None
            if before is not None:
                if isinstance(prev, int) and prev in self._iteration_of:
                    parent, iteration = before, self._iteration_of[prev]
                elif isinstance(prev, int) and prev in self._branch_of:
                    parent = before
                    branch = self._branch_of[prev]
                    self._branch_of[prev] += 1
                elif before.open:
                    parent = before  # unusual: entered from an open visit
                else:
                    parent, iteration, branch = before.parent, before.iteration, before.branch
            visit = _Visit(
                eid,
                details.get("name", "?"),
                etype[: -len("StateEntered")],
                at,
                _data(details.get("input")),
                parent,
                iteration,
                branch,
            )
            visit.query_language = self.languages.get(visit.name, JSONPATH)
            self.visits.append(visit)
            self._open.append(visit)
        elif etype.endswith("StateExited"):
            name = details.get("name")
            visit = self._resolve(event, lambda v, name=name: v.name == name)
            if visit is not None:
                visit.open = False
                visit.exited = visit.ended = at
                visit.output = _data(details.get("output"))
                visit.assigned = _assigned(details)
                attempt = visit.attempt()
                if attempt is not None and attempt["status"] == "running":
                    # Every attempt that succeeds records its success first (TaskSucceeded,
                    # ParallelStateSucceeded, ...): exiting without one means it failed and
                    # a Catch took over (AWS records no ParallelStateFailed then).
                    _end_attempt(attempt, "failed", at)
                    visit.failed = True
        elif etype.endswith("StateAborted"):
            state_type = etype[: -len("StateAborted")]
            visit = self._resolve(event, lambda v, state_type=state_type: v.type == state_type)
            if visit is not None:
                # AWS records "<Type>StateAborted" for the state whose error ends a branch
                # or iteration first, then for the states it stops: the first one per
                # parent attempt is the culprit.
                parent_attempt = (
                    (visit.parent.id, len(visit.parent.attempts)) if visit.parent else None
                )
                if parent_attempt not in self._aborted_under:
                    self._aborted_under.add(parent_attempt)
                    visit.culprit = True
                visit.aborted = True
                visit.open = False
                visit.ended = at
                attempt = visit.attempt()
                if attempt and attempt["status"] == "running":
                    attempt["status"], attempt["endedMs"] = "aborted", at
                    attempt["durationMs"] = _span(attempt["scheduledMs"], at)
        elif etype.startswith("MapIteration"):
            name = details.get("name")
            visit = self._resolve(
                event, lambda v, name=name: v.type == "Map" and (name is None or v.name == name)
            )
            if visit is not None:
                index = details.get("index")
                if etype == "MapIterationStarted":
                    visit.iterations.append(
                        {"index": index, "status": "running", "startedMs": at, "endedMs": None}
                    )
                    if isinstance(eid, int):
                        self._iteration_of[eid] = index
                else:
                    outcome = etype[len("MapIteration") :].lower()
                    for item in reversed(visit.iterations):
                        if item["index"] == index:
                            item["status"], item["endedMs"] = outcome, at
                            break
        elif etype == "EvaluationFailed":
            name = details.get("state")
            visit = self._resolve(event, lambda v, name=name: name is None or v.name == name)
            if visit is not None:
                # AWS records it when a JSONata state cannot evaluate a field: ``location``
                # names the field (Arguments, Output, Assign, Items, ...).
                visit.evaluation_failed = {
                    "error": details.get("error"),
                    "cause": details.get("cause"),
                    "location": details.get("location"),
                }
                visit.fail(details.get("error"), details.get("cause"), at)
        else:
            owner_type = _owner_type(etype)
            if owner_type is None:
                return  # an event the console has nothing to say about
            visit = self._resolve(event, lambda v, owner_type=owner_type: v.type == owner_type)
            if visit is None:
                return
            attempt = visit.attempt()
            if etype.endswith("Scheduled") or etype in _ATTEMPT_STARTS:
                gap = None
                if attempt is not None and attempt["status"] == "running":
                    # A new try while the last one never reported: it failed (AWS records
                    # no ParallelStateFailed before a Parallel's retry).
                    _end_attempt(attempt, "failed", at)
                if attempt is not None and attempt["endedMs"] is not None:
                    gap = _span(attempt["endedMs"], at)
                attempt = {
                    "number": len(visit.attempts) + 1,
                    "status": "running",
                    "scheduledMs": at,
                    "startedMs": at if etype in _ATTEMPT_STARTS else None,
                    "endedMs": None,
                    "durationMs": None,
                    "backoffMs": gap,
                    "error": None,
                    "cause": None,
                    "result": None,
                    "parameters": _data(details["parameters"]) if "parameters" in details else None,
                    "resource": details.get("resource"),
                    "resourceType": details.get("resourceType"),
                }
                visit.attempts.append(attempt)
                visit.failed = False
                if etype == "ParallelStateStarted" and isinstance(eid, int):
                    self._branch_of[eid] = 0
            elif etype in _RUNNING_STARTS:
                if attempt is not None:
                    attempt["startedMs"] = at
            elif etype in _ATTEMPT_SUCCESSES:
                if attempt is not None:
                    attempt["status"], attempt["endedMs"] = "succeeded", at
                    attempt["durationMs"] = _span(attempt["scheduledMs"], at)
                    if "output" in details:
                        attempt["result"] = _data(details["output"])
            elif etype.endswith(("Failed", "TimedOut")):
                if attempt is None or attempt["status"] != "running":
                    # e.g. LambdaFunctionScheduleFailed: a failed try without a start.
                    attempt = {
                        "number": len(visit.attempts) + 1,
                        "scheduledMs": at,
                        "startedMs": None,
                        "backoffMs": None,
                        "parameters": None,
                        "result": None,
                        "resource": details.get("resource"),
                        "resourceType": details.get("resourceType"),
                    }
                    visit.attempts.append(attempt)
                attempt.update(
                    status="timed_out" if etype.endswith("TimedOut") else "failed",
                    endedMs=at,
                    durationMs=_span(attempt["scheduledMs"], at),
                    error=details.get("error"),
                    cause=details.get("cause"),
                )
                visit.fail(details.get("error"), details.get("cause"), at)
        if visit is not None and isinstance(eid, int):
            self._by_event[eid] = visit
            visit.events.append(eid)

    def result(self, max_visits: int | None = None) -> dict:
        """The summary as of the events fed so far; ``max_visits``: only the newest that
        many visits in ``visits`` (``visitCount`` counts them all, and each state's
        figures cover all of its visits)."""
        status, stop = self.status, self.execution["stopMs"]
        shown_from = 0 if max_visits is None else max(0, len(self.visits) - max_visits)
        states: dict[str, dict] = {}
        for name, state_type in self.definition_states.items():
            states[name] = {"name": name, "type": state_type}
        figures: dict[str, dict] = {}
        dumped = []
        for position, fed in enumerate(self.visits):
            visit = _final(fed, status, stop)
            states.setdefault(visit.name, {"name": visit.name, "type": visit.type})
            mine = figures.setdefault(
                visit.name,
                {
                    "statuses": [],
                    "visits": [],
                    "attempts": 0,
                    "retries": 0,
                    "durationMs": 0.0,
                    "queryLanguage": None,
                    "assigned": [],
                    "evaluationFailed": None,
                },
            )
            mine["statuses"].append(visit.status)
            mine["visits"].append(visit.id)
            mine["attempts"] += len(visit.attempts)
            mine["retries"] += max(0, len(visit.attempts) - 1)
            mine["durationMs"] += _span(visit.entered, visit.ended) or 0.0
            mine["queryLanguage"] = visit.query_language
            mine["assigned"].append(visit.assigned)
            if visit.evaluation_failed:
                mine["evaluationFailed"] = visit.evaluation_failed
            if position >= shown_from:
                dumped.append(visit.as_dict())
        for name, entry in states.items():
            got = figures.get(name)
            entry.update(
                status=state_status(got["statuses"] if got else ()),
                visits=got["visits"] if got else [],
                attempts=got["attempts"] if got else 0,
                retries=got["retries"] if got else 0,
                durationMs=got["durationMs"] if got else None,
                queryLanguage=self.languages.get(name, got["queryLanguage"] if got else JSONPATH),
                # The latest values each variable got from this state, over its visits.
                assignedVariables=_merged(got["assigned"]) if got else None,
                evaluationFailed=got["evaluationFailed"] if got else None,
            )
        execution = self.execution
        return {
            "status": status,
            "startMs": execution["startMs"],
            "stopMs": stop,
            "durationMs": _span(execution["startMs"], stop),
            "input": execution["input"],
            "output": execution["output"],
            "error": execution["error"],
            "cause": execution["cause"],
            "states": states,
            "visits": dumped,
            "visitCount": len(self.visits),
            "lastEventId": self.last_event_id,
        }


def _final(visit: _Visit, execution_status: str, stop: float | None) -> _Visit:
    """``visit`` with its status as of the execution's ``execution_status``: the visit itself
    when that status is final (a closed visit that was not aborted), else a copy, so that
    the fed state stays as it was (:func:`_visit_status` fills in ends and errors)."""
    if not visit.open and not visit.aborted:
        visit.status = _visit_status(visit, execution_status, stop)  # changes nothing else
        return visit
    view = copy.copy(visit)
    view.status = _visit_status(view, execution_status, stop)
    return view


def _merged(assignments: Iterable[dict | None]) -> dict | None:
    merged: dict = {}
    for assigned in assignments:
        merged.update(assigned or {})
    return merged or None


def _end_attempt(attempt: dict, status: str, at: float | None) -> None:
    attempt.update(status=status, endedMs=at, durationMs=_span(attempt["scheduledMs"], at))


def _visit_status(visit: _Visit, execution_status: str, stop: float | None) -> str:
    if visit.aborted:
        # AWS also aborts the state whose error ended its branch: that one failed.
        if visit.failed or (visit.culprit and execution_status != "ABORTED"):
            visit.failed = True
            ancestor = visit.parent
            while visit.error is None and ancestor is not None:
                visit.error, visit.cause = ancestor.error, ancestor.cause
                ancestor = ancestor.parent
            return "failed"
        return "aborted"
    if not visit.open:
        if visit.failed:
            return "caught"
        return "retried" if len(visit.attempts) > 1 else "succeeded"
    if visit.type == "Fail":
        # "Fail: stops the execution of the state machine and marks it as a failure"
        visit.failed = True
        if visit.ended is None:
            visit.ended = visit.entered
        return "failed"
    closed = visit.parent
    while closed is not None and closed.open:
        closed = closed.parent
    if execution_status == "RUNNING" and closed is None:
        return "running"  # also between a failed attempt and its retry
    if visit.ended is None:
        visit.ended = closed.ended if closed is not None else stop
    if visit.failed:
        return "failed"
    if closed is not None or visit.parent is not None:
        return "aborted"  # its branch or iteration was stopped
    return "failed" if execution_status == "FAILED" else "aborted"
