"""The driving half of the engine: one driver thread, a worker pool, the timer thread,
group commit to the journal, and resume after a restart.

DESIGN.md, "How the core and the engine meet": every active execution is a
:class:`~orchestrator.engine.run.Run` (its own Scheduler). ONE driver thread runs
activations (interpreter steps) for every execution that has something in its inbox,
commits their history events and journal records in one SQLite transaction (group commit),
and only then dispatches the new commands (write-ahead): ``Invoke`` to a bounded worker
pool calling the Task resources, ``Sleep`` to the single timer thread. An execution
waiting in a Wait, a retry backoff or a callback holds no thread - only a heap entry or a
task token in a dict. Interpreter code only ever runs on the driver thread (the Scheduler
is not thread-safe), so API threads talk to it through :meth:`Driver._enqueue`.

Durability: :meth:`Driver.start` replays the journal of every RUNNING execution through a
fresh Scheduler and continues: Sleeps keep their journaled real deadlines, Invokes that had
no recorded completion are dispatched again with the same ``Invoke.key`` —
``<execution ARN>#<StateEntered event id>``: one value per state entry, the same for every
retry attempt and after a replay (event ids are deterministic). The Task resources send it
as the ``Idempotency-Key`` header, so the services return the first response instead of
creating anything new.
"""
from __future__ import annotations

import logging
import sys
import threading
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from orchestrator.asl.document import Doc, dumps
from orchestrator.asl.errors import HEARTBEAT_TIMEOUT, RUNTIME, TASK_FAILED, StatesError
from orchestrator.asl.model import StateMachine, parse
from orchestrator.asl.runtime import Invoke, Sleep

from . import logs
from .clock import from_us, real_us
from .config import EngineConfig
from .run import ERR, OK, START, Run
from .store import SqliteStore, Write
from .timers import Timers

__all__ = ["Driver"]

log = logging.getLogger("orchestrator.engine")

_BATCH = 256              # activations per group commit
_CLOSED_TOKENS_KEPT = 100_000   # answered/timed-out tokens remembered for TaskTimedOut


