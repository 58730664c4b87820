"""Map Runs through boto3 and the AWS CLI, unchanged, against a real orchestrator process:
a Distributed Map whose children are held by activity tasks (the test is their worker), so
that DescribeMapRun / ListMapRuns / ListExecutions by mapRunArn are read while it runs and
UpdateMapRun's new MaxConcurrency is seen obeyed; every raw response is checked against
botocore's model, and each error shape the model lists for these operations is produced."""

from __future__ import annotations

import json

import pytest
from model_check import checked
from orchestrator_server import Orchestrator, aws_cli, aws_cli_env, wait_finished

from tests.support.aws import stepfunctions_client

pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Orchestrator(
        tmp_path_factory.mktemp("orchestrator-map-runs"),
        {"ORCHESTRATOR_ACTIVITY_POLL_SECONDS": "1"},
    )
    running.start()
    yield running
    running.stop()


def fan_out(activity: str, **fields) -> str:
    return json.dumps(
        {
            "StartAt": "Fan",
            "States": {
                "Fan": {
                    "Type": "Map",
                    "Label": "Items",
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "Work",
                        "States": {"Work": {"Type": "Task", "Resource": activity, "End": True}},
                    },
                    "End": True,
                    **fields,
                }
            },
        }
    )


def take_tasks(sfn, activity: str, count: int) -> list[dict]:
    """``count`` activity tasks (each poll waits at most the server's 1 s)."""
    tasks: list[dict] = []
    for _ in range(60):
        task = sfn.get_activity_task(activityArn=activity, workerName="test")
        if task.get("taskToken"):
            tasks.append(task)
            if len(tasks) == count:
                return tasks
    raise AssertionError(f"only {len(tasks)} of {count} activity tasks came")


def test_a_map_run_is_read_and_steered_while_it_runs(server):
    sfn = stepfunctions_client(server.url, read_timeout=30)
    checks = checked(sfn)
    activity = sfn.create_activity(name="map-item")["activityArn"]
    machine = sfn.create_state_machine(
        name="fan-out",
        roleArn=ROLE,
        definition=fan_out(activity, MaxConcurrency=1, ToleratedFailureCount=1),
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps([1, 2, 3, 4]))[
        "executionArn"
    ]
    (first,) = take_tasks(sfn, activity, 1)
    runs = sfn.list_map_runs(executionArn=execution)["mapRuns"]
    assert len(runs) == 1 and runs[0]["stateMachineArn"] == machine + "/Items"
    map_run_arn = runs[0]["mapRunArn"]
    described = sfn.describe_map_run(mapRunArn=map_run_arn)
    assert described["status"] == "RUNNING" and described["maxConcurrency"] == 1
    assert described["toleratedFailureCount"] == 1
    assert described["itemCounts"]["running"] == 1 and described["itemCounts"]["pending"] == 3
    listed = sfn.list_executions(mapRunArn=map_run_arn)["executions"]
    assert [(e["status"], e["itemCount"], e["mapRunArn"]) for e in listed] == [
        ("RUNNING", 1, map_run_arn)
    ]

    # One child at a time until UpdateMapRun lets three run.
    sfn.update_map_run(mapRunArn=map_run_arn, maxConcurrency=3)
    more = take_tasks(sfn, activity, 2)
    described = sfn.describe_map_run(mapRunArn=map_run_arn)
    assert described["maxConcurrency"] == 3 and described["itemCounts"]["running"] == 3
    sfn.send_task_failure(taskToken=first["taskToken"], error="ItemBroken", cause="bad item")
    for task in more:
        sfn.send_task_success(taskToken=task["taskToken"], output=task["input"])
    (last,) = take_tasks(sfn, activity, 1)
    sfn.send_task_success(taskToken=last["taskToken"], output=last["input"])
    done = wait_finished(sfn, execution)
    assert done["status"] == "SUCCEEDED"  # one failure, one tolerated
    described = sfn.describe_map_run(mapRunArn=map_run_arn)
    assert described["status"] == "SUCCEEDED" and "stopDate" in described
    counts = described["executionCounts"]
    assert (counts["succeeded"], counts["failed"], counts["total"]) == (3, 1, 4)

    failed = sfn.list_executions(mapRunArn=map_run_arn, statusFilter="FAILED")["executions"]
    assert len(failed) == 1
    child = sfn.describe_execution(executionArn=failed[0]["executionArn"])
    assert child["mapRunArn"] == map_run_arn and child["error"] == "ItemBroken"
    events = sfn.get_execution_history(executionArn=child["executionArn"])["events"]
    assert events[0]["type"] == "ExecutionStarted" and events[-1]["type"] == "ExecutionFailed"
    for_child = sfn.describe_state_machine_for_execution(executionArn=child["executionArn"])
    assert for_child["mapRunArn"] == map_run_arn and for_child["label"] == "Items"
    parent_history = sfn.get_execution_history(executionArn=execution)["events"]
    assert "MapRunStarted" in [e["type"] for e in parent_history]
    assert "ActivityScheduled" not in [e["type"] for e in parent_history]

    ex = sfn.exceptions
    with pytest.raises(ex.ValidationException):  # it is over
        sfn.update_map_run(mapRunArn=map_run_arn, toleratedFailureCount=3)
    with pytest.raises(ex.ResourceNotFound):
        sfn.describe_map_run(mapRunArn=map_run_arn[:-4] + "0000")
    with pytest.raises(ex.ResourceNotFound):
        sfn.update_map_run(mapRunArn=map_run_arn[:-4] + "0000", maxConcurrency=1)
    with pytest.raises(ex.InvalidArn):
        sfn.describe_map_run(mapRunArn="not-an-arn")
    with pytest.raises(ex.InvalidArn):
        sfn.update_map_run(mapRunArn=execution, maxConcurrency=1)
    with pytest.raises(ex.ExecutionDoesNotExist):
        sfn.list_map_runs(executionArn=execution + "-missing")
    with pytest.raises(ex.InvalidArn):
        sfn.list_map_runs(executionArn=map_run_arn)
    with pytest.raises(ex.ValidationException):
        sfn.list_executions(stateMachineArn=machine, mapRunArn=map_run_arn)
    with pytest.raises(ex.ResourceNotFound):
        sfn.list_executions(mapRunArn=map_run_arn[:-4] + "0000")
    with pytest.raises(ex.InvalidToken):
        sfn.list_map_runs(executionArn=execution, nextToken="garbage")
    assert checks.responses >= 20 and checks.problems == []


