"""orchestrator/tasks/lambda_.py: the Lambda map, both resource forms, errors."""

from __future__ import annotations

import base64
import json
import threading

import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.tasks import TaskInvoker, TasksConfig
from tests.support.lambda_standins import BY_NEED

INVOKE = "arn:aws:states:::lambda:invoke"
PLAIN = "arn:aws:lambda:us-east-1:123456789012:function:"


def not_json(event, context):
    return {1, 2}


def show_context(event, context):
    return {
        "name": context.function_name,
        "arn": context.invoked_function_arn,
        "id": context.aws_request_id,
        "left": context.get_remaining_time_in_millis(),
    }


CALLED = threading.Event()


def record_call(event, context):
    CALLED.set()
    return event


@pytest.fixture
def invoker(srv):
    config = TasksConfig(
        endpoints={"fn-host:9": srv.base},
        lambdas={
            "Echo": BY_NEED["lambda-echo"],
            PLAIN + "ByArn": BY_NEED["lambda-constant-helloworld"],
            "Qualified:live": BY_NEED["lambda-decorate-input"],
            "Mapped": "http://fn-host:9/fn",
            "MappedPut": {"url": f"{srv.base}/echo", "method": "PUT"},
            "Failing": f"{srv.base}/status/503",
            "Typed": f"{srv.base}/fn-error",
            "Slow": f"{srv.base}/slow?delay=0.3",
            "Marshal": f"python:{__name__}:not_json",
            "Context": f"python:{__name__}:show_context",
            "Async": f"python:{__name__}:record_call",
            "Missing": "python:no.such.module:fn",
            "Weird": 42,
        },
        lambda_timeout_seconds=0.1,
    )
    invoker = TaskInvoker(config)
    yield invoker
    invoker.close()


def fails(invoker, invoke) -> StatesError:
    with pytest.raises(StatesError) as info:
        invoker(invoke)
    return info.value


@pytest.mark.parametrize(
    "function_name",
    [
        "Echo",
        "arn:aws:lambda:us-east-1:123456789012:function:Echo",
        "123456789012:function:Echo",
        "Echo:$LATEST",
    ],
    ids=["name", "arn", "partial-arn", "latest-is-the-unqualified-function"],
)
def test_function_name_forms(invoker, make_invoke, function_name):
    result = invoker(make_invoke(INVOKE, {"FunctionName": function_name, "Payload": {"a": 1}}))
    assert result["Payload"] == {"a": 1}
    assert result["StatusCode"] == 200 and result["ExecutedVersion"] == "$LATEST"


def test_map_keys_by_arn_and_by_qualified_name(invoker, make_invoke):
    assert invoker(make_invoke(PLAIN + "ByArn", {})) == {"Return": "HelloWorld"}
    result = invoker(make_invoke(INVOKE, {"FunctionName": "Qualified:live", "Payload": [True]}))
    assert result["Payload"] == "input-event-[True]"


