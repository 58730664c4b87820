"""Resume from the journal: an engine closed mid-execution (its threads stop, as in a
crash nothing more is written) is replaced by a new one on the same file, which replays
every RUNNING execution and finishes it — deadlines kept, no Task re-run, same history."""

import json
import sqlite3
import threading

from engine_helpers import create, definition, finish_after_restart, history, wait_until_waiting

HTTP = "arn:aws:states:::http:invoke"


def check_history(events):
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert sum(e["type"] == "ExecutionStarted" for e in events) == 1
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps)


def test_wait_resumes_with_its_original_deadline(make_engine, invoker):
    engine = make_engine(time_scale=1.0)
    sm = create(
        engine,
        defn=definition(
            {
                "Before": {"Type": "Task", "Resource": HTTP, "Parameters": {"n": 1}, "Next": "W"},
                "W": {"Type": "Wait", "Seconds": 1, "Next": "After"},
                "After": {"Type": "Task", "Resource": HTTP, "Parameters": {"n": 2}, "End": True},
            }
        ),
    )
    arn = engine.start_execution({"stateMachineArn": sm})["executionArn"]
    wait_until_waiting(engine, arn)
    out, before, events = finish_after_restart(engine, make_engine, arn, time_scale=1.0)
    assert out["status"] == "SUCCEEDED"
    check_history(events)
    assert events[: len(before)] == before  # nothing rewritten
    entered = next(e for e in events if e["type"] == "WaitStateEntered")["timestamp"]
    exited = next(e for e in events if e["type"] == "WaitStateExited")["timestamp"]
    assert (exited - entered).total_seconds() >= 1
    # The Task finished before the restart is not called again.
    assert [c.parameters["n"] for c in invoker.calls] == [1, 2]


def test_in_flight_call_is_redispatched_with_the_same_key(make_engine, invoker):
    gate = threading.Event()
    invoker.handlers[HTTP] = lambda invoke: gate.wait(30) and {"ok": 1}
    engine = make_engine()
    sm = create(engine, defn=definition({"T": {"Type": "Task", "Resource": HTTP, "End": True}}))
    arn = engine.start_execution({"stateMachineArn": sm})["executionArn"]
    wait_until_waiting(engine, arn, "TaskStarted")
    engine.close()  # the call's answer is lost with the process
    invoker.handlers[HTTP] = lambda invoke: {"ok": 2}
    again = make_engine()
    out = again.wait_for(arn, 30)
    gate.set()
    assert (out["status"], out["output"]) == ("SUCCEEDED", '{"ok":2}')
    keys = [c.key for c in invoker.calls]
    assert len(keys) == 2 and keys[0] == keys[1] == f"{arn}#2"
    check_history(history(again, arn))
    assert [e["type"] for e in history(again, arn)].count("TaskScheduled") == 1


def test_random_draws_and_retries_replay_identically(make_engine, invoker):
    failures = []

    def flaky(invoke):
        if len(failures) < 2:
            failures.append(invoke.attempt)
            from orchestrator.asl.errors import StatesError

            raise StatesError("Transient", "try again")
        return {"attempt": invoke.attempt}

    invoker.handlers[HTTP] = flaky
    engine = make_engine(time_scale=0.001)
    sm = create(
        engine,
        defn=definition(
            {
                "Draw": {
                    "Type": "Pass",
                    "Parameters": {"id.$": "States.UUID()", "r.$": "States.MathRandom(1, 1000000)"},
                    "Next": "Par",
                },
                "Par": {
                    "Type": "Parallel",
                    "ResultPath": "$.par",
                    "Next": "Long",
                    "Branches": [
                        {
                            "StartAt": "C",
                            "States": {
                                "C": {
                                    "Type": "Task",
                                    "Resource": HTTP,
                                    "End": True,
                                    "Retry": [
                                        {
                                            "ErrorEquals": ["Transient"],
                                            "IntervalSeconds": 2,
                                            "JitterStrategy": "FULL",
                                        }
                                    ],
                                }
                            },
                        },
                        {
                            "StartAt": "S",
                            "States": {"S": {"Type": "Wait", "Seconds": 1, "End": True}},
                        },
                    ],
                },
                "Long": {"Type": "Wait", "Seconds": 300, "Next": "End"},
                "End": {"Type": "Pass", "End": True},
            }
        ),
    )
    arn = engine.start_execution({"stateMachineArn": sm})["executionArn"]
    wait_until_waiting(engine, arn, "WaitStateEntered", count=2)  # in "Long"
    # The journaled real deadline (300 s * 0.001) holds whatever the new scale is.
    out, before, events = finish_after_restart(engine, make_engine, arn, time_scale=1.0)
    assert out["status"] == "SUCCEEDED"
    check_history(events)
    assert events[: len(before)] == before
    drawn = json.loads(
        next(e for e in events if e["type"] == "PassStateExited")["stateExitedEventDetails"][
            "output"
        ]
    )
    final = json.loads(out["output"])
    assert (final["id"], final["r"]) == (drawn["id"], drawn["r"])
    assert final["par"][0] == {"attempt": 2} and len(invoker.calls) == 3


def test_many_waiting_executions_resume(make_engine):
    engine = make_engine(time_scale=1.0)
    sm = create(
        engine,
        defn=definition(
            {
                "M": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "ItemProcessor": {
                        "StartAt": "W",
                        "States": {"W": {"Type": "Wait", "SecondsPath": "$", "End": True}},
                    },
                    "End": True,
                }
            }
        ),
    )
    arns = [
        engine.start_execution({"stateMachineArn": sm, "input": json.dumps({"items": [1, 2, 1]})})[
            "executionArn"
        ]
        for _ in range(20)
    ]
    for arn in arns:
        wait_until_waiting(engine, arn)
    engine.close()
    again = make_engine(time_scale=1.0)
    for arn in arns:
        out = again.wait_for(arn, 30)
        assert (out["status"], out["output"]) == ("SUCCEEDED", "[1,2,1]")
        check_history(history(again, arn))


def test_a_journal_that_does_not_replay_fails_the_execution_visibly(make_engine, tmp_path):
    engine = make_engine(time_scale=1.0, postgres=False)  # edits the SQLite file
    sm = create(engine, defn=definition({"W": {"Type": "Wait", "Seconds": 100000, "End": True}}))
    arn = engine.start_execution({"stateMachineArn": sm})["executionArn"]
    wait_until_waiting(engine, arn)
    engine.close()
    db = sqlite3.connect(tmp_path / "journal.db")
    db.execute("UPDATE journal SET record = json_set(record, '$.t', json('[]'))")
    db.commit()
    db.close()
    again = make_engine(postgres=False)
    out = again.wait_for(arn, 30)  # executions resume in the background after a start
    assert (out["status"], out["error"]) == ("FAILED", "States.Runtime")
    assert "could not be resumed" in out["cause"]
    assert history(again, arn)[-1]["type"] == "ExecutionFailed"
