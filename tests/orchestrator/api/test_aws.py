"""The AWS JSON 1.0 protocol at POST /: dispatch, validation, error shapes, serialisation."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from fake_engine import T0, machine_arn

from orchestrator.engine.errors import ApiError

TARGET = "AWSStepFunctions."
ROLE = "arn:aws:iam::123456789012:role/r"
DEFINITION = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})


def body_of(response) -> dict:
    # Flask's .json only parses application/json; AWS bodies are application/x-amz-json-1.0.
    return json.loads(response.data)


def call(client, operation, body=None, raw=None, headers=None):
    all_headers = {"X-Amz-Target": TARGET + operation, "Content-Type": "application/x-amz-json-1.0"}
    all_headers.update(headers or {})
    data = raw if raw is not None else json.dumps(body if body is not None else {})
    return client.post("/", data=data, headers=all_headers)


# --- dispatch -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["AWSStepFunctions.Nope", "Other.ListStateMachines", "", "AWSStepFunctions."],
    ids=["unknown-op", "other-service", "empty", "no-op"],
)
def test_unknown_targets_are_unknown_operation(client, target):
    response = client.post("/", data="{}", headers={"X-Amz-Target": target})
    assert response.status_code == 400
    assert body_of(response)["__type"] == "UnknownOperationException"


def test_missing_target_header_is_unknown_operation(client):
    response = client.post("/", data="{}")
    assert (response.status_code, body_of(response)["__type"]) == (400, "UnknownOperationException")


def test_modelled_operation_the_engine_lacks_is_unknown_operation(client):
    response = call(client, "CreateActivity", {"name": "a"})
    assert response.status_code == 400
    assert body_of(response)["__type"] == "UnknownOperationException"
    assert "CreateActivity" in body_of(response)["message"]


def test_dispatch_reaches_the_snake_case_method_with_clean_params(client, engine):
    body = {"name": "m", "definition": DEFINITION, "roleArn": ROLE, "notAMember": 1, "type": None}
    response = call(client, "CreateStateMachine", body)
    assert response.status_code == 200
    # Unknown members and JSON nulls never reach the engine.
    assert engine.calls == [
        ("create_state_machine", {"name": "m", "definition": DEFINITION, "roleArn": ROLE})
    ]


def test_response_headers(client):
    response = call(client, "ListStateMachines")
    assert response.headers["Content-Type"] == "application/x-amz-json-1.0"
    assert response.headers["x-amzn-RequestId"]


def test_empty_body_is_an_empty_request(client, engine):
    response = call(client, "ListStateMachines", raw="")
    assert response.status_code == 200
    assert engine.calls == [("list_state_machines", {})]


@pytest.mark.parametrize(
    "raw", ["{not json", "[1, 2]", '"text"'], ids=["malformed", "array", "string"]
)
def test_a_body_that_is_not_a_json_object_is_a_serialization_error(client, engine, raw):
    response = call(client, "ListStateMachines", raw=raw)
    assert (response.status_code, body_of(response)["__type"]) == (400, "SerializationException")
    assert engine.calls == []


def test_sigv4_authorization_is_accepted_and_ignored(client):
    auth = (
        "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/states/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-target, Signature=deadbeef"
    )
    response = call(
        client,
        "ListStateMachines",
        headers={"Authorization": auth, "X-Amz-Date": "20240101T000000Z"},
    )
    assert response.status_code == 200


# --- validation -----------------------------------------------------------------------------

VALIDATION_CASES = [
    (
        "StartExecution",
        {},
        "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: "
        "Member must not be null",
    ),
    (
        "StartExecution",
        {"stateMachineArn": ""},
        "1 validation error detected: Value '' at 'stateMachineArn' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    ),
    (
        "StartExecution",
        {"stateMachineArn": "a", "name": "n" * 81},
        "1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: "
        "Member must have length less than or equal to 80" % ("n" * 81),
    ),
    (
        "StartExecution",
        {"stateMachineArn": "a", "traceHeader": "caf\u00e9"},
        "1 validation error detected: Value 'caf\u00e9' at 'traceHeader' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: \\p{ASCII}*",
    ),
    (
        "StartExecution",
        {"stateMachineArn": 5},
        "1 validation error detected: Value '5' at 'stateMachineArn' failed to satisfy constraint: "
        "Member must be a string",
    ),
    (
        "ListExecutions",
        {"maxResults": 1001},
        "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000",
    ),
    (
        "ListExecutions",
        {"maxResults": -1},
        "1 validation error detected: Value '-1' at 'maxResults' failed to satisfy constraint: "
        "Member must have value greater than or equal to 0",
    ),
    (
        "ListExecutions",
        {"maxResults": "10"},
        "1 validation error detected: Value '10' at 'maxResults' failed to satisfy constraint: "
        "Member must be an integer",
    ),
    (
        "ListExecutions",
        {"maxResults": True},
        "1 validation error detected: Value 'true' at 'maxResults' failed to satisfy constraint: "
        "Member must be an integer",
    ),
    (
        "ListExecutions",
        {"statusFilter": "DONE"},
        "1 validation error detected: Value 'DONE' at 'statusFilter' failed to satisfy constraint: "
        "Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]",
    ),
    (
        "GetExecutionHistory",
        {"executionArn": "a", "reverseOrder": "yes"},
        "1 validation error detected: Value 'yes' at 'reverseOrder' failed to satisfy constraint: "
        "Member must be a boolean",
    ),
    (
        "CreateStateMachine",
        {
            "name": "m",
            "definition": DEFINITION,
            "roleArn": ROLE,
            "loggingConfiguration": {"level": "LOUD"},
        },
        "1 validation error detected: Value 'LOUD' at 'loggingConfiguration.level' failed to satisfy constraint: "
        "Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]",
    ),
    (
        "CreateStateMachine",
        {"name": "m", "definition": DEFINITION, "roleArn": ROLE, "tags": [{"key": ""}]},
        "1 validation error detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    ),
    (
        "CreateStateMachine",
        {"name": "m", "definition": DEFINITION, "roleArn": ROLE, "tags": "x"},
        "1 validation error detected: Value 'x' at 'tags' failed to satisfy constraint: Member must be a list",
    ),
    # Sensitive members (definition, input, output, cause, ...) never echo their value.
    (
        "StartExecution",
        {"stateMachineArn": "a", "input": "x" * 262145},
        "1 validation error detected: Value at 'input' failed to satisfy constraint: "
        "Member must have length less than or equal to 262144",
    ),
    (
        "CreateStateMachine",
        {"name": 7},
        "3 validation errors detected: Value null at 'definition' failed to satisfy constraint: "
        "Member must not be null; Value null at 'roleArn' failed to satisfy constraint: Member must not be null; "
        "Value '7' at 'name' failed to satisfy constraint: Member must be a string",
    ),
]


@pytest.mark.parametrize(
    "operation, body, message",
    VALIDATION_CASES,
    ids=[
        "required",
        "min-length",
        "max-length",
        "pattern",
        "string-type",
        "int-max",
        "int-min",
        "int-type",
        "bool-is-not-int",
        "enum",
        "boolean-type",
        "nested-enum",
        "list-member",
        "list-type",
        "sensitive",
        "several",
    ],
)
def test_validation_errors(client, engine, operation, body, message):
    response = call(client, operation, body)
    assert response.status_code == 400
    assert body_of(response) == {"__type": "ValidationException", "message": message}
    assert engine.calls == []


def test_string_length_counts_utf16_code_units_as_aws(client, engine):
    # 40 emoji are 80 UTF-16 code units: exactly at the limit of a name.
    engine.machines[machine_arn("m")] = {}
    too_long = call(
        client, "StartExecution", {"stateMachineArn": machine_arn("m"), "name": "\U0001f600" * 41}
    )
    assert body_of(too_long)["__type"] == "ValidationException"
    at_limit = call(
        client, "StartExecution", {"stateMachineArn": machine_arn("m"), "name": "\U0001f600" * 40}
    )
    assert at_limit.status_code == 200


def test_integral_float_is_accepted_as_integer(client, engine):
    assert call(client, "ListStateMachines", {"maxResults": 10.0}).status_code == 200
    assert engine.calls == [("list_state_machines", {"maxResults": 10})]


# --- errors ---------------------------------------------------------------------------------


def test_api_error_is_rendered_in_aws_shape_with_its_status(client, engine):
    engine.fail_with = ApiError("InvalidArn", "Invalid Arn: 'x'")
    response = call(client, "ListStateMachines")
    assert (response.status_code, body_of(response)) == (
        400,
        {"__type": "InvalidArn", "message": "Invalid Arn: 'x'"},
    )
    engine.fail_with = ApiError("ServiceUnavailable", "busy", status=503)
    assert call(client, "ListStateMachines").status_code == 503


def test_unexpected_exception_is_a_500_without_traceback(client, engine):
    engine.fail_with = KeyError("secret internal detail")
    response = call(client, "ListStateMachines")
    assert response.status_code == 500
    assert body_of(response)["__type"] == "InternalFailure"
    assert "secret" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert response.headers["x-amzn-RequestId"] in body_of(response)["message"]


# --- serialisation --------------------------------------------------------------------------


def test_timestamps_are_epoch_seconds_and_only_output_members_are_sent(client, engine):
    call(client, "CreateStateMachine", {"name": "m", "definition": DEFINITION, "roleArn": ROLE})
    body = body_of(call(client, "DescribeStateMachine", {"stateMachineArn": machine_arn("m")}))
    assert body["creationDate"] == pytest.approx(T0.timestamp()) and isinstance(
        body["creationDate"], float
    )
    assert body["creationDate"] == 1704164645.678
    assert "internalNote" not in body
    assert body["status"] == "ACTIVE"


def test_nested_history_events_are_serialised_by_shape(client, engine):
    engine.machines[machine_arn("m")] = {}
    arn = body_of(
        call(client, "StartExecution", {"stateMachineArn": machine_arn("m"), "name": "e"})
    )["executionArn"]
    body = body_of(call(client, "GetExecutionHistory", {"executionArn": arn, "maxResults": 10}))
    assert [e["type"] for e in body["events"]] == [
        "ExecutionStarted",
        "PassStateEntered",
        "ExecutionSucceeded",
    ]
    assert all(isinstance(e["timestamp"], float) for e in body["events"])
    assert "nextToken" not in body  # None is omitted, never sent as null


# --- through botocore's own parser (boto3 client over the Flask test client) ----------------


def test_boto3_reads_timestamps_as_datetimes(sfn):
    created = sfn.create_state_machine(name="m", definition=DEFINITION, roleArn=ROLE)
    assert created["creationDate"] == T0
    assert (
        sfn.describe_state_machine(stateMachineArn=created["stateMachineArn"])["creationDate"] == T0
    )


@pytest.mark.parametrize(
    "operation, kwargs, exception",
    [
        (
            "describe_state_machine",
            {"stateMachineArn": machine_arn("nope")},
            "StateMachineDoesNotExist",
        ),
        ("describe_execution", {"executionArn": machine_arn("nope")}, "ExecutionDoesNotExist"),
        ("send_task_success", {"taskToken": "t", "output": "{}"}, "TaskDoesNotExist"),
    ],
    ids=["StateMachineDoesNotExist", "ExecutionDoesNotExist", "TaskDoesNotExist"],
)
def test_boto3_raises_the_modelled_exception_class(sfn, operation, kwargs, exception):
    with pytest.raises(getattr(sfn.exceptions, exception)) as info:
        getattr(sfn, operation)(**kwargs)
    assert info.value.response["Error"]["Code"] == exception
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_boto3_paginators_follow_next_token(sfn, engine):
    for name in "abcde":
        sfn.create_state_machine(name=name, definition=DEFINITION, roleArn=ROLE)
    pages = list(
        sfn.get_paginator("list_state_machines").paginate(PaginationConfig={"PageSize": 2})
    )
    assert [len(p["stateMachines"]) for p in pages] == [2, 2, 1]
    assert [m["name"] for p in pages for m in p["stateMachines"]] == list("abcde")


def test_boto3_unknown_operation_is_a_client_error(sfn):
    with pytest.raises(ClientError) as info:
        sfn.create_activity(name="a")
    assert info.value.response["Error"]["Code"] == "UnknownOperationException"


def test_an_oversized_body_is_rejected_in_aws_shape(engine):
    from orchestrator.api import create_app

    client = create_app(engine, {"STATEMACHINES_DIR": "", "MAX_CONTENT_LENGTH": 100}).test_client()
    response = call(client, "ListStateMachines", raw=json.dumps({"nextToken": "x" * 200}))
    assert (response.status_code, body_of(response)["__type"]) == (413, "ValidationException")
    assert engine.calls == []


def test_every_operation_of_botocores_model_is_served():
    """All 37 operations: each has its engine method (the dispatcher calls nothing else)."""
    from orchestrator.api import shapes
    from orchestrator.engine.engine import Engine

    operations = shapes.service_model().operation_names
    assert len(operations) >= 37
    missing = [o for o in operations if not callable(getattr(Engine, shapes.method_name(o), None))]
    assert missing == []
