"""Activities: the API (Create/Describe/Delete/List), Task states on an activity ARN with
workers polling GetActivityTask, and the histories AWS recorded
(shared/conformance-more/cases/activities/*, cases/api/test_sfn_api_activities*)."""

import json
import threading

import pytest
from engine_helpers import ROLE, SM_PREFIX, create, definition, history, wait_until_waiting

from orchestrator.engine.errors import ApiError

ACTIVITY = "arn:aws:states:us-east-1:123456789012:activity:work"


def api_error(fn, request) -> ApiError:
    with pytest.raises(ApiError) as err:
        fn(request)
    return err.value


def activity_task(**fields) -> str:
    return definition(
        {"ActivityTask": {"Type": "Task", "Resource": ACTIVITY, "End": True, **fields}}
    )


@pytest.fixture
def engine(make_engine):
    return make_engine(activity_poll_seconds=5)


def start(engine, defn: str, name: str = "e", input_text: str = '{"Value1": "HelloWorld"}') -> str:
    create(engine, "sm", defn)
    return engine.start_execution(
        {"stateMachineArn": SM_PREFIX + "sm", "name": name, "input": input_text}
    )["executionArn"]


def events(engine, arn) -> list[tuple[str, dict]]:
    out = []
    for event in history(engine, arn):
        details = [v for k, v in event.items() if k.endswith("EventDetails")]
        out.append((event["type"], details[0] if details else None))
    return out


# -- the API -----------------------------------------------------------------------------------
def test_create_describe_list_delete(engine):
    first = engine.create_activity({"name": "work"})
    assert first["activityArn"] == ACTIVITY
    again = engine.create_activity({"name": "work", "tags": [{"key": "ignored", "value": "x"}]})
    assert again == first  # idempotent by name; other tags are ignored
    assert engine.describe_activity({"activityArn": ACTIVITY}) == {
        "activityArn": ACTIVITY,
        "name": "work",
        "creationDate": first["creationDate"],
        "encryptionConfiguration": {"type": "AWS_OWNED_KEY"},
    }
    engine.create_activity({"name": "other"})
    page = engine.list_activities({"maxResults": 1})
    assert [a["name"] for a in page["activities"]] == ["work"]
    rest = engine.list_activities({"nextToken": page["nextToken"]})
    assert [a["name"] for a in rest["activities"]] == ["other"]
    for _ in range(2):  # deleting twice is not an error
        assert engine.delete_activity({"activityArn": ACTIVITY}) == {}
    err = api_error(engine.describe_activity, {"activityArn": ACTIVITY})
    assert (err.code, err.message) == (
        "ActivityDoesNotExist",
        f"Activity Does Not Exist: '{ACTIVITY}'",
    )
    err = api_error(engine.get_activity_task, {"activityArn": ACTIVITY})
    assert err.code == "ActivityDoesNotExist"


@pytest.mark.parametrize(
    "name", ["activity name", "activity*name", "activity/name", "\x00activity", "activity\x7f"]
)
def test_invalid_activity_names(engine, name):
    err = api_error(engine.create_activity, {"name": name})
    assert (err.code, err.message) == ("InvalidName", f"Invalid Name: '{name}'")


def test_invalid_arns(engine):
    for call in (engine.describe_activity, engine.get_activity_task, engine.delete_activity):
        err = api_error(call, {"activityArn": "no_an_activity_arn"})
        assert (err.code, err.message) == (
            "InvalidArn",
            "Invalid Arn: 'Invalid ARN prefix: no_an_activity_arn'",
        )


def test_activities_carry_tags(engine):
    engine.create_activity({"name": "work", "tags": [{"key": "team", "value": "a"}]})
    engine.tag_resource({"resourceArn": ACTIVITY, "tags": [{"key": "env", "value": "b"}]})
    assert engine.list_tags_for_resource({"resourceArn": ACTIVITY})["tags"] == [
        {"key": "team", "value": "a"},
        {"key": "env", "value": "b"},
    ]


def test_an_express_machine_refuses_an_activity(engine):
    request = {"name": "x", "definition": activity_task(), "roleArn": ROLE, "type": "EXPRESS"}
    err = api_error(engine.create_state_machine, request)
    assert err.code == "InvalidDefinition"
    assert (
        "Express state machine does not support Activity ARN at /States/ActivityTask/Resource"
        in err.message
    )


