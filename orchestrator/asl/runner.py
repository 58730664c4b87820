"""Run one execution in-process with a VIRTUAL clock (tests, the CLI, the benchmark).

This is the simplest driver of :mod:`orchestrator.asl.runtime`: it completes ``Invoke``
commands by calling the ``invoke`` hook synchronously, and when only ``Sleep`` commands
remain it jumps the clock to the earliest deadline, so Wait states, retry backoff and
timeouts complete instantly and deterministically. The durable engine drives the same
coroutines with real timers and a journal instead.

``invoke(command)`` receives the :class:`~orchestrator.asl.runtime.Invoke` command and
returns the result value, raises :class:`StatesError`, or returns :class:`Delayed` to
complete after some virtual seconds (to exercise ``TimeoutSeconds``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from . import budget
from .context import ExecutionInfo
from .effects import Effects, SeededEffects
from .errors import TASK_FAILED, StatesError
from .execution import ExecutionResult, start_execution
from .history import HISTORY_LIMIT, History
from .model import StateMachine, parse
from .runtime import ACTIVITY_CHECK, NOT_SUBMITTED, ActivityWait, Invoke, Sleep, Submitted
from .states.base import Env

__all__ = [
    "run",
    "drive",
    "make_env",
    "Delayed",
    "ExecutionResult",
    "VirtualClock",
    "DEFAULT_START_TIME",
]

# The runner never reads the wall clock (callers such as the CLI pass start_time).
DEFAULT_START_TIME = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class Delayed:
    """An invoke outcome that arrives ``seconds`` later (virtual time): ``value`` or ``error``."""

    seconds: float
    value: Any = None
    error: StatesError | None = None


class VirtualClock:
    __slots__ = ("now_value",)

    def __init__(self, start: datetime) -> None:
        self.now_value = start

    def __call__(self) -> datetime:
        return self.now_value

    def advance_to(self, moment: datetime) -> None:
        if moment > self.now_value:
            self.now_value = moment


def _no_invoke(command: Invoke) -> Any:
    raise StatesError(
        TASK_FAILED,
        f"No Task resource handler is configured for "
        f"'{command.resource}' (this runner has no invoke hook)",
    )


def make_env(
    input_text: str,
    *,
    now: Callable[[], datetime],
    effects: Effects,
    execution_name: str,
    state_machine_name: str,
    account: str = "123456789012",
    region: str = "us-east-1",
    partition: str = "aws",
    role_arn: str | None = None,
    execution_arn: str | None = None,
    redrive_count: int | None = 0,
    payload_limit: int = 262144,
    listener: Callable[[dict], None] | None = None,
    history_limit: int | None = HISTORY_LIMIT,
) -> Env:
    """The execution environment: identifiers (``$$``), history, clock, effects, limits.
    ``now()`` is read once here for ``$$.Execution.StartTime``."""
    sm_arn = f"arn:{partition}:states:{region}:{account}:stateMachine:{state_machine_name}"
    info = ExecutionInfo(
        execution_arn=execution_arn
        or f"arn:{partition}:states:{region}:{account}:execution:"
        f"{state_machine_name}:{execution_name}",
        execution_name=execution_name,
        state_machine_arn=sm_arn,
        state_machine_name=state_machine_name,
        role_arn=role_arn or f"arn:{partition}:iam::{account}:role/StepFunctionsRole",
        start_time=now(),
        input=json.loads(input_text),
        redrive_count=redrive_count,
    )
    return Env(
        history=History(now, listener, limit=history_limit),
        now=now,
        effects=effects,
        info=info,
        payload_limit=payload_limit,
    )


def run(
    definition: dict | str | StateMachine,
    input: Any = None,
    *,
    input_text: str | None = None,
    invoke: Callable[[Invoke], Any] | None = None,
    effects: Effects | None = None,
    start_time: datetime | None = None,
    execution_name: str = "execution",
    state_machine_name: str = "state-machine",
    account: str = "123456789012",
    region: str = "us-east-1",
    partition: str = "aws",
    role_arn: str | None = None,
    execution_arn: str | None = None,
    redrive_count: int | None = 0,
    payload_limit: int = 262144,
    history_limit: int | None = HISTORY_LIMIT,
    max_steps: int = 10_000_000,
) -> ExecutionResult:
    """Run ``definition`` on ``input`` (or the exact JSON ``input_text``) to completion
    (AWS's 25,000-event history limit applies unless ``history_limit`` is None)."""
    machine = definition if isinstance(definition, StateMachine) else parse(definition)
    if input_text is None:
        input_text = json.dumps({} if input is None else input)
    clock = VirtualClock(start_time or DEFAULT_START_TIME)
    env = make_env(
        input_text,
        now=clock,
        effects=effects or SeededEffects(0),
        execution_name=execution_name,
        state_machine_name=state_machine_name,
        account=account,
        region=region,
        partition=partition,
        role_arn=role_arn,
        execution_arn=execution_arn,
        redrive_count=redrive_count,
        payload_limit=payload_limit,
        history_limit=history_limit,
    )
    invoke = invoke or _no_invoke
    with budget.using(env.effects):
        scheduler, main = start_execution(machine, input_text, env)
        return drive(scheduler, main, env, clock, invoke, max_steps)


def drive(
    scheduler, main, env: Env, clock: VirtualClock, invoke: Callable[[Invoke], Any], max_steps: int
) -> Any:
    """Run ``main`` (a task of ``scheduler``) to its end on the virtual ``clock``, calling
    ``invoke`` for every Invoke; returns its result (raises its error)."""
    timers: list[tuple[datetime, Invoke, Delayed]] = []
    dispatched: set = set()  # Invokes already handed to the hook (a Delayed one stays pending)
    history = env.history
    for _ in range(max_steps):
        scheduler.run()
        if history.full:  # the history limit ended it (see .history)
            failed = history.limit_result()
            return ExecutionResult(
                "FAILED", error=failed["error"], cause=failed["cause"], history=history.events
            )
        if main.done:
            break
        pending = scheduler.outstanding()
        progressed = False
        for command in pending:
            if type(command) is Submitted:
                # The hook answers a callback Task with its result: no request's response
                # to record (no TaskSubmitted).
                scheduler.fail(command, StatesError(NOT_SUBMITTED, None))
                progressed = True
                continue
            if type(command) is ActivityWait:
                # No workers here: the activity exists and a worker takes the task at once;
                # its answer is the invoke hook's result.
                scheduler.complete(command, None if command.phase == ACTIVITY_CHECK else {})
                progressed = True
                continue
            if type(command) is Invoke and command not in dispatched:
                dispatched.add(command)
                progressed = True
                try:
                    outcome = invoke(command)
                except StatesError as err:
                    scheduler.fail(command, err)
                    continue
                if isinstance(outcome, Delayed):
                    timers.append((clock() + timedelta(seconds=outcome.seconds), command, outcome))
                else:
                    scheduler.complete(command, outcome)
        if progressed:
            continue
        live = set(pending)
        timers = [t for t in timers if t[1] in live]  # drop invokes withdrawn by a race
        deadlines = [c.until for c in pending if type(c) is Sleep] + [t[0] for t in timers]
        if not deadlines:
            raise RuntimeError(f"execution is stuck on {pending!r}")
        clock.advance_to(min(deadlines))
        now = clock()
        for command in pending:
            if type(command) is Sleep and command.until <= now:
                scheduler.complete(command)
        for due in [t for t in timers if t[0] <= now]:
            timers.remove(due)
            _, command, outcome = due
            if scheduler.is_outstanding(command):
                if outcome.error is not None:
                    scheduler.fail(command, outcome.error)
                else:
                    scheduler.complete(command, outcome.value)
    else:
        raise RuntimeError("execution did not finish within max_steps driver rounds")
    if main.error is not None:
        raise main.error
    return main.result
