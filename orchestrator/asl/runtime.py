"""A tiny deterministic scheduler for interpreter coroutines (the core/engine seam).

The interpreter advances an execution as far as it can without the outside world, then
hands its driver the commands it is waiting on -- several at once while Parallel branches
or Map iterations run; the driver (:mod:`orchestrator.asl.runner`, the durable engine in
:mod:`orchestrator.engine`) carries them out and feeds the results back.

Interpreter code is plain ``async def`` coroutines that ``await`` :class:`Command` objects
(:class:`Invoke`, :class:`Sleep`). They are NOT driven by asyncio: :class:`Scheduler` runs
ready coroutines in FIFO order until every one is blocked, then the driver reads
:meth:`Scheduler.outstanding`, completes commands with :meth:`Scheduler.complete` /
:meth:`Scheduler.fail`, and calls :meth:`Scheduler.run` again. FIFO order plus recorded
command results make a run replayable: feeding the same results in the same order rebuilds
exactly the same state (the durable engine journals them).

Concurrency inside the interpreter uses three internal primitives handled here, never by the
driver: :func:`spawn` (start a child coroutine), ``await task`` (join it) and
:func:`first_of` (race several commands, e.g. a Task's Invoke against its timeout Sleep;
the losers are withdrawn from :meth:`outstanding`). :meth:`Task.cancel` throws
:class:`Cancelled` into a coroutine; :func:`gather` runs Parallel branches and Map
iterations, cancelling the others as soon as one fails.

Slices: one driver serves many executions, so :meth:`Scheduler.run` can stop after a
number of coroutine steps or at a deadline and say that ready work remains; the driver
runs the rest in a later activation. A step is one resumption of one coroutine; the
interpreter keeps steps short by yielding (:func:`yield_now`) every few state transitions
(:data:`TRANSITIONS_PER_STEP`), so a Pass/Choice loop that never waits for anything
still returns control. Steps are deterministic, so a replay that stops after the same
number of steps rebuilds exactly the same state.
"""

from __future__ import annotations

import inspect
import time
from collections import deque
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "Signal",
    "Cancelled",
    "Command",
    "Invoke",
    "Sleep",
    "ActivityWait",
    "Submitted",
    "NOT_SUBMITTED",
    "ACTIVITY_CHECK",
    "ACTIVITY_PICKUP",
    "Scheduler",
    "Task",
    "spawn",
    "first_of",
    "yield_now",
    "gather",
    "TRANSITIONS_PER_STEP",
]

# The state loop yields after this many transitions in a row (part of the replayed
# behaviour: changing it changes how concurrent branches interleave after a replay point).
TRANSITIONS_PER_STEP = 64


class Cancelled(BaseException):
    """Thrown into a coroutine whose work is no longer wanted (sibling branch failed,
    execution timed out). A BaseException so ``except Exception`` blocks do not swallow it.

    ``state_type`` is the type of the state that was in progress, set as the cancellation
    leaves it (the branch or iteration records ``<Type>StateAborted`` for it)."""

    __slots__ = ("state_type",)

    def __init__(self, state_type: str | None = None) -> None:
        super().__init__()
        self.state_type = state_type


class Command:
    """Something only the driver can do. Subclasses are plain data; identity is the key."""

    __slots__ = ()

    def __await__(self):
        # The scheduler sends back the result (or throws the error) when it is done.
        return (yield self)


@dataclass(eq=False, slots=True)
class Invoke(Command):
    """Run a Task resource. ``parameters`` is the effective input (after Parameters);
    ``state_name``/``attempt`` identify the call (the engine derives its idempotency key
    from ``key``, stable across retries of one state entry); ``timeout_seconds`` and
    ``heartbeat_seconds`` tell the driver the limits the interpreter enforces by racing a
    Sleep (a driver starts that Sleep's clock when the call starts, and bounds the call by
    it); ``task_token`` is set for ``.waitForTaskToken`` resources. ``trace`` (TestState
    at TRACE) is a dict the resource fills with the HTTP ``request`` and ``response`` it
    made (``{"reveal": bool}`` on entry: whether a connection's secrets may be shown)."""

    resource: str
    parameters: Any
    state_name: str
    key: str
    attempt: int = 0
    timeout_seconds: float | None = None
    heartbeat_seconds: float | None = None
    task_token: str | None = None
    context: dict | None = None
    trace: dict | None = None

    def __await__(self):
        return (yield self)


