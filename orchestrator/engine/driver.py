"""The driving half of the engine: activator threads, Task calls, the timer thread, group
commit to the journal, and resume after a restart. The :class:`~.engine.Engine` *has* a
:class:`Driver` and uses only its public methods; the driver knows nothing of the AWS
operations.

docs/architecture.md, "How the core and the engine meet": every active execution is a
:class:`~orchestrator.engine.run.Run` (its own Scheduler). A few *activator* threads
(``EngineConfig.activators``) take executions that have something in their inbox from one
ready queue, run one activation each (interpreter steps), commit the history events and
journal records of the activations they ran in ONE SQLite transaction (group commit), and
only then dispatch the new commands (write-ahead): ``Invoke`` to the Task resources
(:mod:`orchestrator.tasks` calls them on an event loop: no thread per call), ``Sleep`` to
the single timer thread. An execution waiting in a Wait, a retry backoff or a callback
holds no thread - only a heap entry or a task token in a dict. A Run is activated by one
thread at a time (the Scheduler is not thread-safe); other threads talk to it only through
:meth:`Driver.send`, with the messages of :mod:`.journal` - heartbeats included: a timer
handle is touched on an activator only.

Isolation - one execution must never hold back the others:

- an activation runs one *slice* (``slice_seconds`` / ``slice_steps``, see
  :mod:`.run`): a busy execution goes to the back of the ready queue and the others run in
  between; StopExecution jumps ahead of whatever the execution is doing;
- a batch of activations stops growing after ``slice_seconds`` too, so the executions
  in a batch wait at most that long for their commit;
- several activators: an evaluation that takes its whole time budget (a JSONata
  expression, a regular expression: :mod:`orchestrator.asl.budget`) holds one of them,
  not the engine;
- a write whose data cannot be stored fails its own execution only (a clear
  ``ExecutionFailed`` and a log line), the rest of its batch is committed; a journal that
  cannot be written at all (disk full, read-only) pauses every activation, keeps every
  write, reports not ready (:meth:`Driver.unavailable`) and tries again until it can.

Durability: :meth:`Driver.start` opens the journal (refusing a corrupt one) and answers at
once; the activators then replay the journal of every RUNNING execution through a fresh
Scheduler (a :class:`~.journal.Resume` activation) and continue it: Sleeps keep their journaled real
deadlines, Invokes that had no recorded completion are dispatched again with the same
``Invoke.key`` — ``<execution ARN>#<StateEntered event id>``: one value per state entry, the
same for every retry attempt and after a replay (event ids are deterministic). The Task
resources send it as the ``Idempotency-Key`` header, so the services return the first
response instead of creating anything new. A ``.waitForTaskToken`` call whose request's
response is journaled (its ``TaskSubmitted``, :class:`~orchestrator.asl.runtime.Submitted`)
is not made again: it only waits for its token (a crash between the request and that
record repeats the request, with the same key). An execution whose journal cannot be
replayed is failed with a clear cause; it is never resumed half-way.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Protocol

from orchestrator.asl import resources
from orchestrator.asl.document import Doc, InvalidJson, check_text, dumps
from orchestrator.asl.errors import HEARTBEAT_TIMEOUT, RUNTIME, TASK_FAILED, TIMEOUT, StatesError
from orchestrator.asl.mock_config import MockConfig, Outcome
from orchestrator.asl.model import StateMachine
from orchestrator.asl.model import parse as parse_definition
from orchestrator.asl.runtime import (
    ACTIVITY_CHECK,
    NOT_SUBMITTED,
    ActivityWait,
    Invoke,
    Sleep,
    Submitted,
)
from orchestrator.tasks import WaitForCallback

from . import logs
from .activities import ActivityQueues, Pending
from .clock import from_us, real_us
from .config import EngineConfig
from .errors import StoreUnavailable
from .journal import Completion, Heartbeat, Message, Resume, Start, Stop
from .run import Run
from .store import Store, Write
from .timers import Timers

__all__ = ["Driver", "LocalTasks", "CLOSED"]

log = logging.getLogger("orchestrator.engine")

CLOSED = "closed"  # Driver.token(): the token's task is over
_BATCH = 256  # activations per group commit (at most)
_CLOSED_TOKENS_KEPT = 100_000  # answered/timed-out tokens remembered for TaskTimedOut
_RETRY_FIRST, _RETRY_MAX = 0.05, 2.0  # seconds between two commits of an unwritable journal


# TestState: "The TestState API can run for up to five minutes. If the execution of a state
# exceeds this duration, it fails with the States.Timeout error."
CALL_LIMIT_SECONDS = 300.0


class LocalTasks(Protocol):
    """A Task resource the engine serves itself, on the driver's commands: ``dispatch``
    carries out ``command`` (``resumed``: its TaskSubmitted is journaled, its request must
    not be made again) and reports through :meth:`Driver.outcome` / :meth:`Driver.submitted`;
    ``release`` says the command is gone (withdrawn, or its execution ended)."""

    def handles(self, command: Invoke) -> bool: ...
    def dispatch(self, run: Run, seq: int, command: Invoke, resumed: bool) -> None: ...
    def release(self, run: Run, seq: int) -> None: ...


class Driver:
    """Runs executions on ``store`` (opened by the caller); ``on_finished(run)`` is called on
    an activator once an execution's end is committed."""

    def __init__(
        self,
        config: EngineConfig,
        store: Store,
        on_finished: Callable[[Run], None] | None = None,
        local: LocalTasks | None = None,
    ) -> None:
        self.config = config
        self.store = store
        # The Task resource the engine itself serves (nested workflows, :mod:`.nested`).
        self.local = local
        self._on_finished_hook = on_finished
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._active: dict[str, Run] = {}
        self._ready: deque[Run] = deque()
        self._tokens: dict[str, tuple[Run, int]] = {}  # open callback tokens
        self._closed_tokens: OrderedDict[str, None] = OrderedDict()
        self._machines: dict[str, StateMachine] = {}  # parsed definitions by text
        self._machines_lock = threading.Lock()
        self._timers = Timers()
        self.activities = ActivityQueues()  # activity tasks waiting for a worker
        self._activators: list[threading.Thread] = []
        self._started = False
        self._stopping = False
        self._invoker: Any = None
        # The Task configuration the built-in Task resources run with (None with a custom
        # invoker and no EngineConfig.tasks): read once, at start.
        self.task_config: Any = config.tasks
        self._unavailable: str | None = None  # why the journal cannot be written
        self._resuming = 0  # executions not replayed yet
        self._replayed = 0
        self._resumed = threading.Event()
        self._probed: tuple[float, str | None] = (float("-inf"), None)
        # Step Functions Local's mock configuration (its test cases), read once: a file not
        # in its format stops the engine here, saying why.
        self.mocks: MockConfig | None = (
            MockConfig.load(config.mock_config) if config.mock_config else None
        )

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> Driver:
        """Start the timer and activator threads; in-flight executions resume in the
        background (the caller can answer requests at once)."""
        if self._started:
            return self
        self._started = True
        cfg = self.config
        logging.getLogger("orchestrator.engine").setLevel(cfg.log_level)
        if cfg.log_to_stdout and not logs.LOGGER.handlers:
            handler = _StdoutHandler()
            handler.setFormatter(logging.Formatter("%(message)s"))
            logs.LOGGER.addHandler(handler)
            logs.LOGGER.setLevel(logging.INFO)
            logs.LOGGER.propagate = False
        invoker = cfg.invoker
        if invoker is None:
            invoker, self.task_config = _default_invoker(cfg)
        self._invoker = invoker if hasattr(invoker, "submit") else _Threaded(invoker, cfg.workers)
        self._queue_resumes()
        self._timers.start()
        for index in range(cfg.activators):
            thread = threading.Thread(
                target=self._activate_loop, daemon=True, name=f"engine-activator-{index}"
            )
            thread.start()
            self._activators.append(thread)
        return self

    def close(self) -> None:
        """Stop every thread (the store is the caller's to close)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self.activities.close()
        for thread in self._activators:
            thread.join(timeout=10)
        self._activators = []
        self._timers.stop()
        if self._invoker is not None and hasattr(self._invoker, "close"):
            self._invoker.close()

    # -- the public surface ------------------------------------------------------------------
    def parse(self, definition: str) -> StateMachine:
        """The parsed definition (cached by text; the caller validated it)."""
        machine = self._machines.get(definition)
        if machine is None:
            machine = parse_definition(definition, validate=False)
            with self._machines_lock:
                if len(self._machines) > 512:
                    self._machines.clear()
                self._machines[definition] = machine
        return machine

    def new_run(self, row: dict, durable: bool) -> Run:
        cfg = self.config
        return Run(
            row,
            self.parse(row["definition"]),
            time_scale=cfg.time_scale,
            scale_task_timeouts=cfg.scale_task_timeouts,
            payload_limit=cfg.payload_limit,
            durable=durable,
            redrive_count=(
                int(row.get("redrive_count") or 0)
                if durable or row.get("sync") is not True
                else None
            ),
            evaluation_seconds=cfg.evaluation_seconds,
        )

    def launch(self, run: Run) -> None:
        """Make ``run`` active and start it."""
        with self._lock:
            self._active[run.arn] = run
        self.send(run, Start())

    def redrive(self, run: Run) -> None:
        """Make ``run`` (a new Run of a reopened FAILED / TIMED_OUT / ABORTED execution)
        active: its journal is replayed and it continues from what did not succeed."""
        run.redriving = True
        with self._lock:
            self._active[run.arn] = run
        self.send(run, Resume())

    def active(self, arn: str) -> Run | None:
        with self._lock:
            return self._active.get(arn)

    def send(self, run: Run, message: Message, ack: threading.Event | None = None) -> None:
        """Hand ``message`` to the activators; ``ack`` is set once the activation that
        consumed it is committed (SendTask* answer only after the outcome is durable). A
        Stop goes to the head of the queue: it does not wait for the others' slices."""
        first = type(message) is Stop
        with self._cond:
            if run.finished or self._stopping:
                if ack is not None:
                    ack.set()
                return
            if first:
                run.inbox.insert(0, message)
            else:
                run.inbox.append(message)
            if ack is not None:
                run.acks.append(ack)
            if not run.queued:
                run.queued = True
                if first:
                    self._ready.appendleft(run)
                else:
                    self._ready.append(run)
                self._cond.notify()
            elif first and run in self._ready:  # waiting its turn: to the head of the queue
                self._ready.remove(run)
                self._ready.appendleft(run)

    def token(self, token: str) -> tuple[Run, int] | str | None:
        """The open task ``token``'s (run, seq); :data:`CLOSED` when its task is over (it was
        answered, timed out or its execution ended); None when it was never issued. Right
        after a start the journal may still be replaying: an unknown token waits for it."""
        with self._lock:
            entry = self._tokens.get(token)
        if entry is None and token not in self._closed_tokens:
            self.wait_resumed(30)
            with self._lock:
                entry = self._tokens.get(token)
        if entry is not None and not entry[0].finished:
            return entry
        return CLOSED if entry is not None or token in self._closed_tokens else None

    def claim(self, token: str, entry: tuple[Run, int]) -> bool:
        """Take ``token`` for an answer: False when another answer took it first."""
        with self._lock:
            if self._tokens.get(token) is not entry:
                return False
            del self._tokens[token]
        self._close_token(token)
        return True

    def take_activity_task(
        self, activity_arn: str, wait_seconds: float, worker_name: str | None
    ) -> tuple[str, str] | None:
        """GetActivityTask: (task token, input) of the oldest task of the activity, waiting
        up to ``wait_seconds`` for one; None when none came. Answers once the pickup (the
        ``ActivityStarted`` event) is committed and the task's token can be answered, so a
        task is handed to exactly one worker, and never again after a crash."""
        end = time.monotonic() + wait_seconds
        while True:
            task = self.activities.take(activity_arn, end - time.monotonic())
            if task is None:
                return None
            worker = {"workerName": worker_name} if worker_name is not None else {}
            ack = threading.Event()
            self.send(task.run, Completion(task.seq, dumps(worker)), ack)
            ack.wait(30)
            with self._lock:
                entry = self._tokens.get(task.token)
            if entry is not None and entry[0] is task.run:
                return task.token, task.input
            # The task went meanwhile (its timeout, a stop, the end of its execution).

    def stats(self) -> dict[str, int]:
        """Counts for diagnostics: active executions, runs waiting for an activator, armed
        timers (heap entries, cancelled ones not yet dropped included), open task tokens."""
        with self._lock:
            return {
                "active": len(self._active),
                "ready": len(self._ready),
                "timers": len(self._timers),
                "tokens": len(self._tokens),
            }

    def call(self, invoke: Invoke, limit_seconds: float = CALL_LIMIT_SECONDS) -> Any:
        """One Task call outside any execution (TestState), on the engine's Task
        resources: blocks until it ends; its result, or its StatesError raised; a call
        that outlasts ``limit_seconds`` fails with ``States.Timeout``."""
        finished = threading.Event()
        outcome: list = []

        def done(result: Any, error: StatesError | None) -> None:
            outcome.append((result, error))
            finished.set()

        deadline = time.time() + limit_seconds
        if invoke.timeout_seconds:
            deadline = min(deadline, time.time() + float(invoke.timeout_seconds))
        self._invoker.submit(invoke, done, deadline=deadline)
        if not finished.wait(max(0.0, deadline - time.time()) + 1.0):
            raise StatesError(TIMEOUT, f"The call to '{invoke.resource}' did not end in time")
        result, error = outcome[0]
        if error is not None:
            raise error
        return result

    def unavailable(self, probe: bool = False) -> str | None:
        """Why the engine cannot take writes now (its journal cannot be written), or None.
        ``probe`` also tries a tiny write (at most once a second), so that a full disk is
        noticed before an execution needs it."""
        if self._unavailable is not None or not probe or self.store is None:
            return self._unavailable
        now = time.monotonic()
        if now - self._probed[0] >= 1.0:
            try:
                self.store.probe()
                self._probed = (now, None)
            except StoreUnavailable as exc:
                self._probed = (now, exc.reason)
        return self._probed[1]

    # -- the ready queue -----------------------------------------------------------------
    def _deliver(self, run: Run, completion: Completion) -> None:
        self.send(run, completion)

    def _activate_loop(self) -> None:
        cfg = self.config
        while True:
            with self._cond:
                while (not self._ready or self._unavailable) and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
            try:
                self._round(cfg.slice_seconds, cfg.slice_steps)
            except Exception:  # never let an activator die: that would stall executions
                log.exception("engine activation round failed")

    def _take(self) -> tuple[Run, list, list] | None:
        with self._cond:
            if not self._ready or self._unavailable or self._stopping:
                return None
            run = self._ready.popleft()  # stays "queued" until this round requeues it
            items, run.inbox = run.inbox, []
            acks, run.acks = run.acks, []
            return run, items, acks

    def _round(self, slice_seconds: float, slice_steps: int) -> None:
        """One group commit: activate ready runs (one slice each) until the batch is full or
        its time is up, commit, dispatch, requeue what has more to do."""
        started = time.monotonic()
        batch: list[tuple[Run, Write | None, list[int]]] = []
        acks: list[threading.Event] = []
        while len(batch) < _BATCH:
            taken = self._take()
            if taken is None:
                break
            run, items, run_acks = taken
            acks += run_acks
            batch.append(self._activate(run, items, slice_steps, time.monotonic() + slice_seconds))
            if time.monotonic() - started >= slice_seconds:
                break
        if not batch:
            return
        if not self._commit([(run, write) for run, write, _ in batch if write is not None]):
            return  # stopping with the journal unwritable: dispatch nothing (write-ahead)
        # Write-ahead: only now that history and journal are durable do effects start.
        for run, write, new in batch:
            if write is not None:
                self._log(run, write.events)
            if run.finished:
                self._on_finished(run)
            else:
                for seq in new:
                    self._dispatch(run, seq)
        for ack in acks:
            ack.set()
        with self._cond:
            for run, _, _ in batch:
                if run.finished or not (run.inbox or run.preempted):
                    run.queued = False
                elif run.inbox and type(run.inbox[0]) is Stop:
                    self._ready.appendleft(run)  # StopExecution does not wait its turn
                    self._cond.notify()
                else:
                    self._ready.append(run)  # behind every other ready execution
                    self._cond.notify()

    def _activate(
        self, run: Run, messages: list, max_steps: int, deadline: float
    ) -> tuple[Run, Write | None, list[int]]:
        new: list[int] = []
        replayed = False
        if messages and type(messages[0]) is Resume:
            messages = messages[1:]
            replayed, failure = self._resume(run)
            if failure is not None:
                return run, failure, []
            if replayed:
                new = list(run.commands)  # re-dispatch whatever was outstanding
                messages = run.redriven + messages
                run.redriven = []
            else:  # crashed between StartExecution and the first activation
                messages.insert(0, Start())
        # Heartbeats are the driver's own business: they only re-arm a timer.
        for beat in [m for m in messages if type(m) is Heartbeat]:
            command = run.commands.get(beat.seq)
            if type(command) is Invoke and command.heartbeat_seconds:
                self._arm_heartbeat(run, beat.seq, command)
        messages = [m for m in messages if type(m) is not Heartbeat]
        # Nothing for the interpreter: done, unless a preempted run is due its next slice
        # (a replay is a whole activation: that slice comes when the run comes round again).
        # (A redrive's ExecutionRedriven is written at once, with its reopened Map Runs.)
        if not messages and not run.new_events and (replayed or not run.preempted):
            return run, None, new
        try:
            write, fresh = run.activate(messages, max_steps, deadline)
        except Exception as exc:
            log.exception("execution %s failed inside the engine", run.arn)
            write, fresh = self._crash(run, exc), []
        self._release(run)
        return run, write, new + fresh

    # -- the journal ---------------------------------------------------------------------
    def _commit(self, done: list[tuple[Run, Write]]) -> bool:
        """Commit the durable writes; poison fails its own execution; an unwritable journal
        is retried (everything kept, activations paused) until it takes the writes. False:
        the engine is stopping and they were not written."""
        writes = [write for run, write in done if run.durable]
        failed: set[str] = set()
        delay = _RETRY_FIRST
        while writes:
            try:
                poisoned = self.store.commit(writes)
            except StoreUnavailable as exc:
                if self._stopping:
                    log.error(
                        "engine stopping with %d activations not written: %s",
                        len(writes),
                        exc.reason,
                    )
                    return False
                if self._unavailable is None:
                    log.error(
                        "the journal cannot be written (%s): activations paused, retrying",
                        exc.reason,
                    )
                self._unavailable = exc.reason
                time.sleep(delay)
                delay = min(delay * 2, _RETRY_MAX)
                continue
            if self._unavailable is not None:
                log.warning("the journal can be written again: activations resume")
                with self._cond:
                    self._unavailable = None
                    self._cond.notify_all()
            writes = []
            by_arn = {run.arn: run for run, _ in done}
            for bad in poisoned:
                run = by_arn[bad.write.arn]
                if run.arn in failed:  # even its failure cannot be stored: say so, stop
                    log.error(
                        "execution %s: its failure cannot be stored either (%s); it "
                        "stays as the journal last recorded it",
                        run.arn,
                        bad.reason,
                    )
                    continue
                failed.add(run.arn)
                writes.append(self._poisoned(run, bad.write, bad.reason, bad.storable))
        return True

    def _poisoned(self, run: Run, write: Write, reason: str, storable: int) -> Write:
        """A write that cannot be stored: the execution fails after the events of it that
        can be (the journal record is dropped: a failed execution is never replayed)."""
        kept = write.events[:storable]
        first = write.events[0]["id"] if write.events else run.history.count + 1
        last = first - 1 + len(kept)
        cause = (
            f"Internal error: the execution's history could not be stored ({reason}); "
            f"the execution was stopped after event {last}."
        )
        log.error("execution %s failed: %s", run.arn, cause)
        now = real_us()
        event = {
            "timestamp": from_us(now),
            "type": "ExecutionFailed",
            "id": last + 1,
            "previousEventId": last,
            "executionFailedEventDetails": {"cause": cause, "error": RUNTIME},
        }
        run.end({"status": "FAILED", "error": RUNTIME, "cause": cause, "stop_us": now})
        self._release(run)
        return Write(run.arn, events=kept + [event], finish=run.result_row)

    def _crash(self, run: Run, exc: Exception) -> Write:
        # Events the broken step already appended are kept: ids stay contiguous.
        history = run.history
        if not history.full:
            history.failure("ExecutionFailed", RUNTIME, f"Internal error: {exc}", history.count)
        return run.end(
            {
                "status": "FAILED",
                "error": RUNTIME,
                "cause": f"Internal error: {exc}",
                "stop_us": run.last_us,
            }
        )

    def _release(self, run: Run) -> None:
        """Cancel the timers and close the task tokens of commands that are gone."""
        for seq in run.take_released():
            self.activities.withdraw(run, seq)
            if self.local is not None:
                self.local.release(run, seq)
            for handle in run.handles.pop(seq, ()):
                handle.cancel()
            token = run.tokens.pop(seq, None)
            if token is not None:
                self._close_token(token)

    def _close_token(self, token: str) -> None:
        with self._lock:
            self._tokens.pop(token, None)
            closed = self._closed_tokens
            closed[token] = None
            if len(closed) > _CLOSED_TOKENS_KEPT:
                closed.popitem(last=False)

    # -- effects ------------------------------------------------------------------------
    def _dispatch(self, run: Run, seq: int) -> None:
        command = run.commands.get(seq)
        if command is None:  # released before it could start
            return
        kind = type(command)
        if kind is Sleep:
            when = run.sleep_deadline(seq, command)
            run.handles[seq] = [
                self._timers.schedule(when, partial(self._deliver, run, Completion(seq)))
            ]
        elif kind is ActivityWait:
            self._dispatch_activity(run, seq, command)
        elif kind is Submitted:
            return  # completed when its call's request returns (outcome)
        elif kind is Invoke:
            if command.task_token is not None:
                run.tokens[seq] = command.task_token
                with self._lock:
                    self._tokens[command.task_token] = (run, seq)
                if command.heartbeat_seconds:
                    self._arm_heartbeat(run, seq, command)
            if _is_activity(command.resource):
                return  # the worker answers with the token (SendTaskSuccess / Failure)
            if self.local is not None and self.local.handles(command):
                self.local.dispatch(run, seq, command, command in run.submitted)
                return
            if command in run.submitted:
                return  # resumed after its request went out (TaskSubmitted): never again
            mocked = self._mocked_outcome(run, command)
            if mocked is not None:  # a test case's mocked response stands for the call
                self.submitted(run, command, None)
                if mocked.throws:
                    self._deliver(run, Completion.failure(seq, mocked.error, mocked.cause))
                else:
                    self._deliver(run, Completion(seq, dumps(mocked.value)))
                return
            # The timeout counts from here, when the call starts (see .run).
            deadline_us = run.call_deadline(command)
            self._invoker.submit(
                command,
                partial(self.outcome, run, seq, command),
                deadline=None if deadline_us is None else deadline_us / 1e6,
            )
        elif command is not None:
            self._deliver(run, Completion.failure(seq, RUNTIME, f"unsupported command {command!r}"))

    def _mocked_outcome(self, run: Run, command: Invoke) -> Outcome | None:
        """The mocked response of ``command`` when its execution runs a test case of the
        mock configuration and the case mocks its state (see :mod:`~orchestrator.asl.
        mock_config`); a ``.waitForTaskToken`` one answers at once, as Step Functions Local."""
        case_name = run.row.get("mock_case")
        if case_name is None or self.mocks is None:
            return None
        case = self.mocks.case(run.row["sm_arn"].rsplit(":", 1)[1], case_name)
        return None if case is None else case.outcome(command.state_name, command.attempt)

    def _dispatch_activity(self, run: Run, seq: int, command: ActivityWait) -> None:
        arn = command.activity_arn
        if command.phase == ACTIVITY_CHECK:
            if self.store.get_resource("activity", arn) is None:
                cause = f"The activity {arn} does not exist."
                self._deliver(run, Completion.failure(seq, RUNTIME, cause))
            else:
                self._deliver(run, Completion(seq, "null"))
            return
        assert command.task_token is not None  # the Task state issues it before the pickup
        task = Pending(run, seq, command.task_token, command.input)
        if not self.activities.offer(arn, task):
            cause = f"The activity {arn} has too many tasks waiting for a worker."
            self._deliver(run, Completion.failure(seq, RUNTIME, cause))

    def _arm_heartbeat(self, run: Run, seq: int, command: Invoke) -> None:
        """HeartbeatSeconds: "If more time than the specified seconds elapses between
        heartbeats from the task, this state fails with a States.HeartbeatTimeout error"."""
        for handle in run.handles.pop(seq, ()):
            handle.cancel()
        scale = self.config.time_scale if self.config.scale_task_timeouts else 1.0
        when = real_us() + int((command.heartbeat_seconds or 0) * 1e6 * scale)
        run.handles[seq] = [
            self._timers.schedule(
                when, partial(self._deliver, run, Completion.failure(seq, HEARTBEAT_TIMEOUT, None))
            )
        ]

    def outcome(
        self, run: Run, seq: int, command: Invoke, result: Any, error: StatesError | None
    ) -> None:
        """A Task call ended (any thread; quick): hand its outcome to the activators."""
        if run.finished:
            return
        if error is not None:
            self._deliver(run, Completion.failure(seq, error.error, error.cause))
            if command.task_token is not None:  # an answer that came before the failure
                self.submitted(run, command, None)
            return
        if resources.is_callback(command.resource):
            # .waitForTaskToken: the result arrives through SendTaskSuccess/Failure; the
            # request's own response is the Task's TaskSubmitted. (A .sync Task has a token
            # too, which may answer it before its job ends: its outcome completes it.)
            self.submitted(
                run, command, result.response if isinstance(result, WaitForCallback) else result
            )
            return
        try:
            if isinstance(result, Doc):
                text = result.text
                check_text(text, result.value)
            else:
                text = dumps(result)
                check_text(text, result)
        except (StatesError, InvalidJson, TypeError, ValueError) as exc:
            cause = exc.cause if isinstance(exc, StatesError) else str(exc)
            self._deliver(
                run, Completion.failure(seq, RUNTIME, f"The Task result is not valid JSON: {cause}")
            )
            return
        self._deliver(run, Completion(seq, text))

    def submitted(self, run: Run, command: Invoke, response: Any) -> None:
        """Complete the :class:`Submitted` waiting on ``command``'s request, if any: with
        the response's JSON text, or NOT_SUBMITTED for None (no request was made)."""
        seq = run.submits.get(command)
        if seq is None:
            return
        if response is None:
            self._deliver(run, Completion.failure(seq, NOT_SUBMITTED, None))
            return
        try:
            text = response.text if isinstance(response, Doc) else dumps(response)
        except (TypeError, ValueError):
            text = dumps(str(response))
        self._deliver(run, Completion(seq, text))

    def _log(self, run: Run, events: list[dict]) -> None:
        if not events or not self.config.log_to_stdout:
            return
        config = run.row.get("logging")
        if not config or config.get("level", "OFF") == "OFF":
            return
        logs.emit(logs.log_records(events, run.arn, config))

    def _on_finished(self, run: Run) -> None:
        with self._lock:
            self._active.pop(run.arn, None)
        run.done.set()
        if self._on_finished_hook is not None:
            self._on_finished_hook(run)

    # -- resume after a restart ---------------------------------------------------------------
    def _queue_resumes(self) -> None:
        rows = self.store.running_executions()
        with self._cond:
            self._resuming = len(rows)
            if not rows:
                self._resumed.set()
        for row in rows:
            try:
                run = self.new_run(row, durable=True)
            except Exception as exc:  # a definition or input that no longer loads
                log.exception("cannot resume %s", row["arn"])
                self._fail_unresumable(row, exc)
                self._resume_done()
                continue
            with self._lock:
                self._active[run.arn] = run
            self.send(run, Resume())
        if rows:
            log.info("resuming %d in-flight executions from the journal", len(rows))

    def _resume_done(self, replayed: bool = False) -> None:
        with self._lock:
            self._resuming -= 1
            self._replayed += replayed
            finished = self._resuming <= 0 and not self._resumed.is_set()
            if finished:
                self._resumed.set()
        if finished:
            log.info("resumed %d in-flight executions from the journal", self._replayed)

    def _resume(self, run: Run) -> tuple[bool, Write | None]:
        """Replay ``run``'s journal (on an activator): (True, None) when it was replayed,
        (False, None) when there was nothing to replay (it never started), (False, write)
        when it could not be replayed: ``write`` fails it. A journal that ends with a final
        record is a redrive (RedriveExecution, or one a crash interrupted): the run gets its
        ``ExecutionRedriven`` event and the completions to feed again
        (``run.redriven``)."""
        counted = not run.redriving  # a start-up resume, counted for wait_resumed
        try:
            records = self.store.journal(run.arn)
            if not records:
                if counted:
                    self._resume_done(True)
                return False, None
            again = run.replay_journal(records, self.store.iter_events(run.arn), self.store.events)
            if again is not None:
                run.begin_redrive(int(run.row.get("redrive_count") or 0), self.store.events)
                run.redriven = again
            for seq, command in run.commands.items():
                if type(command) is Invoke and command.task_token is not None:
                    with self._lock:
                        self._tokens[command.task_token] = (run, seq)
            if counted:
                self._resume_done(True)
            return True, None
        except Exception as exc:
            log.exception("cannot resume %s", run.arn)
            failure = self._unresumable_write(run.row, exc)
            assert failure.finish is not None
            run.end(failure.finish)
            self._release(run)
            if counted:
                self._resume_done()
            return False, failure

    def _unresumable_write(self, row: dict, exc: Exception) -> Write:
        last = self.store.last_event_id(row["arn"])
        now = real_us()
        cause = f"The execution could not be resumed after a restart: {exc}"
        event = {
            "timestamp": from_us(now),
            "type": "ExecutionFailed",
            "id": (last or 0) + 1,
            "previousEventId": last or 0,
            "executionFailedEventDetails": {"cause": cause, "error": RUNTIME},
        }
        return Write(
            row["arn"],
            events=[event],
            finish={"status": "FAILED", "stop_us": now, "error": RUNTIME, "cause": cause},
        )

    def _fail_unresumable(self, row: dict, exc: Exception) -> None:
        try:
            self.store.commit([self._unresumable_write(row, exc)])
        except StoreUnavailable as err:  # it stays RUNNING: the next start tries again
            log.error("cannot record that %s failed: %s", row["arn"], err.reason)

    def wait_resumed(self, timeout: float | None = None) -> bool:
        """Block until every execution found RUNNING at start has been replayed."""
        return self._resumed.wait(timeout)