# -- Task states on an activity ------------------------------------------------------------------
def test_a_worker_takes_the_task_and_answers(engine):
    engine.create_activity({"name": "work"})
    arn = start(engine, activity_task())
    task = engine.get_activity_task(
        {"activityArn": ACTIVITY, "workerName": "BASE_ID_ACTIVITY_CONSUMER"}
    )
    assert json.loads(task["input"]) == {"Value1": "HelloWorld"}
    engine.send_task_success({"taskToken": task["taskToken"], "output": task["input"]})
    out = engine.wait_for(arn, 30)
    assert out["status"] == "SUCCEEDED"
    assert json.loads(out["output"]) == {"Value1": "HelloWorld"}
    assert events(engine, arn)[1:6] == [
        (
            "TaskStateEntered",
            {
                "input": '{"Value1": "HelloWorld"}',
                "inputDetails": {"truncated": False},
                "name": "ActivityTask",
            },
        ),
        (
            "ActivityScheduled",
            {
                "input": '{"Value1": "HelloWorld"}',
                "inputDetails": {"truncated": False},
                "resource": ACTIVITY,
            },
        ),
        ("ActivityStarted", {"workerName": "BASE_ID_ACTIVITY_CONSUMER"}),
        (
            "ActivitySucceeded",
            {"output": '{"Value1": "HelloWorld"}', "outputDetails": {"truncated": False}},
        ),
        (
            "TaskStateExited",
            {
                "name": "ActivityTask",
                "output": '{"Value1": "HelloWorld"}',
                "outputDetails": {"truncated": False},
            },
        ),
    ]


def test_a_worker_without_a_name_and_a_failure(engine):
    engine.create_activity({"name": "work"})
    arn = start(engine, activity_task())
    task = engine.get_activity_task({"activityArn": ACTIVITY})
    engine.send_task_failure(
        {"taskToken": task["taskToken"], "error": "Programmatic Error", "cause": task["input"]}
    )
    out = engine.wait_for(arn, 30)
    assert (out["status"], out["error"]) == ("FAILED", "Programmatic Error")
    assert [e for e in events(engine, arn)][3:6] == [
        ("ActivityStarted", {}),
        ("ActivityFailed", {"cause": '{"Value1": "HelloWorld"}', "error": "Programmatic Error"}),
        ("ExecutionFailed", {"cause": '{"Value1": "HelloWorld"}', "error": "Programmatic Error"}),
    ]


def test_a_deleted_activity_fails_the_execution(engine):
    engine.create_activity({"name": "work"})
    engine.delete_activity({"activityArn": ACTIVITY})
    arn = start(engine, activity_task())
    out = engine.wait_for(arn, 30)
    cause = (
        "An error occurred while executing the state 'ActivityTask' (entered at the event id #2). "
        f"The activity {ACTIVITY} does not exist."
    )
    assert (out["status"], out["error"], out["cause"]) == ("FAILED", "States.Runtime", cause)
    assert [t for t, _ in events(engine, arn)] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "ExecutionFailed",
    ]


def test_timeout_after_the_pickup(engine):
    """TimeoutSeconds 1000 (scaled: 1 s here) while the worker holds the task."""
    engine.create_activity({"name": "work"})
    arn = start(engine, activity_task(TimeoutSeconds=1000))
    task = engine.get_activity_task({"activityArn": ACTIVITY, "workerName": "w"})
    out = engine.wait_for(arn, 30)
    assert (out["status"], out["error"]) == ("FAILED", "States.Timeout")
    assert events(engine, arn)[2:6] == [
        (
            "ActivityScheduled",
            {
                "input": '{"Value1": "HelloWorld"}',
                "inputDetails": {"truncated": False},
                "resource": ACTIVITY,
                "timeoutInSeconds": 1000,
            },
        ),
        ("ActivityStarted", {"workerName": "w"}),
        ("ActivityTimedOut", {"error": "States.Timeout"}),
        ("ExecutionFailed", {"error": "States.Timeout"}),
    ]
    err = api_error(engine.send_task_success, {"taskToken": task["taskToken"], "output": "{}"})
    assert err.code == "TaskTimedOut"


def test_timeout_before_any_worker_came(make_engine):
    engine = make_engine(activity_poll_seconds=0.05)
    engine.create_activity({"name": "work"})
    arn = start(engine, activity_task(TimeoutSeconds=5))
    assert engine.wait_for(arn, 30)["error"] == "States.Timeout"
    assert [t for t, _ in events(engine, arn)][2:4] == ["ActivityScheduled", "ActivityTimedOut"]
    assert engine.get_activity_task({"activityArn": ACTIVITY}) == {}  # withdrawn from the queue


def test_heartbeats(engine):
    engine.create_activity({"name": "work"})
    arn = start(engine, activity_task(HeartbeatSeconds=500), name="beats")  # 0.5 s here
    task = engine.get_activity_task({"activityArn": ACTIVITY})
    for _ in range(12):  # 1.2 s in all: the task lives on its heartbeats
        threading.Event().wait(0.1)
        engine.send_task_heartbeat({"taskToken": task["taskToken"]})
    engine.send_task_success({"taskToken": task["taskToken"], "output": '"done"'})
    assert engine.wait_for(arn, 30)["status"] == "SUCCEEDED"
    scheduled = events(engine, arn)[2][1]
    assert scheduled["heartbeatInSeconds"] == 500
    engine.create_state_machine(
        {"name": "quiet", "definition": activity_task(HeartbeatSeconds=1), "roleArn": ROLE}
    )
    quiet = engine.start_execution({"stateMachineArn": SM_PREFIX + "quiet"})["executionArn"]
    engine.get_activity_task({"activityArn": ACTIVITY})
    out = engine.wait_for(quiet, 30)
    assert (out["status"], out["error"]) == ("FAILED", "States.HeartbeatTimeout")
    assert [t for t, _ in events(engine, quiet)][3:5] == ["ActivityStarted", "ActivityTimedOut"]