# Submitted fails with this when its call had no response to record (mocked, or no
# request at all): the Task then records no TaskSubmitted. Never seen outside the core.
NOT_SUBMITTED = "orchestrator.NotSubmitted"


@dataclass(eq=False, slots=True)
class Submitted(Command):
    """The response of the request a ``.waitForTaskToken`` service integration made
    (``call``, awaiting its token meanwhile): AWS records it as ``TaskSubmitted`` while the
    Task waits. The driver completes it with that response once the request returns, or
    fails it with :data:`NOT_SUBMITTED` when there is none to record (a mocked answer)."""

    call: Invoke

    def __await__(self):
        return (yield self)


# ActivityWait phases.
ACTIVITY_CHECK = "check"  # does the activity exist? (result: None)
ACTIVITY_PICKUP = "pickup"  # wait for a worker's GetActivityTask (result: {"workerName"?})


@dataclass(eq=False, slots=True)
class ActivityWait(Command):
    """A Task state whose Resource is an activity ARN, before its worker answers: first
    ``check`` that the activity exists (else a ``States.Runtime`` failure, before any
    ``ActivityScheduled``), then ``pickup``: offer the task (``input`` JSON text, with its
    ``task_token``) to the activity's workers until one takes it with GetActivityTask; the
    result names the worker (``{"workerName": ...}``, empty when it gave none). The answer
    itself (SendTaskSuccess/Failure with the token) completes an :class:`Invoke` that
    follows, as for ``.waitForTaskToken``."""

    activity_arn: str
    phase: str
    input: str = "{}"
    task_token: str | None = None

    def __await__(self):
        return (yield self)


# What a Sleep waits for (``Sleep.purpose``): the engine scales and journals them differently
# (orchestrator/engine/run.py, "Time scale").
WAIT_STATE = "wait-state"  # a Wait state
BACKOFF = "backoff"  # a Retrier's interval before the next attempt
TASK_TIMEOUT = "task-timeout"  # a Task's TimeoutSeconds, bounding ``Sleep.call``
EXECUTION_TIMEOUT = "execution-timeout"  # the state machine's TimeoutSeconds


@dataclass(eq=False, slots=True)
class Sleep(Command):
    """Wake me at ``until`` (an aware datetime). ``purpose`` says what for; a
    :data:`TASK_TIMEOUT` names the ``call`` it bounds."""

    until: datetime
    purpose: str = WAIT_STATE
    call: Invoke | None = None

    def __await__(self):
        return (yield self)


@dataclass(eq=False, slots=True)
class _Join(Command):
    task: Task

    def __await__(self):
        return (yield self)


@dataclass(eq=False, slots=True)
class _FirstOf(Command):
    commands: tuple

    def __await__(self):
        return (yield self)


@dataclass(eq=False, slots=True)
class _Yield(Command):
    def __await__(self):
        return (yield self)


@dataclass(eq=False, slots=True)
class _Park(Command):
    signal: Signal

    def __await__(self):
        return (yield self)


class Signal:
    """A wake-up call one coroutine waits on (``await signal.wait()``) and anything else
    raises (:meth:`set`): another coroutine, or the engine between activations (UpdateMapRun
    changing a running Map Run's limits). Raised while nobody waits, the next wait returns
    at once. Internal to the scheduler: the driver never sees it as a command."""

    __slots__ = ("task", "raised")

    def __init__(self) -> None:
        self.task: Task | None = None
        self.raised = False

    def set(self) -> None:
        task = self.task
        if task is None:
            self.raised = True
            return
        self.task = None
        task.blocked_on = None
        task.scheduler.wake(task)

    async def wait(self) -> None:
        await _Park(self)


@dataclass(eq=False, slots=True)
class _Spawn(Command):
    coro: Coroutine

    def __await__(self):
        return (yield self)


