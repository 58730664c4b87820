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

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..asl.jsontext import is_number
from ..asl.model import JSONATA, JSONPATH, children
from .statuses import STATUSES

__all__ = [
    "summarize",
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
    "cause", "states": {name: {...}}, "visits": [...]}``; see the module docstring."""
    by_event: dict[int, _Visit] = {}
    visits: list[_Visit] = []
    branch_of: dict[int, int] = {}  # ParallelStateStarted id -> next branch number
    iteration_of: dict[int, int | None] = {}  # MapIterationStarted id -> iteration index
    aborted_under: set = set()  # (parent visit id, attempt) with an abort seen
    status = "RUNNING"
    execution: dict = {
        "input": None,
        "output": None,
        "error": None,
        "cause": None,
        "startMs": None,
        "stopMs": None,
    }

    def open_visits(match) -> list[_Visit]:
        return [v for v in visits if v.open and match(v)]

    def resolve(event: dict, match) -> _Visit | None:
        """The visit an event belongs to: follow previousEventId up the parents, else the
        latest open visit that fits."""
        prev = event.get("previousEventId")
        visit = by_event.get(prev) if isinstance(prev, int) else None
        while visit is not None:
            if visit.open and match(visit):
                return visit
            visit = visit.parent
        candidates = open_visits(match)
        return candidates[-1] if candidates else None

    for event in events:
        etype = event.get("type", "")
        eid = event.get("id")
        at = timestamp_ms(event.get("timestamp"))
        details = _details(event)
        visit: _Visit | None = None

        if etype == "ExecutionStarted":
            execution["input"] = _data(details.get("input"))
            execution["startMs"] = at
        elif etype == "ExecutionRedriven":
            # RedriveExecution: running again; the end recorded before is history.
            status = "RUNNING"
            execution.update({"stopMs": None, "error": None, "cause": None})
        elif etype in _EXECUTION_END:
            status = _EXECUTION_END[etype]
            execution["stopMs"] = at
            if etype == "ExecutionSucceeded":
                execution["output"] = _data(details.get("output"))
            else:
                execution["error"] = details.get("error")
                execution["cause"] = details.get("cause")
                # A Fail state (or an uncaught error) ends the execution right after it.
                visit = resolve(event, lambda v: True)
                if visit is not None and visit.error is None and etype == "ExecutionFailed":
                    visit.error, visit.cause = details.get("error"), details.get("cause")
        elif etype.endswith("StateEntered"):
            prev = event.get("previousEventId")
            before = by_event.get(prev) if isinstance(prev, int) else None
            parent = iteration = branch = None
            if before is not None:
                if isinstance(prev, int) and prev in iteration_of:
                    parent, iteration = before, iteration_of[prev]
                elif isinstance(prev, int) and prev in branch_of:
                    parent = before
                    branch = branch_of[prev]
                    branch_of[prev] += 1
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
            visit.query_language = (languages or {}).get(visit.name, JSONPATH)
            visits.append(visit)
        elif etype.endswith("StateExited"):
            name = details.get("name")
            visit = resolve(event, lambda v, name=name: v.name == name)
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
            visit = resolve(event, lambda v, state_type=state_type: v.type == state_type)
            if visit is not None:
                # AWS records "<Type>StateAborted" for the state whose error ends a branch
                # or iteration first, then for the states it stops: the first one per
                # parent attempt is the culprit.
                parent_attempt = (
                    (visit.parent.id, len(visit.parent.attempts)) if visit.parent else None
                )
                if parent_attempt not in aborted_under:
                    aborted_under.add(parent_attempt)
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
            visit = resolve(
                event, lambda v, name=name: v.type == "Map" and (name is None or v.name == name)
            )
            if visit is not None:
                index = details.get("index")
                if etype == "MapIterationStarted":
                    visit.iterations.append(
                        {"index": index, "status": "running", "startedMs": at, "endedMs": None}
                    )
                    if isinstance(eid, int):
                        iteration_of[eid] = index
                else:
                    outcome = etype[len("MapIteration") :].lower()
                    for item in reversed(visit.iterations):
                        if item["index"] == index:
                            item["status"], item["endedMs"] = outcome, at
                            break
        elif etype == "EvaluationFailed":
            name = details.get("state")
            visit = resolve(event, lambda v, name=name: name is None or v.name == name)
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
                continue  # an event the console has nothing to say about
            visit = resolve(event, lambda v, owner_type=owner_type: v.type == owner_type)
            if visit is None:
                continue
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
                    branch_of[eid] = 0
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
            by_event[eid] = visit
            visit.events.append(eid)

    for visit in visits:
        visit.status = _visit_status(visit, status, execution["stopMs"])

    states: dict[str, dict] = {}
    for name, state_type in (definition_states or {}).items():
        states[name] = {"name": name, "type": state_type}
    for visit in visits:
        states.setdefault(visit.name, {"name": visit.name, "type": visit.type})
    dumped = [v.as_dict() for v in visits]
    for name, entry in states.items():
        mine = [d for d in dumped if d["name"] == name]
        entry.update(
            status=state_status(d["status"] for d in mine),
            visits=[d["id"] for d in mine],
            attempts=sum(len(d["attempts"]) for d in mine),
            retries=sum(d["retries"] for d in mine),
            durationMs=sum(d["durationMs"] or 0.0 for d in mine) if mine else None,
            queryLanguage=(languages or {}).get(
                name, mine[-1]["queryLanguage"] if mine else JSONPATH
            ),
            # The latest values each variable got from this state, over its visits.
            assignedVariables=_merged(d["assignedVariables"] for d in mine),
            evaluationFailed=next(
                (d["evaluationFailed"] for d in reversed(mine) if d["evaluationFailed"]), None
            ),
        )
    return {
        "status": status,
        "startMs": execution["startMs"],
        "stopMs": execution["stopMs"],
        "durationMs": _span(execution["startMs"], execution["stopMs"]),
        "input": execution["input"],
        "output": execution["output"],
        "error": execution["error"],
        "cause": execution["cause"],
        "states": states,
        "visits": dumped,
    }


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
