"""A Distributed Map's Map Run: its child executions, the limits UpdateMapRun changes, and
its counts.

AWS developer guide, "Using Map state in Distributed mode": each iteration of a Distributed
Map runs as a *child workflow execution*, with its own execution history; the set of child
executions one Map state starts is a *Map Run*. The API reads a Map Run with DescribeMapRun
(``status``, ``maxConcurrency``, ``toleratedFailurePercentage`` / ``Count``, the
``itemCounts`` / ``executionCounts``), ListMapRuns and ListExecutions by ``mapRunArn``, and
changes a running one with UpdateMapRun: "Updates an in-progress Map Run's configuration to
include changes to the settings that control maximum concurrency and Map Run failure".

:func:`run_children` runs the iterations as a pool that follows :class:`MapRun`'s limits
*while it runs*: a raised ``maxConcurrency`` starts more children at once, a lowered one
lets the running ones finish and starts no new one until the count is below it, and a
changed tolerated failure threshold is checked again at once and at every child's end
(when the failures exceed it the Map Run fails, the running children are aborted and the
Map state fails with ``States.ExceedToleratedFailureThreshold``).

Where the Map Runs and children are kept is the :class:`MapRuns` of the execution's
``Env``: this base keeps only the open Map Runs (for UpdateMapRun) and the children's
histories' counts; the durable engine stores everything
(:mod:`orchestrator.engine.map_runs`). A child execution's identity is derived, not
drawn: its name is a UUID5 of the Map Run's UUID and the item index, so a replay rebuilds
the same ARNs without recording anything.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from ..context import ExecutionInfo
from ..document import Doc
from ..errors import RUNTIME, StatesError
from ..history import History, HistoryLimitReached
from ..runtime import Cancelled, Signal, Task, spawn

__all__ = ["MapRun", "MapRuns", "MapRunLost", "Child", "Results", "run_children", "exceeds"]

# Statuses of a Map Run (DescribeMapRun ``status``) and of its child executions.
RUNNING, SUCCEEDED, FAILED, ABORTED = "RUNNING", "SUCCEEDED", "FAILED", "ABORTED"
# DescribeMapRun's count members, for the statuses they count.
_COUNTED = {RUNNING: "running", SUCCEEDED: "succeeded", FAILED: "failed", ABORTED: "aborted"}


def exceeds(failures: int, total: int, count: int | None, pct: float | None) -> bool:
    """AWS: the Map Run fails when the failures exceed ToleratedFailureCount or
    ToleratedFailurePercentage (either threshold); with neither, any failure fails it."""
    if count is None and pct is None:
        return failures > 0
    if count is not None and failures > count:
        return True
    return pct is not None and failures * 100 > pct * total


class Child:
    """One child execution of a Map Run: its identity, its own history and its end."""

    __slots__ = (
        "index",
        "arn",
        "name",
        "input_text",
        "history",
        "info",
        "status",
        "redrive_count",
        "redriven_in",
        "items",
    )

    def __init__(self, index: int, arn: str, name: str, input_text: str, history: History):
        self.index = index
        self.arn = arn
        self.name = name
        self.input_text = input_text
        self.history = history
        self.info: ExecutionInfo | None = None
        self.status = RUNNING
        self.redrive_count = 0  # times its parent's RedriveExecution reopened it
        self.redriven_in = 0  # the Map Run's redrive that last reopened it (0: none)
        self.items = 1  # the items in its input (an ItemBatcher's batch: several)


class MapRunLost(Exception):
    """The Map Run failed for a reason of its own, not its children's: reading its items
    (``States.ItemReaderFailed``) or writing its results (``States.ResultWriterFailed``)."""

    def __init__(self, error: StatesError) -> None:
        super().__init__(str(error))
        self.error = error


class Results:
    """Where a Map Run's child results go. This base keeps every child's output (a
    tolerated failure: its ``{"Error", "Cause"}``) for the Map's result; a ResultWriter
    (:mod:`.result_writer`) writes them to S3 instead. :func:`run_children` calls
    :meth:`add` as each child ends, :meth:`settle` between steps (where a writer may
    write what it holds) and :meth:`finish` once every child has ended; :meth:`reopen`
    when a redrive runs the unsuccessful children again after that (each one's new end
    is added again)."""

    def __init__(self, total: int) -> None:
        self.values: list = [None] * total

    def add(self, child: Child, status: str, value: Any, details: dict) -> None:
        self.values[child.index] = value

    async def settle(self) -> None:
        return None

    async def finish(self) -> None:
        return None

    def reopen(self) -> None:
        return None

    def output(self) -> Any:
        return self.values


class MapRun:
    """One Map Run's identity, its current limits and its counts."""

    __slots__ = (
        "arn",
        "uuid",
        "execution_arn",
        "state_machine_arn",
        "label",
        "total",
        "max_concurrency",
        "tolerated_count",
        "tolerated_pct",
        "start",
        "stop",
        "status",
        "counts",
        "item_counts",
        "items",
        "results_written",
        "signal",
        "redrive_count",
        "redrive_date",
        "_namespace",
    )

    def __init__(
        self,
        *,
        execution_arn: str,
        parent_machine_arn: str,
        label: str,
        run_uuid: str,
        total: int,
        max_concurrency: int,
        tolerated_count: int | None,
        tolerated_pct: float | None,
    ) -> None:
        base = parent_machine_arn.replace(":stateMachine:", ":mapRun:", 1)
        self.arn = f"{base}/{label}:{run_uuid}"
        self.uuid = run_uuid
        self._namespace = uuid.UUID(run_uuid)  # of the children's names
        self.execution_arn = execution_arn
        # The child executions' state machine: the parent's, qualified by the label.
        self.state_machine_arn = f"{parent_machine_arn}/{label}"
        self.label = label
        self.total = total
        self.max_concurrency = max_concurrency
        self.tolerated_count = tolerated_count
        self.tolerated_pct = tolerated_pct
        self.start: datetime | None = None  # MapRunStarted's time
        self.stop: datetime | None = None
        self.status = RUNNING
        self.counts = {"running": 0, "succeeded": 0, "failed": 0, "aborted": 0, "started": 0}
        self.item_counts = dict(self.counts)  # the same, counted in items (ItemBatcher)
        self.items = total  # the items the children's inputs hold
        self.results_written = 0  # the results a ResultWriter wrote to S3
        self.signal = Signal()  # wakes the pool: a child ended, or the limits changed
        self.redrive_count = 0  # RedriveExecution of the parent redrives the Map Run
        self.redrive_date: datetime | None = None

    def child_identity(self, index: int) -> tuple[str, str]:
        """(name, ARN) of the child execution of item ``index``."""
        name = str(uuid.uuid5(self._namespace, str(index)))
        prefix, _, machine = self.state_machine_arn.rpartition(":stateMachine:")
        return name, f"{prefix}:execution:{machine}:{name}"

    def exceeded(self) -> bool:
        return exceeds(self.counts["failed"], self.total, self.tolerated_count, self.tolerated_pct)

    def update(
        self,
        max_concurrency: int | None = None,
        tolerated_pct: float | None = None,
        tolerated_count: int | None = None,
    ) -> None:
        """UpdateMapRun: new limits, obeyed from the pool's next step on."""
        if max_concurrency is not None:
            self.max_concurrency = max_concurrency
        if tolerated_pct is not None:
            self.tolerated_pct = tolerated_pct
        if tolerated_count is not None:
            self.tolerated_count = tolerated_count
        self.signal.set()

    def counted(self, old: str | None, new: str, items: int = 1) -> None:
        for counts, n in ((self.counts, 1), (self.item_counts, items)):
            if old is not None:
                counts[_COUNTED[old]] -= n
            else:
                counts["started"] += n
            counts[_COUNTED[new]] += n

    def describe_counts(self, items: bool = False) -> dict:
        """DescribeMapRun's ``executionCounts`` (``items``: its ``itemCounts``, which differ
        with an ItemBatcher; nothing to redrive here)."""
        c = self.item_counts if items else self.counts
        total = self.items if items else self.total
        return {
            "pending": total - c["started"],
            "running": c["running"],
            "succeeded": c["succeeded"],
            "failed": c["failed"],
            "timedOut": 0,
            "aborted": c["aborted"],
            "total": total,
            "resultsWritten": self.results_written,
            "failuresNotRedrivable": 0,
            "pendingRedrive": 0,
        }