class Task:
    """A coroutine managed by the scheduler. ``await task`` joins it."""

    __slots__ = (
        "coro",
        "done",
        "result",
        "error",
        "waiters",
        "blocked_on",
        "scheduler",
        "name",
        "_cancel_requested",
    )

    def __init__(self, coro: Coroutine, scheduler: Scheduler, name: str = "") -> None:
        self.coro = coro
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.waiters: list[Task] = []
        self.blocked_on: Command | None = None
        self.scheduler = scheduler
        self.name = name
        self._cancel_requested = False

    def __await__(self):
        return (yield _Join(self))

    def cancel(self) -> None:
        """Throw :class:`Cancelled` into the coroutine at its current await point."""
        if self.done or self._cancel_requested:
            return
        self._cancel_requested = True
        self.scheduler._withdraw(self)
        self.scheduler._ready.append((self, None, Cancelled()))

    def __repr__(self) -> str:
        return f"Task({self.name!r}, done={self.done})"


class Scheduler:
    """Runs coroutines deterministically; see the module docstring for the protocol."""

    def __init__(self) -> None:
        self._ready: deque[tuple[Task, Any, BaseException | None]] = deque()
        # Driver-visible commands in issue order (dict keeps insertion order).
        self._outstanding: dict[Command, Task] = {}
        # For a _FirstOf race: sub-command -> (race, index).
        self._race_of: dict[Command, tuple[_FirstOf, int]] = {}

    # -- creating work ---------------------------------------------------------------
    def spawn(self, coro: Coroutine, name: str = "") -> Task:
        task = Task(coro, self, name)
        self._ready.append((task, None, None))
        return task

    # -- the driver's view -----------------------------------------------------------
    def outstanding(self) -> list[Command]:
        """Commands the driver must complete, oldest first."""
        return list(self._outstanding)

    def is_outstanding(self, command: Command) -> bool:
        """False once a command was completed or withdrawn (a race lost, a branch
        cancelled): a late result for it must simply be dropped."""
        return command in self._outstanding

    def complete(self, command: Command, result: Any = None) -> None:
        self._resolve(command, result, None)

    def fail(self, command: Command, error: BaseException) -> None:
        self._resolve(command, None, error)

    def discard(self) -> None:
        """Drop every coroutine (the driver ended the execution from outside: stopped,
        history full). Those never started are closed, so Python does not warn about them;
        suspended ones are simply let go (closing them would run their cleanup)."""
        for task, _, _ in self._ready:
            if inspect.getcoroutinestate(task.coro) == inspect.CORO_CREATED:
                task.coro.close()
        self._ready.clear()
        self._outstanding.clear()
        self._race_of.clear()

    def wake(self, task: Task) -> None:
        """Make a parked task ready (see :class:`Signal`)."""
        self._ready.append((task, None, None))

    def has_ready(self) -> bool:
        """Is there work that needs no command completion (a preempted slice)?"""
        return bool(self._ready)

    def run(self, max_steps: int | None = None, deadline: float | None = None) -> int | None:
        """Run ready coroutines until every one is blocked on a command or finished.

        With ``max_steps`` and/or ``deadline`` (a ``time.monotonic()`` value) the run stops
        early once that many steps ran or the deadline passed, leaving the rest ready:
        it then returns the number of steps it ran (feed it back as ``max_steps`` to
        replay the same slice); it returns None when it ran out of ready work."""
        ready = self._ready
        if max_steps is None and deadline is None:
            while ready:
                task, value, error = ready.popleft()
                if not task.done:
                    self._step(task, value, error)
            return None
        steps = 0
        clock = time.monotonic
        while ready:
            # At least one step per slice, so every activation makes progress.
            if steps and (
                (max_steps is not None and steps >= max_steps)
                or (deadline is not None and clock() >= deadline)
            ):
                return steps
            task, value, error = ready.popleft()
            if task.done:
                continue
            self._step(task, value, error)
            steps += 1
        return None

    # -- internals -------------------------------------------------------------------
    def _step(self, task: Task, value: Any, error: BaseException | None) -> None:
        # No module state: schedulers of different executions may run on different threads.
        coro = task.coro
        while True:
            try:
                if error is not None:
                    err, error = error, None
                    cmd = coro.throw(err)
                else:
                    cmd = coro.send(value)
            except StopIteration as stop:
                self._finish(task, stop.value, None)
                return
            except BaseException as exc:  # the coroutine failed (or was cancelled)
                self._finish(task, None, exc)
                return
            # Internal commands are handled inline so spawning and joining cost no trip
            # through the ready queue.
            kind = type(cmd)
            if kind is _Spawn:
                value = self.spawn(cmd.coro)
                continue
            if kind is _Yield:  # back of the ready queue: let the others run first
                self._ready.append((task, None, None))
                return
            if kind is _Park:
                signal = cmd.signal
                if signal.raised:
                    signal.raised = False
                    value = None
                    continue
                signal.task = task
                task.blocked_on = cmd
                return
            if kind is _Join:
                child = cmd.task
                if child.done:
                    value, error = child.result, child.error
                    continue
                child.waiters.append(task)
                task.blocked_on = cmd
                return
            if kind is _FirstOf:
                task.blocked_on = cmd
                for index, sub in enumerate(cmd.commands):
                    self._outstanding[sub] = task
                    self._race_of[sub] = (cmd, index)
                return
            if not isinstance(cmd, Command):
                # A programming error in the coroutine: fail it there, not in the driver.
                value, error = None, TypeError(f"interpreter awaited a non-command: {cmd!r}")
                continue
            task.blocked_on = cmd
            self._outstanding[cmd] = task
            return

    def _finish(self, task: Task, result: Any, error: BaseException | None) -> None:
        task.done = True
        task.result = result
        task.error = error
        task.blocked_on = None
        for waiter in task.waiters:
            waiter.blocked_on = None
            self._ready.append((waiter, result, error))
        task.waiters = []

    def _resolve(self, command: Command, result: Any, error: BaseException | None) -> None:
        task = self._outstanding.pop(command, None)
        if task is None:
            raise KeyError(f"command is not outstanding: {command!r}")
        race = self._race_of.pop(command, None)
        if race is not None:
            race_cmd, index = race
            for sub in race_cmd.commands:  # withdraw the losers
                if sub is not command:
                    self._outstanding.pop(sub, None)
                    self._race_of.pop(sub, None)
            result = (index, result)
        task.blocked_on = None
        self._ready.append((task, result, error))

    def _withdraw(self, task: Task) -> None:
        cmd = task.blocked_on
        if cmd is None:
            return
        if type(cmd) is _Join:
            try:
                cmd.task.waiters.remove(task)
            except ValueError:
                pass
        elif type(cmd) is _Park:
            cmd.signal.task = None
        elif type(cmd) is _FirstOf:
            for sub in cmd.commands:
                self._outstanding.pop(sub, None)
                self._race_of.pop(sub, None)
        else:
            self._outstanding.pop(cmd, None)
        task.blocked_on = None


