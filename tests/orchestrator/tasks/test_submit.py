"""TaskInvoker.submit: the engine's non-blocking entry point (orchestrator/tasks/__init__.py).

Assertions are on completion order and counts, never on wall-clock speed: a held server
answers only when the test releases it, and polling only bounds a hang.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.tasks import TaskInvoker, TasksConfig

HTTP = "arn:aws:states:::http:invoke"
INVOKE = "arn:aws:states:::lambda:invoke"


class Outcomes:
    """A ``done`` callback per call id, recording every call of it in order."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.log: list[tuple[str, object, StatesError | None, str]] = []

    def done(self, call_id: str):
        def record(result, error) -> None:
            with self.lock:
                self.log.append((call_id, result, error, threading.current_thread().name))

        return record

    def ids(self) -> list[str]:
        with self.lock:
            return [entry[0] for entry in self.log]

    def of(self, call_id: str):
        return next(entry for entry in list(self.log) if entry[0] == call_id)


def test_slow_calls_never_hold_back_calls_to_another_destination(
    gate, make_gate, make_invoke, wait_for
):
    other_gate = make_gate()
    invoker = TaskInvoker(TasksConfig(allowlist=("127.0.0.1",)))
    out = Outcomes()
    threads_before = threading.active_count()
    for i in range(300):
        invoker.submit(
            make_invoke(HTTP, {"ApiEndpoint": f"{gate.base}/held", "Method": "GET"}),
            out.done(f"slow-{i}"),
        )
    assert out.ids() == []  # submit returned without waiting for anything
    # All 300 are in flight at once (the server holds 300 requests) ...
    assert wait_for(lambda: gate.held == 300), gate.held
    # ... on a handful of threads, not one each.
    assert threading.active_count() - threads_before < 20
    for i in range(50):
        invoker.submit(
            make_invoke(HTTP, {"ApiEndpoint": f"{other_gate.base}/now", "Method": "GET"}),
            out.done(f"fast-{i}"),
        )
    assert wait_for(lambda: len(out.ids()) == 50)
    assert sorted(out.ids()) == sorted(f"fast-{i}" for i in range(50))  # no slow one yet
    gate.release()
    assert wait_for(lambda: len(out.ids()) == 350)
    counts = Counter(out.ids())
    assert len(counts) == 350 and set(counts.values()) == {1}  # done exactly once each
    assert all(error is None and result["StatusCode"] == 200 for _, result, error, _ in out.log)
    assert {thread for *_, thread in out.log} == {"tasks-io"}  # done runs on the loop
    invoker.close()  # the loop has stopped: no callback can come after this
    assert len(out.ids()) == 350  # and never again


def test_the_request_deadline_header_is_the_deadline_and_replaces_a_definitions_value(
    gate, make_invoke, wait_for
):
    invoker = TaskInvoker(TasksConfig(allowlist=("127.0.0.1",)))
    out = Outcomes()
    deadline = time.time() + 30.5
    invoker.submit(
        make_invoke(
            HTTP,
            {
                "ApiEndpoint": f"{gate.base}/now",
                "Method": "GET",
                "Headers": {"x-request-deadline": "1"},
            },
        ),
        out.done("a"),
        deadline=deadline,
    )
    assert wait_for(lambda: out.ids() == ["a"])
    _, result, error, _ = out.of("a")
    assert error is None
    sent = result["ResponseBody"]["headers"]
    assert sent["X-Request-Deadline"] == str(int(deadline * 1000))
    assert [k for k in sent if k.lower() == "x-request-deadline"] == ["X-Request-Deadline"]
    invoker.close()


def test_without_a_state_deadline_the_header_is_now_plus_the_resources_cap(gate, make_invoke):
    invoker = TaskInvoker(
        TasksConfig(
            allowlist=("127.0.0.1",),
            http_timeout_seconds=60,
            lambdas={"Fn": f"{gate.base}/now"},
            lambda_timeout_seconds=900,
        )
    )
    before = time.time()
    http = invoker(make_invoke(HTTP, {"ApiEndpoint": f"{gate.base}/now", "Method": "GET"}))
    fn = invoker(make_invoke(INVOKE, {"FunctionName": "Fn", "Payload": {}}))
    after = time.time()
    http_ms = int(http["ResponseBody"]["headers"]["X-Request-Deadline"])
    fn_ms = int(fn["Payload"]["headers"]["X-Request-Deadline"])  # Lambda over HTTP too
    assert int((before + 60) * 1000) <= http_ms <= int((after + 60) * 1000)
    assert int((before + 900) * 1000) <= fn_ms <= int((after + 900) * 1000)
    invoker.close()


def test_timeout_seconds_counts_from_the_call_when_no_deadline_is_given(gate, make_invoke):
    invoker = TaskInvoker(TasksConfig(allowlist=("127.0.0.1",)))
    before = time.time()
    result = invoker(
        make_invoke(HTTP, {"ApiEndpoint": f"{gate.base}/now", "Method": "GET"}, timeout=20)
    )
    sent = int(result["ResponseBody"]["headers"]["X-Request-Deadline"])
    assert int((before + 20) * 1000) <= sent <= int((time.time() + 20) * 1000)
    invoker.close()


