"""The AWS CLI, unchanged, against a real orchestrator process:
``aws stepfunctions --endpoint-url http://127.0.0.1:PORT ...``.

``start-sync-execution`` needs ``AWS_DISABLE_HOST_PREFIX_INJECTION=true`` (otherwise the
CLI sends it to ``sync-127.0.0.1``), as it does against Step Functions Local.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from orchestrator_server import Orchestrator, aws_cli, aws_cli_env

pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Orchestrator(tmp_path_factory.mktemp("orchestrator-cli"))
    (running.statemachines / "shipped.asl.json").write_text(json.dumps(PASS))
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def aws(server, tmp_path_factory):
    env = aws_cli_env(tmp_path_factory.mktemp("aws-home"))
    env["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"
    return aws_cli(server.url, env)


def parse(result: subprocess.CompletedProcess) -> dict:
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def machine_arn(aws):
    return parse(
        aws(
            "create-state-machine",
            "--name",
            "cli-flow",
            "--definition",
            json.dumps(PASS),
            "--role-arn",
            ROLE,
        )
    )["stateMachineArn"]


def test_list_state_machines(aws, machine_arn):
    names = [m["name"] for m in parse(aws("list-state-machines"))["stateMachines"]]
    assert {"shipped", "cli-flow"} <= set(names)


def test_describe_state_machine(aws, machine_arn):
    described = parse(aws("describe-state-machine", "--state-machine-arn", machine_arn))
    assert described["name"] == "cli-flow" and json.loads(described["definition"]) == PASS


def test_start_describe_and_history(aws, machine_arn):
    execution = parse(
        aws(
            "start-execution",
            "--state-machine-arn",
            machine_arn,
            "--name",
            "cli-run",
            "--input",
            '{"k": "v"}',
        )
    )["executionArn"]
    status = "RUNNING"
    for _ in range(600):
        described = parse(aws("describe-execution", "--execution-arn", execution))
        status = described["status"]
        if status != "RUNNING":
            break
    assert status == "SUCCEEDED" and json.loads(described["output"]) == {"k": "v"}
    events = parse(aws("get-execution-history", "--execution-arn", execution, "--reverse-order"))[
        "events"
    ]
    assert events[0]["type"] == "ExecutionSucceeded" and events[-1]["type"] == "ExecutionStarted"
    listed = parse(aws("list-executions", "--state-machine-arn", machine_arn))["executions"]
    assert execution in [e["executionArn"] for e in listed]


def test_start_sync_execution(aws):
    arn = parse(
        aws(
            "create-state-machine",
            "--name",
            "cli-express",
            "--type",
            "EXPRESS",
            "--definition",
            json.dumps(PASS),
            "--role-arn",
            ROLE,
        )
    )["stateMachineArn"]
    result = parse(aws("start-sync-execution", "--state-machine-arn", arn, "--input", '{"s": 1}'))
    assert result["status"] == "SUCCEEDED" and json.loads(result["output"]) == {"s": 1}


def test_validate_state_machine_definition(aws):
    result = parse(
        aws("validate-state-machine-definition", "--definition", '{"StartAt": "X", "States": {}}')
    )
    assert result["result"] == "FAIL" and result["diagnostics"]


def test_errors_are_reported_with_their_aws_code(aws):
    result = aws(
        "describe-state-machine",
        "--state-machine-arn",
        "arn:aws:states:us-east-1:123456789012:stateMachine:missing",
        check=False,
    )
    assert result.returncode != 0
    assert "(StateMachineDoesNotExist)" in result.stderr
