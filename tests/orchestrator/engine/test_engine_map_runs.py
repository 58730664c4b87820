"""Map Runs in the durable engine: a Distributed Map's iterations are child executions with
their own rows and histories; DescribeMapRun / ListMapRuns / UpdateMapRun / ListExecutions
by mapRunArn read and steer them; a stop, a failure threshold and a restart leave nothing
RUNNING and nothing twice."""

from __future__ import annotations

import json
import threading

import pytest
from engine_helpers import (
    create,
    definition,
    event_types,
    fail_with,
    finish_after_restart,
    history,
    run_to_end,
)

from orchestrator.asl.errors import StatesError
from orchestrator.engine.errors import ApiError
from tests.support.fake_s3 import FakeS3

SLOW = "arn:aws:lambda:us-east-1:123456789012:function:slow"
ITEM = "arn:aws:lambda:us-east-1:123456789012:function:item"


def distributed(processor: dict, **fields) -> str:
    return definition(
        {
            "M": {
                "Type": "Map",
                "Label": "Items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Work",
                    "States": {"Work": {**processor, "End": True}},
                },
                "End": True,
                **fields,
            }
        }
    )


TASK = {"Type": "Task", "Resource": ITEM}
SLOW_TASK = {"Type": "Task", "Resource": SLOW}


