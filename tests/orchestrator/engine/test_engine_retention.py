"""Execution retention (orchestrator/engine/retention.py): closed executions older than
``retention_days`` are deleted with their history, journal and Map Runs; running ones and
younger ones stay. Sweeps are driven with an explicit clock reading (``now_us``), except
the one test of the background thread."""

from __future__ import annotations

import json
import threading

import pytest
from engine_helpers import create, definition, run_to_end, wait_until_waiting

from orchestrator.engine import EngineConfig
from orchestrator.engine.errors import ApiError
from orchestrator.engine.retention import BATCH, EVENTS_PER_TRANSACTION, Retention
from tests.support.definitions import counting_loop

DAY_US = 24 * 3600 * 1_000_000
HOLD = "arn:aws:lambda:us-east-1:123456789012:function:hold"
PASS = definition({"P": {"Type": "Pass", "End": True}})
FAILING = definition({"F": {"Type": "Fail", "Error": "Bad", "Cause": "why"}})
DISTRIBUTED = definition(
    {
        "M": {
            "Type": "Map",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "P",
                "States": {"P": {"Type": "Pass", "End": True}},
            },
            "End": True,
        }
    }
)


def stop_us(engine, arn: str) -> int:
    stopped = engine.describe_execution({"executionArn": arn})["stopDate"]
    return int(stopped.timestamp() * 1_000_000)


def gone(engine, arn: str) -> bool:
    try:
        engine.describe_execution({"executionArn": arn})
    except ApiError as err:
        assert err.code == "ExecutionDoesNotExist"
        with pytest.raises(ApiError):
            engine.get_execution_history({"executionArn": arn})
        return True
    return False


def test_closed_executions_go_after_the_retention_period_and_not_before(engine, invoker):
    gate = threading.Event()
    invoker.handlers[HOLD] = lambda _: gate.wait(30) and {}
    machine = create(engine, defn=PASS)
    done = [run_to_end(engine, machine)["executionArn"] for _ in range(3)]
    failed = run_to_end(engine, create(engine, "bad", FAILING))["executionArn"]
    held = create(
        engine, "held", definition({"T": {"Type": "Task", "Resource": HOLD, "End": True}})
    )
    running = engine.start_execution({"stateMachineArn": held})["executionArn"]
    wait_until_waiting(engine, running, "TaskStateEntered")
    last = max(stop_us(engine, arn) for arn in [*done, failed])

    assert engine.sweep_retention(last + 89 * DAY_US) == 0  # 89 days: all are kept
    assert not any(gone(engine, arn) for arn in [*done, failed])
    assert engine.sweep_retention(last + 91 * DAY_US) == 4
    assert all(gone(engine, arn) for arn in [*done, failed])
    assert engine.list_executions({"stateMachineArn": machine})["executions"] == []
    # A running execution is never deleted, however long it runs.
    assert engine.sweep_retention(last + 1000 * DAY_US) == 0
    assert engine.describe_execution({"executionArn": running})["status"] == "RUNNING"
    gate.set()
    assert engine.wait_for(running, 30)["status"] == "SUCCEEDED"
    # The name of a deleted execution can be used again (as on AWS after 90 days).
    name = done[0].rsplit(":", 1)[1]
    again = engine.start_execution({"stateMachineArn": machine, "name": name})["executionArn"]
    assert again == done[0] and engine.wait_for(again, 30)["status"] == "SUCCEEDED"


def test_a_map_run_and_its_children_go_with_their_parent(engine):
    out = run_to_end(engine, create(engine, defn=DISTRIBUTED), json.dumps([1, 2, 3]))
    arn = out["executionArn"]
    (map_run,) = engine.list_map_runs({"executionArn": arn})["mapRuns"]
    kids = engine.list_executions({"mapRunArn": map_run["mapRunArn"]})["executions"]
    assert len(kids) == 3
    assert engine.sweep_retention(stop_us(engine, arn) + 91 * DAY_US) == 4
    assert gone(engine, arn) and all(gone(engine, k["executionArn"]) for k in kids)
    with pytest.raises(ApiError) as err:
        engine.describe_map_run({"mapRunArn": map_run["mapRunArn"]})
    assert err.value.code == "ResourceNotFound"