async def spawn(coro: Coroutine) -> Task:
    """Start ``coro`` as a concurrent task of the current scheduler (FIFO after the caller)."""
    return await _Spawn(coro)


async def yield_now() -> None:
    """Let every other ready coroutine run before continuing (FIFO fairness point)."""
    await _Yield()


async def first_of(*commands: Command) -> tuple[int, Any]:
    """Wait for the first of ``commands`` to complete: returns ``(index, result)`` (or raises
    its error). The others are withdrawn from the driver's outstanding list."""
    return await _FirstOf(tuple(commands))


async def gather(coros: Iterable[Coroutine]) -> list[Any]:
    """Run coroutines concurrently and return their results in order.

    The first one to fail cancels the others at once (not when it is joined); every one
    is then joined, so the ones cancelled have recorded their ends (a Parallel branch's
    ``<Type>StateAborted``) before this raises the first failure -- or the
    :class:`Cancelled` thrown into this coroutine, when it was itself cancelled."""
    tasks: list[Task] = []
    failures: list[BaseException] = []

    async def guarded(index: int, coro: Coroutine) -> Any:
        try:
            return await coro
        except GeneratorExit:  # the whole execution is being dropped: nothing to join
            raise
        except BaseException as exc:
            if not failures:
                failures.append(exc)
                for other, task in enumerate(tasks):
                    if other != index:
                        task.cancel()
            raise

    pending = list(coros)
    try:
        for index, coro in enumerate(pending):
            tasks.append(await spawn(guarded(index, coro)))
    finally:
        for coro in pending[len(tasks) :]:  # dropped before it was spawned: never started
            coro.close()
    stopped: BaseException | None = None
    for task in tasks:
        while not task.done:
            try:
                await task
            except GeneratorExit:
                raise
            except BaseException as exc:
                if not task.done:  # thrown into this coroutine, not the task's own end
                    stopped = exc
                    for other in tasks:
                        other.cancel()
    if stopped is not None:
        raise stopped
    if failures:
        raise failures[0]
    return [task.result for task in tasks]
