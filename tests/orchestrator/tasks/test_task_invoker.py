"""orchestrator/tasks/__init__.py: dispatch, callbacks and the error contract."""

from __future__ import annotations

import json
import threading

import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.asl.resources import is_callback
from orchestrator.tasks import TaskInvoker, TasksConfig, WaitForCallback
from tests.support.lambda_standins import BY_NEED


@pytest.fixture
def invoker(srv):
    return TaskInvoker(
        TasksConfig(allowlist=("127.0.0.1",), lambdas={"Echo": BY_NEED["lambda-echo"]})
    )


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:::batch:submitJob",
        "arn:aws:states:::lambda:invoke.sync",
        "arn:aws:states:us-east-1:123456789012:activity:Work",
        "arn:aws:states:::http:get",
        "not-an-arn",
    ],
)
def test_unsupported_resources_are_a_runtime_error_naming_the_resource(
    invoker, make_invoke, resource
):
    with pytest.raises(StatesError) as info:
        invoker(make_invoke(resource, {}))
    assert info.value.error == "States.Runtime"
    assert f"The resource '{resource}' is not supported" in info.value.cause


@pytest.mark.parametrize(
    ("resource", "variable"),
    [
        ("arn:aws:states:::sqs:sendMessage", "AWS_ENDPOINT_URL_SQS"),
        ("arn:aws:states:::aws-sdk:secretsmanager:listSecrets", "AWS_ENDPOINT_URL_SECRETS_MANAGER"),
    ],
)
def test_an_aws_service_without_an_endpoint_is_a_runtime_error_naming_the_settings(
    invoker, make_invoke, resource, variable
):
    with pytest.raises(StatesError) as info:
        invoker(make_invoke(resource, {}))
    assert info.value.error == "States.Runtime"
    assert variable in info.value.cause and "AWS_ENDPOINT_URL (every service)" in info.value.cause


def test_dispatch_to_http_and_both_lambda_forms(invoker, make_invoke, srv):
    http = invoker(
        make_invoke(
            "arn:aws:states:::http:invoke", {"ApiEndpoint": f"{srv.base}/echo", "Method": "GET"}
        )
    )
    assert http["StatusCode"] == 200
    plain = invoker(make_invoke("arn:aws:lambda:us-east-1:123456789012:function:Echo", {"a": 1}))
    assert plain == {"a": 1}
    wrapped = invoker(
        make_invoke("arn:aws:states:::lambda:invoke", {"FunctionName": "Echo", "Payload": {"a": 1}})
    )
    assert wrapped["Payload"] == {"a": 1}


def test_wait_for_task_token_sends_the_call_and_returns_the_callback_sentinel(
    invoker, make_invoke, srv
):
    resource = "arn:aws:states:::http:invoke.waitForTaskToken"
    assert is_callback(resource) and not is_callback("arn:aws:states:::http:invoke")
    outcome = invoker(
        make_invoke(
            resource,
            {
                "ApiEndpoint": f"{srv.base}/echo",
                "Method": "POST",
                "RequestBody": {"token": "tok-123"},
            },
            token="tok-123",
        )
    )
    assert isinstance(outcome, WaitForCallback)
    assert outcome.token == "tok-123"
    assert outcome.response["StatusCode"] == 200
    assert json.loads(srv.last["body"]) == {"token": "tok-123"}


def test_wait_for_task_token_on_lambda_invoke(invoker, make_invoke):
    outcome = invoker(
        make_invoke(
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            {"FunctionName": "Echo", "Payload": {"t": "tk"}},
            token="tk",
        )
    )
    assert outcome == WaitForCallback("tk", outcome.response)
    assert outcome.response["Payload"] == {"t": "tk"}


def test_wait_for_task_token_failed_call_raises_instead(invoker, make_invoke, srv):
    with pytest.raises(StatesError) as info:
        invoker(
            make_invoke(
                "arn:aws:states:::http:invoke.waitForTaskToken",
                {"ApiEndpoint": f"{srv.base}/status/500", "Method": "GET"},
                token="t",
            )
        )
    assert info.value.error == "States.Http.StatusCode.500"


def test_wait_for_task_token_without_a_token_is_a_runtime_error(invoker, make_invoke):
    with pytest.raises(StatesError) as info:
        invoker(
            make_invoke("arn:aws:states:::lambda:invoke.waitForTaskToken", {"FunctionName": "Echo"})
        )
    assert info.value.error == "States.Runtime" and "task token" in info.value.cause


def test_unexpected_exceptions_become_states_runtime(invoker, make_invoke, monkeypatch):
    async def boom(invoke, deadline):
        raise KeyError("oops")

    monkeypatch.setattr(invoker, "_http", boom)
    with pytest.raises(StatesError) as info:
        invoker(make_invoke("arn:aws:states:::http:invoke", {}))
    assert info.value.error == "States.Runtime"
    assert "Internal error in the Task resource" in info.value.cause and "oops" in info.value.cause


def test_blocking_call_from_the_loop_thread_is_refused(invoker, make_invoke):
    import asyncio

    state = invoker._io._current()

    async def nested():
        try:
            invoker(make_invoke("arn:aws:states:::lambda:invoke", {"FunctionName": "Echo"}))
        except RuntimeError as exc:
            return str(exc)

    assert "call submit()" in asyncio.run_coroutine_threadsafe(nested(), state.loop).result(5)
    invoker.close()


def test_default_config_is_loaded_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"lambdas": {"F": "python:x:y"}}))
    monkeypatch.setenv("ORCHESTRATOR_CONFIG", str(path))
    assert TaskInvoker().config.lambdas == {"F": "python:x:y"}


def test_reading_botocore_models_never_holds_the_other_calls(invoker, make_invoke, srv):
    """An aws-sdk Task naming a service botocore does not know searches every model (seconds):
    on an AWS thread, so an HTTP Task submitted after it still answers first."""
    finished: list[str] = []
    both = threading.Event()

    def done(label):
        def record(result, error):
            finished.append(label)
            if len(finished) == 2:
                both.set()

        return record

    invoker.submit(make_invoke("arn:aws:states:::aws-sdk:nosuchservice:doIt", {}), done("sdk"))
    invoker.submit(
        make_invoke(
            "arn:aws:states:::http:invoke", {"ApiEndpoint": f"{srv.base}/echo", "Method": "GET"}
        ),
        done("http"),
    )
    assert both.wait(120)
    assert finished == ["http", "sdk"]
