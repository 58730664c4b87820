"""``.waitForTaskToken`` with SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat."""

import json
import threading

import pytest
from engine_helpers import create, definition, event_types, history, wait_until_waiting

from orchestrator.asl.errors import StatesError
from orchestrator.engine.errors import ApiError

CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken"


def callback_machine(**task):
    return definition(
        {
            "T": {
                "Type": "Task",
                "Resource": CALLBACK,
                "End": True,
                "Parameters": {"FunctionName": "f", "Payload": {"token.$": "$$.Task.Token"}},
                **task,
            }
        }
    )


@pytest.fixture
def tokens(invoker):
    """Tokens the fake resource received, announced through an Event each."""
    seen: list = []
    arrived = threading.Condition()

    def handler(invoke):
        with arrived:
            seen.append(invoke.parameters["Payload"]["token"])
            arrived.notify_all()
        return {"StatusCode": 200}  # what the call returned: not the Task's result

    invoker.handlers[CALLBACK] = handler

    def wait(count=1):
        with arrived:
            assert arrived.wait_for(lambda: len(seen) >= count, 30)
        return seen[count - 1]

    return wait


def api_error(fn, request) -> ApiError:
    with pytest.raises(ApiError) as err:
        fn(request)
    return err.value


def test_send_task_success(engine, tokens):
    sm = create(engine, defn=callback_machine())
    arn = engine.start_execution({"stateMachineArn": sm})["executionArn"]
    token = tokens()
    assert engine.describe_execution({"executionArn": arn})["status"] == "RUNNING"
    assert engine.send_task_success({"taskToken": token, "output": '{"done": 1}'}) == {}
    out = engine.wait_for(arn, 30)
    assert (out["status"], json.loads(out["output"])) == ("SUCCEEDED", {"done": 1})
    # The task is over: a second answer is TaskTimedOut.
    err = api_error(engine.send_task_success, {"taskToken": token, "output": "{}"})
    assert err.code == "TaskTimedOut"


def test_send_task_failure_is_catchable(engine, tokens):
    defn = definition(
        {
            "T": {
                "Type": "Task",
                "Resource": CALLBACK,
                "Next": "Done",
                "Parameters": {"FunctionName": "f", "Payload": {"token.$": "$$.Task.Token"}},
                "Catch": [{"ErrorEquals": ["Rejected"], "Next": "Done"}],
            },
            "Done": {"Type": "Pass", "End": True},
        }
    )
    arn = engine.start_execution({"stateMachineArn": create(engine, defn=defn)})["executionArn"]
    engine.send_task_failure({"taskToken": tokens(), "error": "Rejected", "cause": "no"})
    out = engine.wait_for(arn, 30)
    assert json.loads(out["output"]) == {"Error": "Rejected", "Cause": "no"}


def test_heartbeats_keep_the_task_alive_then_it_times_out(make_engine, tokens):
    # HeartbeatSeconds 500 at time scale 0.001: 0.5 s without a heartbeat fails the task.
    engine = make_engine(time_scale=0.001)
    arn = engine.start_execution(
        {"stateMachineArn": create(engine, defn=callback_machine(HeartbeatSeconds=500))}
    )["executionArn"]
    token = tokens()
    assert engine.send_task_heartbeat({"taskToken": token}) == {}
    out = engine.wait_for(arn, 30)
    assert (out["status"], out["error"]) == ("FAILED", "States.HeartbeatTimeout")
    assert "TaskTimedOut" in event_types(engine, arn)
    assert api_error(engine.send_task_heartbeat, {"taskToken": token}).code == "TaskTimedOut"


@pytest.mark.parametrize(
    "token,code",
    [
        ("not-a-token", "InvalidToken"),
        ("00000000-0000-4000-8000-000000000000", "TaskDoesNotExist"),
    ],
)
def test_bad_tokens(engine, token, code):
    for op, extra in [
        (engine.send_task_success, {"output": "{}"}),
        (engine.send_task_failure, {}),
        (engine.send_task_heartbeat, {}),
    ]:
        assert api_error(op, {"taskToken": token, **extra}).code == code


