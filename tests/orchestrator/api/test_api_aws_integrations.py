"""AWS service integrations against a real local AWS API: a real orchestrator process with
botocore's standard ``AWS_ENDPOINT_URL`` pointing at moto's server mode (its own process on
a loopback port). SQS callbacks answered by a worker and by another workflow (aws-sdk:sqs
and aws-sdk:sfn - the latter reaches this engine itself), TaskSubmitted with the real
SendMessage response, errors named as Step Functions names them and caught by name, and a
kill -9 while a callback waits: the resumed execution does not send its message again."""

from __future__ import annotations

import json
import time

import pytest
from orchestrator_server import Orchestrator, wait_finished

from tests.support.aws import stepfunctions_client
from tests.support.processes import kill_group

pytest_plugins = ["tests.support.moto_fixtures"]
pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"

SEND_AND_WAIT = {
    "StartAt": "SendMessageWithWait",
    "States": {
        "SendMessageWithWait": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl.$": "$.QueueUrl",
                "MessageBody": {"Message.$": "$.Message", "TaskToken.$": "$$.Task.Token"},
            },
            "End": True,
        }
    },
}

# The worker of the recorded callback tests: a workflow that takes the message from the
# queue and answers the token through Step Functions' own API (aws-sdk:sfn).
ANSWER_FROM_QUEUE = {
    "StartAt": "Receive",
    "States": {
        "Receive": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sqs:receiveMessage",
            "Parameters": {"QueueUrl.$": "$.QueueUrl", "WaitTimeSeconds": 2},
            "ResultPath": "$.received",
            "Next": "Got",
        },
        "Got": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.received.Messages", "IsPresent": True, "Next": "Parse"}],
            "Default": "Receive",
        },
        "Parse": {
            "Type": "Pass",
            "Parameters": {"body.$": "States.StringToJson($.received.Messages[0].Body)"},
            "Next": "Answer",
        },
        "Answer": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
            "Parameters": {
                "TaskToken.$": "$.body.TaskToken",
                "Output.$": "States.JsonToString($.body.Message)",
            },
            "End": True,
        },
    },
}


@pytest.fixture(scope="module")
def server(tmp_path_factory, moto_server):
    running = Orchestrator(tmp_path_factory.mktemp("orchestrator-aws"), moto_server.env())
    running.start()
    yield running
    running.stop()


@pytest.fixture
def sfn(server):
    return stepfunctions_client(server.url)


def machine(sfn, name: str, definition: dict) -> str:
    return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]


def start(sfn, sm_arn: str, data: dict) -> str:
    return sfn.start_execution(stateMachineArn=sm_arn, input=json.dumps(data))["executionArn"]


def events(sfn, arn: str) -> list[dict]:
    return sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]


def recorded(sfn, arn: str, event_type: str, count: int = 1) -> None:
    """Wait (bounded) until the durable history holds ``count`` events of ``event_type``.
    The API offers nothing to block on for a single event (``?wait=`` waits for the end),
    so this polls the history, which is what a client can see."""
    deadline = time.monotonic() + 30
    while [e["type"] for e in events(sfn, arn)].count(event_type) < count:
        assert time.monotonic() < deadline, f"{count} {event_type} never recorded"
        time.sleep(0.05)


def task_events(sfn, arn: str) -> list[dict]:
    return [e for e in events(sfn, arn) if e["type"] in _TASK_EVENTS]


_TASK_EVENTS = {"TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskFailed"}


def receive_one(sqs, queue_url: str) -> dict:
    for _ in range(10):  # each call long-polls up to 2 s
        messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=2).get("Messages")
        if messages:
            return messages[0]
    raise AssertionError("no message reached the queue")


