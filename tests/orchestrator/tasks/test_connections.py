"""orchestrator/tasks/connections.py through the HTTP Task: every auth kind."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs

import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.tasks import TaskInvoker, TasksConfig

HTTP = "arn:aws:states:::http:invoke"
ARN = "arn:aws:events:us-east-1:123456789012:connection/svc/1"


def connection(kind: str, **auth) -> dict:
    return {ARN: {"AuthorizationType": kind, "AuthParameters": auth}}


def oauth(srv, client_id="client", secret="secret") -> dict:
    return connection(
        "OAUTH_CLIENT_CREDENTIALS",
        OAuthParameters={
            "AuthorizationEndpoint": "http://auth:1/token",
            "HttpMethod": "POST",
            "ClientParameters": {"ClientID": client_id, "ClientSecret": secret},
            "OAuthHttpParameters": {"BodyParameters": [{"Key": "scope", "Value": "orders"}]},
        },
    )


def make(srv, connections) -> TaskInvoker:
    # The token endpoint is reached through the map (operator config, no allowlist needed).
    return TaskInvoker(
        TasksConfig(
            endpoints={"auth": srv.base},
            allowlist=("127.0.0.1",),
            connections=connections,
            http_timeout_seconds=2,
        )
    )


def params(srv, path="/echo", **extra) -> dict:
    return {
        "ApiEndpoint": srv.base + path,
        "Method": "POST",
        "Authentication": {"ConnectionArn": ARN},
        **extra,
    }


def test_api_key_header(srv, make_invoke):
    invoker = make(
        srv,
        connection(
            "API_KEY", ApiKeyAuthParameters={"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cr3t"}
        ),
    )
    invoker(make_invoke(HTTP, params(srv)))
    assert srv.last["headers"]["X-Api-Key"] == "s3cr3t"


def test_basic_auth(srv, make_invoke):
    invoker = make(
        srv, connection("BASIC", BasicAuthParameters={"Username": "u", "Password": "p:w"})
    )
    invoker(make_invoke(HTTP, params(srv)))
    assert srv.last["headers"]["Authorization"] == "Basic " + base64.b64encode(b"u:p:w").decode()


def test_invocation_parameters_merge_and_override_the_task(srv, make_invoke):
    invoker = make(
        srv,
        connection(
            "API_KEY",
            ApiKeyAuthParameters={"ApiKeyName": "k", "ApiKeyValue": "v"},
            InvocationHttpParameters={
                "HeaderParameters": [{"Key": "X-Tenant", "Value": "conn"}],
                "QueryStringParameters": [{"Key": "region", "Value": "eu"}],
                "BodyParameters": [{"Key": "source", "Value": "conn"}],
            },
        ),
    )
    invoker(
        make_invoke(
            HTTP,
            params(
                srv,
                Headers={"X-Tenant": "task"},
                QueryParameters={"page": "2"},
                RequestBody={"source": "task", "n": 1},
            ),
        )
    )
    assert srv.last["headers"]["X-Tenant"] == "conn"
    assert srv.last["args"] == {"page": ["2"], "region": ["eu"]}
    assert json.loads(srv.last["body"]) == {"source": "conn", "n": 1}


def test_oauth_client_credentials_fetches_once_and_caches(srv, make_invoke):
    invoker = make(srv, oauth(srv))
    first = invoker(make_invoke(HTTP, params(srv, "/protected")))
    second = invoker(make_invoke(HTTP, params(srv, "/protected")))
    assert first["ResponseBody"]["token"] == second["ResponseBody"]["token"] == "tok-1"
    token_requests = [r for r in srv.requests if r["path"] == "/token"]
    assert len(token_requests) == 1
    assert parse_qs(token_requests[0]["body"]) == {
        "scope": ["orders"],
        "grant_type": ["client_credentials"],
    }
    expected = "Basic " + base64.b64encode(b"client:secret").decode()
    assert token_requests[0]["headers"]["Authorization"] == expected


def test_oauth_401_drops_the_cached_token_so_the_retry_gets_a_fresh_one(srv, make_invoke):
    invoker = make(srv, oauth(srv))
    invoker(make_invoke(HTTP, params(srv, "/protected")))
    srv.valid_tokens.clear()  # the provider revokes the token
    with pytest.raises(StatesError) as info:
        invoker(make_invoke(HTTP, params(srv, "/protected")))
    assert info.value.error == "States.Http.StatusCode.401"
    retried = invoker(make_invoke(HTTP, params(srv, "/protected")))  # what Retry does
    assert retried["ResponseBody"]["token"] == "tok-2"


def test_oauth_token_refused_is_an_invalid_connection_state(srv, make_invoke):
    invoker = make(srv, oauth(srv, secret="wrong"))
    with pytest.raises(StatesError) as info:
        invoker(make_invoke(HTTP, params(srv, "/protected")))
    assert info.value.error == "Events.ConnectionResource.InvalidConnectionState"
    assert "HTTP 401" in info.value.cause
    assert not [r for r in srv.requests if r["path"] == "/protected"]


def test_oauth_token_endpoint_down_is_an_invalid_connection_state(srv, make_invoke, closed_port):
    conns = oauth(srv)
    conns[ARN]["AuthParameters"]["OAuthParameters"]["AuthorizationEndpoint"] = (
        f"http://127.0.0.1:{closed_port}/token"
    )
    with pytest.raises(StatesError) as info:
        make(srv, conns)(make_invoke(HTTP, params(srv, "/protected")))
    assert info.value.error == "Events.ConnectionResource.InvalidConnectionState"


@pytest.mark.parametrize(
    "connections, fragment",
    [
        ({}, "is not defined"),
        ({ARN: {"AuthorizationType": "DIGEST"}}, "unsupported AuthorizationType"),
    ],
    ids=["unknown-arn", "unknown-kind"],
)
def test_unusable_connections_are_a_runtime_error(srv, make_invoke, connections, fragment):
    with pytest.raises(StatesError) as info:
        make(srv, connections)(make_invoke(HTTP, params(srv)))
    assert info.value.error == "States.Runtime" and fragment in info.value.cause
    assert srv.requests == []


def test_refused_hosts_never_trigger_a_token_request(srv, make_invoke, closed_port):
    # Only the server's own port is allowed (the token endpoint reaches it through the map).
    invoker = TaskInvoker(
        TasksConfig(
            endpoints={"auth": srv.base},
            allowlist=(f"127.0.0.1:{srv.port}",),
            connections=oauth(srv),
            http_timeout_seconds=2,
        )
    )
    with pytest.raises(StatesError) as info:
        invoker(
            make_invoke(
                HTTP,
                {
                    "ApiEndpoint": f"http://127.0.0.1:{closed_port}/x",
                    "Method": "GET",
                    "Authentication": {"ConnectionArn": ARN},
                },
            )
        )
    assert info.value.error == "States.Permissions"
    assert srv.requests == []


def test_concurrent_calls_share_one_token_request(srv, make_invoke):
    invoker = make(srv, oauth(srv))
    done = []
    for _ in range(20):
        invoker.submit(
            make_invoke(HTTP, params(srv, "/protected")),
            lambda result, error: done.append((result, error)),
        )
    import time

    end = time.monotonic() + 30
    while len(done) < 20 and time.monotonic() < end:
        time.sleep(0.01)
    assert [error for _, error in done] == [None] * 20
    assert {result["ResponseBody"]["token"] for result, _ in done} == {"tok-1"}
    assert len([r for r in srv.requests if r["path"] == "/token"]) == 1
    assert not any(
        "X-Request-Deadline" in r["headers"] for r in srv.requests if r["path"] == "/token"
    )  # the token request serves many calls
    invoker.close()


def test_wildcard_connection_serves_unlisted_arns_and_none_adds_no_auth(srv, make_invoke):
    invoker = make(
        srv,
        {
            "*": {
                "AuthorizationType": "NONE",
                "AuthParameters": {
                    "InvocationHttpParameters": {
                        "HeaderParameters": [{"Key": "X-Env", "Value": "local"}]
                    }
                },
            }
        },
    )
    invoker(make_invoke(HTTP, params(srv)))
    assert "Authorization" not in srv.last["headers"]
    assert srv.last["headers"]["X-Env"] == "local"