def test_the_aws_cli_reads_and_updates_map_runs(server, tmp_path):
    sfn = stepfunctions_client(server.url, read_timeout=30)
    activity = sfn.create_activity(name="cli-map-item")["activityArn"]
    machine = sfn.create_state_machine(
        name="cli-fan-out", roleArn=ROLE, definition=fan_out(activity, MaxConcurrency=1)
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input="[1, 2]")["executionArn"]
    aws = aws_cli(server.url, aws_cli_env(tmp_path))

    (first,) = take_tasks(sfn, activity, 1)
    runs = json.loads(aws("list-map-runs", "--execution-arn", execution).stdout)["mapRuns"]
    map_run_arn = runs[0]["mapRunArn"]
    aws(
        "update-map-run",
        "--map-run-arn",
        map_run_arn,
        "--max-concurrency",
        "2",
        "--tolerated-failure-percentage",
        "50",
    )
    described = json.loads(aws("describe-map-run", "--map-run-arn", map_run_arn).stdout)
    assert described["maxConcurrency"] == 2 and described["toleratedFailurePercentage"] == 50.0
    (second,) = take_tasks(sfn, activity, 1)  # the new limit lets the second child start
    for task in (first, second):
        sfn.send_task_success(taskToken=task["taskToken"], output="{}")
    assert wait_finished(sfn, execution)["status"] == "SUCCEEDED"
    kids = json.loads(aws("list-executions", "--map-run-arn", map_run_arn).stdout)["executions"]
    assert sorted(k["status"] for k in kids) == ["SUCCEEDED", "SUCCEEDED"]
    refused = aws(
        "update-map-run", "--map-run-arn", map_run_arn, "--max-concurrency", "1", check=False
    )
    assert refused.returncode != 0 and "ValidationException" in refused.stderr
    missing = aws("describe-map-run", "--map-run-arn", map_run_arn[:-4] + "0000", check=False)
    assert missing.returncode != 0 and "ResourceNotFound" in missing.stderr
