"""boto3, unchanged, against a real orchestrator process (AWS JSON 1.0 over real HTTP).

StartSyncExecution carries botocore's ``sync-`` host prefix (AWS serves it from
``sync-states.<region>.amazonaws.com``); against a local endpoint the prefix must be turned
off with ``Config(inject_host_prefix=False)`` or ``AWS_DISABLE_HOST_PREFIX_INJECTION=true``.
"""

from __future__ import annotations

import json
import time

import boto3
import pytest
import requests
from botocore.config import Config
from orchestrator_server import Orchestrator

pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
PASS = {
    "StartAt": "P",
    "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "ResultPath": "$.r", "End": True}},
}
WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "on purpose"}}}
CALLBACK = {
    "StartAt": "T",
    "States": {
        "T": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "Echo", "Payload": {"token.$": "$$.Task.Token"}},
            "End": True,
        }
    },
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("orchestrator")
    running = Orchestrator(
        workdir,
        {
            "ORCHESTRATOR_TIME_SCALE": "0.01",
            "ORCHESTRATOR_LAMBDAS": "Echo=python:tests.support.lambda_standins:echo",
        },
    )
    (running.statemachines / "shipped.asl.json").write_text(json.dumps(PASS))
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def sfn(server):
    return boto3.client(
        "stepfunctions",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def unchecked(server):
    """A client that skips botocore's own parameter checks, to reach the server's."""
    return boto3.client(
        "stepfunctions",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )


_counter = iter(range(10**6))


def machine(sfn, definition, kind="STANDARD", prefix="m"):
    name = "%s-%d-%d" % (prefix, time.monotonic_ns() % 10**9, next(_counter))
    return sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=ROLE, type=kind
    )["stateMachineArn"]


def finished(sfn, arn, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        description = sfn.describe_execution(executionArn=arn)
        if description["status"] != "RUNNING" or time.monotonic() > deadline:
            return description
        time.sleep(0.02)


def test_shipped_definitions_are_registered_at_start(sfn):
    names = [
        m["name"]
        for p in sfn.get_paginator("list_state_machines").paginate()
        for m in p["stateMachines"]
    ]
    assert "shipped" in names


def test_state_machine_lifecycle(sfn):
    arn = machine(sfn, PASS)
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert json.loads(described["definition"]) == PASS
    assert described["status"] == "ACTIVE" and described["roleArn"] == ROLE
    assert described["creationDate"].tzinfo is not None

    updated = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(FAIL))
    assert updated["updateDate"] >= described["creationDate"]
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == FAIL

    sfn.delete_state_machine(stateMachineArn=arn)
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=arn)


def test_execution_runs_and_is_described(sfn):
    arn = machine(sfn, PASS)
    started = sfn.start_execution(stateMachineArn=arn, name="first", input='{"a": 1}')
    assert started["executionArn"].endswith(":execution:%s:first" % arn.rsplit(":", 1)[1])
    done = finished(sfn, started["executionArn"])
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"a": 1, "r": {"ok": True}}
    assert done["stopDate"] >= done["startDate"] == started["startDate"]
    assert (
        sfn.describe_state_machine_for_execution(executionArn=started["executionArn"])[
            "stateMachineArn"
        ]
        == arn
    )


def test_failed_execution_reports_error_and_cause(sfn):
    done = finished(sfn, sfn.start_execution(stateMachineArn=machine(sfn, FAIL))["executionArn"])
    assert (done["status"], done["error"], done["cause"]) == ("FAILED", "Boom", "on purpose")


def test_list_executions_pages_and_filters(sfn):
    arn = machine(sfn, PASS)
    arns = [
        sfn.start_execution(stateMachineArn=arn, name="e%d" % i)["executionArn"] for i in range(5)
    ]
    for execution in arns:
        finished(sfn, execution)
    pages = list(
        sfn.get_paginator("list_executions").paginate(
            stateMachineArn=arn, PaginationConfig={"PageSize": 2}
        )
    )
    assert [len(p["executions"]) for p in pages] == [2, 2, 1]
    assert sorted(e["executionArn"] for p in pages for e in p["executions"]) == sorted(arns)
    succeeded = sfn.list_executions(stateMachineArn=arn, statusFilter="SUCCEEDED")["executions"]
    assert len(succeeded) == 5
    assert sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"] == []


def test_history_pages_and_reverse_order(sfn):
    execution = sfn.start_execution(stateMachineArn=machine(sfn, PASS))["executionArn"]
    finished(sfn, execution)
    paginator = sfn.get_paginator("get_execution_history")
    forward = [
        e
        for p in paginator.paginate(executionArn=execution, PaginationConfig={"PageSize": 2})
        for e in p["events"]
    ]
    assert [e["type"] for e in forward] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert [e["id"] for e in forward] == [1, 2, 3, 4]
    backward = [
        e
        for p in paginator.paginate(
            executionArn=execution, reverseOrder=True, PaginationConfig={"PageSize": 3}
        )
        for e in p["events"]
    ]
    assert [e["id"] for e in backward] == [4, 3, 2, 1]
    quiet = sfn.get_execution_history(executionArn=execution, includeExecutionData=False)["events"]
    assert "input" not in quiet[0]["executionStartedEventDetails"]


def test_stop_execution_aborts_a_waiting_execution(sfn):
    execution = sfn.start_execution(stateMachineArn=machine(sfn, WAIT))["executionArn"]
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    stopped = sfn.stop_execution(executionArn=execution, error="Operator", cause="not needed")
    assert stopped["stopDate"].tzinfo is not None
    done = finished(sfn, execution)
    assert (done["status"], done["error"], done["cause"]) == ("ABORTED", "Operator", "not needed")


