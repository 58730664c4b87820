"""Isolation: no execution, input or definition can hold back or poison another.

Each test runs a hostile execution next to simple ones and asserts on ordering and
progress (the simple ones finish while the hostile one is still running, or before it
fails), never on wall-clock speed."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime

import pytest
from engine_helpers import (
    PASS,
    create,
    definition,
    event_types,
    history,
    run_to_end,
    wait_until_waiting,
)

from orchestrator.asl import budget
from orchestrator.engine import store as store_module
from orchestrator.engine.errors import ApiError, StoreUnavailable
from orchestrator.engine.store import JournalCorrupt, SqliteStore, Write

# A loop that never ends by itself: Pass -> Choice -> Pass ...
LOOP = definition(
    {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "A"}],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
    }
)
EVIL_REGEX = json.dumps(
    {
        "QueryLanguage": "JSONata",
        "StartAt": "Match",
        "States": {
            "Match": {
                "Type": "Pass",
                "Output": "{% $contains($states.input.s, /^(a|aa)+$/) %}",
                "End": True,
            }
        },
    }
)
EVIL_INPUT = json.dumps({"s": "a" * 40 + "!"})


def _status(engine, arn: str) -> str:
    return engine.describe_execution({"executionArn": arn})["status"]


def test_an_endless_loop_does_not_stop_other_executions_and_stops_on_request(make_engine):
    engine = make_engine(history_limit=10**9)
    loop = engine.start_execution(
        {"stateMachineArn": create(engine, "loop", LOOP), "input": '{"go": true}'}
    )["executionArn"]
    simple = create(engine, "simple", PASS)
    for _ in range(20):
        assert run_to_end(engine, simple)["status"] == "SUCCEEDED"
    assert _status(engine, loop) == "RUNNING"  # it kept going all along
    engine.stop_execution({"executionArn": loop, "cause": "enough"})
    out = engine.wait_for(loop, 30)
    assert (out["status"], out["cause"]) == ("ABORTED", "enough")
    last = engine.get_execution_history(
        {"executionArn": loop, "reverseOrder": True, "maxResults": 1}
    )["events"][0]
    assert event_types(engine, loop)[0] == "ExecutionStarted"
    assert last["type"] == "ExecutionAborted"
    assert last["id"] > 100  # it really was looping when it was stopped


def _last_event_id(engine, arn: str) -> int:
    events = engine.get_execution_history(
        {"executionArn": arn, "reverseOrder": True, "maxResults": 1}
    )["events"]
    return events[0]["id"] if events else 0


def _until_history_reaches(engine, arn: str, count: int) -> None:
    deadline = time.monotonic() + 30
    while _last_event_id(engine, arn) < count:  # polling progress, bounded
        assert time.monotonic() < deadline, f"{arn} stopped making progress"
        time.sleep(0.01)


def test_a_loop_resumed_after_a_restart_goes_on_in_slices(make_engine):
    engine = make_engine(history_limit=10**9)
    loop = engine.start_execution(
        {"stateMachineArn": create(engine, "loop", LOOP), "input": '{"go": true}'}
    )["executionArn"]
    _until_history_reaches(engine, loop, 2000)
    engine.close()
    again = make_engine(history_limit=10**9)
    assert run_to_end(again, create(again, "simple", PASS))["status"] == "SUCCEEDED"
    assert again.wait_resumed(30)
    _until_history_reaches(again, loop, _last_event_id(again, loop) + 2000)  # it goes on
    again.stop_execution({"executionArn": loop})
    assert again.wait_for(loop, 30)["status"] == "ABORTED"


def test_the_history_limit_fails_an_endless_loop_as_aws_does(make_engine):
    engine = make_engine(history_limit=300)
    out = run_to_end(engine, create(engine, "loop", LOOP), '{"go": true}')
    assert (out["status"], out["error"]) == ("FAILED", "States.Runtime")
    assert out["cause"] == "The execution reached the maximum number of history events (300)."
    events = history(engine, out["executionArn"])
    assert len(events) == 300 and [e["id"] for e in events] == list(range(1, 301))
    assert events[-1]["type"] == "ExecutionFailed"
    assert events[-1]["previousEventId"] == 299


@pytest.mark.parametrize("limit,status", [(6, "SUCCEEDED"), (5, "FAILED")])
def test_the_last_event_may_be_execution_succeeded(make_engine, limit, status):
    # Pass -> Pass: ExecutionStarted, 2 x (Entered, Exited), ExecutionSucceeded = 6 events.
    engine = make_engine(history_limit=limit)
    defn = definition({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}})
    out = run_to_end(engine, create(engine, "two", defn))
    assert out["status"] == status
    assert len(history(engine, out["executionArn"])) == limit


def test_a_huge_map_fails_at_the_limit_while_others_run(make_engine):
    engine = make_engine(history_limit=2000)
    defn = definition(
        {
            "M": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        }
    )
    big = engine.start_execution(
        {"stateMachineArn": create(engine, "map", defn), "input": json.dumps(list(range(5000)))}
    )["executionArn"]
    out = run_to_end(engine, create(engine, "simple", PASS))
    assert out["status"] == "SUCCEEDED"
    result = engine.wait_for(big, 30)
    assert (result["status"], result["error"]) == ("FAILED", "States.Runtime")
    last = engine.get_execution_history(
        {"executionArn": big, "reverseOrder": True, "maxResults": 1}
    )["events"][0]
    assert (last["id"], last["type"]) == (2000, "ExecutionFailed")


def test_a_catastrophic_regex_fails_its_state_within_the_budget(make_engine):
    engine = make_engine(evaluation_seconds=0.2)
    evil = engine.start_execution(
        {"stateMachineArn": create(engine, "evil", EVIL_REGEX), "input": EVIL_INPUT}
    )["executionArn"]
    simple = create(engine, "simple", PASS)
    finished = [run_to_end(engine, simple)["status"] for _ in range(5)]
    assert finished == ["SUCCEEDED"] * 5
    out = engine.wait_for(evil, 30)
    assert (out["status"], out["error"]) == ("FAILED", "States.QueryEvaluationError")
    assert "D1012: Evaluation timeout after 200 milliseconds" in out["cause"]


def test_a_timed_out_evaluation_replays_without_being_run_again(make_engine, monkeypatch):
    """The timeout is journaled: after a restart the replay fails the same evaluation at
    once (no second wait, no divergence) and the execution carries on to the end."""
    defn = json.dumps(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "Match",
            "States": {
                "Match": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::http:invoke",
                    "Arguments": {
                        "ApiEndpoint": "http://x",
                        "Method": "GET",
                        "Headers": {"m": "{% $contains($states.input.s, /^(a|aa)+$/) %}"},
                    },
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Nap"}],
                    "End": True,
                },
                "Nap": {"Type": "Wait", "Seconds": 100000, "Next": "Done"},
                "Done": {"Type": "Succeed"},
            },
        }
    )
    engine = make_engine(evaluation_seconds=0.2, time_scale=1.0)
    arn = engine.start_execution(
        {"stateMachineArn": create(engine, "evil", defn), "input": EVIL_INPUT}
    )["executionArn"]
    wait_until_waiting(engine, arn)
    before = history(engine, arn)
    engine.close()

    matched = []
    real = budget.BudgetedPattern._run

    def counting(self, operation, *args):
        matched.append(self.pattern)
        return real(self, operation, *args)

    monkeypatch.setattr(budget.BudgetedPattern, "_run", counting)
    again = make_engine(evaluation_seconds=0.2, time_scale=1.0)
    assert again.wait_resumed(30)
    assert _status(again, arn) == "RUNNING"
    assert history(again, arn) == before
    # Replayed: the evaluation got an expired budget and failed at its first step, the
    # pattern was never matched again.
    assert matched == []
    again.stop_execution({"executionArn": arn})


def test_one_unstorable_write_fails_its_execution_only(make_engine, monkeypatch):
    """40 executions in one batch; the events of one cannot be stored: it fails with a
    clear cause and the other 39 succeed."""
    engine = make_engine()
    sm = create(
        engine,
        "flow",
        definition({"P": {"Type": "Pass", "Next": "Q"}, "Q": {"Type": "Pass", "End": True}}),
    )
    real = store_module.encode_event

    def encode(event):
        details = event.get("stateEnteredEventDetails") or {}
        if '"poison"' in details.get("input", ""):
            raise ValueError("the text holds a character that is not valid Unicode")
        return real(event)

    monkeypatch.setattr(store_module, "encode_event", encode)
    arns = [
        engine.start_execution(
            {"stateMachineArn": sm, "name": f"e{i}", "input": '{"poison": 1}' if i == 7 else "{}"}
        )["executionArn"]
        for i in range(40)
    ]
    results = {arn: engine.wait_for(arn, 30) for arn in arns}
    bad = results.pop(arns[7])
    assert (bad["status"], bad["error"]) == ("FAILED", "States.Runtime")
    assert "could not be stored" in bad["cause"]
    assert {r["status"] for r in results.values()} == {"SUCCEEDED"}
    events = history(engine, arns[7])
    assert [e["type"] for e in events] == ["ExecutionStarted", "ExecutionFailed"]
    assert [e["id"] for e in events] == [1, 2]


class _FlakyStore:
    """Wraps the real store: commits fail as on a full disk while ``full`` is set."""

    def __init__(self, real: SqliteStore) -> None:
        self.real = real
        self.full = False
        self.refused = 0

    def commit(self, writes):
        if self.full:
            self.refused += 1
            raise StoreUnavailable("database or disk is full")
        return self.real.commit(writes)

    def probe(self):
        if self.full:
            raise StoreUnavailable("database or disk is full")
        self.real.probe()

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_a_full_journal_pauses_reports_and_loses_nothing(make_engine):
    engine = make_engine(time_scale=1.0, wrap_store=_FlakyStore)
    flaky = engine.store
    sm = create(engine, "flow", definition({"P": {"Type": "Pass", "End": True}}))
    flaky.full = True
    arns = [engine.start_execution({"stateMachineArn": sm})["executionArn"] for _ in range(5)]
    for arn in arns:
        assert engine.wait_for(arn, 0.3)["status"] == "RUNNING"  # acknowledged, not lost
    assert flaky.refused > 0
    assert engine.unavailable(probe=True) == "database or disk is full"
    with pytest.raises(StoreUnavailable) as err:
        engine.stop_execution({"executionArn": arns[0]})
    assert (err.value.code, err.value.status) == ("ServiceUnavailable", 503)
    flaky.full = False
    assert [engine.wait_for(arn, 30)["status"] for arn in arns] == ["SUCCEEDED"] * 5
    assert engine.unavailable(probe=True) is None


def test_a_corrupt_journal_is_refused_at_start(tmp_path):
    path = tmp_path / "journal.db"
    store = SqliteStore(str(path))
    store.commit([Write("arn:x", events=[])])
    for i in range(3000):  # enough rows for several pages
        store.insert_execution(
            {
                "arn": f"arn:{i}",
                "sm_arn": "sm",
                "name": str(i),
                "status": "SUCCEEDED",
                "start_us": i,
                "stop_us": i,
                "input": "x" * 200,
            }
        )
    store.close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 3 : page * 3 + 512] = b"\xde\xad\xbe\xef" * 128  # scribble over a page
    path.write_bytes(bytes(data))
    with pytest.raises(JournalCorrupt) as err:
        SqliteStore(str(path))
    assert "is corrupt" in str(err.value) and "restore a backup" in str(err.value)


def test_poison_is_left_out_of_a_commit(tmp_path):
    store = SqliteStore(str(tmp_path / "journal.db"))
    row = {"sm_arn": "sm", "status": "RUNNING", "start_us": 1, "stop_us": None, "input": "{}"}
    for name in ("good", "bad"):
        store.insert_execution(dict(row, arn=name, name=name))
    now = datetime.now(UTC)
    good = Write(
        "good",
        events=[{"id": 1, "type": "ExecutionStarted", "timestamp": now, "previousEventId": 0}],
    )
    bad = Write(
        "bad",
        events=[
            {
                "id": 1,
                "type": "ExecutionStarted",
                "timestamp": now,
                "previousEventId": 0,
                "x": {"input": "\ud800"},
            }
        ],
    )
    poisoned = store.commit([bad, good])
    assert [p.write.arn for p in poisoned] == ["bad"] and "surrogate" in poisoned[0].reason
    assert len(store.events("good")) == 1 and store.events("bad") == []


@pytest.mark.parametrize(
    "text,what",
    [
        ('{"a": "\\ud800"}', "lone surrogate"),
        ('{"a": NaN}', "NaN"),
        ('{"a": Infinity}', "Infinity"),
        ('{"a": 1e400}', "too large"),
        ("[" * 600 + "]" * 600, "nested more than 500"),
        ("[" * 10000 + "]" * 10000, "nested more than 500"),
    ],
)
def test_bad_input_is_refused_at_the_edge(engine, text, what):
    sm = create(engine, "flow", PASS)
    with pytest.raises(ApiError) as err:
        engine.start_execution({"stateMachineArn": sm, "input": text})
    assert err.value.code == "InvalidExecutionInput" and what in err.value.message


def test_a_task_result_that_is_not_valid_json_fails_the_task(engine, invoker):
    invoker.handlers["arn:aws:states:::http:invoke"] = lambda invoke: {"x": "\udc00"}
    defn = definition(
        {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {"ApiEndpoint": "http://x", "Method": "GET"},
                "End": True,
            }
        }
    )
    out = run_to_end(engine, create(engine, "flow", defn))
    assert (out["status"], out["error"]) == ("FAILED", "States.Runtime")
    assert "not valid JSON" in out["cause"] and "surrogate" in out["cause"]


def test_a_jsonata_value_that_is_not_valid_json_fails_the_state(engine):
    defn = json.dumps(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "Output": "{% '\\ud800' %}", "End": True}},
        }
    )
    out = run_to_end(engine, create(engine, "flow", defn))
    assert (out["status"], out["error"]) == ("FAILED", "States.Runtime")
    assert "lone surrogate" in out["cause"]


def test_a_read_only_journal_pauses_reports_and_recovers(make_engine):
    """SQLite's own read-only error (PRAGMA query_only makes the connection refuse writes
    exactly as a read-only file would) takes the same path as a full disk."""
    engine = make_engine(time_scale=1.0, postgres=False)
    sm = create(engine, "flow", definition({"P": {"Type": "Pass", "End": True}}))
    connection = engine.store._db  # the test's only way to make a live journal read-only
    connection.execute("PRAGMA query_only=1")
    with pytest.raises(StoreUnavailable) as err:
        engine.start_execution({"stateMachineArn": sm})
    assert "readonly" in err.value.reason
    assert "readonly" in engine.unavailable(probe=True)
    connection.execute("PRAGMA query_only=0")
    assert run_to_end(engine, sm)["status"] == "SUCCEEDED"