class MapRuns:
    """Where an execution's Map Runs are kept. This base keeps the open ones only (so that
    UpdateMapRun finds them) and lets the children's events go; the durable engine's
    subclass stores them. The hooks run on the execution's activator thread."""

    def __init__(self) -> None:
        self.open: dict[str, MapRun] = {}

    def opened(self, map_run: MapRun) -> None:
        self.open[map_run.arn] = map_run

    def new_history(self, now: Callable, child_arn: str) -> History:
        """The history of a new child execution."""
        return History(now, keep=False)

    def child_started(self, map_run: MapRun, child: Child) -> None:
        map_run.counted(None, RUNNING, child.items)

    def child_ended(self, map_run: MapRun, child: Child, status: str, end: dict) -> None:
        """``end``: ``output`` (SUCCEEDED) or ``error`` / ``cause``."""
        map_run.counted(child.status, status, child.items)
        child.status = status

    def child_redriven(self, map_run: MapRun, child: Child) -> None:
        """A redrive of the Map Run runs the FAILED or ABORTED ``child`` again."""
        map_run.counted(child.status, RUNNING, child.items)
        child.status = RUNNING
        child.redrive_count += 1
        child.redriven_in = map_run.redrive_count
        history = child.history
        if not history.full:
            history.add("ExecutionRedriven", history.count, {"redriveCount": child.redrive_count})
        if child.info is not None:
            child.info.set_redrive_count(child.redrive_count)

    def closed(self, map_run: MapRun, status: str, stop: datetime) -> None:
        map_run.status = status
        map_run.stop = stop
        self.open.pop(map_run.arn, None)

    def update(self, arn: str, **limits) -> bool:
        """UpdateMapRun on the open Map Run ``arn``; False when it is not open (any more)."""
        map_run = self.open.get(arn)
        if map_run is None:
            return False
        map_run.update(**limits)
        return True