def test_start_sync_execution_on_an_express_machine(sfn):
    arn = machine(sfn, PASS, kind="EXPRESS")
    result = sfn.start_sync_execution(stateMachineArn=arn, input='{"b": 2}')
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"b": 2, "r": {"ok": True}}
    assert result["stopDate"] >= result["startDate"]


@pytest.mark.parametrize(
    "definition, valid",
    [(PASS, True), ({"StartAt": "Nowhere", "States": {}}, False)],
    ids=["valid", "invalid"],
)
def test_validate_state_machine_definition(sfn, definition, valid):
    response = sfn.validate_state_machine_definition(definition=json.dumps(definition))
    assert response["result"] == ("OK" if valid else "FAIL")
    assert bool(response["diagnostics"]) is not valid


def test_callback_task_completes_with_send_task_success(sfn):
    execution = sfn.start_execution(stateMachineArn=machine(sfn, CALLBACK))["executionArn"]
    token = None
    deadline = time.monotonic() + 30
    while token is None and time.monotonic() < deadline:
        for event in sfn.get_execution_history(executionArn=execution)["events"]:
            if event["type"] == "TaskScheduled":
                token = json.loads(event["taskScheduledEventDetails"]["parameters"])["Payload"][
                    "token"
                ]
        time.sleep(0.02)
    assert token
    sfn.send_task_heartbeat(taskToken=token)
    sfn.send_task_success(taskToken=token, output='{"approved": true}')
    done = finished(sfn, execution)
    assert (done["status"], json.loads(done["output"])) == ("SUCCEEDED", {"approved": True})
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=token, output="{}")  # a token completes once


UNKNOWN_TOKEN = "0b4f8e9c-4a52-4c1e-9a53-2d3c1f1b7e10"  # well-formed, never issued


@pytest.mark.parametrize(
    "operation, kwargs",
    [
        ("send_task_success", {"output": "{}"}),
        ("send_task_failure", {"error": "E"}),
        ("send_task_heartbeat", {}),
    ],
    ids=["success", "failure", "heartbeat"],
)
@pytest.mark.parametrize(
    "token, exception",
    [("not-a-token", "InvalidToken"), (UNKNOWN_TOKEN, "TaskDoesNotExist")],
    ids=["malformed", "unknown"],
)
def test_send_task_error_paths(sfn, operation, kwargs, token, exception):
    with pytest.raises(getattr(sfn.exceptions, exception)):
        getattr(sfn, operation)(taskToken=token, **kwargs)


def test_error_classes(sfn):
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:does-not-exist"
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.start_execution(stateMachineArn=missing)
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.describe_execution(
            executionArn="arn:aws:states:us-east-1:123456789012:execution:nope:nope"
        )
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.describe_state_machine(stateMachineArn="not-an-arn")
    with pytest.raises(sfn.exceptions.InvalidDefinition):
        sfn.create_state_machine(name="broken", definition='{"StartAt": "X"}', roleArn=ROLE)
    with pytest.raises(sfn.exceptions.InvalidName):
        sfn.create_state_machine(name="bad name", definition=json.dumps(PASS), roleArn=ROLE)
    arn = machine(sfn, PASS)
    sfn.start_execution(stateMachineArn=arn, name="once", input="{}")
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=arn, name="once", input='{"different": true}')
    with pytest.raises(sfn.exceptions.InvalidExecutionInput):
        sfn.start_execution(stateMachineArn=arn, input="{not json")


def test_server_side_validation_exception(unchecked):
    with pytest.raises(unchecked.exceptions.ValidationException) as info:
        unchecked.list_executions(stateMachineArn="a", maxResults=5000)
    assert info.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '5000' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000"
    )


def test_rest_facade_round_trip(server, sfn):
    arn = machine(sfn, PASS, prefix="rest")
    name = arn.rsplit(":", 1)[1]
    started = requests.post(
        server.url + "/executions", json={"stateMachine": name, "input": {"x": 1}, "name": "r1"}
    )
    assert started.status_code == 201
    done = requests.get(server.url + "/executions/%s:r1?wait=30" % name).json()
    assert (done["status"], done["output"]) == ("SUCCEEDED", {"x": 1, "r": {"ok": True}})
    encoded = requests.utils.quote(started.json()["executionArn"], safe="")
    history = requests.get(server.url + "/executions/%s/history" % encoded).json()["events"]
    assert history[0]["type"] == "ExecutionStarted" and history[-1]["type"] == "ExecutionSucceeded"
    assert name in [
        m["name"] for m in requests.get(server.url + "/state-machines").json()["stateMachines"]
    ]


def test_sigterm_closes_the_engine_and_exits_cleanly(tmp_path):
    orchestrator = Orchestrator(tmp_path).start()
    try:
        assert orchestrator.terminate() == 0
    finally:
        orchestrator.stop()
    assert "engine closed" in orchestrator.log()


def test_start_execution_name_idempotency(sfn):
    # AWS: the same name and input as a RUNNING execution returns the original response.
    arn = machine(sfn, WAIT)
    first = sfn.start_execution(stateMachineArn=arn, name="idem", input='{"n": 1}')
    again = sfn.start_execution(stateMachineArn=arn, name="idem", input='{"n": 1}')
    assert (again["executionArn"], again["startDate"]) == (
        first["executionArn"],
        first["startDate"],
    )
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=arn, name="idem", input='{"n": 2}')
    sfn.stop_execution(executionArn=first["executionArn"])