@pytest.mark.parametrize(
    "payload, event",
    [
        (None, {}),
        ("0.0", 0.0),
        ('"HelloWorld"', "HelloWorld"),
        ("[]", []),
        ({"k": [1]}, {"k": [1]}),
        (7, 7),
    ],
    ids=["none-is-empty-event", "float-text", "string-text", "array-text", "object", "number"],
)
def test_payload_forms(invoker, make_invoke, payload, event):
    params = (
        {"FunctionName": "Echo"}
        if payload is None
        else {"FunctionName": "Echo", "Payload": payload}
    )
    result = invoker(make_invoke(INVOKE, params))
    assert result["Payload"] == event and type(result["Payload"]) is type(event)
    length = str(len(json.dumps(event)))
    assert result["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == length


def test_invalid_payload_text_is_invalid_request_content(invoker, make_invoke):
    err = fails(invoker, make_invoke(INVOKE, {"FunctionName": "Echo", "Payload": "not json"}))
    assert err.error == "Lambda.InvalidRequestContentException"


def test_log_type_tail_adds_the_log_result(invoker, make_invoke):
    result = invoker(make_invoke(INVOKE, {"FunctionName": "Echo", "LogType": "Tail"}))
    log = base64.b64decode(result["LogResult"]).decode()
    request_id = result["SdkResponseMetadata"]["RequestId"]
    assert log.startswith(f"START RequestId: {request_id} Version: $LATEST")
    assert result["SdkHttpMetadata"]["HttpHeaders"]["X-Amz-Log-Result"] == result["LogResult"]
    assert list(result) == [
        "ExecutedVersion",
        "LogResult",
        "Payload",
        "SdkHttpMetadata",
        "SdkResponseMetadata",
        "StatusCode",
    ]


def test_dry_run_and_event_invocations(invoker, make_invoke):
    dry = invoker(make_invoke(INVOKE, {"FunctionName": "Async", "InvocationType": "DryRun"}))
    assert (dry["StatusCode"], dry["Payload"]) == (204, "")
    assert not CALLED.is_set()
    event = invoker(make_invoke(INVOKE, {"FunctionName": "Async", "InvocationType": "Event"}))
    assert (event["StatusCode"], event["Payload"]) == (202, "")
    assert CALLED.wait(2)


def test_mapped_http_function_gets_the_event_and_the_idempotency_key(invoker, make_invoke, srv):
    result = invoker(make_invoke(PLAIN + "Mapped", {"user": {"name": "Ann"}}, key="arn:x#4"))
    assert result == {"user": {"name": "Ann"}}
    request = srv.last
    assert (request["method"], request["path"]) == ("POST", "/fn")
    assert json.loads(request["body"]) == {"user": {"name": "Ann"}}
    assert request["headers"]["Idempotency-Key"] == "arn:x#4"
    assert request["headers"]["X-Request-Id"]
    assert request["headers"]["Content-Type"] == "application/json"


def test_mapped_http_function_with_its_own_method(invoker, make_invoke, srv):
    result = invoker(make_invoke(INVOKE, {"FunctionName": "MappedPut", "Payload": {"a": 1}}))
    assert result["Payload"] == {"method": "PUT", "body": '{"a": 1}'}


def test_mapped_http_non_2xx_is_a_function_error(invoker, make_invoke):
    err = fails(invoker, make_invoke(PLAIN + "Failing", {}))
    assert err.error == "Http.StatusCode.503"
    cause = json.loads(err.cause)
    assert json.loads(cause["errorMessage"]) == {"error": "failed", "message": "status 503"}
    assert list(cause) == ["errorMessage", "errorType", "requestId", "stackTrace"]


def test_mapped_http_error_body_with_an_error_type_names_the_error(invoker, make_invoke):
    err = fails(invoker, make_invoke(INVOKE, {"FunctionName": "Typed"}))
    assert err.error == "ValidationError"
    assert json.loads(err.cause)["errorMessage"] == "bad input"


def test_mapped_http_unreachable_is_sdk_client_exception(make_invoke, closed_port):
    invoker = TaskInvoker(TasksConfig(lambdas={"Down": f"http://127.0.0.1:{closed_port}/f"}))
    err = fails(invoker, make_invoke(PLAIN + "Down", {}))
    assert err.error == "Lambda.SdkClientException"
    assert "Down" in err.cause


def test_state_timeout_is_states_timeout(invoker, make_invoke):
    err = fails(invoker, make_invoke(PLAIN + "Slow", {}, timeout=0.05))
    assert (err.error, err.cause) == ("States.Timeout", None)


def test_function_timeout_without_timeout_seconds_is_a_sandbox_timeout(invoker, make_invoke):
    err = fails(invoker, make_invoke(PLAIN + "Slow", {}))  # lambda_timeout_seconds = 0.1
    assert err.error == "Sandbox.Timedout"
    assert "Task timed out after 0.10 seconds" in json.loads(err.cause)["errorMessage"]


def test_unmapped_function_is_resource_not_found(invoker, make_invoke):
    err = fails(invoker, make_invoke(INVOKE, {"FunctionName": "Nope"}))
    assert err.error == "Lambda.ResourceNotFoundException"
    assert err.cause.startswith(
        "Function not found: arn:aws:lambda:us-east-1:123456789012:"
        "function:Nope (Service: AWSLambda; Status Code: 404;"
    )


def test_region_and_account_come_from_the_execution(invoker, make_invoke):
    context = {"Execution": {"Id": "arn:aws:states:eu-west-1:999999999999:execution:sm:e"}}
    err = fails(invoker, make_invoke(INVOKE, {"FunctionName": "Nope"}, context=context))
    assert "arn:aws:lambda:eu-west-1:999999999999:function:Nope" in err.cause


def test_python_function_gets_a_lambda_context(invoker, make_invoke):
    result = invoker(make_invoke(INVOKE, {"FunctionName": "Context"}, timeout=5))
    payload = result["Payload"]
    assert payload["name"] == "Context"
    assert payload["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:Context"
    assert payload["id"] == result["SdkResponseMetadata"]["RequestId"]
    assert 0 < payload["left"] <= 5000


def test_unserialisable_result_is_a_marshal_error(invoker, make_invoke):
    err = fails(invoker, make_invoke(PLAIN + "Marshal", {}))
    assert err.error == "Runtime.MarshalError"


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("Missing", "Cannot load the Lambda stand-in"),
        ("Weird", "must be a URL"),
    ],
    ids=["unimportable", "bad-entry"],
)
def test_bad_map_entries_are_a_runtime_error(invoker, make_invoke, name, fragment):
    err = fails(invoker, make_invoke(PLAIN + name, {}))
    assert err.error == "States.Runtime" and fragment in err.cause