def test_a_sweep_goes_through_more_than_a_batch_oldest_first(engine):
    machine = create(engine, defn=PASS)
    arns = [run_to_end(engine, machine)["executionArn"] for _ in range(BATCH + 20)]
    stops = [stop_us(engine, arn) for arn in arns]
    # Only the first half is old enough at this reading of the clock.
    middle = stops[len(stops) // 2]
    assert engine.sweep_retention(middle + 90 * DAY_US) == sum(s < middle for s in stops)
    kept = [arn for arn in arns if not gone(engine, arn)]
    assert kept == [arn for arn, s in zip(arns, stops, strict=True) if s >= middle]
    assert engine.sweep_retention(stops[-1] + 91 * DAY_US) == len(kept)


class _InterruptedStore:
    """Wraps the real store: counts the bounded event deletes; ``crash_after`` of them, the
    next one raises (as if the process died between two transactions)."""

    def __init__(self, real) -> None:
        self.real = real
        self.deletes: list[int] = []
        self.crash_after: int | None = None

    def delete_events(self, arn, stopped_before_us, limit):
        if self.crash_after is not None and len(self.deletes) >= self.crash_after:
            self.crash_after = None
            raise RuntimeError("crash between two transactions")
        deleted = self.real.delete_events(arn, stopped_before_us, limit)
        self.deletes.append(deleted)
        return deleted

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_a_long_history_is_deleted_in_bounded_transactions(make_engine):
    """The events go EVENTS_PER_TRANSACTION at a time, then the row; a sweep interrupted
    between two of those transactions leaves the execution readable and is finished by the
    next sweep."""
    loop = json.dumps(counting_loop(1500))
    wrapped: list[_InterruptedStore] = []

    def wrap(real):
        wrapped.append(_InterruptedStore(real))
        return wrapped[0]

    engine = make_engine(wrap_store=wrap, retention_days=90)
    store = wrapped[0]
    arn = run_to_end(engine, create(engine, defn=loop), '{"n": 0}')["executionArn"]
    events = engine.describe_execution({"executionArn": arn})  # still there
    total = sum(1 for _ in store.real.iter_events(arn))
    assert total > 2 * EVENTS_PER_TRANSACTION and events["status"] == "SUCCEEDED"
    later = stop_us(engine, arn) + 91 * DAY_US
    store.crash_after = 1
    with pytest.raises(RuntimeError):
        engine.sweep_retention(later)
    assert store.deletes == [EVENTS_PER_TRANSACTION] and not gone(engine, arn)
    assert engine.sweep_retention(later) == 1 and gone(engine, arn)
    chunks = store.deletes[1:]
    assert all(0 < n <= EVENTS_PER_TRANSACTION for n in chunks[:-1]) and chunks[-1] == 0
    assert sum(store.deletes) == total


def test_retention_zero_keeps_everything(make_engine):
    engine = make_engine(retention_days=0)
    arn = run_to_end(engine, create(engine, defn=PASS))["executionArn"]
    assert engine.sweep_retention(stop_us(engine, arn) + 10_000 * DAY_US) == 0
    assert not gone(engine, arn)


def test_the_background_sweep_deletes_without_being_asked(make_engine):
    """The thread sweeps at start and then every retention_sweep_seconds, on its own."""
    engine = make_engine(retention_days=0)  # no sweep of the engine's own: this one's
    arn = run_to_end(engine, create(engine, defn=PASS))["executionArn"]
    # Its clock reads 91 days later: the execution goes at the first sweep.
    later = stop_us(engine, arn) + 91 * DAY_US
    retention = Retention(engine.store, 90, 0.01, clock=lambda: later)
    retention.start()
    try:
        assert retention.wait_sweeps(2, 30), "the background sweep did not run again"
        assert gone(engine, arn)
    finally:
        retention.close()


def test_retention_settings_from_the_environment_and_their_checks():
    config = EngineConfig.from_env(
        {"ORCHESTRATOR_RETENTION_DAYS": "30", "ORCHESTRATOR_RETENTION_SWEEP_SECONDS": "5"}
    )
    assert (config.retention_days, config.retention_sweep_seconds) == (30.0, 5.0)
    assert EngineConfig.from_env({}).retention_days == 90.0
    with pytest.raises(ValueError, match="retention_days"):
        EngineConfig(retention_days=-1)
    with pytest.raises(ValueError, match="retention_sweep_seconds"):
        EngineConfig(retention_sweep_seconds=0)
