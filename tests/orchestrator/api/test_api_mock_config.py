"""Step Functions Local mock configurations, unchanged, against a real orchestrator
process: ``SFN_MOCK_CONFIG`` names the file (Step Functions Local's variable), boto3 starts
``order_flow#Case`` and every path of the order flow runs on mocked responses — retries
scripted by attempt, a Throw caught by a Catch, a fallback — with the same history events a
real call records; a ``.waitForTaskToken`` Task's mock answers at once."""

from __future__ import annotations

import json
import shutil

import pytest
from orchestrator_server import ROOT, Orchestrator, wait_finished

from tests.support.aws import stepfunctions_client

pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
ORDER_FLOW = "arn:aws:states:us-east-1:123456789012:stateMachine:order_flow"
ORDER = {
    "user": {"name": "Ada", "email": "ada@example.com"},
    "items": [{"sku": "book", "quantity": 1, "unitPrice": 12.5}],
    "channel": "email",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("orchestrator-mocks")
    running = Orchestrator(
        work,
        {
            "SFN_MOCK_CONFIG": str(ROOT / "statemachines" / "MockConfigFile.json"),
            "ORCHESTRATOR_TIME_SCALE": "0.001",  # the retries' backoff
        },
    )
    shutil.copy(ROOT / "statemachines" / "order_flow.asl.json", running.statemachines)
    running.start()
    yield running
    running.stop()


def run_case(sfn, case: str, machine: str = ORDER_FLOW, data: dict | None = None) -> dict:
    arn = sfn.start_execution(stateMachineArn=f"{machine}#{case}", input=json.dumps(data or ORDER))[
        "executionArn"
    ]
    return wait_finished(sfn, arn)


def task_events(sfn, arn: str, state: str) -> list[str]:
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    out, current = [], None
    for event in events:
        if event["type"].endswith("StateEntered"):
            current = event["stateEnteredEventDetails"]["name"]
        elif current == state and event["type"].startswith("Task"):
            out.append(event["type"])
    return out


def test_every_path_of_the_order_flow_runs_on_mocked_responses(server):
    sfn = stepfunctions_client(server.url)
    happy = run_case(sfn, "HappyPath")
    assert happy["status"] == "SUCCEEDED"
    assert json.loads(happy["output"]) == {
        "userId": "u-1",
        "orderId": "o-1",
        "total": 12.5,
        "notificationId": "n-1",
    }
    assert happy["executionArn"].startswith(
        "arn:aws:states:us-east-1:123456789012:execution:order_flow:"
    )
    assert task_events(sfn, happy["executionArn"], "CreateUser") == [
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
    ]

    flaky = run_case(sfn, "UsersFlaky")
    assert flaky["status"] == "SUCCEEDED"
    assert json.loads(flaky["output"])["userId"] == "u-2"
    assert task_events(sfn, flaky["executionArn"], "CreateUser").count("TaskFailed") == 2

    down = run_case(sfn, "UsersDown")  # every attempt gets the last response: 503
    assert down["status"] == "FAILED"
    assert task_events(sfn, down["executionArn"], "CreateUser").count("TaskFailed") == 5
    rejected = run_case(sfn, "OrderRejected")
    assert (rejected["status"], rejected["error"]) == ("FAILED", "OrderNotPlaced")
    deferred = run_case(sfn, "NotificationsDown")
    assert deferred["status"] == "SUCCEEDED"
    assert "TaskFailed" in task_events(sfn, deferred["executionArn"], "SendNotification")

    with pytest.raises(sfn.exceptions.ValidationException) as unknown:
        run_case(sfn, "NoSuchCase")
    assert "HappyPath" in str(unknown.value)  # the known cases are named


def test_a_callback_task_is_answered_by_its_mock_at_once(server):
    sfn = stepfunctions_client(server.url)
    approval = sfn.create_state_machine(
        name="approval",
        roleArn=ROLE,
        definition=json.dumps(
            {
                "StartAt": "AskApproval",
                "States": {
                    "AskApproval": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                        "Parameters": {
                            "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
                            "MessageBody": {"token.$": "$$.Task.Token"},
                        },
                        "TimeoutSeconds": 600,
                        "End": True,
                    }
                },
            }
        ),
    )["stateMachineArn"]
    done = run_case(sfn, "Approved", approval, {})
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == {"approved": True}
