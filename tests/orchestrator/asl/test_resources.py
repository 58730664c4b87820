"""orchestrator/asl/resources.py: the Task Resource grammar."""

from __future__ import annotations

import pytest

from orchestrator.asl.resources import (
    ACTIVITY,
    LAMBDA_FUNCTION,
    SERVICE,
    SYNC,
    SYNC2,
    WAIT_FOR_TASK_TOKEN,
    Resource,
    is_arn,
    is_callback,
    parse,
)


@pytest.mark.parametrize(
    "text, service, action, pattern",
    [
        ("arn:aws:states:::lambda:invoke", "lambda", "invoke", ""),
        (
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "lambda",
            "invoke",
            WAIT_FOR_TASK_TOKEN,
        ),
        ("arn:aws:states:::glue:startJobRun.sync", "glue", "startJobRun", SYNC),
        ("arn:aws:states:::states:startExecution.sync:2", "states", "startExecution", SYNC2),
        ("arn:aws-cn:states:::aws-sdk:s3:getObject", "aws-sdk:s3", "getObject", ""),
    ],
)
def test_service_integrations_split_into_service_action_and_pattern(text, service, action, pattern):
    parsed = parse(text)
    assert (parsed.kind, parsed.service, parsed.action, parsed.pattern) == (
        SERVICE,
        service,
        action,
        pattern,
    )
    assert parsed.arn == text[: len(text) - len(pattern)]


def test_lambda_function_arns_with_and_without_a_qualifier():
    assert parse("arn:aws:lambda:us-east-1:123456789012:function:Echo") == Resource(
        LAMBDA_FUNCTION,
        "arn:aws:lambda:us-east-1:123456789012:function:Echo",
        "aws",
        region="us-east-1",
        account="123456789012",
        name="Echo",
    )
    qualified = parse("arn:aws:lambda:eu-west-1:1:function:Echo:prod.waitForTaskToken")
    assert (qualified.name, qualified.qualifier, qualified.pattern, qualified.arn) == (
        "Echo",
        "prod",
        WAIT_FOR_TASK_TOKEN,
        "arn:aws:lambda:eu-west-1:1:function:Echo:prod",
    )
    # Only .waitForTaskToken is a pattern on a function ARN (a local extension).
    assert parse("arn:aws:lambda:r:1:function:f.sync").name == "f.sync"


def test_activity_arns():
    parsed = parse("arn:aws:states:us-east-1:123456789012:activity:Work")
    assert (parsed.kind, parsed.region, parsed.account, parsed.name) == (
        ACTIVITY,
        "us-east-1",
        "123456789012",
        "Work",
    )


@pytest.mark.parametrize(
    "text",
    [
        "not-an-arn",
        "arn:aws:s3:::bucket",
        "arn:aws:lambda:r:1:function:",
        "arn:aws:lambda:r:1:function:a:b:c",
        "arn::states:::lambda:invoke",
        "arn:aws:states:r:1:activity:",
    ],
)
def test_other_texts_are_no_task_resource(text):
    assert parse(text) is None


@pytest.mark.parametrize(
    "text, recognized",
    [
        ("arn:aws:states:::lambda:invoke.waitForTaskToken", True),
        ("arn:aws:states:::http:invoke", True),
        ("arn:aws:states:::http:invoke.waitForTaskToken", False),
        ("arn:aws:states:::dynamodb:query", False),  # recorded: "is not recognized"
        ("arn:aws:states:::states:startExecution.sync:2", True),
        ("arn:aws:states:::aws-sdk:s3:getObject", True),
        ("arn:aws:states:::aws-sdk:s3:getObject.waitForTaskToken", True),
        ("arn:aws:states:::aws-sdk:S3:getObject", False),
        ("arn:aws:states:::aws-sdk:s3", False),
        ("arn:aws:states:::.sync", False),
        ("arn:aws:lambda:r:1:function:f", True),
    ],
)
def test_recognized_integrations(text, recognized):
    assert parse(text).recognized() is recognized


def test_callbacks_and_arn_shapes():
    assert is_callback("arn:aws:states:::sqs:sendMessage.waitForTaskToken")
    assert is_callback("arn:aws:lambda:r:1:function:f.waitForTaskToken")
    assert not is_callback("arn:aws:states:::sqs:sendMessage")
    assert not is_callback("not-an-arn.waitForTaskToken")
    assert parse("arn:aws:states:::glue:startJobRun.sync").is_sync
    assert is_arn("arn:aws:s3:::bucket") and not is_arn("arn:aws:s3:bucket")
