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
from ..errors import DATA_LIMIT_EXCEEDED, QUERY_EVALUATION_ERROR, RUNTIME, StatesError
from ..history import History
from ..runtime import TRANSITIONS_PER_STEP, Cancelled, yield_now
from ..variables import check_assignment

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
    level (0 for the main flow). ``variables`` are the workflow variables this thread sees
    (Assign): a Parallel branch or Map iteration starts with a copy of the outer ones, so it
    reads them but its own assignments stay inside it (developer guide, "Passing data
    between states with variables", variable scope)."""

    __slots__ = ("env", "prev", "depth", "variables")

    def __init__(self, env: Env, prev: int, depth: int = 0, variables: dict | None = None
                 ) -> None:
        self.env = env
        self.prev = prev
        self.depth = depth
        self.variables = {} if variables is None else variables

    def child(self, prev: int, inherit: bool = True) -> "Frame":
        """A branch/iteration thread; ``inherit=False`` for a Distributed Map iteration (a
        child execution, which cannot read the parent's variables)."""
        return Frame(self.env, prev, self.depth + 1, dict(self.variables) if inherit else {})

    def event(self, event_type: str, details: dict | None = None) -> int:
        """Record an event after this thread's last one, and make it the last one."""
        self.prev = self.env.history.add(event_type, self.prev, details)
        return self.prev


class StateRun:
    """One entry into a state: its entered event id/time and a lazily built ``$$``."""

    __slots__ = ("state", "frame", "entered_id", "entered_prev", "entered_time", "retry_count",
                 "task_token", "assigned", "assigned_texts", "_ctx")

    def __init__(self, state, frame: Frame, entered_id: int, entered_time,
                 entered_prev: int = 0) -> None:
        self.state = state
        self.frame = frame
        self.entered_id = entered_id
        self.entered_prev = entered_prev  # the entered event's previousEventId
        self.entered_time = entered_time
        self.retry_count = 0 if state.type in ("Task", "Parallel", "Map") else None
        self.task_token = None
        self.assigned = None  # the variables this entry assigns (applied when it exits)
        self.assigned_texts = None
        self._ctx = None

    def context(self) -> dict:
        ctx = self._ctx
        if ctx is None:
            ctx = self._ctx = self.frame.env.info.context(
                state_context(self.state.name, self.entered_time, self.retry_count),
                self.task_token)
        return ctx

    @property
    def variables(self) -> dict:
        return self.frame.variables

    def find(self, path, value: Any) -> Any:
        """Evaluate a JSONPath against its root: ``$$`` the Context object, ``$name`` the
        workflow variable, else ``value``. Raises PathNotFound."""
        if path.is_context:
            return path.find(self.context())
        if path.variable is not None:
            return path.resolve(value, None, self.frame.variables)
        return path.find(value)

    def assign(self, values: dict | None) -> None:
        """Record this entry's Assign result. AWS: "all right-hand sides see the values from
        before the state", so the values take effect only when the state exits."""
        self.assigned_texts = None if values is None else check_assignment(
            values, self.frame.variables)
        self.assigned = values

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


_PREFIXED = frozenset({RUNTIME, QUERY_EVALUATION_ERROR})


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
    transitions = 0
    while True:
        transitions += 1
        if transitions >= TRANSITIONS_PER_STEP:
            # Let the driver (and every other coroutine) in: see runtime, "Slices".
            transitions = 0
            await yield_now()
        state = states[name]
        entered_prev = frame.prev
        entered = history.state_entered(state.type, name, doc.text, entered_prev)
        frame.prev = entered
        run = StateRun(state, frame, entered, history.last["timestamp"], entered_prev)
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
            if err.error in _PREFIXED and err.cause is not None and not err.cause.startswith(
                    RUNTIME_PREFIX):
                err = StatesError(err.error, run.prefix(err.cause))
                err.failed_state_type = state.type
            raise err
        except Cancelled as stop:
            stop.failed_state_type = state.type  # the state in progress is aborted
            raise
        assigned = run.assigned
        if assigned is not None:
            frame.variables.update(assigned)
        frame.prev = history.state_exited(state.type, name, text, frame.prev,
                                          run.assigned_texts)
        if next_name is None:
            return out
        name = next_name
        doc = out