def test_a_callback_through_sqs_answered_by_a_worker(sfn, moto):
    sqs = moto.client("sqs")
    queue = sqs.create_queue(QueueName="work")["QueueUrl"]
    sm = machine(sfn, "callback-worker", SEND_AND_WAIT)
    arn = start(sfn, sm, {"QueueUrl": queue, "Message": "hello"})
    message = receive_one(sqs, queue)
    body = json.loads(message["Body"])
    assert body["Message"] == "hello"
    sfn.send_task_success(taskToken=body["TaskToken"], output=json.dumps({"ok": body["Message"]}))
    done = wait_finished(sfn, arn)
    assert (done["status"], json.loads(done["output"])) == ("SUCCEEDED", {"ok": "hello"})
    tasks = task_events(sfn, arn)
    assert [e["type"] for e in tasks] == [
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
    ]
    submitted = tasks[2]["taskSubmittedEventDetails"]
    response = json.loads(submitted["output"])
    assert response["MessageId"] == message["MessageId"]  # SendMessage's own response
    assert response["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert (submitted["resourceType"], submitted["resource"]) == (
        "sqs",
        "sendMessage.waitForTaskToken",
    )


def test_a_callback_answered_by_another_workflow_through_aws_sdk_sfn(sfn, moto):
    sqs = moto.client("sqs")
    queue = sqs.create_queue(QueueName="tokens")["QueueUrl"]
    worker = start(sfn, machine(sfn, "answerer", ANSWER_FROM_QUEUE), {"QueueUrl": queue})
    waiting = start(
        sfn, machine(sfn, "waiter", SEND_AND_WAIT), {"QueueUrl": queue, "Message": "from-sqs"}
    )
    assert wait_finished(sfn, worker)["status"] == "SUCCEEDED"
    done = wait_finished(sfn, waiting)
    assert (done["status"], json.loads(done["output"])) == ("SUCCEEDED", "from-sqs")
    answer = [e for e in task_events(sfn, worker) if e["type"] == "TaskSucceeded"][-1]
    assert answer["taskSucceededEventDetails"]["resourceType"] == "aws-sdk:sfn"


CONDITIONAL_PUTS = {
    "StartAt": "First",
    "States": {
        name: {
            "Type": "Task",
            "Resource": f"arn:aws:states:::{resource}",
            "Parameters": {
                "TableName.$": "$.table",
                "Item": {"id": {"S": "order-1"}},
                "ConditionExpression": "attribute_not_exists(id)",
            },
            "ResultPath": None,
            "Catch": [{"ErrorEquals": [error], "ResultPath": f"$.{name}", "Next": after}],
            "Next": after,
        }
        for name, resource, error, after in (
            ("First", "dynamodb:putItem", "DynamoDB.ConditionalCheckFailedException", "Again"),
            ("Again", "dynamodb:putItem", "DynamoDB.ConditionalCheckFailedException", "SdkAgain"),
            (
                "SdkAgain",
                "aws-sdk:dynamodb:putItem",
                "DynamoDb.ConditionalCheckFailedException",
                "Done",
            ),
        )
    }
    | {"Done": {"Type": "Pass", "End": True}},
}


def test_service_errors_are_named_as_step_functions_names_them(sfn, moto):
    dynamodb = moto.client("dynamodb")
    dynamodb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    done = wait_finished(
        sfn, start(sfn, machine(sfn, "puts", CONDITIONAL_PUTS), {"table": "orders"})
    )
    assert done["status"] == "SUCCEEDED"
    output = json.loads(done["output"])
    assert "First" not in output  # the first put succeeded
    assert output["Again"]["Error"] == "DynamoDB.ConditionalCheckFailedException"
    assert "(Service: AmazonDynamoDBv2; Status Code: 400;" in output["Again"]["Cause"]
    assert output["SdkAgain"]["Error"] == "DynamoDb.ConditionalCheckFailedException"
    assert "(Service: DynamoDb, Status Code: 400," in output["SdkAgain"]["Cause"]


def test_parameters_the_model_refuses_are_a_runtime_error(sfn):
    definition = {
        "StartAt": "Get",
        "States": {
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                "Parameters": {"Bucket": "some-bucket", "Kee": "typo"},
                "End": True,
            }
        },
    }
    done = wait_finished(sfn, start(sfn, machine(sfn, "typo", definition), {}))
    assert (done["status"], done["error"]) == ("FAILED", "States.Runtime")
    assert 'Missing required parameter in input: "Key"' in done["cause"]
    assert 'Unknown parameter in input: "Kee"' in done["cause"]


