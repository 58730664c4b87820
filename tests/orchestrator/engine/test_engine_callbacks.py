"""``.waitForTaskToken`` with SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat."""
import json
import threading

import pytest

from orchestrator.engine.errors import ApiError

from engine_helpers import create, definition, event_types

CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken"


def callback_machine(**task):
    return definition({"T": {"Type": "Task", "Resource": CALLBACK, "End": True,
                             "Parameters": {"FunctionName": "f",
                                            "Payload": {"token.$": "$$.Task.Token"}},
                             **task}})


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
    defn = definition({"T": {"Type": "Task", "Resource": CALLBACK, "Next": "Done",
                             "Parameters": {"FunctionName": "f",
                                            "Payload": {"token.$": "$$.Task.Token"}},
                             "Catch": [{"ErrorEquals": ["Rejected"], "Next": "Done"}]},
                       "Done": {"Type": "Pass", "End": True}})
    arn = engine.start_execution({"stateMachineArn": create(engine, defn=defn)})["executionArn"]
    engine.send_task_failure({"taskToken": tokens(), "error": "Rejected", "cause": "no"})
    out = engine.wait_for(arn, 30)
    assert json.loads(out["output"]) == {"Error": "Rejected", "Cause": "no"}


def test_heartbeats_keep_the_task_alive_then_it_times_out(make_engine, tokens):
    # HeartbeatSeconds 500 at time scale 0.001: 0.5 s without a heartbeat fails the task.
    engine = make_engine(time_scale=0.001)
    arn = engine.start_execution({"stateMachineArn": create(
        engine, defn=callback_machine(HeartbeatSeconds=500))})["executionArn"]
    token = tokens()
    assert engine.send_task_heartbeat({"taskToken": token}) == {}
    out = engine.wait_for(arn, 30)
    assert (out["status"], out["error"]) == ("FAILED", "States.HeartbeatTimeout")
    assert "TaskTimedOut" in event_types(engine, arn)
    assert api_error(engine.send_task_heartbeat, {"taskToken": token}).code == "TaskTimedOut"


@pytest.mark.parametrize("token,code", [
    ("not-a-token", "InvalidToken"),
    ("00000000-0000-4000-8000-000000000000", "TaskDoesNotExist"),
])
def test_bad_tokens(engine, token, code):
    for op, extra in [(engine.send_task_success, {"output": "{}"}),
                      (engine.send_task_failure, {}), (engine.send_task_heartbeat, {})]:
        assert api_error(op, {"taskToken": token, **extra}).code == code


def test_invalid_output(engine, tokens):
    engine.start_execution({"stateMachineArn": create(engine, defn=callback_machine())})
    err = api_error(engine.send_task_success, {"taskToken": tokens(), "output": "{nope"})
    assert err.code == "InvalidOutput"


def test_stopped_execution_closes_its_token(engine, tokens):
    arn = engine.start_execution({"stateMachineArn": create(
        engine, defn=callback_machine())})["executionArn"]
    token = tokens()
    engine.stop_execution({"executionArn": arn})
    assert api_error(engine.send_task_success,
                     {"taskToken": token, "output": "{}"}).code == "TaskTimedOut"


def test_token_survives_a_restart(make_engine, tokens):
    engine = make_engine()
    arn = engine.start_execution({"stateMachineArn": create(
        engine, defn=callback_machine())})["executionArn"]
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
    arn = engine.start_execution({"stateMachineArn": create(
        engine, defn=callback_machine())})["executionArn"]
    engine.send_task_success({"taskToken": tokens(), "output": '{"v": 1}'})
    engine.close()
    again = make_engine()
    out = again.wait_for(arn, 30)
    assert (out["status"], out["output"]) == ("SUCCEEDED", '{"v": 1}')
    assert len(invoker.calls) == 1


def test_a_token_is_answered_once_under_concurrency(engine, tokens):
    arn = engine.start_execution({"stateMachineArn": create(
        engine, defn=callback_machine())})["executionArn"]
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