class _Threaded:
    """The ``submit`` API over a blocking ``invoker(Invoke) -> result`` callable (test
    fakes, custom resources): each call runs on a bounded thread pool."""

    def __init__(self, invoker: Callable[[Invoke], Any], workers: int) -> None:
        self._invoker = invoker
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="engine-worker")

    def submit(
        self,
        invoke: Invoke,
        done: Callable[[Any, StatesError | None], None],
        *,
        deadline: float | None = None,
    ) -> None:
        self._pool.submit(self._call, invoke, done)

    def _call(self, invoke: Invoke, done: Callable[[Any, StatesError | None], None]) -> None:
        try:
            result = self._invoker(invoke)
        except StatesError as err:
            done(None, err)
            return
        except Exception as exc:  # a resource bug is the Task's failure, not the engine's
            log.exception("Task resource %s raised", invoke.resource)
            done(None, StatesError(TASK_FAILED, f"{type(exc).__name__}: {exc}"))
            return
        done(result, None)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        close = getattr(self._invoker, "close", None)
        if close is not None:
            close()


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value) -> None:
        pass


def _default_invoker(config: EngineConfig) -> tuple[Any, Any]:
    """The Task resources of :mod:`orchestrator.tasks` (HTTP Task, Lambda-ARN map, ...), in
    the engine's account and region (one home for both: the engine's settings), and the
    Task configuration they run with."""
    try:
        from orchestrator.tasks import TaskInvoker, load_config
    except ImportError:

        def unavailable(command: Invoke) -> Any:
            raise StatesError(
                TASK_FAILED, f"No Task resource handler is available for '{command.resource}'"
            )

        return unavailable, None
    tasks = config.tasks if config.tasks is not None else load_config()
    tasks = dataclasses.replace(tasks, account=config.account, region=config.region)
    return TaskInvoker(tasks), tasks


def _is_activity(resource: str) -> bool:
    parsed = resources.parse(resource)
    return parsed is not None and parsed.kind == resources.ACTIVITY