@pytest.mark.parametrize(
    "resource, params",
    [
        (HTTP, {"Method": "GET"}),
        (INVOKE, {"FunctionName": "Fn", "Payload": {}}),
    ],
    ids=["http", "lambda"],
)
def test_a_deadline_in_the_past_fails_with_states_timeout_before_any_request(
    gate, make_invoke, resource, params, wait_for
):
    invoker = TaskInvoker(TasksConfig(allowlist=("127.0.0.1",), lambdas={"Fn": f"{gate.base}/now"}))
    params = {**params, "ApiEndpoint": f"{gate.base}/now"} if resource == HTTP else params
    out = Outcomes()
    invoker.submit(make_invoke(resource, params), out.done("late"), deadline=time.time() - 1)
    assert wait_for(lambda: out.ids() == ["late"])
    _, result, error, _ = out.of("late")
    assert result is None and (error.error, error.cause) == ("States.Timeout", None)
    assert gate.seen == []
    invoker.close()


def test_the_state_deadline_passing_while_waiting_is_states_timeout(gate, make_invoke, wait_for):
    invoker = TaskInvoker(TasksConfig(allowlist=("127.0.0.1",)))
    out = Outcomes()
    invoker.submit(
        make_invoke(HTTP, {"ApiEndpoint": f"{gate.base}/held", "Method": "GET"}),
        out.done("held"),
        deadline=time.time() + 0.2,
    )
    assert wait_for(lambda: out.ids() == ["held"])
    assert out.of("held")[2].error == "States.Timeout"
    invoker.close()


def test_errors_reach_done_once_and_a_failing_done_does_not_stop_the_loop(
    gate, make_invoke, wait_for
):
    invoker = TaskInvoker(TasksConfig(allowlist=("127.0.0.1",)))
    out = Outcomes()

    def explode(result, error):
        raise RuntimeError("the engine's callback is broken")

    invoker.submit(make_invoke(HTTP, {"Method": "GET"}), explode)
    invoker.submit(make_invoke(HTTP, {"Method": "GET"}), out.done("bad"))
    invoker.submit(make_invoke("arn:aws:states:::nope:x", {}), out.done("unsupported"))
    invoker.submit(
        make_invoke(HTTP, {"ApiEndpoint": f"{gate.base}/now", "Method": "GET"}), out.done("good")
    )
    assert wait_for(lambda: len(out.ids()) == 3)
    invoker.close()  # the loop has stopped: no callback can come after this
    assert Counter(out.ids()) == {"bad": 1, "unsupported": 1, "good": 1}
    assert out.of("bad")[2].error == out.of("unsupported")[2].error == "States.Runtime"
    assert out.of("good")[1]["StatusCode"] == 200
    invoker.close()


def test_close_with_calls_in_flight_fails_each_once_and_a_later_call_starts_afresh(
    gate, make_invoke, wait_for
):
    invoker = TaskInvoker(TasksConfig(allowlist=("127.0.0.1",)))
    out = Outcomes()
    for i in range(20):
        invoker.submit(
            make_invoke(HTTP, {"ApiEndpoint": f"{gate.base}/held", "Method": "GET"}),
            out.done(f"held-{i}"),
        )
    assert wait_for(lambda: gate.held == 20)
    loop_thread = invoker._io._current().thread
    invoker.close()
    assert Counter(out.ids()) == {f"held-{i}": 1 for i in range(20)}  # before close returned
    assert {
        (e.error, e.cause.startswith("The Task resources were closed")) for _, _, e, _ in out.log
    } == {("States.Runtime", True)}
    assert not loop_thread.is_alive()
    result = invoker(make_invoke(HTTP, {"ApiEndpoint": f"{gate.base}/now", "Method": "GET"}))
    assert result["StatusCode"] == 200
    invoker.close()


HOLD = threading.Event()
RUNNING = Counter()
RUNNING_LOCK = threading.Lock()


def blocking_stand_in(event, context):
    with RUNNING_LOCK:
        RUNNING["now"] += 1
        RUNNING["peak"] = max(RUNNING["peak"], RUNNING["now"])
    HOLD.wait(30)
    with RUNNING_LOCK:
        RUNNING["now"] -= 1
    return event


def test_python_stand_ins_run_off_the_loop_on_a_bounded_pool(gate, make_invoke, wait_for):
    HOLD.clear()
    RUNNING.clear()
    invoker = TaskInvoker(
        TasksConfig(
            allowlist=("127.0.0.1",),
            python_workers=2,
            lambdas={"Block": f"python:{__name__}:blocking_stand_in"},
        )
    )
    out = Outcomes()
    for i in range(4):  # twice the pool: two wait for a thread
        invoker.submit(
            make_invoke(INVOKE, {"FunctionName": "Block", "Payload": {"i": i}}), out.done(f"py-{i}")
        )
    for i in range(10):
        invoker.submit(
            make_invoke(HTTP, {"ApiEndpoint": f"{gate.base}/now", "Method": "GET"}),
            out.done(f"http-{i}"),
        )
    assert wait_for(lambda: len(out.ids()) == 10)
    assert all(call_id.startswith("http-") for call_id in out.ids())
    assert wait_for(lambda: RUNNING["now"] == 2)
    assert RUNNING["peak"] == 2  # the pool's bound: the other two wait for a thread
    HOLD.set()
    assert wait_for(lambda: len(out.ids()) == 14)
    assert sorted(out.of(f"py-{i}")[1]["Payload"]["i"] for i in range(4)) == [0, 1, 2, 3]
    invoker.close()
