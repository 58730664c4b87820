"""One execution as the durable engine drives it: a Scheduler, a journaled clock and
effects, and the activation step that turns completions into history and new commands.

DESIGN.md, "How the core and the engine meet": the interpreter advances an execution as
far as it can, then hands the engine the commands it waits on; "Everything
non-deterministic (clock readings, UUIDs, random numbers, jitter) enters through the same
door and is recorded, so replaying a journal rebuilds exactly the same state".

An *activation* is one driver step: apply completions (in arrival order) to the
:class:`~orchestrator.asl.runtime.Scheduler`, run it until every coroutine is blocked,
number the newly issued commands (a deterministic issue sequence: ``seq``), and produce
one journal record::

    {"c": [[seq, 0, result_json] | [seq, 1, error, cause], ...],   # completions, in order
     "t": [clock readings, us], "r": [random draws], "u": [uuid draws],
     "d": {seq: real deadline us} for new Sleep commands, "k": clock skew us}

The engine commits the record together with the history events the activation appended,
THEN dispatches the new commands (write-ahead). Replaying the records in order through a
fresh Scheduler — FIFO, fed the recorded clock readings and draws — rebuilds the same
coroutine state and regenerates the same events, which are checked against the stored ones.

Time scale: a Sleep until ``T`` issued at execution time ``v`` fires after
``(T - v) * time_scale`` real seconds; when it fires the execution clock's skew (added to
the real clock) is raised so that ``now() >= T`` — Wait states, retry backoff and the
execution's TimeoutSeconds all see consistent time. The skew is journaled. A Sleep raced
against an Invoke (a Task's TimeoutSeconds) bounds real work, so it is not scaled unless
``scale_task_timeouts`` is set.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from orchestrator.asl.context import ExecutionInfo
from orchestrator.asl.document import Doc
from orchestrator.asl.effects import SystemEffects
from orchestrator.asl.errors import RUNTIME, StatesError
from orchestrator.asl.execution import run_execution
from orchestrator.asl.history import History
from orchestrator.asl.model import StateMachine
from orchestrator.asl.runtime import Scheduler, Sleep
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


class Run:
    """The in-memory state of one active execution (driver-thread only, except ``inbox``)."""

    def __init__(self, row: dict, machine: StateMachine, *, time_scale: float,
                 payload_limit: int, durable: bool = True, redrive_count: int | None = 0,
                 scale_task_timeouts: bool = False) -> None:
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
        self.new_events: list[dict] = []
        self.history = History(self.now, self._on_event)
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

    def _on_event(self, event: dict) -> None:
        if self.replay is None:
            self.new_events.append(event)

    # -- the activation step -------------------------------------------------------------
    def activate(self, items: list) -> tuple[Write | None, list[int]]:
        """Apply ``items`` (inbox entries) and run. Returns the journal write (None when
        nothing changed) and the seqs of newly issued commands to dispatch."""
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
        if not completions and not started and stop is None:
            return None, []
        if self.main is None:  # a STOP overtook the START: start it so history is whole
            self.main = self.scheduler.spawn(
                run_execution(self.machine, self.row["input"], self.env), "execution")
        self.scheduler.run()
        new = self._number_commands()
        if stop is not None and not self.main.done:
            # Abort after this step ran: the history keeps what happened before the stop.
            return self._abort(stop[1], stop[2]), []
        record = {"c": completions}
        if self.rec_clock:
            record["t"] = self.rec_clock
        if self.rec_random:
            record["r"] = self.rec_random
        if self.rec_uuid:
            record["u"] = self.rec_uuid
        fresh_deadlines = {}
        for seq in new:
            command = self.commands[seq]
            if type(command) is Sleep:
                fresh_deadlines[seq] = self._real_deadline(
                    command.until, self.scale_task_timeouts or not self._is_task_timeout(command))
        if fresh_deadlines:
            record["d"] = fresh_deadlines
            self.deadlines.update(fresh_deadlines)
        record["k"] = self.skew_us
        self.rec_clock, self.rec_random, self.rec_uuid = [], [], []
        write = Write(self.arn, events=self.new_events)
        self.new_events = []
        if self.main.done:
            write.finish = self._finish()
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

    def _is_task_timeout(self, sleep: Sleep) -> bool:
        """Is ``sleep`` racing an Invoke (``first_of(invoke, Sleep(timeout))`` in task.py)?
        Asks the scheduler for its rivals: the commands carry no purpose of their own."""
        return any(type(c) is not Sleep for c in self.scheduler.race_of(sleep))

    def _real_deadline(self, until: datetime, scaled: bool = True) -> int:
        now_real = real_us()
        remaining = to_us(until) - (now_real + self.skew_us)
        if remaining <= 0:
            return now_real
        return now_real + int(remaining * (self.time_scale if scaled else 1.0))

    def _finish(self) -> dict:
        main = self.main
        self.finished = True
        stop_us = to_us(self.history.events[-1]["timestamp"]) if self.history.events else \
            self.last_us
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
        events = self.history.events
        self.history.add("ExecutionAborted", events[-1]["id"] if events else 0, details)
        return self.end({"status": "ABORTED", "error": error, "cause": cause,
                         "stop_us": to_us(self.history.events[-1]["timestamp"])})

    def end(self, result_row: dict) -> Write:
        """Finish from outside the interpreter (aborted, or crashed): every command still
        numbered is released and the write carries the new events and the final row."""
        self.finished = True
        self.result_row = result_row
        self.released.extend(self.commands)
        self.commands.clear()
        write = Write(self.arn, events=self.new_events, finish=result_row)
        self.new_events = []
        return write

    # -- replay --------------------------------------------------------------------------
    def replay_journal(self, records: list[str], stored_events: list[dict]) -> None:
        """Rebuild the in-memory state from the journal (see the module docstring)."""
        for text in records:
            record = json.loads(text)
            self.replay = record
            self._replay_pos = {}
            items = [(START,)] if self.main is None else []
            for entry in record["c"]:
                if entry[1] == OK:
                    items.append((entry[0], OK, entry[2]))
                else:
                    items.append((entry[0], ERR, (entry[2], entry[3])))
            self.activate(items)
            for key in ("t", "r", "u"):
                if self._replay_pos.get(key, 0) != len(record.get(key, ())):
                    raise ReplayDivergence(f"{self.arn}: record {self.record_seq - 1} left "
                                           f"unused '{key}' inputs")
            self.deadlines.update({int(k): v for k, v in record.get("d", {}).items()})
            self.skew_us = record.get("k", 0)
        self.replay = None
        self.new_events = []
        self.take_released()
        mine = self.history.events
        if mine != stored_events:  # every field, timestamps included
            at = next((i for i, (a, b) in enumerate(zip(mine, stored_events)) if a != b),
                      min(len(mine), len(stored_events)))
            raise ReplayDivergence(f"{self.arn}: the replayed history ({len(mine)} events) "
                                   f"differs from the stored one ({len(stored_events)}) "
                                   f"from event {at + 1}")
        if self.finished:
            raise ReplayDivergence(f"{self.arn}: the journal replays to a finished execution")
