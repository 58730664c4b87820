"""What every state shares: the execution ``Env``, the per-thread ``Frame``, the
per-entry ``StateRun`` and the state loop (:func:`run_program`).

One module per state type (:data:`orchestrator.asl.states.HANDLERS`); the data-flow
fields of each query language are the state's ``io`` (:mod:`.pipeline`, :mod:`.jsonata_io`)
and the one Retry -> Catch -> fail loop shared by Task, Parallel and Map is
:mod:`.retry_catch`. A state's failure is handled in one place, :meth:`StateRun.failure`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..context import ExecutionInfo, state_context
from ..document import Doc
from ..errors import (
    DATA_LIMIT_EXCEEDED,
    QUERY_EVALUATION_ERROR,
    RETRY_CATCH_STATE_TYPES,
    RUNTIME,
    StatesError,
)
from ..history import History
from ..paths import PathNotFound
from ..runtime import TRANSITIONS_PER_STEP, Cancelled, yield_now
from ..variables import check_assignment

__all__ = ["Env", "Frame", "StateRun", "run_program", "RUNTIME_PREFIX"]

RUNTIME_PREFIX = "An error occurred while executing the state "

# Errors whose cause AWS prefixes with the failing state's name and entered event id.
_PREFIXED = frozenset({RUNTIME, QUERY_EVALUATION_ERROR})


class Env:
    """Everything one execution shares: history, clock, effects, identifiers, limits."""

    __slots__ = (
        "history",
        "now",
        "effects",
        "info",
        "payload_limit",
        "map_runs",
        "inspector",
        "handlers",
    )

    def __init__(
        self,
        *,
        history: History,
        now: Callable,
        effects: Any,
        info: ExecutionInfo,
        payload_limit: int = 262144,
        map_runs: Any = None,
        inspector: Any = None,
    ) -> None:
        self.history = history
        self.now = now
        self.effects = effects
        self.info = info
        self.payload_limit = payload_limit
        if map_runs is None:
            from .map_run import MapRuns  # import cycle: lazy

            map_runs = MapRuns()
        # Where a Distributed Map records its Map Runs and child executions (the durable
        # engine stores them; by default they are kept only while they run).
        self.map_runs = map_runs
        # TestState's :class:`~orchestrator.asl.inspection.Inspector` (None in executions):
        # the data after each step of the state's pipeline, and how its attempt ended.
        self.inspector = inspector
        self.handlers = _handlers()


def _handlers() -> dict:
    """The state-type dispatch table (imported on first use: an import cycle)."""
    global _HANDLERS
    if _HANDLERS is None:
        from . import HANDLERS

        _HANDLERS = HANDLERS
    return _HANDLERS


_HANDLERS: dict | None = None


class Frame:
    """One thread of execution (the main flow, a Parallel branch, a Map iteration).

    ``prev`` is the id of the last event this thread recorded: AWS links each event to
    the previous one of the same thread (``previousEventId``). ``depth`` is the nesting
    level (0 for the main flow). ``variables`` are the workflow variables this thread sees
    (Assign): a Parallel branch or Map iteration starts with a copy of the outer ones, so it
    reads them but its own assignments stay inside it (developer guide, "Passing data
    between states with variables", variable scope)."""

    __slots__ = ("env", "prev", "depth", "variables")

    def __init__(self, env: Env, prev: int, depth: int = 0, variables: dict | None = None) -> None:
        self.env = env
        self.prev = prev
        self.depth = depth
        self.variables = {} if variables is None else variables

    def child(self, prev: int, inherit: bool = True) -> Frame:
        """A branch/iteration thread; ``inherit=False`` for a Distributed Map iteration (a
        child execution, which cannot read the parent's variables)."""
        return Frame(self.env, prev, self.depth + 1, dict(self.variables) if inherit else {})

    def event(self, event_type: str, details: dict | None = None) -> int:
        """Record an event after this thread's last one, and make it the last one."""
        self.prev = self.env.history.add(event_type, self.prev, details)
        return self.prev


class StateRun:
    """One entry into a state: its entered event id/time and a lazily built ``$$``."""

    __slots__ = (
        "state",
        "frame",
        "entered_id",
        "entered_prev",
        "entered_time",
        "retry_count",
        "task_token",
        "assigned",
        "assigned_texts",
        "_ctx",
    )

    def __init__(
        self, state, frame: Frame, entered_id: int, entered_time, entered_prev: int = 0
    ) -> None:
        self.state = state
        self.frame = frame
        self.entered_id = entered_id
        self.entered_prev = entered_prev  # the entered event's previousEventId
        self.entered_time = entered_time
        self.retry_count: int | None = 0 if state.type in RETRY_CATCH_STATE_TYPES else None
        self.task_token: str | None = None
        self.assigned: dict | None = None  # the variables this entry assigns (at its exit)
        self.assigned_texts: dict | None = None
        self._ctx: dict | None = None

    def context(self) -> dict:
        ctx = self._ctx
        if ctx is None:
            ctx = self._ctx = self.frame.env.info.context(
                state_context(self.state.name, self.entered_time, self.retry_count), self.task_token
            )
        return ctx

    def find(self, path, value: Any) -> Any:
        """Evaluate a JSONPath against its root: ``$$`` the Context object, ``$name`` the
        workflow variable, else ``value``. Raises PathNotFound."""
        return path.resolve(
            value, self.context() if path.is_context else None, self.frame.variables
        )

    def path_value(self, path, value: Any) -> Any:
        """:meth:`find`, failing the state with AWS's cause when the path matches nothing
        (InputPath, OutputPath, ItemsPath, MaxConcurrencyPath, ...)."""
        try:
            return self.find(path, value)
        except PathNotFound as exc:
            raise self.runtime_error(f"Invalid path '{path.text}' : {exc}") from None

    def assign(self, values: dict | None) -> None:
        """Record this entry's Assign result. AWS: "all right-hand sides see the values from
        before the state", so the values take effect only when the state exits."""
        self.assigned_texts = (
            None if values is None else check_assignment(values, self.frame.variables)
        )
        self.assigned = values

    def retried(self) -> None:
        self.retry_count = (self.retry_count or 0) + 1
        self._ctx = None

    def redriven(self) -> None:
        """RedriveExecution starts this entry's attempt again: ``$$`` is read afresh (its
        ``Execution.RedriveCount`` changed)."""
        self._ctx = None

    def issue_task_token(self, token: str) -> None:
        """A ``.waitForTaskToken`` entry's token (``$$.Task.Token`` from now on)."""
        self.task_token = token
        self._ctx = None

    def runtime_error(self, cause: str) -> StatesError:
        return StatesError(RUNTIME, self.prefix(cause))

    def prefix(self, cause: str) -> str:
        return (
            f"{RUNTIME_PREFIX}'{self.state.name}' (entered at the event id "
            f"#{self.entered_id}). {cause}"
        )

    def failure(self, err: StatesError) -> StatesError:
        """Handle a failure of this state entry: the one place it is done, by
        :func:`run_program` and, before Retry and Catch, :func:`.retry_catch.retry_catch`
        (handling an error twice changes nothing).

        AWS prefixes the cause of a ``States.Runtime`` or ``States.QueryEvaluationError``
        raised in a state with "An error occurred while executing the state '<name>'
        (entered at the event id #<id>). "; for the latter (a JSONata field that could not
        be evaluated) it also records ``EvaluationFailed`` (recorded: ``cause``, ``error``,
        ``location`` = the field, ``state``), linked to the event before the state was
        entered (a Wait state: to its entered event); the state's failure events follow it.
        An error raised in a nested state arrives prefixed already, and is left alone."""
        cause = err.cause
        if (
            err.error not in _PREFIXED
            or cause is None
            or err.bare
            or cause.startswith(RUNTIME_PREFIX)
        ):
            return err
        if err.error != QUERY_EVALUATION_ERROR:
            return err.with_cause(self.prefix(cause))
        err = err.replace(cause=self.prefix(cause), evaluation_failed=True)
        details = {"cause": err.cause, "error": err.error}
        if err.location:
            details["location"] = err.location
        details["state"] = self.state.name
        prev = self.entered_id if self.state.type == "Wait" else self.entered_prev
        self.frame.prev = self.frame.env.history.add("EvaluationFailed", prev, details)
        return err


# --- the state loop ------------------------------------------------------------------


async def run_program(program, doc: Doc, frame: Frame) -> Doc:
    """Run states from ``StartAt`` until one ends the program; return its output.

    Raises :class:`StatesError` when a state fails and nothing catches it, and
    :class:`Cancelled` when the thread is stopped; either carries the ``state_type`` of
    the state it left."""
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
        last = history.last
        assert last is not None  # state_entered just appended the StateEntered event
        run = StateRun(state, frame, entered, last["timestamp"], entered_prev)
        handler, is_async = handlers[state.type]
        try:
            if is_async:
                next_name, out = await handler(state, doc, run)
            else:
                next_name, out = handler(state, doc, run)
            text = out.text
            # Cheap first test: a UTF-8 character is at most 4 bytes.
            if len(text) * 4 > limit and len(text.encode("utf-8")) > limit:
                raise StatesError(
                    DATA_LIMIT_EXCEEDED,
                    f"The state/task '{name}' returned a result with a size "
                    "exceeding the maximum number of bytes service limit.",
                )
        except StatesError as err:
            raise run.failure(err).replace(state_type=state.type) from None
        except Cancelled:
            raise Cancelled(state.type) from None  # the state in progress is aborted
        assigned = run.assigned
        if assigned is not None:
            frame.variables.update(assigned)
        frame.prev = history.state_exited(state.type, name, text, frame.prev, run.assigned_texts)
        if next_name is None:
            return out
        name = next_name
        doc = out