def test_invalid_output(engine, tokens):
    engine.start_execution({"stateMachineArn": create(engine, defn=callback_machine())})
    err = api_error(engine.send_task_success, {"taskToken": tokens(), "output": "{nope"})
    assert err.code == "InvalidOutput"


def test_stopped_execution_closes_its_token(engine, tokens):
    arn = engine.start_execution({"stateMachineArn": create(engine, defn=callback_machine())})[
        "executionArn"
    ]
    token = tokens()
    engine.stop_execution({"executionArn": arn})
    assert (
        api_error(engine.send_task_success, {"taskToken": token, "output": "{}"}).code
        == "TaskTimedOut"
    )


def test_token_survives_a_restart(make_engine, tokens):
    engine = make_engine()
    arn = engine.start_execution({"stateMachineArn": create(engine, defn=callback_machine())})[
        "executionArn"
    ]
    token = tokens()
    engine.close()
    again = make_engine()
    again.send_task_success({"taskToken": token, "output": '"late"'})
    out = again.wait_for(arn, 30)
    assert (out["status"], out["output"]) == ("SUCCEEDED", '"late"')


def test_an_acknowledged_answer_is_durable(make_engine, tokens, invoker):
    """SendTaskSuccess returns only once the outcome is in the journal: a restart right
    after it neither loses the answer nor sends the callback request again."""
    engine = make_engine()
    arn = engine.start_execution({"stateMachineArn": create(engine, defn=callback_machine())})[
        "executionArn"
    ]
    engine.send_task_success({"taskToken": tokens(), "output": '{"v": 1}'})
    engine.close()
    again = make_engine()
    out = again.wait_for(arn, 30)
    assert (out["status"], out["output"]) == ("SUCCEEDED", '{"v": 1}')
    assert len(invoker.calls) == 1


