"""One execution as the durable engine drives it: a Scheduler, a journaled clock and
effects, and the activation step that turns completions into history and new commands.

docs/architecture.md, "How the core and the engine meet": the interpreter advances an
execution as far as it can, then hands the engine the commands it waits on; everything
non-deterministic (clock readings, UUIDs, random numbers, jitter, evaluation time budgets)
enters through the same door and is recorded, so replaying a journal rebuilds exactly the
same state.

An *activation* is one driver step: apply the messages of its inbox (completions in
arrival order, a start, a stop: :mod:`.journal`) to the
:class:`~orchestrator.asl.runtime.Scheduler`, run it until every coroutine is blocked (or
its slice is used up: see below), number the newly issued commands (a deterministic
issue sequence: ``seq``), and produce one :class:`~.journal.Record` of the completions it
applied and of every clock reading, random draw, UUID, deadline and evaluation timeout it
consumed.

Slices: an activation runs at most ``slice_steps`` scheduler steps or ``slice_seconds``,
so one busy execution (a Pass/Choice loop, a huge Map) cannot hold a driver thread; the
driver queues it again behind the others. The number of steps is journaled
(``Record.steps``), so a replay stops at the very same point.

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
execution's TimeoutSeconds all see consistent time. The skew is journaled. A Sleep whose
``purpose`` is a Task's TimeoutSeconds (``TASK_TIMEOUT``, naming the ``call`` it bounds)
bounds real work: it is not scaled unless
``scale_task_timeouts`` is set, and it counts from when the call starts — the driver sets
its deadline when it dispatches the call (:meth:`Run.call_deadline`), so it is not
journaled; a call re-made after a restart gets its full timeout again. The timeout of a
``.waitForTaskToken`` Task bounds the wait for the callback, which survives a restart, so
its deadline is journaled like a Wait's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from orchestrator.asl import budget
from orchestrator.asl.budget import DEFAULT_SECONDS, Deadline
from orchestrator.asl.context import ExecutionInfo
from orchestrator.asl.document import Doc, loads
from orchestrator.asl.effects import SystemEffects
from orchestrator.asl.errors import REDRIVE_ATTEMPT, RUNTIME, StatesError
from orchestrator.asl.execution import run_execution
from orchestrator.asl.history import History
from orchestrator.asl.model import StateMachine
from orchestrator.asl.runtime import (
    EXECUTION_TIMEOUT,
    TASK_TIMEOUT,
    Invoke,
    Scheduler,
    Sleep,
    Submitted,
    Task,
)
from orchestrator.asl.states.base import Env

from .clock import from_us, real_us, to_us
from .journal import Completion, Cursor, MapRunUpdate, Record, ReplayDivergence, Start, Stop
from .map_runs import StoredMapRuns
from .store import Write

__all__ = ["Run", "ReplayDivergence"]

_SYSTEM = SystemEffects()


class _JournaledEffects:
    """``Effects`` for the interpreter: live draws are recorded, replayed draws are read."""

    __slots__ = ("run",)

    def __init__(self, run: Run) -> None:
        self.run = run

    def random(self) -> float:
        run = self.run
        if run.cursor is not None:
            return run.cursor.take("random")
        value = _SYSTEM.random()
        run.recording.random.append(value)
        return value

    def uuid(self) -> str:
        run = self.run
        if run.cursor is not None:
            return run.cursor.take("uuids")
        value = _SYSTEM.uuid()
        run.recording.uuids.append(value)
        return value

    def deadline(self) -> Deadline:
        """The time budget of the next evaluation (see :mod:`orchestrator.asl.budget`)."""
        run = self.run
        number = run.evaluations
        run.evaluations += 1
        seconds = run.evaluation_seconds
        cursor = run.cursor
        if cursor is not None:
            timed_out = cursor.timed_out(number)
            if timed_out is None:
                return Deadline(None, seconds)  # it finished in time: it will again
            # It ran out: it fails at its first check, before the draws it made live.
            cursor.skip("random", timed_out[0])
            cursor.skip("uuids", timed_out[1])
            return Deadline(None, seconds, expired=True)
        recording = run.recording
        draws = len(recording.random), len(recording.uuids)

        def expired() -> None:
            recording.timeouts.append(
                [number, len(recording.random) - draws[0], len(recording.uuids) - draws[1]]
            )

        return Deadline.after(seconds, on_expire=expired)


class Run:
    """The in-memory state of one active execution. One activator thread at a time works
    on it; other threads only append to ``inbox`` and ``acks`` under the driver's lock."""

    def __init__(
        self,
        row: dict,
        machine: StateMachine,
        *,
        time_scale: float,
        payload_limit: int,
        durable: bool = True,
        redrive_count: int | None = 0,
        scale_task_timeouts: bool = False,
        evaluation_seconds: float = DEFAULT_SECONDS,
    ) -> None:
        self.arn = row["arn"]
        self.row = row
        self.durable = durable
        self.time_scale = time_scale
        self.scale_task_timeouts = scale_task_timeouts
        self.machine = machine
        self.scheduler = Scheduler()
        self.main: Task | None = None
        # The driver's bookkeeping: messages waiting, whether the run is in (or being taken
        # from) the ready queue, the SendTask* calls waiting for a commit.
        self.inbox: list = []
        self.queued = False
        self.acks: list[threading.Event] = []
        self.done = threading.Event()  # set once the end is committed
        self.finished = False
        self.result_row: dict | None = None  # terminal fields once finished
        # Command numbering (deterministic: assigned in issue order after each run()).
        self.commands: dict[int, Any] = {}
        self.seq_of: dict[Any, int] = {}
        self.next_seq = 0
        self.deadlines: dict[int, int] = {}  # Sleep seq -> real deadline (us)
        self.timeouts: dict[Invoke, int] = {}  # call -> seq of the Sleep of its TimeoutSeconds
        self.submits: dict[Invoke, int] = {}  # callback call -> seq of its Submitted
        # Callback calls whose request's response is recorded (TaskSubmitted): a resume
        # waits for their token without making the request again.
        self.submitted: set[Invoke] = set()
        self.record_seq = 0
        # The execution clock.
        self.skew_us = 0
        self.last_us = row["start_us"]
        # What this activation consumes (live), or the record a replay reads from.
        self.recording = Record()
        self.cursor: Cursor | None = None
        # Time budgets of user-controlled evaluations (numbered in evaluation order).
        self.evaluation_seconds = evaluation_seconds
        self.evaluations = 0
        self.preempted = False  # the last activation's slice ended with work left
        self.redriving = False  # started by RedriveExecution (not a start-up resume)
        self.redriven: list[Completion] = []  # a redrive's completions to feed again
        self.new_events: list[dict] = []
        self._stored: Iterator[dict] | None = None  # replay: the stored events, in order
        self._divergence: str | None = None
        # Only the journal holds a durable run's events (bounded memory); an EXPRESS run
        # has no journal, so its history stays in memory for the API.
        self.history = History(
            self.now, self._on_event, limit=row.get("history_limit"), keep=not durable
        )
        info = ExecutionInfo(
            execution_arn=self.arn,
            execution_name=row["name"],
            state_machine_arn=row["sm_arn"],
            state_machine_name=row["sm_arn"].rsplit(":", 1)[1],
            role_arn=row["role_arn"],
            start_time=from_us(row["start_us"]),
            input=loads(row["input"]),
            redrive_count=redrive_count,
            qualifiers={
                member: row[key]
                for key, member in (
                    ("version_arn", "stateMachineVersionArn"),
                    ("alias_arn", "stateMachineAliasArn"),
                )
                if row.get(key)
            },
        )
        # A Distributed Map's Map Runs and child executions (stored with this run's writes).
        self.map_runs = StoredMapRuns(self)
        self.env = Env(
            history=self.history,
            now=self.now,
            effects=_JournaledEffects(self),
            info=info,
            payload_limit=payload_limit,
            map_runs=self.map_runs,
        )
        # The driver's per-command extras (timer handles, task tokens) keyed by seq.
        self.handles: dict[int, Any] = {}
        self.tokens: dict[int, str] = {}
        self.released: list[int] = []

    # -- journaled inputs ----------------------------------------------------------------
    def now(self) -> datetime:
        if self.cursor is not None:
            us = self.cursor.take("clock")
        elif self.record_seq == 0 and not self.recording.clock:
            # The first reading (ExecutionStarted) is the startDate StartExecution answered.
            us = self.last_us
            self.recording.clock.append(us)
        else:
            us = real_us() + self.skew_us
            if us < self.last_us:  # never let execution time run backwards
                us = self.last_us
            self.recording.clock.append(us)
        self.last_us = us
        return from_us(us)

    def _on_event(self, event: dict) -> None:
        if self.cursor is None:
            self.new_events.append(event)
            return
        # Replay: every regenerated event must be the stored one, every field included.
        stored = next(self._stored, None) if self._stored is not None else None
        if stored != event and self._divergence is None:
            self._divergence = (
                f"{self.arn}: the replayed event {event['id']} "
                f"({event['type']}) differs from the stored one "
                f"({'none' if stored is None else stored['type']})"
            )

    def _spawn_main(self) -> None:
        self.main = self.scheduler.spawn(
            run_execution(self.machine, self.row["input"], self.env), "execution"
        )

    # -- the activation step -------------------------------------------------------------
    def activate(
        self, messages: list, max_steps: int | None = None, deadline: float | None = None
    ) -> tuple[Write | None, list[int]]:
        """Apply ``messages`` (:class:`~.journal.Start`, :class:`~.journal.Stop`,
        :class:`~.journal.Completion`) and run one slice (at most ``max_steps`` scheduler
        steps, until the monotonic ``deadline``). Returns the journal write (None when
        nothing changed) and the seqs of newly issued commands to dispatch; ``preempted``
        then says whether work is left for another activation."""
        self.preempted = False
        if self.finished:
            return None, []
        applied: list[Completion] = []
        started = False
        stop: Stop | None = None
        # UpdateMapRun first, live and in a replay alike (they only wake the Map Run's pool).
        updates = [m for m in messages if type(m) is MapRunUpdate]
        for update in updates:
            self.map_runs.update(
                update.map_run_arn,
                max_concurrency=update.max_concurrency,
                tolerated_pct=update.tolerated_pct,
                tolerated_count=update.tolerated_count,
            )
        for message in messages:
            kind = type(message)
            if kind is MapRunUpdate:
                continue
            if kind is Start:
                if self.main is None:
                    self._spawn_main()
                    started = True
            elif kind is Stop:
                stop = message
            elif self._apply(message):
                applied.append(message)
        if stop is not None and self.main is None:
            self._spawn_main()  # a Stop that overtook the Start: the history is whole
        if (
            self.cursor is None  # a replayed record was an activation: replay it whole
            and not applied
            and not started
            and not updates
            and stop is None
            and not self.scheduler.has_ready()
            and not self.new_events  # ExecutionRedriven
        ):
            return None, []
        main = self.main
        assert main is not None  # spawned by the Start every history begins with
        if self.cursor is not None:
            max_steps, deadline = self.cursor.record.steps, None
        with budget.using(self.env.effects):
            steps = self.scheduler.run(max_steps, deadline)
        if self.history.full:
            result = self.history.limit_result()
            return self.end(
                {
                    "status": "FAILED",
                    "error": result["error"],
                    "cause": result["cause"],
                    "stop_us": self._last_us(),
                }
            ), []
        if stop is not None and not main.done:
            # StopExecution: after at most this one slice, however busy the execution is;
            # the history keeps what happened before the stop.
            return self._final_record(self._abort(stop.error, stop.cause), applied), []
        new = self._number_commands()
        record, self.recording = self.recording, Record()
        record.completions = applied
        record.updates = updates
        record.steps = steps
        self.preempted = steps is not None
        for seq in new:
            command = self.commands[seq]
            if type(command) is Sleep and self._call_timed(command) is None:
                # A callback Task's timeout bounds a wait, not work: scaled like a Wait
                # only when task timeouts are.
                scaled = command.purpose != TASK_TIMEOUT or self.scale_task_timeouts
                record.deadlines[seq] = self._real_deadline(command.until, scaled)
        self.deadlines.update(record.deadlines)
        record.skew_us = self.skew_us
        record.redrive = self.env.info.redrive_count or 0
        write = self.map_runs.attach(Write(self.arn, events=self.new_events))
        self.new_events = []
        if main.done:
            write.finish = self._finish()
            self.preempted = False
            if write.finish["status"] != "SUCCEEDED":
                self._final_record(write, applied)
        else:
            write.record_seq = self.record_seq
            write.record = record.to_json()
        self.record_seq += 1
        return write, ([] if self.finished else new)

    def _final_record(self, write: Write, applied: list[Completion]) -> Write:
        """The activation that ended a FAILED / TIMED_OUT / ABORTED execution: its
        completions are journaled (a final record) for RedriveExecution, which feeds the
        successful ones again and runs the rest anew."""
        if self.durable:
            record = Record(completions=applied, final=True)
            record.redrive = self.env.info.redrive_count or 0
            write.record_seq = self.record_seq
            write.record = record.to_json()
            self.record_seq += 1
        return write

    def _apply(self, completion: Completion) -> bool:
        """Feed one completion to the scheduler; False when the command is no longer
        outstanding (a race loser, or a late duplicate) and the completion is dropped."""
        command = self.commands.get(completion.seq)
        if command is None or not self.scheduler.is_outstanding(command):
            return False
        if completion.failed:
            # SendTaskFailure may leave out the error: the Task then fails with none.
            error = StatesError(completion.error, completion.cause)  # type: ignore[arg-type]
            self.scheduler.fail(command, error)
        elif type(command) is Sleep:
            if self.cursor is None:
                # The scaled wait is over: make execution time reach the deadline.
                behind = to_us(command.until) - real_us()
                if behind > self.skew_us:
                    self.skew_us = behind
            self.scheduler.complete(command, None)
        else:
            # The result's JSON text: the same Doc live and in a replay.
            assert completion.result is not None  # a call's success always carries it
            self.scheduler.complete(command, Doc.from_text(completion.result))
            if type(command) is Submitted:
                self.submitted.add(command.call)
        return True

    def _number_commands(self) -> list[int]:
        outstanding = self.scheduler.outstanding()
        live = set(outstanding)
        for seq in [s for s, c in self.commands.items() if c not in live]:
            command = self.commands.pop(seq)
            del self.seq_of[command]
            self.deadlines.pop(seq, None)
            if type(command) is Sleep and command.call is not None:
                self.timeouts.pop(command.call, None)
            elif type(command) is Submitted:
                self.submits.pop(command.call, None)
            elif type(command) is Invoke:
                self.submitted.discard(command)
            self.released.append(seq)
        new = []
        for command in outstanding:
            if command not in self.seq_of:
                seq = self.next_seq
                self.next_seq += 1
                self.commands[seq] = command
                self.seq_of[command] = seq
                if type(command) is Sleep and command.call is not None:
                    self.timeouts[command.call] = seq
                elif type(command) is Submitted:
                    self.submits[command.call] = seq
                new.append(seq)
        return new

    def take_released(self) -> list[int]:
        """Seqs withdrawn or completed since the engine last looked (it cancels their
        timers and closes their task tokens)."""
        out, self.released = self.released, []
        return out

    @staticmethod
    def _call_timed(sleep: Sleep) -> Invoke | None:
        """The ordinary call whose TimeoutSeconds ``sleep`` is (its clock starts when the
        call starts); None for any other Sleep. A ``.waitForTaskToken`` call's timeout
        bounds the wait for the callback: an ordinary, journaled Sleep."""
        call = sleep.call
        if sleep.purpose == TASK_TIMEOUT and call is not None and call.task_token is None:
            return call
        return None

    def sleep_deadline(self, seq: int, sleep: Sleep) -> int:
        """When the Sleep numbered ``seq`` fires (real us): its journaled deadline, or the
        one its call set when it started."""
        when = self.deadlines.get(seq)
        if when is None:
            call = self._call_timed(sleep)
            when = self.call_deadline(call) if call is not None else None
        if when is None:  # not journaled (cannot happen for a replayed Sleep): recompute
            when = self.deadlines[seq] = self._real_deadline(sleep.until)
        return when

    def call_deadline(self, invoke: Invoke) -> int | None:
        """Dispatch time of an ordinary call: its timeout starts now (real us), and the
        Sleep bounding it fires then (see the module docstring)."""
        seq = self.timeouts.get(invoke) if invoke.task_token is None else None
        if seq is None or not invoke.timeout_seconds:
            return None
        if seq in self.deadlines:  # set when the call was dispatched
            return self.deadlines[seq]
        scale = self.time_scale if self.scale_task_timeouts else 1.0
        when = self.deadlines[seq] = real_us() + int(invoke.timeout_seconds * 1e6 * scale)
        return when

    def _real_deadline(self, until: datetime, scaled: bool = True) -> int:
        now_real = real_us()
        remaining = to_us(until) - (now_real + self.skew_us)
        if remaining <= 0:
            return now_real
        return now_real + int(remaining * (self.time_scale if scaled else 1.0))

    def _last_us(self) -> int:
        """When the last event happened (execution time, us)."""
        last = self.history.last
        return to_us(last["timestamp"]) if last is not None else self.last_us

    def _finish(self) -> dict:
        main = self.main
        assert main is not None
        self.finished = True
        stop_us = self._last_us()
        result: dict[str, Any]
        if main.error is not None:
            err = main.error
            if isinstance(err, StatesError):
                error, cause = err.error, err.cause
            else:  # an interpreter bug: fail the execution visibly, not the engine
                error, cause = RUNTIME, f"Internal error: {type(err).__name__}: {err}"
            result = {"status": "FAILED", "error": error, "cause": cause}
        else:
            r = main.result
            result = {
                "status": r.status,
                "output": r.output_text,
                "error": r.error,
                "cause": r.cause,
            }
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
        return self.end(
            {"status": "ABORTED", "error": error, "cause": cause, "stop_us": self._last_us()}
        )

    def end(self, result_row: dict) -> Write:
        """Finish from outside the interpreter (aborted, or crashed): every command still
        numbered is released and the write carries the new events and the final row."""
        self.finished = True
        self.result_row = result_row
        self.released.extend(self.commands)
        self.commands.clear()
        self.scheduler.discard()
        if self.cursor is None:  # (a replay that failed half-way writes nothing of its own)
            self.map_runs.abort_open(from_us(result_row["stop_us"]))
        write = Write(self.arn, events=self.new_events, finish=result_row)
        self.new_events = []
        return self.map_runs.attach(write)

    # -- replay --------------------------------------------------------------------------
    def replay_journal(
        self,
        records: list[str],
        stored_events: Iterator[dict],
        child_events: Callable[[str], list[dict]] | None = None,
    ) -> list[Completion] | None:
        """Rebuild the in-memory state from the journal (see the module docstring).
        ``stored_events`` yields the stored history in order; every regenerated event is
        compared with it as it is produced (nothing is held in memory).

        Redrive: a journal that ends with a final record belongs to an execution being
        redriven. The records before it are replayed; its own events are skipped; the
        completions of that last activation that succeeded are returned, to be fed again
        (:meth:`begin_redrive`); the commands that failed or timed out stay outstanding and
        run again. An earlier final record (a redrive before this one) is skipped with its
        events, up to the ``ExecutionRedriven`` event that followed it. Returns None when
        the journal does not end with a final record (a plain resume)."""
        self._stored = iter(stored_events)
        parsed = [Record.from_json(text) for text in records]
        redriving = bool(parsed) and parsed[-1].final
        after_redrive = False
        for index, record in enumerate(parsed):
            if record.final:
                self.record_seq += 1
                if index < len(parsed) - 1:
                    redriven = self._skip_stored_through("ExecutionRedriven")
                    if child_events is not None:  # that redrive's Map Runs, as it left them
                        self.map_runs.redrive(redriven["timestamp"], child_events, live=False)
                    after_redrive = True
                continue
            self.env.info.set_redrive_count(record.redrive)
            self.cursor = Cursor(record, f"{self.arn}: record {self.record_seq}")
            if after_redrive:
                # The first reading of a redrive's record is ExecutionRedriven's timestamp
                # (an event the replay does not regenerate).
                self.cursor.skip("clock", 1)
                after_redrive = False
            messages: list = [Start()] if self.main is None else []
            self.activate(messages + record.updates + record.completions)
            if self._divergence is not None:
                raise ReplayDivergence(self._divergence)
            self.cursor.check_used()
            self.deadlines.update(record.deadlines)
            self.skew_us = record.skew_us
        self.cursor = None
        self.recording = Record()
        self.new_events = []
        self.take_released()
        if redriving:
            last = None
            for event in self._stored:  # the events of the activation that ended it
                last = event
            self._stored = None
            if last is not None:
                self.history.resume_after(last)
            return self._redriven_completions(parsed[-1])
        extra = next(self._stored, None)
        self._stored = None
        if extra is not None:
            raise ReplayDivergence(
                f"{self.arn}: the replayed history ({self.history.count} "
                f"events) is shorter than the stored one (event "
                f"{extra['id']} was not regenerated)"
            )
        if self.finished:
            raise ReplayDivergence(f"{self.arn}: the journal replays to a finished execution")
        return None

    def _skip_stored_through(self, event_type: str) -> dict:
        assert self._stored is not None
        for event in self._stored:
            if event["type"] == event_type:
                self.history.resume_after(event)
                return event
        raise ReplayDivergence(f"{self.arn}: no {event_type} event after a final record")

    def _redriven_completions(self, final: Record) -> list[Completion]:
        """What a redrive feeds: the completions of the activation that ended the execution,
        the successful ones as they were; a failure, or a timeout that fired, becomes
        ``REDRIVE_ATTEMPT``, on which the Task state (or the execution's timeout) starts that
        attempt again."""
        out = []
        for completion in final.completions:
            command = self.commands.get(completion.seq)
            if command is None:
                continue
            timeout = type(command) is Sleep and command.purpose in (
                TASK_TIMEOUT,
                EXECUTION_TIMEOUT,
            )
            if completion.failed or timeout:
                out.append(Completion.failure(completion.seq, REDRIVE_ATTEMPT, None))
            else:
                out.append(completion)
        return out

    def begin_redrive(
        self, count: int, child_events: Callable[[str], list[dict]] | None = None
    ) -> None:
        """RedriveExecution, after the replay: the ``ExecutionRedriven`` event, the new
        ``$$.Execution.RedriveCount``, and its Distributed Maps' Map Runs redriven (their
        unfinished children reopened: :meth:`.map_runs.StoredMapRuns.redrive`)."""
        self.env.info.set_redrive_count(count)
        self.history.add("ExecutionRedriven", self.history.count, {"redriveCount": count})
        if child_events is not None and self.map_runs.open:
            last = self.history.last
            assert last is not None  # ExecutionRedriven was just appended
            self.map_runs.redrive(last["timestamp"], child_events)
