"""Activities through boto3, unchanged, against a real orchestrator process: the API and
its error shapes (raw responses checked against botocore's model), and a boto3 activity
worker on several threads that processes 100 tasks, each exactly once, across a kill -9
of the orchestrator."""

from __future__ import annotations

import json
import threading
import time

import pytest
from botocore.exceptions import BotoCoreError
from model_check import checked
from orchestrator_server import Orchestrator, wait_finished

from tests.support.aws import stepfunctions_client
from tests.support.processes import kill_group

pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
TASKS = 100
WORKERS = 4


def client_for(server: Orchestrator):
    return stepfunctions_client(server.url, read_timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Orchestrator(
        tmp_path_factory.mktemp("orchestrator-activities"),
        {"ORCHESTRATOR_ACTIVITY_POLL_SECONDS": "1"},
    )
    running.start()
    yield running
    running.stop()


def test_the_activity_api_and_its_errors(server):
    sfn = client_for(server)
    checks = checked(sfn)
    arn = sfn.create_activity(name="api-shapes", tags=[{"key": "team", "value": "a"}])[
        "activityArn"
    ]
    assert arn == "arn:aws:states:us-east-1:123456789012:activity:api-shapes"
    described = sfn.describe_activity(activityArn=arn)
    assert described["encryptionConfiguration"] == {"type": "AWS_OWNED_KEY"}
    assert arn in [a["activityArn"] for a in sfn.list_activities()["activities"]]
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "a"}]
    started = time.monotonic()
    empty = sfn.get_activity_task(activityArn=arn, workerName="idle")
    assert "taskToken" not in empty and time.monotonic() - started >= 0.9  # held the poll
    ex = sfn.exceptions
    with pytest.raises(ex.InvalidName):
        sfn.create_activity(name="bad name")
    with pytest.raises(ex.InvalidArn):
        sfn.describe_activity(activityArn="no_an_activity_arn")
    with pytest.raises(ex.InvalidToken):
        sfn.list_activities(nextToken="garbage")
    sfn.delete_activity(activityArn=arn)
    with pytest.raises(ex.ActivityDoesNotExist):
        sfn.describe_activity(activityArn=arn)
    with pytest.raises(ex.ActivityDoesNotExist):
        sfn.get_activity_task(activityArn=arn)
    assert checks.responses >= 10 and checks.problems == []


def test_a_boto3_worker_processes_every_task_once_across_a_kill(server):
    sfn = client_for(server)
    activity = sfn.create_activity(name="crash-work")["activityArn"]
    machine = sfn.create_state_machine(
        name="activity-crash",
        roleArn=ROLE,
        definition=json.dumps(
            {
                "StartAt": "Work",
                "States": {
                    "Work": {
                        "Type": "Task",
                        "Resource": activity,
                        # A GetActivityTask answer cut off by the kill leaves its task with
                        # no worker (as on AWS): the timeout and retry offer it again.
                        "TimeoutSeconds": 30,
                        "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 2}],
                        "End": True,
                    }
                },
            }
        ),
    )["stateMachineArn"]
    runs = [
        sfn.start_execution(stateMachineArn=machine, name=f"t{i}", input=json.dumps({"i": i}))[
            "executionArn"
        ]
        for i in range(TASKS)
    ]
    current = {"sfn": sfn}  # replaced when the server comes back (its port may change)
    received: list[int] = []
    answered: set[int] = set()
    progress = threading.Condition()  # guards received/answered; notified per answer
    stop = threading.Event()
    up = threading.Event()  # cleared while the orchestrator is down
    up.set()

    def call(operation: str, **kwargs):
        """One AWS call, made again once the orchestrator is back when it is down."""
        while not stop.is_set():
            try:
                return getattr(current["sfn"], operation)(**kwargs)
            except BotoCoreError:  # connection refused or reset: the orchestrator is down
                up.wait(60)
        return None

    def worker(index: int) -> None:
        while not stop.is_set():
            task = call("get_activity_task", activityArn=activity, workerName=f"w{index}")
            if not task or "taskToken" not in task:
                continue
            value = json.loads(task["input"])["i"]
            with progress:
                received.append(value)
            try:
                call(
                    "send_task_success",
                    taskToken=task["taskToken"],
                    output=json.dumps({"done": value}),
                )
            except (
                current["sfn"].exceptions.TaskDoesNotExist,
                current["sfn"].exceptions.TaskTimedOut,
            ):
                pass  # the answer was committed just before the kill: the replay has it
            with progress:
                answered.add(value)
                progress.notify_all()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    with progress:
        assert progress.wait_for(lambda: len(answered) >= TASKS // 3, 60), "no progress"
        up.clear()  # before the kill: every call failing from now on waits for the restart
    kill_group(server.process)
    server.start()  # the same journal: pending tasks are offered again
    current["sfn"] = client_for(server)
    up.set()
    with progress:
        assert progress.wait_for(lambda: len(answered) >= TASKS, 120), (
            f"{TASKS - len(answered)} tasks never came back"
        )
    stop.set()
    for thread in threads:
        thread.join(10)
    assert sorted(received) == list(range(TASKS)), "a task was lost or handed out twice"
    sfn = current["sfn"]
    for i, run in enumerate(runs):
        described = wait_finished(sfn, run)
        assert described["status"] == "SUCCEEDED", described
        assert json.loads(described["output"]) == {"done": i}