class Gate:
    """A Task stand-in that holds every call until released; counts the calls started and
    in flight, and lets a test wait for a count (no polling)."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.changed = threading.Condition()
        self.in_flight = 0
        self.most = 0
        self.started = 0

    def __call__(self, invoke):
        with self.changed:
            self.in_flight += 1
            self.started += 1
            self.most = max(self.most, self.in_flight)
            self.changed.notify_all()
        try:
            assert self.open.wait(30), "the gate was never opened"
            return {"done": invoke.parameters}
        finally:
            with self.changed:
                self.in_flight -= 1
                self.changed.notify_all()

    def wait_in_flight(self, count: int) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: self.in_flight >= count, 30):
                raise AssertionError(f"never {count} calls in flight (now {self.in_flight})")

    def wait_started(self, count: int) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: self.started >= count, 30):
                raise AssertionError(f"never {count} calls started (now {self.started})")


def only_map_run(engine, execution_arn: str) -> dict:
    runs = engine.list_map_runs({"executionArn": execution_arn})["mapRuns"]
    assert len(runs) == 1
    return engine.describe_map_run({"mapRunArn": runs[0]["mapRunArn"]})


def children(engine, map_run_arn: str) -> list[dict]:
    return engine.list_executions({"mapRunArn": map_run_arn, "maxResults": 1000})["executions"]


def map_run_now(engine, execution_arn: str, check) -> dict:
    """The execution's Map Run, which must pass ``check`` now. Read once a Gate saw the
    calls: the engine dispatches a call only after the activation that issued it (and the
    Map Run's record it wrote) is committed, so the record is there already."""
    described = only_map_run(engine, execution_arn)
    assert check(described), described
    return described


def start_held(engine, invoker, items: list, running: int) -> tuple[Gate, str, dict]:
    """A Distributed Map over ``items`` (MaxConcurrency ``running``) whose children a Gate
    holds: (the gate, the execution's ARN, its Map Run once ``running`` children run)."""
    gate = Gate()
    invoker.handlers[SLOW] = gate
    sm = create(engine, defn=distributed(SLOW_TASK, MaxConcurrency=running))
    arn = engine.start_execution({"stateMachineArn": sm, "input": json.dumps(items)})[
        "executionArn"
    ]
    gate.wait_in_flight(running)
    return gate, arn, map_run_now(engine, arn, lambda m: m["itemCounts"]["running"] == running)


def test_items_run_as_child_executions_with_their_own_histories(engine):
    sm = create(engine, defn=distributed(TASK, MaxConcurrency=2))
    out = run_to_end(engine, sm, json.dumps([1, 2, 3]))
    assert out["status"] == "SUCCEEDED"
    assert json.loads(out["output"]) == [{"echo": 1}, {"echo": 2}, {"echo": 3}]
    map_run = only_map_run(engine, out["executionArn"])
    assert map_run["status"] == "SUCCEEDED" and map_run["maxConcurrency"] == 2
    assert map_run["mapRunArn"].startswith(sm.replace(":stateMachine:", ":mapRun:") + "/Items:")
    counts = map_run["itemCounts"]
    assert (counts["total"], counts["succeeded"], counts["pending"], counts["running"]) == (
        3,
        3,
        0,
        0,
    )
    assert map_run["executionCounts"] == counts and map_run["stopDate"] >= map_run["startDate"]

    kids = children(engine, map_run["mapRunArn"])
    assert len(kids) == 3 and {k["status"] for k in kids} == {"SUCCEEDED"}
    assert {k["mapRunArn"] for k in kids} == {map_run["mapRunArn"]}
    assert {k["itemCount"] for k in kids} == {1}
    assert {k["stateMachineArn"] for k in kids} == {sm + "/Items"}
    inputs = set()
    for kid in kids:
        described = engine.describe_execution({"executionArn": kid["executionArn"]})
        assert described["mapRunArn"] == map_run["mapRunArn"]
        inputs.add(described["input"])
        events = history(engine, kid["executionArn"])
        assert [e["type"] for e in events] == [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded",
        ]
        for_execution = engine.describe_state_machine_for_execution(
            {"executionArn": kid["executionArn"]}
        )
        assert for_execution["mapRunArn"] == map_run["mapRunArn"]
        assert for_execution["label"] == "Items"
        assert for_execution["stateMachineArn"] == sm + "/Items"
        assert json.loads(for_execution["definition"]) == {
            "StartAt": "Work",
            "States": {"Work": {**TASK, "End": True}},
        }
    assert inputs == {"1", "2", "3"}
    # The children are not executions of the state machine itself.
    listed = engine.list_executions({"stateMachineArn": sm})["executions"]
    assert [e["executionArn"] for e in listed] == [out["executionArn"]]


def test_tolerated_failures_are_counted_and_a_threshold_exceeded_fails_the_map(engine, invoker):
    invoker.handlers[ITEM] = lambda invoke: (
        fail_with("Bad")(invoke) if invoke.parameters < 0 else invoke.parameters
    )
    tolerant = create(engine, "tolerant", distributed(TASK, ToleratedFailureCount=1))
    out = run_to_end(engine, tolerant, json.dumps([1, -1, 2]))
    assert out["status"] == "SUCCEEDED"
    map_run = only_map_run(engine, out["executionArn"])
    assert map_run["toleratedFailureCount"] == 1
    assert (map_run["itemCounts"]["succeeded"], map_run["itemCounts"]["failed"]) == (2, 1)
    failed = [k for k in children(engine, map_run["mapRunArn"]) if k["status"] == "FAILED"]
    assert len(failed) == 1
    described = engine.describe_execution({"executionArn": failed[0]["executionArn"]})
    assert described["error"] == "Bad"

    strict = create(engine, "strict", distributed(TASK, MaxConcurrency=1))
    out = run_to_end(engine, strict, json.dumps([1, -1, 2, 3]))
    assert out["status"] == "FAILED"
    assert out["error"] == "States.ExceedToleratedFailureThreshold"
    map_run = only_map_run(engine, out["executionArn"])
    assert map_run["status"] == "FAILED"
    counts = map_run["itemCounts"]
    # One at a time: the second item failed, the last two never started.
    assert (counts["succeeded"], counts["failed"], counts["pending"]) == (1, 1, 2)
    assert {k["status"] for k in children(engine, map_run["mapRunArn"])} == {"SUCCEEDED", "FAILED"}


def test_update_map_run_raises_the_concurrency_of_a_running_map_run(engine, invoker):
    gate, arn, map_run = start_held(engine, invoker, list(range(6)), 1)
    assert map_run["itemCounts"]["pending"] == 5 and gate.started == 1

    engine.update_map_run({"mapRunArn": map_run["mapRunArn"], "maxConcurrency": 3})
    assert engine.describe_map_run({"mapRunArn": map_run["mapRunArn"]})["maxConcurrency"] == 3
    gate.wait_in_flight(3)
    gate.open.set()
    out = engine.wait_for(arn, 30)
    assert out["status"] == "SUCCEEDED"
    assert gate.most == 3 and gate.started == 6
    assert only_map_run(engine, arn)["itemCounts"]["succeeded"] == 6


def test_update_map_run_lowers_the_tolerated_failures_of_a_running_map_run(engine, invoker):
    gate = Gate()
    invoker.handlers[SLOW] = lambda invoke: (
        fail_with("Bad")(invoke) if invoke.parameters < 0 else gate(invoke)
    )
    sm = create(engine, defn=distributed(SLOW_TASK, MaxConcurrency=2, ToleratedFailureCount=5))
    arn = engine.start_execution({"stateMachineArn": sm, "input": json.dumps([-1, 1, 2, 3])})[
        "executionArn"
    ]
    # Item 2's call is made once item -1's failure is committed (it frees the slot).
    gate.wait_in_flight(2)
    map_run = map_run_now(
        engine, arn, lambda m: m["itemCounts"]["failed"] == 1 and m["itemCounts"]["running"] == 2
    )
    engine.update_map_run({"mapRunArn": map_run["mapRunArn"], "toleratedFailureCount": 0})
    out = engine.wait_for(arn, 30)
    assert out["status"] == "FAILED" and out["error"] == "States.ExceedToleratedFailureThreshold"
    described = engine.describe_map_run({"mapRunArn": map_run["mapRunArn"]})
    assert described["status"] == "FAILED" and described["toleratedFailureCount"] == 0
    counts = described["itemCounts"]
    assert (counts["failed"], counts["aborted"], counts["running"], counts["pending"]) == (
        1,
        2,
        0,
        1,
    )
    gate.open.set()


def test_stopping_the_parent_aborts_its_children_and_its_map_run(engine, invoker):
    gate, arn, map_run = start_held(engine, invoker, [1, 2, 3], 2)
    running = [k for k in children(engine, map_run["mapRunArn"]) if k["status"] == "RUNNING"]
    with pytest.raises(ApiError) as refused:
        engine.stop_execution({"executionArn": running[0]["executionArn"]})
    assert refused.value.code == "ValidationException" and arn in str(refused.value)

    engine.stop_execution({"executionArn": arn})
    gate.open.set()
    assert engine.describe_execution({"executionArn": arn})["status"] == "ABORTED"
    described = engine.describe_map_run({"mapRunArn": map_run["mapRunArn"]})
    assert described["status"] == "ABORTED" and described["itemCounts"]["aborted"] == 2
    kids = children(engine, map_run["mapRunArn"])
    assert sorted(k["status"] for k in kids) == ["ABORTED", "ABORTED"]
    assert history(engine, kids[0]["executionArn"])[-1]["type"] == "ExecutionAborted"
    # Nothing can be done to the finished Map Run; its parent can be redriven.
    with pytest.raises(ApiError) as done:
        engine.update_map_run({"mapRunArn": map_run["mapRunArn"], "maxConcurrency": 5})
    assert done.value.code == "ValidationException"
    assert engine.describe_execution({"executionArn": arn})["redriveStatus"] == "REDRIVABLE"


def test_a_map_run_survives_a_restart_without_starting_any_child_twice(
    engine, make_engine, invoker
):
    gate, arn, _ = start_held(engine, invoker, [1, 2, 3, 4], 2)
    gate.open.set()
    out, _, _ = finish_after_restart(engine, make_engine, arn)
    assert out["status"] == "SUCCEEDED"
    again = make_engine()
    map_run = only_map_run(again, arn)
    assert map_run["status"] == "SUCCEEDED" and map_run["itemCounts"]["succeeded"] == 4
    kids = children(again, map_run["mapRunArn"])
    assert len(kids) == 4 and {k["status"] for k in kids} == {"SUCCEEDED"}
    for kid in kids:
        types = [e["type"] for e in history(again, kid["executionArn"])]
        assert types.count("ExecutionStarted") == 1 and types[-1] == "ExecutionSucceeded"
        assert [e["id"] for e in history(again, kid["executionArn"])] == list(
            range(1, len(types) + 1)
        )


def test_map_run_requests_are_checked(engine):
    sm = create(engine, defn=distributed(TASK))
    out = run_to_end(engine, sm, "[1]")
    map_run_arn = only_map_run(engine, out["executionArn"])["mapRunArn"]
    cases = [
        (engine.describe_map_run, {"mapRunArn": "nope"}, "InvalidArn"),
        (engine.describe_map_run, {"mapRunArn": out["executionArn"]}, "InvalidArn"),
        (engine.describe_map_run, {"mapRunArn": map_run_arn + "x"}, "ResourceNotFound"),
        (engine.update_map_run, {"mapRunArn": map_run_arn}, "ValidationException"),
        (
            engine.update_map_run,
            {"mapRunArn": map_run_arn, "toleratedFailurePercentage": 101.0},
            "ValidationException",
        ),
        (
            engine.update_map_run,
            {"mapRunArn": map_run_arn + "x", "maxConcurrency": 1},
            "ResourceNotFound",
        ),
        (
            engine.list_executions,
            {"mapRunArn": map_run_arn, "stateMachineArn": sm},
            "ValidationException",
        ),
        (engine.list_executions, {}, "ValidationException"),
        (
            engine.list_map_runs,
            {"executionArn": out["executionArn"] + "x"},
            "ExecutionDoesNotExist",
        ),
    ]
    for operation, request, code in cases:
        with pytest.raises(ApiError) as raised:
            operation(request)
        assert raised.value.code == code, (operation.__name__, request)
    assert (
        engine.list_map_runs({"executionArn": out["executionArn"], "maxResults": 1})["mapRuns"][0][
            "mapRunArn"
        ]
        == map_run_arn
    )


def test_an_update_is_journaled_and_a_replay_obeys_it_at_the_same_point(
    engine, make_engine, invoker
):
    gate, arn, map_run = start_held(engine, invoker, [1, 2, 3, 4], 1)
    map_run_arn = map_run["mapRunArn"]
    engine.update_map_run({"mapRunArn": map_run_arn, "maxConcurrency": 2})
    gate.wait_in_flight(2)
    map_run_now(engine, arn, lambda m: m["itemCounts"]["running"] == 2)
    gate.open.set()
    # Replayed without the update, the second child would start again (a duplicate row):
    # the execution would fail instead of finishing.
    out, _, _ = finish_after_restart(engine, make_engine, arn)
    assert out["status"] == "SUCCEEDED", out
    again = make_engine()
    described = again.describe_map_run({"mapRunArn": map_run_arn})
    assert described["maxConcurrency"] == 2 and described["itemCounts"]["succeeded"] == 4
    assert len(children(again, map_run_arn)) == 4


def test_redriving_the_parent_redrives_its_map_run_and_reruns_only_what_failed(engine, invoker):
    broken = {"yes": True}

    def item(invoke):
        if invoke.parameters < 0 and broken["yes"]:
            raise StatesError("Bad", "item broken")
        return invoke.parameters

    invoker.handlers[ITEM] = item
    sm = create(engine, defn=distributed(TASK, MaxConcurrency=1))
    first = run_to_end(engine, sm, json.dumps([1, -1, 2]))
    assert first["status"] == "FAILED" and first["redriveStatus"] == "REDRIVABLE"
    map_run_arn = only_map_run(engine, first["executionArn"])["mapRunArn"]
    failed = [k for k in children(engine, map_run_arn) if k["status"] == "FAILED"]
    assert len(failed) == 1

    broken["yes"] = False
    engine.redrive_execution({"executionArn": first["executionArn"]})
    out = engine.wait_for(first["executionArn"], 30)
    assert out["status"] == "SUCCEEDED" and json.loads(out["output"]) == [1, -1, 2]
    described = engine.describe_map_run({"mapRunArn": map_run_arn})
    assert described["status"] == "SUCCEEDED" and described["redriveCount"] == 1
    assert "redriveDate" in described and described["itemCounts"]["succeeded"] == 3
    kids = children(engine, map_run_arn)
    assert sorted(k["status"] for k in kids) == ["SUCCEEDED"] * 3
    again = engine.describe_execution({"executionArn": failed[0]["executionArn"]})
    assert again["status"] == "SUCCEEDED" and again["redriveCount"] == 1
    types = [e["type"] for e in history(engine, failed[0]["executionArn"])]
    assert types.index("ExecutionFailed") < types.index("ExecutionRedriven") < len(types) - 1
    assert types[-1] == "ExecutionSucceeded"
    ids = [e["id"] for e in history(engine, failed[0]["executionArn"])]
    assert ids == list(range(1, len(ids) + 1))
    # Item 1 succeeded the first time: never called again; item -1 once more; item 2 once.
    calls = [c.parameters for c in invoker.calls]
    assert calls.count(1) == 1 and calls.count(-1) == 2 and calls.count(2) == 1


def test_a_redrive_reruns_the_tolerated_failures_too_each_child_once(engine, invoker):
    """The first failure is tolerated (its child ended activations before the Map Run
    failed), the second is not: a redrive runs both again, each exactly once more."""
    broken = {"yes": True}

    def item(invoke):
        if invoke.parameters < 0 and broken["yes"]:
            raise StatesError("Bad", f"item {invoke.parameters} broken")
        return invoke.parameters

    invoker.handlers[ITEM] = item
    sm = create(engine, defn=distributed(TASK, MaxConcurrency=1, ToleratedFailureCount=1))
    first = run_to_end(engine, sm, json.dumps([-1, 1, -2, 2]))
    assert first["error"] == "States.ExceedToleratedFailureThreshold"
    map_run_arn = only_map_run(engine, first["executionArn"])["mapRunArn"]
    assert engine.describe_map_run({"mapRunArn": map_run_arn})["itemCounts"]["failed"] == 2

    broken["yes"] = False
    engine.redrive_execution({"executionArn": first["executionArn"]})
    out = engine.wait_for(first["executionArn"], 30)
    assert out["status"] == "SUCCEEDED" and json.loads(out["output"]) == [-1, 1, -2, 2]
    counts = engine.describe_map_run({"mapRunArn": map_run_arn})["itemCounts"]
    assert (counts["succeeded"], counts["failed"], counts["running"]) == (4, 0, 0)
    kids = children(engine, map_run_arn)
    assert sorted(k["status"] for k in kids) == ["SUCCEEDED"] * 4
    for kid in kids:
        types = event_types(engine, kid["executionArn"])
        redriven = "ExecutionFailed" in types
        assert types.count("ExecutionRedriven") == int(redriven)
        ids = [e["id"] for e in history(engine, kid["executionArn"])]
        assert ids == list(range(1, len(ids) + 1))
    calls = [c.parameters for c in invoker.calls]
    assert [calls.count(n) for n in (-1, 1, -2, 2)] == [2, 1, 2, 1]


def test_a_stopped_map_run_is_redriven_and_survives_a_restart_after_it(
    engine, make_engine, invoker
):
    gate, arn, map_run = start_held(engine, invoker, [1, 2, 3], 2)
    map_run_arn = map_run["mapRunArn"]
    engine.stop_execution({"executionArn": arn})
    assert engine.describe_map_run({"mapRunArn": map_run_arn})["status"] == "ABORTED"

    started = gate.started
    engine.redrive_execution({"executionArn": arn})
    # The two aborted children run again (their calls are made again), then the third.
    gate.wait_started(started + 2)
    running = engine.describe_map_run({"mapRunArn": map_run_arn})
    assert running["status"] == "RUNNING" and running["redriveCount"] == 1
    gate.open.set()
    out, _, _ = finish_after_restart(engine, make_engine, arn)
    assert out["status"] == "SUCCEEDED" and out["redriveCount"] == 1
    again = make_engine()
    kids = children(again, map_run_arn)
    assert sorted(k["status"] for k in kids) == ["SUCCEEDED"] * 3
    for kid in kids:
        events = history(again, kid["executionArn"])
        assert [e["id"] for e in events] == list(range(1, len(events) + 1))
        assert events[-1]["type"] == "ExecutionSucceeded"
    redriven = [k for k in kids if "ExecutionRedriven" in event_types(again, k["executionArn"])]
    assert len(redriven) == 2


def test_a_child_whose_history_fills_up_fails_and_the_map_run_goes_on(make_engine):
    # The parent needs 8 events; each child would need 12 and reaches the limit mid-way.
    engine = make_engine(history_limit=9)
    loop = definition(
        {
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "A",
                    "States": {
                        "A": {"Type": "Pass", "Next": "B"},
                        "B": {"Type": "Pass", "Next": "C"},
                        "C": {"Type": "Pass", "Next": "D"},
                        "D": {"Type": "Pass", "Next": "E"},
                        "E": {"Type": "Pass", "End": True},
                    },
                },
                "ToleratedFailureCount": 5,
                "End": True,
            }
        }
    )
    sm = create(engine, defn=loop)
    out = run_to_end(engine, sm, "[1, 2]")
    assert out["status"] == "SUCCEEDED"
    kids = children(engine, only_map_run(engine, out["executionArn"])["mapRunArn"])
    assert sorted(k["status"] for k in kids) == ["FAILED", "FAILED"]
    events = history(engine, kids[0]["executionArn"])
    assert len(events) == 9 and events[-1]["type"] == "ExecutionFailed"