async def run_children(
    map_run: MapRun,
    map_runs: MapRuns,
    start_child: Callable[[int], Awaitable[Child]],
    run_child: Callable[[Child], Awaitable[Doc]],
    results: Results,
    now: Callable[[], datetime],
) -> None:
    """Run every item of ``map_run`` as a child execution, at most ``max_concurrency`` at a
    time (0: no limit), as that limit and the tolerated failures are at each step.
    ``results`` gets each child's output (or, for a tolerated failure, its
    ``{"Error", "Cause"}``). Raises the first failure (a :class:`StatesError`) when the
    failures exceed the threshold, after the running children were aborted, or a
    :class:`MapRunLost` when reading an item (``start_child``) or keeping a result
    (``results``) failed; a :class:`Cancelled` thrown in aborts them too, then goes on.

    A redrive of the parent (``map_run.redrive_count`` raised while the Map Run is open)
    runs every FAILED or ABORTED child again from its ItemProcessor's StartAt (AWS,
    "Redriving Map Runs": the redrive "restarts the unsuccessful child workflow
    executions"); the children the engine reopened where they stopped (the ones the
    parent's last activation left running) are not run twice. A child whose history is
    full is not run again."""
    active: dict[int, tuple[Task, Child]] = {}
    bugs: list[Exception] = []
    failures: list[StatesError] = []
    lost: list[StatesError] = []  # the results could not be kept (a ResultWriter's write)
    total = map_run.total
    unsuccessful: dict[int, Child] = {}  # the children that ended FAILED or ABORTED
    rerun: deque[Child] = deque()  # children a redrive runs again, not started yet
    reran = map_run.redrive_count  # the last redrive of the Map Run that was obeyed

    def end(child: Child, status: str, details: dict) -> None:
        """Record the child's end (its last event, unless its full history recorded one)."""
        history = child.history
        prev = history.count
        try:
            if status == SUCCEEDED:
                history.execution_succeeded(details["output"], prev)
            elif status == FAILED:
                history.failure("ExecutionFailed", details.get("error"), details.get("cause"), prev)
            else:
                history.add("ExecutionAborted", prev, {})
        except HistoryLimitReached:  # full (now or before): it recorded its ExecutionFailed
            pass
        map_runs.child_ended(map_run, child, status, details)
        if status == SUCCEEDED:
            unsuccessful.pop(child.index, None)
        else:
            unsuccessful[child.index] = child
            value = {"Error": details.get("error"), "Cause": details.get("cause")}
            results.add(child, status, value, details)
        active.pop(child.index, None)
        map_run.signal.set()

    def failed(child: Child, failure: StatesError) -> None:
        end(child, FAILED, {"error": failure.error, "cause": failure.cause})
        failures.append(failure)

    async def one(child: Child) -> None:
        try:
            out = await run_child(child)
        except StatesError as err:
            failed(child, err)
        except HistoryLimitReached:  # the child's own history is full (its last event is in)
            limit = child.history.limit_result()
            failed(child, StatesError(limit["error"], limit["cause"]))
        except Cancelled:
            end(child, ABORTED, {})
        except Exception as exc:  # an interpreter bug: the Map fails visibly
            bugs.append(exc)
            end(child, FAILED, {"error": RUNTIME, "cause": f"Internal error: {exc}"})
        else:
            details = {"output": out.text}
            results.add(child, SUCCEEDED, out.value, details)
            end(child, SUCCEEDED, details)

    def abort_all() -> None:
        for task, _ in active.values():
            task.cancel()

    async def join_all() -> BaseException | None:
        """Wait for every running child to end; one cancelled before it ever ran is ended
        here. Returns a Cancelled thrown into this coroutine meanwhile."""
        stopped: BaseException | None = None
        for task, child in list(active.values()):
            while not task.done:
                try:
                    await task
                except Cancelled as exc:
                    if not task.done:  # thrown into the pool, not the child's own end
                        stopped = exc
                        abort_all()
            if child.status == RUNNING:
                end(child, ABORTED, {})
        while rerun:  # queued to run again by a redrive, never started
            end(rerun.popleft(), ABORTED, {})
        return stopped

    async def settle() -> None:
        try:
            await results.settle()
        except StatesError as err:
            lost.append(err)

    def redriven() -> bool:
        """Obey a redrive of the Map Run not obeyed yet: its unsuccessful children are
        queued to run again (in item order). False when there was none to obey."""
        nonlocal reran
        if map_run.redrive_count <= reran:
            return False
        reran = map_run.redrive_count
        for index in sorted(unsuccessful):
            child = unsuccessful[index]
            if child.redriven_in != reran and not child.history.full:
                del unsuccessful[index]
                map_runs.child_redriven(map_run, child)
                rerun.append(child)
        return True

    next_index = 0
    try:
        while True:
            while True:
                redriven()
                if bugs or lost or map_run.exceeded():
                    abort_all()
                    stopped = await join_all()
                    if stopped is not None:
                        raise stopped
                    break
                while (rerun or next_index < total) and not lost:
                    limit = map_run.max_concurrency
                    if limit > 0 and len(active) >= limit:
                        break
                    if rerun:
                        child = rerun.popleft()
                    else:
                        try:
                            child = await start_child(next_index)  # may read (ItemReader)
                        except StatesError as err:
                            lost.append(err)
                            break
                        map_runs.child_started(map_run, child)
                        next_index += 1
                    active[child.index] = (await spawn(one(child)), child)
                    # Children end while the next item is read: keep what they gave bounded.
                    await settle()
                if lost:
                    continue
                if not active and not rerun and next_index >= total:
                    break
                await map_run.signal.wait()
                await settle()
            if bugs or lost:
                break
            try:
                await results.finish()
            except StatesError as err:
                lost.append(err)
                break
            if not redriven():  # a redrive came while the results were being finished
                break
            results.reopen()
    except Cancelled:
        abort_all()
        await join_all()
        map_runs.closed(map_run, ABORTED, now())
        raise
    if bugs:
        map_runs.closed(map_run, FAILED, now())
        raise bugs[0]
    if lost:
        map_runs.closed(map_run, FAILED, now())
        raise MapRunLost(lost[0])
    if map_run.exceeded():
        map_runs.closed(map_run, FAILED, now())
        raise failures[0]
    map_runs.closed(map_run, SUCCEEDED, now())