class Driver:
    """Runs executions; :class:`~orchestrator.engine.engine.Engine` adds the AWS operations."""

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()
        self.store: SqliteStore | None = None
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._active: dict[str, Run] = {}
        self._ready: deque[Run] = deque()
        self._tokens: dict[str, tuple[Run, int]] = {}          # open callback tokens
        self._closed_tokens: OrderedDict[str, None] = OrderedDict()
        self._express: OrderedDict[str, Run] = OrderedDict()
        self._machines: dict[str, StateMachine] = {}   # parsed definitions by text
        self._timers = Timers()
        self._pool: ThreadPoolExecutor | None = None
        self._driver: threading.Thread | None = None
        self._stopping = False
        self._invoker = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self):
        """Open the journal, resume in-flight executions, start the timer and worker threads."""
        if self.store is not None:
            return self
        cfg = self.config
        logging.getLogger("orchestrator.engine").setLevel(cfg.log_level)
        if cfg.log_to_stdout and not logs.LOGGER.handlers:
            handler = _StdoutHandler()
            handler.setFormatter(logging.Formatter("%(message)s"))
            logs.LOGGER.addHandler(handler)
            logs.LOGGER.setLevel(logging.INFO)
            logs.LOGGER.propagate = False
        self._invoker = cfg.invoker or _default_invoker(cfg)
        self.store = SqliteStore(cfg.db_path)
        self._pool = ThreadPoolExecutor(cfg.workers, thread_name_prefix="engine-worker")
        resumed = self._resume()
        self._timers.start()
        self._driver = threading.Thread(target=self._drive, name="engine-driver", daemon=True)
        self._driver.start()
        for run in resumed:
            for seq in list(run.commands):
                self._dispatch(run, seq)
        return self

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._driver is not None:
            self._driver.join(timeout=10)
        self._timers.stop()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self.store is not None:
            self.store.close()
            self.store = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the driver --------------------------------------------------------------------------
    def _enqueue(self, run: Run, item: tuple, ack: threading.Event | None = None) -> None:
        """Hand ``item`` to the driver; ``ack`` is set once the activation that consumed it
        is committed (SendTask* answer only after the outcome is durable)."""
        with self._cond:
            if run.finished or self._stopping:
                if ack is not None:
                    ack.set()
                return
            run.inbox.append(item)
            if ack is not None:
                run.acks.append(ack)
            if not run.queued:
                run.queued = True
                self._ready.append(run)
                self._cond.notify()

    def _deliver(self, run: Run, seq: int, ok: int, payload: Any) -> None:
        self._enqueue(run, (seq, ok, payload))

    def _drive(self) -> None:
        while True:
            with self._cond:
                while not self._ready and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                batch, acks = [], []
                while self._ready and len(batch) < _BATCH:
                    run = self._ready.popleft()
                    items, run.inbox, run.queued = run.inbox, [], False
                    acks += run.acks
                    run.acks = []
                    batch.append((run, items))
            try:
                self._process(batch)
            except Exception:  # never let the driver die: that would stall every execution
                log.exception("engine driver step failed")
            for ack in acks:
                ack.set()

    def _process(self, batch: list) -> None:
        done = []
        for run, items in batch:
            try:
                write, new = run.activate(items)
            except Exception as exc:
                log.exception("execution %s failed inside the engine", run.arn)
                write, new = self._crash(run, exc), []
            self._release(run)
            if write is not None:
                done.append((run, write, new))
        self.store.commit([w for run, w, _ in done if run.durable])
        # Write-ahead: only now that history and journal are durable do effects start.
        for run, write, new in done:
            self._log(run, write.events)
            if run.finished:
                self._on_finished(run)
            else:
                for seq in new:
                    self._dispatch(run, seq)

    def _crash(self, run: Run, exc: Exception) -> Write:
        # Events the broken step already appended are kept: ids stay contiguous.
        events = run.history.events
        run.history.failure("ExecutionFailed", RUNTIME, f"Internal error: {exc}",
                            events[-1]["id"] if events else 0)
        return run.end({"status": "FAILED", "error": RUNTIME,
                        "cause": f"Internal error: {exc}", "stop_us": run.last_us})

    def _release(self, run: Run) -> None:
        """Cancel the timers and close the task tokens of commands that are gone."""
        for seq in run.take_released():
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

    def _dispatch(self, run: Run, seq: int) -> None:
        command = run.commands.get(seq)
        kind = type(command)
        if kind is Sleep:
            when = run.deadlines.get(seq)
            if when is None:  # not journaled (cannot happen for a replayed Sleep): recompute
                when = run.deadlines[seq] = run._real_deadline(command.until)
            run.handles[seq] = [self._timers.schedule(
                when, partial(self._deliver, run, seq, OK, None))]
        elif kind is Invoke:
            if command.task_token is not None:
                run.tokens[seq] = command.task_token
                with self._lock:
                    self._tokens[command.task_token] = (run, seq)
                if command.heartbeat_seconds:
                    self._arm_heartbeat(run, seq, command)
            self._pool.submit(self._call, run, seq, command)
        elif command is not None:
            self._deliver(run, seq, ERR, (RUNTIME, f"unsupported command {command!r}"))

    def _arm_heartbeat(self, run: Run, seq: int, command: Invoke) -> None:
        """HeartbeatSeconds: "If more time than the specified seconds elapses between
        heartbeats from the task, this state fails with a States.HeartbeatTimeout error"."""
        for handle in run.handles.pop(seq, ()):
            handle.cancel()
        scale = self.config.time_scale if self.config.scale_task_timeouts else 1.0
        when = real_us() + int(command.heartbeat_seconds * 1e6 * scale)
        run.handles[seq] = [self._timers.schedule(
            when, partial(self._deliver, run, seq, ERR, (HEARTBEAT_TIMEOUT, None)))]

    def _call(self, run: Run, seq: int, command: Invoke) -> None:
        """A worker thread: run one Task resource call and hand back the outcome."""
        if run.finished:
            return
        try:
            result = self._invoker(command)
        except StatesError as err:
            self._deliver(run, seq, ERR, (err.error, err.cause))
            return
        except Exception as exc:  # a resource bug is the Task's failure, not the engine's
            log.exception("Task resource %s raised", command.resource)
            self._deliver(run, seq, ERR, (TASK_FAILED, f"{type(exc).__name__}: {exc}"))
            return
        if command.task_token is not None:
            return  # .waitForTaskToken: the result arrives through SendTaskSuccess/Failure
        try:
            text = result.text if isinstance(result, Doc) else dumps(result)
        except (TypeError, ValueError) as exc:
            self._deliver(run, seq, ERR, (RUNTIME, f"the Task result is not JSON: {exc}"))
            return
        self._deliver(run, seq, OK, text)

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
        self._finished_hook(run)

    def _finished_hook(self, run: Run) -> None:
        """Called on the driver thread after an execution's end is committed."""

    # -- resume after a restart ---------------------------------------------------------------
    def _resume(self) -> list[Run]:
        resumed = []
        for row in self.store.running_executions():
            run = self._new_run(row, durable=True)
            records = self.store.journal(row["arn"])
            if not records:  # crashed between StartExecution and the first activation
                self._active[run.arn] = run
                self._enqueue(run, (START,))
                continue
            try:
                run.replay_journal(records, self.store.events(row["arn"]))
            except Exception as exc:
                log.exception("cannot resume %s", row["arn"])
                self._fail_unresumable(row, exc)
                continue
            for seq, command in run.commands.items():
                if type(command) is Invoke and command.task_token is not None:
                    self._tokens[command.task_token] = (run, seq)
            self._active[run.arn] = run
            resumed.append(run)
        if resumed:
            log.info("resumed %d in-flight executions from the journal", len(resumed))
        return resumed

    def _fail_unresumable(self, row: dict, exc: Exception) -> None:
        events = self.store.events(row["arn"])
        now = real_us()
        cause = f"The execution could not be resumed after a restart: {exc}"
        event = {"timestamp": from_us(now), "type": "ExecutionFailed",
                 "id": len(events) + 1, "previousEventId": events[-1]["id"] if events else 0,
                 "executionFailedEventDetails": {"cause": cause, "error": RUNTIME}}
        self.store.commit([Write(row["arn"], events=[event], finish={
            "status": "FAILED", "stop_us": now, "error": RUNTIME, "cause": cause})])

    # -- helpers -------------------------------------------------------------------------------
    def _require_started(self) -> SqliteStore:
        if self.store is None:
            raise RuntimeError("Engine.start() has not been called")
        return self.store

    def _parsed(self, definition: str) -> StateMachine:
        machine = self._machines.get(definition)
        if machine is None:
            machine = parse(definition, validate=False)
            if len(self._machines) > 512:
                self._machines.clear()
            self._machines[definition] = machine
        return machine

    def _new_run(self, row: dict, durable: bool) -> Run:
        run = Run(row, self._parsed(row["definition"]), time_scale=self.config.time_scale,
                  scale_task_timeouts=self.config.scale_task_timeouts,
                  payload_limit=self.config.payload_limit, durable=durable,
                  redrive_count=0 if durable or row.get("sync") is not True else None)
        run.done = threading.Event()
        run.tokens = {}
        run.acks = []
        return run


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


def _default_invoker(config: EngineConfig):
    """The Task resources of :mod:`orchestrator.tasks` (HTTP Task, Lambda-ARN map, ...)."""
    try:
        from orchestrator.tasks import TaskInvoker, load_config
    except ImportError:
        def unavailable(command: Invoke) -> Any:
            raise StatesError(TASK_FAILED, f"No Task resource handler is available for "
                                           f"'{command.resource}'")
        return unavailable
    return TaskInvoker(config.tasks if config.tasks is not None else load_config())