def test_an_empty_poll_answers_no_token(make_engine):
    engine = make_engine(activity_poll_seconds=0.05)
    engine.create_activity({"name": "work"})
    assert engine.get_activity_task({"activityArn": ACTIVITY}) == {}


def test_a_retry_offers_the_task_again(engine):
    engine.create_activity({"name": "work"})
    retry = [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2}]
    arn = start(engine, activity_task(Retry=retry))
    first = engine.get_activity_task({"activityArn": ACTIVITY, "workerName": "one"})
    engine.send_task_failure({"taskToken": first["taskToken"], "error": "Flaky"})
    second = engine.get_activity_task({"activityArn": ACTIVITY, "workerName": "two"})
    engine.send_task_success({"taskToken": second["taskToken"], "output": '{"ok": true}'})
    assert engine.wait_for(arn, 30)["status"] == "SUCCEEDED"
    started = [d for t, d in events(engine, arn) if t == "ActivityStarted"]
    assert started == [{"workerName": "one"}, {"workerName": "two"}]


def test_many_tasks_many_workers_each_task_once(engine):
    """100 executions, 4 polling threads: every task handed out exactly once."""
    engine.create_activity({"name": "work"})
    create(engine, "sm", activity_task())
    runs = [
        engine.start_execution(
            {"stateMachineArn": SM_PREFIX + "sm", "name": f"e{i}", "input": json.dumps({"i": i})}
        )["executionArn"]
        for i in range(100)
    ]
    seen: list[int] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        while True:
            task = engine.get_activity_task({"activityArn": ACTIVITY, "workerName": f"w{index}"})
            if "taskToken" not in task:
                return
            value = json.loads(task["input"])["i"]
            with lock:
                seen.append(value)
            engine.send_task_success(
                {"taskToken": task["taskToken"], "output": json.dumps({"done": value})}
            )

    poll = engine.config.activity_poll_seconds
    engine.config.activity_poll_seconds = 0.5  # workers stop once the queue stays empty
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    engine.config.activity_poll_seconds = poll
    assert sorted(seen) == list(range(100))
    for i, run in enumerate(runs):
        out = engine.wait_for(run, 30)
        assert json.loads(out["output"]) == {"done": i}


def test_pending_and_started_tasks_survive_a_restart(make_engine):
    engine = make_engine(activity_poll_seconds=5)
    engine.create_activity({"name": "work"})
    create(engine, "sm", activity_task())
    held = engine.start_execution({"stateMachineArn": SM_PREFIX + "sm", "name": "held"})[
        "executionArn"
    ]
    task = engine.get_activity_task({"activityArn": ACTIVITY, "workerName": "before"})
    waiting = engine.start_execution({"stateMachineArn": SM_PREFIX + "sm", "name": "waiting"})[
        "executionArn"
    ]
    wait_until_waiting(engine, waiting, "ActivityScheduled")
    engine.close()
    again = make_engine(activity_poll_seconds=5)
    # The task a worker held before the restart can be answered after it.
    again.send_task_success({"taskToken": task["taskToken"], "output": '"held"'})
    assert again.wait_for(held, 30)["status"] == "SUCCEEDED"
    # The one no worker had taken is offered again, once.
    offered = again.get_activity_task({"activityArn": ACTIVITY, "workerName": "after"})
    again.send_task_success({"taskToken": offered["taskToken"], "output": '"waiting"'})
    assert again.wait_for(waiting, 30)["status"] == "SUCCEEDED"
    again.config.activity_poll_seconds = 0.05
    assert again.get_activity_task({"activityArn": ACTIVITY}) == {}
    started = [d for t, d in events(again, held) if t == "ActivityStarted"]
    assert started == [{"workerName": "before"}]


def test_the_number_of_activities_is_bounded(make_engine):
    engine = make_engine(max_activities=2)
    engine.create_activity({"name": "a"})
    engine.create_activity({"name": "b"})
    engine.create_activity({"name": "a"})  # idempotent: not a new one
    err = api_error(engine.create_activity, {"name": "c"})
    assert err.code == "ActivityLimitExceeded"
    engine.delete_activity({"activityArn": ACTIVITY.replace("work", "a")})
    engine.create_activity({"name": "c"})