def test_a_token_is_answered_once_under_concurrency(engine, tokens):
    arn = engine.start_execution({"stateMachineArn": create(engine, defn=callback_machine())})[
        "executionArn"
    ]
    token = tokens()
    outcomes: list = []
    barrier = threading.Barrier(8)

    def answer(n):
        barrier.wait()
        try:
            engine.send_task_success({"taskToken": token, "output": str(n)})
            outcomes.append(("ok", n))
        except ApiError as err:
            outcomes.append((err.code, n))

    threads = [threading.Thread(target=answer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [n for code, n in outcomes if code == "ok"]
    assert len(winners) == 1
    assert sorted(code for code, _ in outcomes if code != "ok") == ["TaskTimedOut"] * 7
    assert engine.wait_for(arn, 30)["output"] == str(winners[0])


def test_heartbeats_hammered_while_the_task_completes(make_engine, tokens):
    """SendTaskHeartbeat runs on API threads; only the driver touches an execution's timers.
    Heartbeats from several threads racing the SendTaskSuccess that ends the task: each is
    either taken (``{}``) or, once the task is over, TaskTimedOut — never an error, a lost
    success, a heartbeat timeout or a token left open."""
    engine = make_engine(time_scale=0.001)
    defn = callback_machine(HeartbeatSeconds=5000)  # 5 s here: only the race is tested
    sm = create(engine, defn=defn)
    executions = 6
    arns = [
        engine.start_execution({"stateMachineArn": sm})["executionArn"] for _ in range(executions)
    ]
    seen = [tokens(count) for count in range(1, executions + 1)]
    outcomes: list = []
    # The success is sent once all three hammers of that task have sent 51 heartbeats.
    halfway = [threading.Barrier(4, timeout=30) for _ in seen]

    def hammer(index: int, token: str) -> None:
        taken = timed_out = 0
        for beat in range(200):
            try:
                engine.send_task_heartbeat({"taskToken": token})
                taken += 1
            except ApiError as exc:
                assert exc.code == "TaskTimedOut", exc
                timed_out += 1
            if beat == 50:
                halfway[index].wait()
        outcomes.append((taken, timed_out))

    def succeed(index: int, token: str) -> None:
        halfway[index].wait()
        engine.send_task_success({"taskToken": token, "output": json.dumps({"n": index})})

    threads = [
        threading.Thread(target=hammer, args=(i, t)) for i, t in enumerate(seen) for _ in range(3)
    ]
    threads += [threading.Thread(target=succeed, args=(i, t)) for i, t in enumerate(seen)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 3 * executions  # no hammer died of an unexpected error
    assert all(taken >= 51 for taken, _ in outcomes)  # heartbeats before the success count
    results = sorted(json.loads(engine.wait_for(arn, 30)["output"])["n"] for arn in arns)
    assert results == list(range(executions))
    for arn in arns:
        types = event_types(engine, arn)
        assert "TaskTimedOut" not in types
        assert types[-1] == "ExecutionSucceeded"
    assert engine.stats()["tokens"] == 0
    for token in seen:
        assert api_error(engine.send_task_heartbeat, {"taskToken": token}).code == "TaskTimedOut"


# -- TaskSubmitted: the request's own response ---------------------------------------------


def _task_events(engine, arn):
    events = history(engine, arn)
    return [e for e in events if e["type"].startswith("Task") and "State" not in e["type"]]


def test_the_requests_response_is_recorded_as_task_submitted(engine, tokens):
    arn = engine.start_execution({"stateMachineArn": create(engine, defn=callback_machine())})[
        "executionArn"
    ]
    token = tokens()
    wait_until_waiting(engine, arn, "TaskSubmitted")  # written while the Task waits
    engine.send_task_success({"taskToken": token, "output": '{"done": 1}'})
    assert engine.wait_for(arn, 30)["status"] == "SUCCEEDED"
    events = _task_events(engine, arn)
    assert [e["type"] for e in events] == [
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
    ]
    details = events[2]["taskSubmittedEventDetails"]
    assert json.loads(details["output"]) == {"StatusCode": 200}
    assert (details["resource"], details["resourceType"]) == ("invoke.waitForTaskToken", "lambda")
    assert details["outputDetails"] == {"truncated": False}


def test_a_callback_quicker_than_the_response_still_follows_task_submitted(engine, invoker):
    def answer_then_respond(invoke):
        # The worker answers before the request's response is back.
        token = invoke.parameters["Payload"]["token"]
        engine.send_task_success({"taskToken": token, "output": '"early"'})
        return {"StatusCode": 200}

    invoker.handlers[CALLBACK] = answer_then_respond
    arn = engine.start_execution({"stateMachineArn": create(engine, defn=callback_machine())})[
        "executionArn"
    ]
    out = engine.wait_for(arn, 30)
    assert (out["status"], out["output"]) == ("SUCCEEDED", '"early"')
    assert [e["type"] for e in _task_events(engine, arn)][2:] == ["TaskSubmitted", "TaskSucceeded"]


def test_a_failed_request_records_no_task_submitted(engine, invoker):
    def refuse(invoke):
        raise StatesError("Lambda.ServiceException", "down")

    invoker.handlers[CALLBACK] = refuse
    arn = engine.start_execution({"stateMachineArn": create(engine, defn=callback_machine())})[
        "executionArn"
    ]
    out = engine.wait_for(arn, 30)
    assert (out["status"], out["error"]) == ("FAILED", "Lambda.ServiceException")
    assert [e["type"] for e in _task_events(engine, arn)] == [
        "TaskScheduled",
        "TaskStarted",
        "TaskFailed",
    ]


def test_a_resumed_callback_does_not_repeat_its_submitted_request(make_engine, tokens, invoker):
    engine = make_engine()
    arn = engine.start_execution({"stateMachineArn": create(engine, defn=callback_machine())})[
        "executionArn"
    ]
    token = tokens()
    wait_until_waiting(engine, arn, "TaskSubmitted")
    engine.close()
    again = make_engine()
    assert again.wait_resumed(30)
    again.send_task_success({"taskToken": token, "output": '"after"'})
    out = again.wait_for(arn, 30)
    assert (out["status"], out["output"]) == ("SUCCEEDED", '"after"')
    assert sum(call.resource == CALLBACK for call in invoker.calls) == 1
    assert event_types(again, arn).count("TaskSubmitted") == 1