def test_a_child_failing_on_the_last_event_its_history_admits_still_ends(make_engine):
    # Each child's ExecutionFailed would be event 9, the limit: the limit's own failure
    # takes its place, and the Map Run still counts the child and goes on.
    engine = make_engine(history_limit=9)
    failing = definition(
        {
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "A",
                    "States": {
                        "A": {"Type": "Pass", "Next": "B"},
                        "B": {"Type": "Pass", "Next": "C"},
                        "C": {"Type": "Pass", "Next": "F"},
                        "F": {"Type": "Fail", "Error": "Broken"},
                    },
                },
                "ToleratedFailureCount": 5,
                "End": True,
            }
        }
    )
    out = run_to_end(engine, create(engine, defn=failing), "[1]")
    assert out["status"] == "SUCCEEDED"
    (kid,) = children(engine, only_map_run(engine, out["executionArn"])["mapRunArn"])
    assert kid["status"] == "FAILED"
    events = history(engine, kid["executionArn"])
    assert [e["id"] for e in events] == list(range(1, 10)) and events[-1][
        "type"
    ] == "ExecutionFailed"


def test_a_map_run_over_s3_redriven_then_resumed_reads_and_writes_nothing_twice(
    engine, make_engine, invoker
):
    """A redrive runs again the children that failed (and those aborted with them) even
    when the Map Run then wrote its results; a crash during that second run resumes it
    without reading the items or writing a file again."""
    s3 = FakeS3({"rows.csv": "n\n1\n-1\n2\n3\n"})
    for action in ("getObject", "putObject"):
        invoker.handlers[f"arn:aws:states:::s3:{action}"] = s3
    broken = {"yes": True}
    held = Gate()

    def item(invoke):
        n = invoke.parameters["Items"][0]["n"]
        if n == "-1":
            if broken["yes"]:
                raise StatesError("Bad", "item broken")
            held(invoke)
        return [n]

    invoker.handlers[ITEM] = item
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "CSV"},
        "Parameters": {"Bucket": "b", "Key": "rows.csv"},
    }
    writer = {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "b", "Prefix": "out"},
        "WriterConfig": {"Transformation": "FLATTEN"},
    }
    defn = distributed(
        TASK,
        ItemReader=reader,
        ItemBatcher={"MaxItemsPerBatch": 1},
        ResultWriter=writer,
        MaxConcurrency=1,
    )
    first = run_to_end(engine, create(engine, defn=defn), "{}")
    arn = first["executionArn"]
    assert (first["status"], first["error"]) == (
        "FAILED",
        "States.ExceedToleratedFailureThreshold",
    )
    map_run = only_map_run(engine, arn)
    assert map_run["itemCounts"]["failed"] == 1 and map_run["itemCounts"]["pending"] == 2
    first_puts = [c[1]["Key"] for c in s3.calls if c[0] == "putObject"]
    manifest_key = first_puts[-1]
    assert json.loads(s3.objects[manifest_key])["ResultFiles"]["FAILED"]  # written then

    broken["yes"] = False
    engine.redrive_execution({"executionArn": arn})
    held.wait_in_flight(1)  # the failed child runs again, from its start
    engine.close()  # a crash: nothing more is written
    held.open.set()
    again = make_engine()
    out = again.wait_for(arn, 30)
    assert out["status"] == "SUCCEEDED", (out.get("error"), out.get("cause"))
    assert len([c for c in s3.calls if c[0] == "getObject"]) == 1  # read once, kept
    puts = [c[1]["Key"] for c in s3.calls if c[0] == "putObject"]
    assert puts[: len(first_puts)] == first_puts
    # After the redrive: the new files, then the manifest again; nothing else twice.
    assert puts.count(manifest_key) == 2 and len(set(puts)) == len(puts) - 1
    assert json.loads(out["output"])["ResultWriterDetails"]["Key"] == manifest_key
    files = json.loads(s3.objects[manifest_key])["ResultFiles"]
    assert files["FAILED"] == []  # the first run's FAILED file left the manifest
    rows = [row for f in files["SUCCEEDED"] for row in json.loads(s3.objects[f["Key"]])]
    assert sorted(rows) == ["-1", "1", "2", "3"]

    map_run = only_map_run(again, arn)
    counts = map_run["itemCounts"]
    assert (map_run["status"], map_run["redriveCount"]) == ("SUCCEEDED", 1)
    assert (counts["succeeded"], counts["failed"], counts["pending"]) == (4, 0, 0)
    (kid,) = [k for k in children(again, map_run["mapRunArn"]) if k.get("redriveCount")]
    assert kid["status"] == "SUCCEEDED" and kid["redriveCount"] == 1
    types = [e["type"] for e in history(again, kid["executionArn"])]
    assert types.count("ExecutionFailed") == 1 and types.count("ExecutionRedriven") == 1
    assert types.index("ExecutionFailed") < types.index("ExecutionRedriven")
    assert types[-1] == "ExecutionSucceeded"
