"""Execution history events, shaped exactly as GetExecutionHistory returns them.

AWS API reference, HistoryEvent: "timestamp", "type", "id", "previousEventId" and one
``<type>EventDetails`` member (e.g. ``stateEnteredEventDetails`` for every
``<Type>StateEntered``). Payloads (``input``, ``output``) are JSON *strings* with an
``inputDetails``/``outputDetails`` ``{"truncated": false}`` beside them; ``cause`` is a string.

:class:`History` is append-only (STYLE.md 7); events are plain dicts so the API can return
them as they are. ``timestamp`` is the driver's clock reading (a ``datetime``); the API layer
formats it. ``previousEventId`` is supplied by the caller: the interpreter keeps one
"last event" pointer per thread of execution (main flow, each Parallel branch, each Map
iteration), see :class:`orchestrator.asl.states.base.Frame`.
"""
from __future__ import annotations

from typing import Any, Callable

__all__ = ["History", "DETAILS_KEY"]

_NOT_TRUNCATED = {"truncated": False}


def _details_key(event_type: str) -> str | None:
    """``TaskScheduled`` -> ``taskScheduledEventDetails``; state events share two keys."""
    if event_type.endswith("StateEntered"):
        return "stateEnteredEventDetails"
    if event_type.endswith("StateExited"):
        return "stateExitedEventDetails"
    return event_type[0].lower() + event_type[1:] + "EventDetails"


class _Keys(dict):
    def __missing__(self, event_type: str) -> str | None:
        key = self[event_type] = _details_key(event_type)
        return key


DETAILS_KEY: dict[str, str] = _Keys()


class History:
    """The append-only event list of one execution."""

    __slots__ = ("events", "now", "listener")

    def __init__(self, now: Callable[[], Any], listener: Callable[[dict], None] | None = None
                 ) -> None:
        self.events: list[dict] = []
        self.now = now
        # Optional hook (the engine journals/logs each event as it is appended).
        self.listener = listener

    def add(self, event_type: str, previous: int, details: dict | None = None) -> int:
        """Append one event and return its id (ids start at 1)."""
        events = self.events
        event_id = len(events) + 1
        event = {"timestamp": self.now(), "type": event_type, "id": event_id,
                 "previousEventId": previous}
        if details is not None:
            event[DETAILS_KEY[event_type]] = details
        events.append(event)
        if self.listener is not None:
            self.listener(event)
        return event_id

    # Shorthands for the common shapes --------------------------------------------------
    def state_entered(self, state_type: str, name: str, input_text: str, previous: int) -> int:
        return self.add(state_type + "StateEntered", previous,
                        {"input": input_text, "inputDetails": _NOT_TRUNCATED, "name": name})

    def state_exited(self, state_type: str, name: str, output_text: str, previous: int,
                     assigned: dict | None = None) -> int:
        """``assigned``: the variables the state assigned (Assign) as JSON texts; AWS records
        them as ``assignedVariables`` (name -> JSON text) with ``assignedVariablesDetails``."""
        details = {"name": name, "output": output_text, "outputDetails": _NOT_TRUNCATED}
        if assigned:  # AWS records nothing for an empty Assign
            details["assignedVariables"] = dict(assigned)
            details["assignedVariablesDetails"] = _NOT_TRUNCATED
        return self.add(state_type + "StateExited", previous, details)

    def execution_started(self, input_text: str, role_arn: str) -> int:
        return self.add("ExecutionStarted", 0, {"input": input_text,
                                                 "inputDetails": _NOT_TRUNCATED,
                                                 "roleArn": role_arn})

    def execution_succeeded(self, output_text: str, previous: int) -> int:
        return self.add("ExecutionSucceeded", previous,
                        {"output": output_text, "outputDetails": _NOT_TRUNCATED})

    def failure(self, event_type: str, error: str | None, cause: str | None, previous: int,
                **extra: Any) -> int:
        """``ExecutionFailed``/``TaskFailed``/...: ``error`` and ``cause`` only when set
        (AWS records ``executionFailedEventDetails: {}`` for a bare Fail state)."""
        details: dict = dict(extra)
        if cause is not None:
            details["cause"] = cause
        if error is not None:
            details["error"] = error
        return self.add(event_type, previous, details)
