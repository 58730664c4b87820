"""TestState through boto3 and the AWS CLI, unchanged, against a real orchestrator process:
each inspection level and status, mocks, an HTTP Task really called (TRACE shows the
request it sent and the response it got from a loopback service), and the error shapes
botocore's model lists for TestState, every raw response checked against the model."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from model_check import checked
from orchestrator_server import Orchestrator, aws_cli, aws_cli_env

from tests.support.aws import stepfunctions_client
from tests.support.http import send_json

pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"


class _Prices(BaseHTTPRequestHandler):
    """POST /quote: echoes the JSON body with a price; every request is kept."""

    seen: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append((self.path, dict(self.headers), body))
        send_json(self, 200, {"quote": body, "price": 12.5})

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def prices():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Prices)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def server(tmp_path_factory, prices):
    port = prices.server_address[1]
    running = Orchestrator(
        tmp_path_factory.mktemp("orchestrator-test-state"),
        {"ORCHESTRATOR_ALLOWED_HOSTS": f"127.0.0.1:{port}"},
    )
    running.start()
    yield running
    running.stop()


def test_states_levels_and_mocks_through_boto3(server):
    sfn = stepfunctions_client(server.url, inject_host_prefix=False)  # TestState: "sync-"
    checks = checked(sfn)
    pass_state = {"Type": "Pass", "Parameters": {"x.$": "$.a"}, "Next": "Then"}
    info = sfn.test_state(definition=json.dumps(pass_state), input='{"a": 1}')
    assert info["status"] == "SUCCEEDED" and info["nextState"] == "Then"
    assert json.loads(info["output"]) == {"x": 1} and "inspectionData" not in info
    debug = sfn.test_state(
        definition=json.dumps(pass_state), input='{"a": 1}', inspectionLevel="DEBUG"
    )
    assert json.loads(debug["inspectionData"]["afterParameters"]) == {"x": 1}

    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 1}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Fallback"}],
        "End": True,
    }
    throttled = {"errorOutput": {"error": "Lambda.TooManyRequestsException", "cause": "slow"}}
    retriable = sfn.test_state(definition=json.dumps(task), mock=throttled, inspectionLevel="DEBUG")
    assert retriable["status"] == "RETRIABLE"
    assert retriable["inspectionData"]["errorDetails"] == {
        "retryIndex": 0,
        "retryBackoffIntervalSeconds": 1,
    }
    caught = sfn.test_state(
        definition=json.dumps(task),
        mock=throttled,
        stateConfiguration={"retrierRetryCount": 1},
    )
    assert (caught["status"], caught["nextState"], caught["error"]) == (
        "CAUGHT_ERROR",
        "Fallback",
        "Lambda.TooManyRequestsException",
    )
    payload = sfn.test_state(
        definition=json.dumps(task), mock={"result": '{"StatusCode": 200, "Payload": {"ok": 1}}'}
    )
    assert json.loads(payload["output"])["Payload"] == {"ok": 1}

    machine = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Fail", "Error": "Broken", "Cause": "on purpose"},
        },
    }
    failed = sfn.test_state(definition=json.dumps(machine), stateName="B")
    assert (failed["status"], failed["error"], failed["cause"]) == (
        "FAILED",
        "Broken",
        "on purpose",
    )

    ex = sfn.exceptions
    with pytest.raises(ex.InvalidDefinition):
        sfn.test_state(definition='{"Type": "Nope"}')
    with pytest.raises(ex.InvalidExecutionInput):
        sfn.test_state(definition=json.dumps(pass_state), input="{broken")
    with pytest.raises(ex.ValidationException) as no_role:
        sfn.test_state(definition=json.dumps(task))
    assert "RoleArn must be specified" in str(no_role.value)
    with pytest.raises(ex.ValidationException):
        sfn.test_state(definition=json.dumps(pass_state), mock={"result": "{}"})
    with pytest.raises(ex.InvalidArn):
        sfn.test_state(definition=json.dumps(task), roleArn="not-an-arn")
    assert checks.responses >= 8 and checks.problems == []


def test_an_http_task_is_really_called_and_traced(server, prices):
    sfn = stepfunctions_client(server.url, inject_host_prefix=False)  # TestState: "sync-"
    checks = checked(sfn)
    port = prices.server_address[1]
    quote = {
        "Type": "Task",
        "Resource": "arn:aws:states:::http:invoke",
        "Parameters": {
            "ApiEndpoint": f"http://127.0.0.1:{port}/quote",
            "Method": "POST",
            "RequestBody": {"sku.$": "$.sku"},
        },
        "ResultSelector": {"price.$": "$.ResponseBody.price"},
        "End": True,
    }
    before = len(_Prices.seen)
    out = sfn.test_state(
        definition=json.dumps(quote), roleArn=ROLE, input='{"sku": "book"}', inspectionLevel="TRACE"
    )
    assert out["status"] == "SUCCEEDED" and json.loads(out["output"]) == {"price": 12.5}
    assert len(_Prices.seen) == before + 1  # one real call
    path, headers, body = _Prices.seen[-1]
    assert path == "/quote" and body == {"sku": "book"}
    data = out["inspectionData"]
    request, response = data["request"], data["response"]
    assert (request["method"], request["url"]) == ("POST", f"http://127.0.0.1:{port}/quote")
    assert json.loads(request["body"]) == {"sku": "book"}
    assert json.loads(request["headers"])["Idempotency-Key"] == [headers["Idempotency-Key"]]
    assert response["statusCode"] == "200" and response["statusMessage"] == "OK"
    assert json.loads(response["body"]) == {"quote": {"sku": "book"}, "price": 12.5}
    assert json.loads(data["result"])["StatusCode"] == 200
    debug = sfn.test_state(
        definition=json.dumps(quote), roleArn=ROLE, input='{"sku": "pen"}', inspectionLevel="DEBUG"
    )
    assert "request" not in debug["inspectionData"]  # the exchange is TRACE's
    assert checks.responses == 2 and checks.problems == []


def test_the_aws_cli_tests_a_state(server, tmp_path):
    env = aws_cli_env(tmp_path)
    env["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"  # TestState's "sync-" host prefix
    aws = aws_cli(server.url, env)
    result = aws(
        "test-state",
        "--definition",
        '{"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 3, '
        '"Next": "Big"}], "Default": "Small"}',
        "--input",
        '{"n": 5}',
        "--inspection-level",
        "DEBUG",
    )
    out = json.loads(result.stdout)
    assert out["status"] == "SUCCEEDED" and out["nextState"] == "Big"
    assert json.loads(out["inspectionData"]["afterInputPath"]) == {"n": 5}
    refused = aws("test-state", "--definition", '{"Type": "Nope"}', check=False)
    assert refused.returncode != 0 and "InvalidDefinition" in refused.stderr


@pytest.mark.parametrize(
    "state, request_fields, expected",
    [
        ({"Type": "Wait", "Seconds": 3600, "Next": "After"}, {}, {"nextState": "After"}),
        ({"Type": "Succeed", "OutputPath": "$.keep"}, {}, {"output": '{"x":1}'}),
        (
            {
                "Type": "Map",
                "ItemsPath": "$.list",
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
                "ResultPath": "$.done",
                "End": True,
            },
            {"mock": {"result": "[10, 20]"}},
            {"output": '{"keep":{"x":1},"list":[1,2],"done":[10,20]}'},
        ),
        (
            {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                    {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}},
                ],
                "ResultSelector": {"first.$": "$[0]"},
                "Next": "Join",
            },
            {"mock": {"result": '["a", "b"]'}},
            {"output": '{"first":"a"}', "nextState": "Join"},
        ),
    ],
    ids=["Wait", "Succeed", "Map", "Parallel"],
)
def test_each_state_type_through_boto3(server, state, request_fields, expected):
    sfn = stepfunctions_client(server.url, inject_host_prefix=False)
    checks = checked(sfn)
    out = sfn.test_state(
        definition=json.dumps(state),
        input='{"keep": {"x": 1}, "list": [1, 2]}',
        inspectionLevel="TRACE",
        **request_fields,
    )
    assert out["status"] == "SUCCEEDED"
    for key, value in expected.items():
        if key == "output":
            assert json.loads(out[key]) == json.loads(value)
        else:
            assert out[key] == value
    assert json.loads(out["inspectionData"]["input"]) == {"keep": {"x": 1}, "list": [1, 2]}
    assert checks.responses == 1 and checks.problems == []
