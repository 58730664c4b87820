"""RedriveExecution through boto3 and the AWS CLI, unchanged, against a real orchestrator
process whose Lambda functions are a real HTTP service on loopback that counts its calls:
after a failure (at the top level, inside a Parallel branch, inside a Map iteration) the
redrive re-runs only what failed, and the service sees exactly one extra call."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from model_check import checked
from orchestrator_server import Orchestrator, aws_cli_env, wait_finished

from tests.support.aws import stepfunctions_client
from tests.support.http import send_json

pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
FN = "arn:aws:lambda:us-east-1:123456789012:function:"
AWS = str(Path(sys.executable).parent / "aws")


class Service:
    """``POST /<name>``: counts the call; answers 500 while ``failing[name]`` > 0."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        self.failing: Counter = Counter()
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"null")
                name = self.path.strip("/")
                with service.lock:
                    service.calls[name] += 1
                    fail = service.failing[name] > 0
                    if fail:
                        service.failing[name] -= 1
                answer = (
                    {"errorType": "Service.Down", "errorMessage": "try later"}
                    if fail
                    else {"name": name, "event": body}
                )
                send_json(self, 500 if fail else 200, answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


NAMES = ("A", "B", "X", "Y", "Item")


@pytest.fixture(scope="module")
def service():
    running = Service()
    yield running
    running.server.shutdown()


@pytest.fixture(scope="module")
def server(tmp_path_factory, service):
    lambdas = ",".join(f"{n}={service.url}/{n}" for n in NAMES)
    running = Orchestrator(
        tmp_path_factory.mktemp("orchestrator-redrive"), {"ORCHESTRATOR_LAMBDAS": lambdas}
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture
def sfn(server, service):
    service.calls.clear()
    client = stepfunctions_client(server.url)
    checks = checked(client)
    yield client
    assert checks.problems == []


def failed_then_redriven(sfn, name: str, definition: dict, input_value) -> dict:
    machine = sfn.create_state_machine(name=name, roleArn=ROLE, definition=json.dumps(definition))[
        "stateMachineArn"
    ]
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(input_value))[
        "executionArn"
    ]
    failed = wait_finished(sfn, arn)
    assert (failed["status"], failed["redriveStatus"]) == ("FAILED", "REDRIVABLE"), failed
    redriven = sfn.redrive_execution(executionArn=arn)
    assert "redriveDate" in redriven
    out = wait_finished(sfn, arn)
    assert (out["status"], out["redriveCount"]) == ("SUCCEEDED", 1), out
    listed = sfn.list_executions(stateMachineArn=machine, redriveFilter="REDRIVEN")["executions"]
    assert [e["executionArn"] for e in listed] == [arn]
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    assert sum(e["type"] == "ExecutionRedriven" for e in events) == 1
    return out


def task(name: str, **fields) -> dict:
    return {"Type": "Task", "Resource": FN + name, **fields}


def test_top_level(sfn, service):
    service.failing["B"] = 1
    failed_then_redriven(
        sfn,
        "redrive-top",
        {"StartAt": "A", "States": {"A": task("A", Next="B"), "B": task("B", End=True)}},
        {},
    )
    assert service.calls == {"A": 1, "B": 2}


def test_inside_a_parallel_branch(sfn, service):
    service.failing["Y"] = 1
    branches = [
        {"StartAt": "X", "States": {"X": task("X", End=True)}},
        {
            # X is done before Y fails (a branch still running when another fails is
            # aborted, and a redrive runs it again, as on AWS).
            "StartAt": "Later",
            "States": {
                "Later": {"Type": "Wait", "Seconds": 1, "Next": "Y"},
                "Y": task("Y", End=True),
            },
        },
    ]
    out = failed_then_redriven(
        sfn,
        "redrive-parallel",
        {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": branches, "End": True}}},
        {"n": 1},
    )
    assert service.calls == {"X": 1, "Y": 2}
    assert [b["name"] for b in json.loads(out["output"])] == ["X", "Y"]


def test_inside_a_map_iteration(sfn, service):
    service.failing["Item"] = 1  # the first call fails: item 0's
    out = failed_then_redriven(
        sfn,
        "redrive-map",
        {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "MaxConcurrency": 1,
                    "ItemProcessor": {"StartAt": "T", "States": {"T": task("Item", End=True)}},
                    "End": True,
                }
            },
        },
        [0, 1, 2],
    )
    assert service.calls == {"Item": 4}  # three items, one of them twice
    assert [r["event"] for r in json.loads(out["output"])] == [0, 1, 2]


def test_errors(sfn):
    machine = sfn.create_state_machine(
        name="redrive-ok",
        roleArn=ROLE,
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
    )["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    assert wait_finished(sfn, arn)["redriveStatus"] == "NOT_REDRIVABLE"
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable):
        sfn.redrive_execution(executionArn=arn)
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.redrive_execution(executionArn=arn + "-missing")
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.redrive_execution(executionArn="not-an-arn")


def test_the_cli_redrives(server, service, tmp_path):
    service.failing["B"] = 1
    sfn = stepfunctions_client(server.url)
    machine = sfn.create_state_machine(
        name="redrive-cli",
        roleArn=ROLE,
        definition=json.dumps({"StartAt": "B", "States": {"B": task("B", End=True)}}),
    )["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    assert wait_finished(sfn, arn)["status"] == "FAILED"
    env = aws_cli_env(tmp_path)
    result = subprocess.run(
        [
            AWS,
            "stepfunctions",
            "redrive-execution",
            "--endpoint-url",
            server.url,
            "--execution-arn",
            arn,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "redriveDate" in json.loads(result.stdout)
    assert wait_finished(sfn, arn)["status"] == "SUCCEEDED"
