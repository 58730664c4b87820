"""What every state shares: the execution ``Env``, the per-thread ``Frame``, the
per-entry ``StateRun`` and the state loop (:func:`run_program`).

STYLE.md 1: "One module per state type, and a base class that owns the common pipeline."
The data-flow pipeline is in :mod:`.pipeline` (one strategy per query language) and the one
Retry -> Catch -> fail loop shared by Task, Parallel and Map in :mod:`.retry_catch`.
"""
from __future__ import annotations

from typing import Any, Callable

from ..context import ExecutionInfo, state_context
from ..document import Doc
from ..errors import DATA_LIMIT_EXCEEDED, RUNTIME, StatesError
from ..history import History
from ..runtime import Cancelled

__all__ = ["Env", "Frame", "StateRun", "run_program", "runtime_error", "RUNTIME_PREFIX"]

RUNTIME_PREFIX = "An error occurred while executing the state "


class Env:
    """Everything one execution shares: history, clock, effects, identifiers, limits."""

    __slots__ = ("history", "now", "effects", "info", "payload_limit", "handlers")

    def __init__(self, *, history: History, now: Callable, effects: Any, info: ExecutionInfo,
                 payload_limit: int = 262144) -> None:
        self.history = history
        self.now = now
        self.effects = effects
        self.info = info
        self.payload_limit = payload_limit
        from . import HANDLERS  # the state-type dispatch table (import cycle: lazy)
        self.handlers = HANDLERS


class Frame:
    """One thread of execution (the main flow, a Parallel branch, a Map iteration).

    ``prev`` is the id of the last event this thread recorded: AWS links each event to
    the previous one of the same thread (``previousEventId``). ``depth`` is the nesting
    level (0 for the main flow)."""

    __slots__ = ("env", "prev", "depth")

    def __init__(self, env: Env, prev: int, depth: int = 0) -> None:
        self.env = env
        self.prev = prev
        self.depth = depth

    def event(self, event_type: str, details: dict | None = None) -> int:
        """Record an event after this thread's last one, and make it the last one."""
        self.prev = self.env.history.add(event_type, self.prev, details)
        return self.prev


class StateRun:
    """One entry into a state: its entered event id/time and a lazily built ``$$``."""

    __slots__ = ("state", "frame", "entered_id", "entered_time", "retry_count", "task_token",
                 "_ctx")

    def __init__(self, state, frame: Frame, entered_id: int, entered_time) -> None:
        self.state = state
        self.frame = frame
        self.entered_id = entered_id
        self.entered_time = entered_time
        self.retry_count = 0 if state.type in ("Task", "Parallel", "Map") else None
        self.task_token = None
        self._ctx = None

    def context(self) -> dict:
        ctx = self._ctx
        if ctx is None:
            ctx = self._ctx = self.frame.env.info.context(
                state_context(self.state.name, self.entered_time, self.retry_count),
                self.task_token)
        return ctx

    def retried(self) -> None:
        self.retry_count += 1
        self._ctx = None

    def runtime_error(self, cause: str) -> StatesError:
        return StatesError(RUNTIME, self.prefix(cause))

    def prefix(self, cause: str) -> str:
        return (f"{RUNTIME_PREFIX}'{self.state.name}' (entered at the event id "
                f"#{self.entered_id}). {cause}")


def runtime_error(run: StateRun, cause: str) -> StatesError:
    return run.runtime_error(cause)


# --- the state loop ------------------------------------------------------------------

async def run_program(program, doc: Doc, frame: Frame) -> Doc:
    """Run states from ``StartAt`` until one ends the program; return its output.

    Raises :class:`StatesError` when a state fails and nothing catches it."""
    env = frame.env
    history = env.history
    handlers = env.handlers
    states = program.states
    name = program.start_at
    limit = env.payload_limit
    while True:
        state = states[name]
        entered = history.state_entered(state.type, name, doc.text, frame.prev)
        frame.prev = entered
        run = StateRun(state, frame, entered, history.events[-1]["timestamp"])
        handler, is_async = handlers[state.type]
        try:
            if is_async:
                next_name, out = await handler(state, doc, run)
            else:
                next_name, out = handler(state, doc, run)
            text = out.text
            # Cheap first test: a UTF-8 character is at most 4 bytes.
            if len(text) * 4 > limit and len(text.encode("utf-8")) > limit:
                raise StatesError(DATA_LIMIT_EXCEEDED,
                                  f"The state/task '{name}' returned a result with a size "
                                  "exceeding the maximum number of bytes service limit.")
        except StatesError as err:
            # Which state type failed: a Map/Parallel records "<Type>StateAborted" for it.
            err.failed_state_type = state.type
            if err.error == RUNTIME and err.cause is not None and not err.cause.startswith(
                    RUNTIME_PREFIX):
                err = StatesError(RUNTIME, run.prefix(err.cause))
                err.failed_state_type = state.type
            raise err
        except Cancelled as stop:
            stop.failed_state_type = state.type  # the state in progress is aborted
            raise
        frame.prev = history.state_exited(state.type, name, text, frame.prev)
        if next_name is None:
            return out
        name = next_name
        doc = out

