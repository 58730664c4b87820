"""The durable engine's Map Runs: every child execution of a Distributed Map is an execution
row with its own history, and every Map Run a stored record, written with the parent's
activation that produced them.

docs/architecture.md, "Map Runs": the children run inside their parent's run (one
scheduler, one journal: the parent's), so a child is never resumed on its own — the
parent's replay rebuilds it. What this module adds is what the API reads:

- a child's row (``executions``; state machine ARN ``...:stateMachine:NAME/LABEL``, data
  members ``map_run_arn`` and ``parent_arn``), its events, its end; written only by live
  activations (a replay regenerates what is already stored and writes nothing);
- a Map Run's record (``resources``, kind :data:`KIND`, parent = the execution's ARN):
  its status, limits and counts as of the activation's end (DescribeMapRun reads it in
  O(1), not by counting children);
- when the parent ends from outside (StopExecution, a crash), every child still running
  gets ``ExecutionAborted`` and its Map Run ends ``ABORTED``: nothing is left RUNNING.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from orchestrator.asl.history import History, HistoryLimitReached
from orchestrator.asl.model import all_states
from orchestrator.asl.states.map_run import ABORTED, Child, MapRun, MapRuns

from .clock import to_us
from .store import Write

if TYPE_CHECKING:
    from .run import Run

__all__ = ["StoredMapRuns", "KIND", "map_run_record", "processor_definition"]

KIND = "map_run"


def map_run_record(map_run: MapRun) -> dict:
    """What the store keeps of a Map Run (DescribeMapRun / ListMapRuns read it)."""
    return {
        "mapRunArn": map_run.arn,
        "executionArn": map_run.execution_arn,
        "stateMachineArn": map_run.state_machine_arn,
        "label": map_run.label,
        "status": map_run.status,
        "start_us": to_us(map_run.start) if map_run.start is not None else None,
        "stop_us": to_us(map_run.stop) if map_run.stop is not None else None,
        "maxConcurrency": map_run.max_concurrency,
        "toleratedFailurePercentage": map_run.tolerated_pct,
        "toleratedFailureCount": map_run.tolerated_count,
        "counts": map_run.describe_counts(),
        "itemCounts": map_run.describe_counts(items=True),
        "redriveCount": map_run.redrive_count,
        "redrive_us": to_us(map_run.redrive_date) if map_run.redrive_date is not None else None,
    }


def processor_definition(definition: str, label: str) -> str:
    """The definition of the child executions of the Distributed Map labelled ``label`` in
    ``definition``: its ItemProcessor (without ProcessorConfig), with the parent's
    QueryLanguage when it sets none of its own. ``definition`` itself when no Map has that
    label (it cannot happen for a stored child)."""
    document = json.loads(definition)
    for name, state in all_states(document):
        processor = state.get("ItemProcessor")
        if state.get("Type") == "Map" and isinstance(processor, dict):
            mode = (processor.get("ProcessorConfig") or {}).get("Mode")
            if mode == "DISTRIBUTED" and (state.get("Label") or name) == label:
                child = {k: v for k, v in processor.items() if k != "ProcessorConfig"}
                if "QueryLanguage" in document and "QueryLanguage" not in child:
                    child = {"QueryLanguage": document["QueryLanguage"], **child}
                return json.dumps(child, indent=2)
    return definition


class StoredMapRuns(MapRuns):
    """:class:`~orchestrator.asl.states.map_run.MapRuns` of one durable run."""

    def __init__(self, run: Run) -> None:
        super().__init__()
        self.run = run
        self.running: dict[str, tuple[MapRun, Child]] = {}  # children not ended yet
        self._writes: dict[str, Write] = {}  # child ARN -> its part of this activation
        self._changed: dict[str, MapRun] = {}  # Map Runs to store again
        # Children a redrive found SUCCEEDED: the replay finishes them again; nothing of
        # that is written (their history and row already say so).
        self._muted: set[str] = set()

    def _live(self) -> bool:
        run = self.run
        return run.durable and run.cursor is None

    def _write(self, arn: str) -> Write:
        write = self._writes.get(arn)
        if write is None:
            write = self._writes[arn] = Write(arn)
        return write

    def _changed_run(self, map_run: MapRun) -> None:
        if self._live():
            self._changed[map_run.arn] = map_run

    # -- the interpreter's hooks ---------------------------------------------------------
    def opened(self, map_run: MapRun) -> None:
        super().opened(map_run)
        self._changed_run(map_run)

    def new_history(self, now: Callable, child_arn: str) -> History:
        def on_event(event: dict) -> None:
            if self._live() and child_arn not in self._muted:
                self._write(child_arn).events.append(event)

        return History(now, on_event, limit=self.run.row.get("history_limit"), keep=False)

    def child_started(self, map_run: MapRun, child: Child) -> None:
        super().child_started(map_run, child)
        self.running[child.arn] = (map_run, child)
        if self._live():
            row = self.run.row
            assert child.info is not None  # set when the child started
            self._write(child.arn).insert = {
                "arn": child.arn,
                "sm_arn": map_run.state_machine_arn,
                "name": child.name,
                "status": "RUNNING",
                "start_us": to_us(child.info.start_time),
                "stop_us": None,
                "input": child.input_text,
                "role_arn": row["role_arn"],
                "type": "STANDARD",
                "map_run_arn": map_run.arn,
                "parent_arn": map_run.execution_arn,
                "label": map_run.label,
                "item_count": child.items,
            }
            self._changed_run(map_run)

    def child_ended(self, map_run: MapRun, child: Child, status: str, end: dict) -> None:
        super().child_ended(map_run, child, status, end)
        self.running.pop(child.arn, None)
        if self._live() and child.arn not in self._muted:
            last = child.history.last_timestamp()
            finish = {"status": status, "stop_us": to_us(last) if last else None}
            finish.update({k: end[k] for k in ("output", "error", "cause") if k in end})
            self._write(child.arn).finish = finish
            self._changed_run(map_run)

    def child_redriven(self, map_run: MapRun, child: Child) -> None:
        super().child_redriven(map_run, child)
        self.running[child.arn] = (map_run, child)
        if self._live():
            self._write(child.arn).reopen = {
                "redrive_count": child.redrive_count,
                "redrive_us": to_us(child.history.last_timestamp()),
                "output": None,
                "error": None,
                "cause": None,
            }
            self._changed_run(map_run)

    def closed(self, map_run: MapRun, status: str, stop: datetime) -> None:
        super().closed(map_run, status, stop)
        self._changed_run(map_run)

    def update(self, arn: str, **limits) -> bool:
        updated = super().update(arn, **limits)
        if updated:
            self._changed_run(self.open[arn])
        return updated

    # -- the run's side ------------------------------------------------------------------
    def redrive(
        self, at: datetime, stored_events: Callable[[str], list[dict]], live: bool = True
    ) -> None:
        """The parent's RedriveExecution redrives its open Map Runs (``redriveCount``,
        ``redriveDate``): after the parent's replay, each child that was still running
        before the activation that ended the parent continues after its stored events —
        ``ExecutionRedriven`` and RUNNING again, unless it SUCCEEDED then (its replayed end
        is not written again). The children that had ended FAILED or ABORTED before that
        the interpreter runs again (:func:`~orchestrator.asl.states.map_run.run_children`,
        through :meth:`child_redriven`). ``live=False``: a later replay passing that redrive again,
        which only puts each reopened child's history back where the redrive left it."""
        for map_run in self.open.values():
            map_run.redrive_count += 1
            map_run.redrive_date = at
            self._changed_run(map_run)
        for map_run, child in list(self.running.values()):
            child.redriven_in = map_run.redrive_count  # not run again from its start
            events = stored_events(child.arn)
            target = child.redrive_count + 1
            if not live:
                for event in events:
                    details = event.get("executionRedrivenEventDetails") or {}
                    if (
                        event["type"] == "ExecutionRedriven"
                        and details.get("redriveCount") == target
                    ):
                        child.history.resume_after(event)
                        child.redrive_count = target
                        break
                continue
            if events:
                child.history.resume_after(events[-1])
            if events and events[-1]["type"] == "ExecutionSucceeded":
                self._muted.add(child.arn)
                continue
            child.redrive_count = target
            history = child.history
            if not history.full:
                history.add_at(at, "ExecutionRedriven", history.count, {"redriveCount": target})
            self._write(child.arn).reopen = {
                "redrive_count": target,
                "redrive_us": to_us(at),
                "output": None,
                "error": None,
                "cause": None,
            }

    def abort_open(self, stop: datetime) -> None:
        """The parent ended from outside its interpreter (live, never in a replay): every
        running child is aborted and every open Map Run ends ABORTED."""
        for map_run, child in list(self.running.values()):
            try:
                child.history.add("ExecutionAborted", child.history.count, {})
            except HistoryLimitReached:  # its history is full: its end is its last event
                pass
            self.child_ended(map_run, child, ABORTED, {})
        for map_run in list(self.open.values()):
            self.closed(map_run, ABORTED, stop)

    def attach(self, write: Write) -> Write:
        """Move what this activation recorded into the parent's ``write``."""
        if self._writes:
            write.children.extend(self._writes.values())
            self._writes = {}
        if self._changed:
            write.resources.extend(
                (KIND, arn, map_run.execution_arn, map_run_record(map_run))
                for arn, map_run in self._changed.items()
            )
            self._changed = {}
        return write
