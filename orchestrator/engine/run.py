"""One execution as the durable engine drives it: a Scheduler, a journaled clock and
effects, and the activation step that turns completions into history and new commands.

DESIGN.md, "How the core and the engine meet": the interpreter advances an execution as
far as it can, then hands the engine the commands it waits on; "Everything
non-deterministic (clock readings, UUIDs, random numbers, jitter) enters through the same
door and is recorded, so replaying a journal rebuilds exactly the same state".

An *activation* is one driver step: apply completions (in arrival order) to the
:class:`~orchestrator.asl.runtime.Scheduler`, run it until every coroutine is blocked (or
its slice is used up: see below), number the newly issued commands (a deterministic
issue sequence: ``seq``), and produce one journal record::

    {"c": [[seq, 0, result_json] | [seq, 1, error, cause], ...],   # completions, in order
     "t": [clock readings, us], "r": [random draws], "u": [uuid draws],
     "d": {seq: real deadline us} for new Sleep commands, "k": clock skew us,
     "b": steps run, when the slice ended with work left (absent: ran until blocked),
     "x": [[evaluation number, random draws, uuid draws], ...] of evaluations that ran out
          of their time budget (orchestrator.asl.budget)}

Slices: an activation runs at most ``slice_steps`` scheduler steps or ``slice_seconds``,
so one busy execution (a Pass/Choice loop, a huge Map) cannot hold a driver thread; the
driver queues it again behind the others. The number of steps is journaled ("b"), so a
replay stops at the very same point.

History limit and memory: a durable run keeps no event list in memory (the journal has
them; :class:`~orchestrator.asl.history.History` is built with ``keep=False``), and the
25,000-event limit ends it as AWS does.

The engine commits the record together with the history events the activation appended,
THEN dispatches the new commands (write-ahead). Replaying the records in order through a
fresh Scheduler — FIFO, fed the recorded clock readings and draws — rebuilds the same
coroutine state and regenerates the same events, which are checked against the stored ones.

Time scale: a Sleep until ``T`` issued at execution time ``v`` fires after
``(T - v) * time_scale`` real seconds; when it fires the execution clock's skew (added to
the real clock) is raised so that ``now() >= T`` — Wait states, retry backoff and the
execution's TimeoutSeconds all see consistent time. The skew is journaled. A Sleep raced
against an Invoke (a Task's TimeoutSeconds) bounds real work: it is not scaled unless
``scale_task_timeouts`` is set, and it counts from when the call starts — the driver sets
its deadline when it dispatches the call (:meth:`Run.task_timeout`), so it is not
journaled; a call re-made after a restart gets its full timeout again. The timeout of a
``.waitForTaskToken`` Task bounds the wait for the callback, which survives a restart, so
its deadline is journaled like a Wait's.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterator

from orchestrator.asl import budget
from orchestrator.asl.budget import DEFAULT_SECONDS, Deadline
from orchestrator.asl.context import ExecutionInfo
from orchestrator.asl.document import Doc
from orchestrator.asl.effects import SystemEffects
from orchestrator.asl.errors import RUNTIME, StatesError
from orchestrator.asl.execution import run_execution
from orchestrator.asl.history import History
from orchestrator.asl.model import StateMachine
from orchestrator.asl.runtime import Invoke, Scheduler, Sleep
from orchestrator.asl.states.base import Env

from .clock import from_us, real_us, to_us
from .store import Write

__all__ = ["Run", "ReplayDivergence", "OK", "ERR", "START", "STOP"]

OK, ERR = 0, 1
START = "start"   # inbox item: start the execution (first activation)
STOP = "stop"     # inbox item: StopExecution (error, cause, reply callback)

_SYSTEM = SystemEffects()


class ReplayDivergence(Exception):
    """Replaying the journal did not reproduce the stored history (an engine bug)."""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _JournaledEffects:
    """``Effects`` for the interpreter: live draws are recorded, replayed draws are read."""

    __slots__ = ("run",)

    def __init__(self, run: "Run") -> None:
        self.run = run

    def random(self) -> float:
        run = self.run
        if run.replay is not None:
            return run._take("r")
        value = _SYSTEM.random()
        run.rec_random.append(value)
        return value

    def uuid(self) -> str:
        run = self.run
        if run.replay is not None:
            return run._take("u")
        value = _SYSTEM.uuid()
        run.rec_uuid.append(value)
        return value

    def deadline(self) -> Deadline:
        """The time budget of the next evaluation (see the module docstring, "x")."""
        run = self.run
        number = run.evaluations
        run.evaluations += 1
        seconds = run.evaluation_seconds
        if run.replay is not None:
            timed_out = run.replay_timeouts.get(number)
            if timed_out is None:
                return Deadline(None, seconds)  # it finished in time: it will again
            # It ran out: it fails at its first check, before the draws it made live.
            run._skip("r", timed_out[0])
            run._skip("u", timed_out[1])
            return Deadline(None, seconds, expired=True)
        draws = len(run.rec_random), len(run.rec_uuid)

        def expired() -> None:
            run.rec_timeouts.append([number, len(run.rec_random) - draws[0],
                                     len(run.rec_uuid) - draws[1]])
        return Deadline.after(seconds, on_expire=expired)


class Run:
    """The in-memory state of one active execution (touched by one activator thread at a
    time, except ``inbox``, which other threads append to under the engine lock)."""

    def __init__(self, row: dict, machine: StateMachine, *, time_scale: float,
                 payload_limit: int, durable: bool = True, redrive_count: int | None = 0,
                 scale_task_timeouts: bool = False,
                 evaluation_seconds: float = DEFAULT_SECONDS) -> None:
        self.arn = row["arn"]
        self.row = row
        self.durable = durable
        self.time_scale = time_scale
        self.scale_task_timeouts = scale_task_timeouts
        self.machine = machine
        self.scheduler = Scheduler()
        self.main = None
        self.inbox: list = []          # appended under the engine lock by other threads
        self.queued = False            # already in the driver's ready queue
        self.finished = False
        self.result_row: dict | None = None   # terminal fields once finished
        # Command numbering (deterministic: assigned in issue order after each run()).
        self.commands: dict[int, Any] = {}
        self.seq_of: dict[Any, int] = {}
        self.next_seq = 0
        self.deadlines: dict[int, int] = {}  # Sleep seq -> real deadline (us)
        self.record_seq = 0
        # The execution clock.
        self.skew_us = 0
        self.last_us = row["start_us"]
        # Current activation's recorded inputs (live) / remaining inputs (replay).
        self.rec_clock: list[int] = []
        self.rec_random: list[float] = []
        self.rec_uuid: list[str] = []
        self.replay: dict | None = None
        self._replay_pos: dict[str, int] = {}
        self.replay_timeouts: dict[int, tuple[int, int]] = {}
        # Time budgets of user-controlled evaluations (numbered in evaluation order).
        self.evaluation_seconds = evaluation_seconds
        self.evaluations = 0
        self.rec_timeouts: list[list[int]] = []
        self.preempted = False          # the last activation's slice ended with work left
        self.new_events: list[dict] = []
        self._stored: Iterator[dict] | None = None   # replay: the stored events, in order
        self._divergence: str | None = None
        # Only the journal holds a durable run's events (bounded memory); an EXPRESS run
        # has no journal, so its history stays in memory for the API.
        self.history = History(self.now, self._on_event, limit=row.get("history_limit"),
                               keep=not durable)
        input_value = json.loads(row["input"])
        info = ExecutionInfo(
            execution_arn=self.arn, execution_name=row["name"],
            state_machine_arn=row["sm_arn"], state_machine_name=row["sm_arn"].rsplit(":", 1)[1],
            role_arn=row["role_arn"], start_time=from_us(row["start_us"]), input=input_value,
            redrive_count=redrive_count)
        self.env = Env(history=self.history, now=self.now, effects=_JournaledEffects(self),
                       info=info, payload_limit=payload_limit)
        # Engine-owned per-command extras (timer handles, tokens) keyed by seq.
        self.handles: dict[int, Any] = {}
        self.released: list[int] = []

    # -- journaled inputs ----------------------------------------------------------------
    def now(self) -> datetime:
        if self.replay is not None:
            us = self._take("t")
        elif self.record_seq == 0 and not self.rec_clock:
            # The first reading (ExecutionStarted) is the startDate StartExecution answered.
            us = self.last_us
            self.rec_clock.append(us)
        else:
            us = real_us() + self.skew_us
            if us < self.last_us:  # never let execution time run backwards
                us = self.last_us
            self.rec_clock.append(us)
        self.last_us = us
        return from_us(us)

    def _take(self, key: str):
        values = self.replay.get(key, ())
        pos = self._replay_pos.get(key, 0)
        if pos >= len(values):
            raise ReplayDivergence(f"{self.arn}: the replay asked for more '{key}' inputs "
                                   f"than the journal recorded")
        self._replay_pos[key] = pos + 1
        return values[pos]

    def _skip(self, key: str, count: int) -> None:
        if count:
            self._replay_pos[key] = self._replay_pos.get(key, 0) + count

    def _on_event(self, event: dict) -> None:
        if self.replay is None:
            self.new_events.append(event)
            return
        # Replay: every regenerated event must be the stored one, every field included.
        stored = next(self._stored, None) if self._stored is not None else None
        if stored != event and self._divergence is None:
            self._divergence = (f"{self.arn}: the replayed event {event['id']} "
                                f"({event['type']}) differs from the stored one "
                                f"({'none' if stored is None else stored['type']})")

    # -- the activation step -------------------------------------------------------------
    def activate(self, items: list, max_steps: int | None = None,
                 deadline: float | None = None) -> tuple[Write | None, list[int]]:
        """Apply ``items`` (inbox entries) and run one slice (at most ``max_steps``
        scheduler steps, until the monotonic ``deadline``). Returns the journal write (None
        when nothing changed) and the seqs of newly issued commands to dispatch;
        ``preempted`` then says whether work is left for another activation."""
        self.preempted = False
        if self.finished:
            return None, []
        completions: list = []
        started = False
        stop = None
        for item in items:
            kind = item[0]
            if kind == START:
                if self.main is None:
                    self.main = self.scheduler.spawn(
                        run_execution(self.machine, self.row["input"], self.env), "execution")
                    started = True
            elif kind == STOP:
                stop = item
            else:
                entry = self._apply(*item)
                if entry is not None:
                    completions.append(entry)
        if stop is not None and self.main is None:
            # A STOP that overtook the START: start it, so the history is whole.
            self.main = self.scheduler.spawn(
                run_execution(self.machine, self.row["input"], self.env), "execution")
        if not completions and not started and stop is None and not self.scheduler.has_ready():
            return None, []
        if self.replay is not None:
            max_steps, deadline = self.replay.get("b"), None
        with budget.using(self.env.effects):
            steps = self.scheduler.run(max_steps, deadline)
        if self.history.full:
            result = self.history.limit_result()
            return self.end({"status": "FAILED", "error": result["error"],
                             "cause": result["cause"],
                             "stop_us": to_us(self.history.last["timestamp"])}), []
        if stop is not None and not self.main.done:
            # StopExecution: after at most this one slice, however busy the execution is;
            # the history keeps what happened before the stop.
            return self._abort(stop[1], stop[2]), []
        new = self._number_commands()
        record: dict[str, Any] = {"c": completions}
        if self.rec_clock:
            record["t"] = self.rec_clock
        if self.rec_random:
            record["r"] = self.rec_random
        if self.rec_uuid:
            record["u"] = self.rec_uuid
        if self.rec_timeouts:
            record["x"] = self.rec_timeouts
        if steps is not None:
            record["b"] = steps
            self.preempted = True
        fresh_deadlines = {}
        for seq in new:
            command = self.commands[seq]
            if type(command) is Sleep and self.task_timeout(command) is None:
                # A callback Task's timeout bounds a wait, not work: scaled like a Wait
                # only when task timeouts are.
                racing = any(type(c) is Invoke for c in self.scheduler.race_of(command))
                fresh_deadlines[seq] = self._real_deadline(
                    command.until, self.scale_task_timeouts or not racing)
        if fresh_deadlines:
            record["d"] = fresh_deadlines
            self.deadlines.update(fresh_deadlines)
        record["k"] = self.skew_us
        self.rec_clock, self.rec_random, self.rec_uuid, self.rec_timeouts = [], [], [], []
        write = Write(self.arn, events=self.new_events)
        self.new_events = []
        if self.main.done:
            write.finish = self._finish()
            self.preempted = False
        else:
            write.record_seq = self.record_seq
            write.record = _dumps(record)
        self.record_seq += 1
        return write, ([] if self.finished else new)

    def _apply(self, seq: int, ok: int, payload: Any):
        """Feed one completion to the scheduler; returns its journal entry (None when the
        command is no longer outstanding: a race loser, or a late duplicate)."""
        command = self.commands.get(seq)
        if command is None or not self.scheduler.is_outstanding(command):
            return None
        if ok == OK:
            if type(command) is Sleep:
                if self.replay is None:
                    # The scaled wait is over: make execution time reach the deadline.
                    behind = to_us(command.until) - real_us()
                    if behind > self.skew_us:
                        self.skew_us = behind
                self.scheduler.complete(command, None)
                return [seq, OK, None]
            # ``payload`` is the result's JSON text: the same Doc live and in a replay.
            self.scheduler.complete(command, Doc.from_text(payload))
            return [seq, OK, payload]
        error, cause = payload
        self.scheduler.fail(command, StatesError(error, cause))
        return [seq, ERR, error, cause]

    def _number_commands(self) -> list[int]:
        outstanding = self.scheduler.outstanding()
        live = set(outstanding)
        for seq in [s for s, c in self.commands.items() if c not in live]:
            command = self.commands.pop(seq)
            del self.seq_of[command]
            self.deadlines.pop(seq, None)
            self.released.append(seq)
        new = []
        for command in outstanding:
            if command not in self.seq_of:
                seq = self.next_seq
                self.next_seq += 1
                self.commands[seq] = command
                self.seq_of[command] = seq
                new.append(seq)
        return new

    def take_released(self) -> list[int]:
        """Seqs withdrawn or completed since the engine last looked (it cancels their
        timers and closes their task tokens)."""
        out, self.released = self.released, []
        return out

    def task_timeout(self, command: Any) -> Invoke | None:
        """The Invoke whose TimeoutSeconds ``command`` (a Sleep) is, when that call is an
        ordinary one (``first_of(invoke, Sleep(timeout))`` in task.py; a
        ``.waitForTaskToken`` call's timeout bounds the callback and is an ordinary,
        journaled Sleep). Asks the scheduler for its rivals: the commands carry no purpose
        of their own."""
        for rival in self.scheduler.race_of(command):
            if type(rival) is Invoke and rival.task_token is None:
                return rival
        return None

    def timeout_of(self, invoke: Invoke) -> tuple[int, Sleep] | None:
        """(seq, Sleep) of the TimeoutSeconds racing ``invoke``, if any."""
        for rival in self.scheduler.race_of(invoke):
            if type(rival) is Sleep:
                seq = self.seq_of.get(rival)
                if seq is not None:
                    return seq, rival
        return None

    def call_deadline(self, invoke: Invoke) -> int | None:
        """Dispatch time of an ordinary call: its timeout starts now (real us), and the
        racing Sleep fires then (see the module docstring)."""
        found = self.timeout_of(invoke) if invoke.task_token is None else None
        if found is None or not invoke.timeout_seconds:
            return None
        seq, _ = found
        scale = self.time_scale if self.scale_task_timeouts else 1.0
        when = self.deadlines[seq] = real_us() + int(invoke.timeout_seconds * 1e6 * scale)
        return when

    def _real_deadline(self, until: datetime, scaled: bool = True) -> int:
        now_real = real_us()
        remaining = to_us(until) - (now_real + self.skew_us)
        if remaining <= 0:
            return now_real
        return now_real + int(remaining * (self.time_scale if scaled else 1.0))

    def _finish(self) -> dict:
        main = self.main
        self.finished = True
        last = self.history.last
        stop_us = to_us(last["timestamp"]) if last is not None else self.last_us
        if main.error is not None:
            err = main.error
            if isinstance(err, StatesError):
                error, cause = err.error, err.cause
            else:  # an interpreter bug: fail the execution visibly, not the engine
                error, cause = RUNTIME, f"Internal error: {type(err).__name__}: {err}"
            result = {"status": "FAILED", "error": error, "cause": cause}
        else:
            r = main.result
            result = {"status": r.status, "output": r.output_text, "error": r.error,
                      "cause": r.cause}
        result["stop_us"] = stop_us
        self.result_row = result
        return result

    def _abort(self, error: str | None, cause: str | None) -> Write:
        """StopExecution: "Stops an execution ... ExecutionAborted"; the coroutines are
        simply dropped (an aborted execution is never replayed)."""
        details = {}
        if cause is not None:
            details["cause"] = cause
        if error is not None:
            details["error"] = error
        history = self.history
        if not history.full:
            history.add("ExecutionAborted", history.count, details)
        return self.end({"status": "ABORTED", "error": error, "cause": cause,
                         "stop_us": to_us(history.last["timestamp"])})

    def end(self, result_row: dict) -> Write:
        """Finish from outside the interpreter (aborted, or crashed): every command still
        numbered is released and the write carries the new events and the final row."""
        self.finished = True
        self.result_row = result_row
        self.released.extend(self.commands)
        self.commands.clear()
        self.scheduler.discard()
        write = Write(self.arn, events=self.new_events, finish=result_row)
        self.new_events = []
        return write

    # -- replay --------------------------------------------------------------------------
    def replay_journal(self, records: list[str], stored_events: Iterator[dict]) -> None:
        """Rebuild the in-memory state from the journal (see the module docstring).
        ``stored_events`` yields the stored history in order; every regenerated event is
        compared with it as it is produced (nothing is held in memory)."""
        self._stored = iter(stored_events)
        for text in records:
            record = json.loads(text)
            self.replay = record
            self._replay_pos = {}
            self.replay_timeouts = {entry[0]: (entry[1], entry[2])
                                    for entry in record.get("x", ())}
            items = [(START,)] if self.main is None else []
            for entry in record["c"]:
                if entry[1] == OK:
                    items.append((entry[0], OK, entry[2]))
                else:
                    items.append((entry[0], ERR, (entry[2], entry[3])))
            self.activate(items)
            if self._divergence is not None:
                raise ReplayDivergence(self._divergence)
            for key in ("t", "r", "u"):
                if self._replay_pos.get(key, 0) != len(record.get(key, ())):
                    raise ReplayDivergence(f"{self.arn}: record {self.record_seq - 1} left "
                                           f"unused '{key}' inputs")
            self.deadlines.update({int(k): v for k, v in record.get("d", {}).items()})
            self.skew_us = record.get("k", 0)
        self.replay = None
        self.replay_timeouts = {}
        self.new_events = []
        self.take_released()
        extra = next(self._stored, None)
        self._stored = None
        if extra is not None:
            raise ReplayDivergence(f"{self.arn}: the replayed history ({self.history.count} "
                                   f"events) is shorter than the stored one (event "
                                   f"{extra['id']} was not regenerated)")
        if self.finished:
            raise ReplayDivergence(f"{self.arn}: the journal replays to a finished execution")
