"""Execution history events, shaped exactly as GetExecutionHistory returns them.

AWS API reference, HistoryEvent: "timestamp", "type", "id", "previousEventId" and one
``<type>EventDetails`` member (e.g. ``stateEnteredEventDetails`` for every
``<Type>StateEntered``). Payloads (``input``, ``output``) are JSON *strings* with an
``inputDetails``/``outputDetails`` ``{"truncated": false}`` beside them; ``cause`` is a string.

:class:`History` is append-only; events are plain dicts so the API can return
them as they are. ``timestamp`` is the driver's clock reading (a ``datetime``); the API layer
formats it. ``previousEventId`` is supplied by the caller: the interpreter keeps one
"last event" pointer per thread of execution (main flow, each Parallel branch, each Map
iteration), see :class:`orchestrator.asl.states.base.Frame`.

The history limit (developer guide, "Avoid reaching the history quota"): "AWS Step
Functions has a hard quota of 25,000 entries in the execution event history. When an
execution reaches 24,999 events, it waits for the next event to happen. If the event
number 25,000 is ExecutionSucceeded, the execution finishes successfully. If the event
number 25,000 isn't ExecutionSucceeded, the ExecutionFailed event is logged and the state
machine execution fails because of reaching the history limit" (AWS's error is
``States.Runtime`` with the cause "The execution reached the maximum number of history
events (25000)."). :class:`History` records that event itself and raises
:class:`HistoryLimitReached`; the driver then ends the execution (see
:meth:`History.limit_result`). An ``ExecutionAborted`` (StopExecution, from outside the
interpreter) is let through as the last event too.

Memory: a durable engine keeps the events in its journal, so its histories are built with
``keep=False`` and hold only the count and the last event; ``events`` is then empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["History", "HistoryLimitReached", "DETAILS_KEY", "HISTORY_LIMIT"]

HISTORY_LIMIT = 25_000
# Terminal events that may be the last one the limit admits.
_ADMITTED_AT_LIMIT = frozenset({"ExecutionSucceeded", "ExecutionAborted"})

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


class HistoryLimitReached(BaseException):
    """The history is full (see the module docstring). A BaseException, like
    ``Cancelled``: no Retry or Catch may handle it; the driver ends the execution."""


class History:
    """The append-only event list of one execution."""

    __slots__ = ("events", "count", "last", "now", "listener", "limit", "keep", "full")

    def __init__(
        self,
        now: Callable[[], Any],
        listener: Callable[[dict], None] | None = None,
        *,
        limit: int | None = None,
        keep: bool = True,
    ) -> None:
        self.events: list[dict] = []
        self.count = 0
        self.last: dict | None = None
        self.now = now
        # Optional hook (the engine journals/logs each event as it is appended).
        self.listener = listener
        self.limit = limit
        self.keep = keep
        self.full = False  # the limit's ExecutionFailed was recorded

    def resume_after(self, event: dict) -> None:
        """Continue after the stored ``event`` (a redriven execution: the events of the
        activation that ended it are not regenerated)."""
        self.count = event["id"]
        self.last = event

    def add_at(self, timestamp: Any, event_type: str, previous: int, details: dict) -> int:
        """Append an event at ``timestamp`` (not a clock reading): the ``ExecutionRedriven``
        of a Map Run's child, at its parent's redrive."""
        event_id = self.count + 1
        key = DETAILS_KEY[event_type]
        event = {"timestamp": timestamp, "type": event_type, "id": event_id}
        event["previousEventId"] = previous
        if key is not None:
            event[key] = details
        self._append(event)
        return event_id

    def add(self, event_type: str, previous: int, details: dict | None = None) -> int:
        """Append one event and return its id (ids start at 1)."""
        if self.full:
            raise HistoryLimitReached()
        event_id = self.count + 1
        limit = self.limit
        if limit is not None and event_id >= limit and event_type not in _ADMITTED_AT_LIMIT:
            self._limit_reached(previous)
        event = {
            "timestamp": self.now(),
            "type": event_type,
            "id": event_id,
            "previousEventId": previous,
        }
        if details is not None:
            event[DETAILS_KEY[event_type]] = details
        self._append(event)
        return event_id

    def _append(self, event: dict) -> None:
        self.count = event["id"]
        self.last = event
        if self.keep:
            self.events.append(event)
        if self.listener is not None:
            self.listener(event)

    def _limit_reached(self, previous: int) -> None:
        self.full = True
        self._append(
            {
                "timestamp": self.now(),
                "type": "ExecutionFailed",
                "id": self.count + 1,
                "previousEventId": previous,
                "executionFailedEventDetails": self.limit_result(),
            }
        )
        raise HistoryLimitReached()

    def limit_result(self) -> dict:
        """The error and cause an execution fails with when its history is full."""
        return {
            "cause": f"The execution reached the maximum number of history events ({self.limit}).",
            "error": "States.Runtime",
        }

    def last_timestamp(self) -> Any:
        return None if self.last is None else self.last["timestamp"]

    # Shorthands for the common shapes --------------------------------------------------
    def state_entered(self, state_type: str, name: str, input_text: str, previous: int) -> int:
        return self.add(
            state_type + "StateEntered",
            previous,
            {"input": input_text, "inputDetails": _NOT_TRUNCATED, "name": name},
        )

    def state_exited(
        self,
        state_type: str,
        name: str,
        output_text: str,
        previous: int,
        assigned: dict | None = None,
    ) -> int:
        """``assigned``: the variables the state assigned (Assign) as JSON texts; AWS records
        them as ``assignedVariables`` (name -> JSON text) with ``assignedVariablesDetails``."""
        details = {"name": name, "output": output_text, "outputDetails": _NOT_TRUNCATED}
        if assigned:  # AWS records nothing for an empty Assign
            details["assignedVariables"] = dict(assigned)
            details["assignedVariablesDetails"] = _NOT_TRUNCATED
        return self.add(state_type + "StateExited", previous, details)

    def execution_started(
        self, input_text: str, role_arn: str, qualifiers: dict | None = None
    ) -> int:
        """``qualifiers``: ``stateMachineVersionArn`` / ``stateMachineAliasArn`` of an
        execution started through a version or an alias (ExecutionStartedEventDetails)."""
        details = {"input": input_text, "inputDetails": _NOT_TRUNCATED, "roleArn": role_arn}
        details.update(qualifiers or {})
        return self.add("ExecutionStarted", 0, details)

    def execution_succeeded(self, output_text: str, previous: int) -> int:
        return self.add(
            "ExecutionSucceeded", previous, {"output": output_text, "outputDetails": _NOT_TRUNCATED}
        )

    def failure(
        self, event_type: str, error: str | None, cause: str | None, previous: int, **extra: Any
    ) -> int:
        """``ExecutionFailed``/``TaskFailed``/...: ``error`` and ``cause`` only when set
        (AWS records ``executionFailedEventDetails: {}`` for a bare Fail state)."""
        details: dict = dict(extra)
        if cause is not None:
            details["cause"] = cause
        if error is not None:
            details["error"] = error
        return self.add(event_type, previous, details)
