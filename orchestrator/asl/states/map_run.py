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
from collections.abc import Awaitable, Callable
from datetime import datetime

from ..context import ExecutionInfo
from ..document import Doc
from ..errors import RUNTIME, StatesError
from ..history import History, HistoryLimitReached
from ..runtime import Cancelled, Signal, Task, spawn

__all__ = ["MapRun", "MapRuns", "Child", "run_children", "exceeds"]

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

    __slots__ = ("index", "arn", "name", "input_text", "history", "info", "status", "redrive_count")

    def __init__(self, index: int, arn: str, name: str, input_text: str, history: History):
        self.index = index
        self.arn = arn
        self.name = name
        self.input_text = input_text
        self.history = history
        self.info: ExecutionInfo | None = None
        self.status = RUNNING
        self.redrive_count = 0  # times its parent's RedriveExecution reopened it


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

    def counted(self, old: str | None, new: str) -> None:
        if old is not None:
            self.counts[_COUNTED[old]] -= 1
        else:
            self.counts["started"] += 1
        self.counts[_COUNTED[new]] += 1

    def describe_counts(self) -> dict:
        """DescribeMapRun's ``itemCounts`` / ``executionCounts`` (one child per item here:
        no ItemBatcher; nothing written by a ResultWriter; nothing to redrive)."""
        c = self.counts
        return {
            "pending": self.total - c["started"],
            "running": c["running"],
            "succeeded": c["succeeded"],
            "failed": c["failed"],
            "timedOut": 0,
            "aborted": c["aborted"],
            "total": self.total,
            "resultsWritten": 0,
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
        map_run.counted(None, RUNNING)

    def child_ended(self, map_run: MapRun, child: Child, status: str, end: dict) -> None:
        """``end``: ``output`` (SUCCEEDED) or ``error`` / ``cause``."""
        map_run.counted(child.status, status)
        child.status = status

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
    start_child: Callable[[int], Child],
    run_child: Callable[[Child], Awaitable[Doc]],
    results: list,
    now: Callable[[], datetime],
) -> None:
    """Run every item of ``map_run`` as a child execution, at most ``max_concurrency`` at a
    time (0: no limit), as that limit and the tolerated failures are at each step.
    ``results[index]`` gets each child's output (or, for a tolerated failure, its
    ``{"Error", "Cause"}``). Raises the first failure (a :class:`StatesError`) when the
    failures exceed the threshold, after the running children were aborted; a
    :class:`Cancelled` thrown in aborts them too, then goes on."""
    active: dict[int, tuple[Task, Child]] = {}
    bugs: list[Exception] = []
    failures: list[StatesError] = []
    total = map_run.total

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
        active.pop(child.index, None)
        map_run.signal.set()

    def failed(child: Child, failure: StatesError) -> None:
        end(child, FAILED, {"error": failure.error, "cause": failure.cause})
        failures.append(failure)
        results[child.index] = {"Error": failure.error, "Cause": failure.cause}

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
            results[child.index] = out.value
            end(child, SUCCEEDED, {"output": out.text})

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
        return stopped

    next_index = 0
    try:
        while True:
            if bugs or map_run.exceeded():
                abort_all()
                stopped = await join_all()
                if stopped is not None:
                    raise stopped
                break
            while next_index < total:
                limit = map_run.max_concurrency
                if limit > 0 and len(active) >= limit:
                    break
                child = start_child(next_index)
                map_runs.child_started(map_run, child)
                active[next_index] = (await spawn(one(child)), child)
                next_index += 1
            if not active and next_index >= total:
                break
            await map_run.signal.wait()
    except Cancelled:
        abort_all()
        await join_all()
        map_runs.closed(map_run, ABORTED, now())
        raise
    if bugs:
        map_runs.closed(map_run, FAILED, now())
        raise bugs[0]
    if map_run.exceeded():
        map_runs.closed(map_run, FAILED, now())
        raise failures[0]
    map_runs.closed(map_run, SUCCEEDED, now())