def test_lambda_invoke_requires_a_function_name(invoker, make_invoke):
    err = fails(invoker, make_invoke(INVOKE, {"Payload": {}}))
    assert err.error == "States.Runtime" and "FunctionName" in err.cause


# --- which function an ARN names: account, region, qualifier ---------------------------------

OTHER_ACCOUNT = "arn:aws:lambda:us-east-1:999999999999:function:"


@pytest.fixture
def arns():
    return TaskInvoker(
        TasksConfig(
            lambdas={
                "Echo": BY_NEED["lambda-echo"],
                "Echo:prod": BY_NEED["lambda-constant-helloworld"],
                "Echo:3": BY_NEED["lambda-decorate-input"],
                OTHER_ACCOUNT + "Declared": BY_NEED["lambda-echo"],
                PLAIN + "Pinned:7": BY_NEED["lambda-echo"],
            }
        )
    )


@pytest.mark.parametrize(
    "ref",
    [
        OTHER_ACCOUNT + "Echo",  # another account
        "999999999999:function:Echo",  # another account, partial ARN
        "arn:aws:lambda:eu-west-1:123456789012:function:Echo",  # another region
        PLAIN + "Echo:bogus",
        "Echo:bogus",
        "123456789012:function:Echo:bogus",  # unmapped alias
        PLAIN + "Echo:4",
        "Echo:4",  # unmapped version
        PLAIN + "Pinned",
        "Pinned:8",  # only version 7 is mapped
        "arn:aws:lambda:us-east-1:123456789012:function:Echo:a:b",  # not an ARN Lambda knows
    ],
    ids=[
        "account",
        "partial-account",
        "region",
        "arn-alias",
        "name-alias",
        "partial-alias",
        "arn-version",
        "name-version",
        "unqualified-of-versioned",
        "other-version",
        "garbage",
    ],
)
def test_arns_of_other_accounts_regions_or_unmapped_qualifiers_are_not_found(
    arns, make_invoke, ref
):
    forms = [make_invoke(INVOKE, {"FunctionName": ref})]
    if ref.startswith("arn:") and ref.count(":") <= 7:  # also as the plain resource
        forms.append(make_invoke(ref, {}))
    for invoke in forms:
        err = fails(arns, invoke)
        assert err.error == "Lambda.ResourceNotFoundException", (ref, err)
        assert err.cause.startswith("Function not found: arn:aws:lambda:")


def test_the_not_found_cause_names_the_qualified_arn(arns, make_invoke):
    err = fails(arns, make_invoke(INVOKE, {"FunctionName": "Echo:bogus"}))
    assert err.cause.startswith(f"Function not found: {PLAIN}Echo:bogus (Service: AWSLambda;")
    assert "account 123456789012" in err.cause


@pytest.mark.parametrize(
    "ref, payload, version",
    [
        ("Echo", {"x": 1}, "$LATEST"),
        (PLAIN + "Echo:$LATEST", {"x": 1}, "$LATEST"),
        ("Echo:prod", {"Return": "HelloWorld"}, "$LATEST"),
        (PLAIN + "Echo:prod", {"Return": "HelloWorld"}, "$LATEST"),
        ("Echo:3", "input-event-{'x': 1}", "3"),
        ("123456789012:function:Echo:3", "input-event-{'x': 1}", "3"),
        ("Pinned:7", {"x": 1}, "7"),
        (OTHER_ACCOUNT + "Declared", {"x": 1}, "$LATEST"),
    ],
    ids=[
        "name",
        "latest",
        "alias",
        "arn-alias",
        "version",
        "partial-version",
        "arn-key-version",
        "declared-foreign-arn",
    ],
)
def test_mapped_qualifiers_and_declared_arns_are_found(arns, make_invoke, ref, payload, version):
    result = arns(make_invoke(INVOKE, {"FunctionName": ref, "Payload": {"x": 1}}))
    assert (result["Payload"], result["ExecutedVersion"]) == (payload, version)


def test_the_region_is_the_executions(arns, make_invoke):
    context = {"Execution": {"Id": "arn:aws:states:eu-west-1:123456789012:execution:sm:e"}}
    ok = arns(
        make_invoke(
            "arn:aws:lambda:eu-west-1:123456789012:function:Echo", {"a": 1}, context=context
        )
    )
    assert ok == {"a": 1}
    err = fails(arns, make_invoke(PLAIN + "Echo", {}, context=context))  # us-east-1
    assert err.error == "Lambda.ResourceNotFoundException"