def test_a_resumed_callback_does_not_send_its_message_again(tmp_path, moto):
    sqs = moto.client("sqs")
    queue = sqs.create_queue(QueueName="once")["QueueUrl"]
    server = Orchestrator(tmp_path, moto.env()).start()
    try:
        sfn = stepfunctions_client(server.url)
        arn = start(sfn, machine(sfn, "once", SEND_AND_WAIT), {"QueueUrl": queue, "Message": "m"})
        message = receive_one(sqs, queue)  # the request went out ...
        recorded(sfn, arn, "TaskSubmitted")  # ... and its response is in the journal
        kill_group(server.process)  # kill -9
        server.start()
        sfn = stepfunctions_client(server.url)
        token = json.loads(message["Body"])["TaskToken"]
        sfn.send_task_success(taskToken=token, output='"resumed"')
        done = wait_finished(sfn, arn)
        assert (done["status"], done["output"]) == ("SUCCEEDED", '"resumed"')
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        assert attributes == {
            "ApproximateNumberOfMessages": "0",
            "ApproximateNumberOfMessagesNotVisible": "0",
        }, "the resumed execution sent its message again"
        assert [e["type"] for e in events(sfn, arn)].count("TaskSubmitted") == 1
    finally:
        server.stop()


NESTED_CHILD = {
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.fail", "BooleanEquals": True, "Next": "Refuse"}],
            "Default": "Work",
        },
        "Refuse": {"Type": "Fail", "Error": "Rejected", "Cause": "item refused"},
        "Work": {"Type": "Wait", "Seconds": 2, "Next": "Done"},
        "Done": {"Type": "Pass", "Parameters": {"done.$": "$.id"}, "End": True},
    },
}


def nested_parent(child_arn: str) -> dict:
    return {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 0,
                "ItemProcessor": {
                    "StartAt": "Child",
                    "States": {
                        "Child": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::states:startExecution.sync:2",
                            "Parameters": {
                                "StateMachineArn": child_arn,
                                "Input": {
                                    "id.$": "$.id",
                                    "fail.$": "$.fail",
                                    "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
                                },
                            },
                            "OutputPath": "$.Output",
                            "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Failed"}],
                            "End": True,
                        },
                        "Failed": {
                            "Type": "Pass",
                            "Parameters": {"failed.$": "States.StringToJson($.Cause)"},
                            "End": True,
                        },
                    },
                },
                "End": True,
            }
        },
    }


def test_nested_sync2_children_survive_a_kill_9_of_the_orchestrator(tmp_path):
    server = Orchestrator(tmp_path, {"ORCHESTRATOR_TIME_SCALE": "1"}).start()
    try:
        sfn = stepfunctions_client(server.url)
        child = machine(sfn, "item", NESTED_CHILD)
        parent = machine(sfn, "batch", nested_parent(child))
        items = [{"id": i, "fail": i == 3} for i in range(5)]
        arn = start(sfn, parent, {"items": items})
        recorded(sfn, arn, "TaskSubmitted", 5)  # every child started
        kill_group(server.process)  # kill -9 while four children wait
        server.start()
        sfn = stepfunctions_client(server.url)
        done = wait_finished(sfn, arn)
        assert done["status"] == "SUCCEEDED", done
        output = json.loads(done["output"])
        assert output[:3] == [{"done": 0}, {"done": 1}, {"done": 2}]
        assert output[3]["failed"]["Error"] == "Rejected"
        assert output[3]["failed"]["Status"] == "FAILED"
        assert output[4] == {"done": 4}
        started = sfn.list_executions(stateMachineArn=child)["executions"]
        assert len(started) == 5, "a resumed parent started a child twice"
        first = sfn.describe_execution(executionArn=started[0]["executionArn"])
        assert json.loads(first["input"])["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"] == arn
    finally:
        server.stop()
