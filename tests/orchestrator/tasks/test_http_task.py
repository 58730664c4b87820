"""orchestrator/tasks/http.py against a real loopback server."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.tasks import TaskInvoker, TasksConfig

HTTP = "arn:aws:states:::http:invoke"


@pytest.fixture
def invoker(srv):
    # A cap well above a loaded machine's answer time; the cap test makes its own invoker.
    config = TasksConfig(
        endpoints={"svc": srv.base}, allowlist=("127.0.0.1",), http_timeout_seconds=5
    )
    invoker = TaskInvoker(config)
    yield invoker
    invoker.close()


def call(invoker, make_invoke, params, **kwargs):
    return invoker(make_invoke(HTTP, params, **kwargs))


def failure(invoker, make_invoke, params, **kwargs) -> StatesError:
    with pytest.raises(StatesError) as info:
        call(invoker, make_invoke, params, **kwargs)
    return info.value


def test_result_shape_for_a_json_answer(invoker, make_invoke, srv):
    result = call(invoker, make_invoke, {"ApiEndpoint": f"{srv.base}/echo", "Method": "GET"})
    assert list(result) == ["Headers", "ResponseBody", "StatusCode", "StatusText"]
    assert result["StatusCode"] == 200 and result["StatusText"] == "OK"
    assert result["ResponseBody"] == {"method": "GET", "body": ""}
    assert result["Headers"]["content-type"] == ["application/json"]
    assert all(
        name == name.lower() and isinstance(values, list)
        for name, values in result["Headers"].items()
    )


def test_text_answers_stay_text_and_repeated_headers_stay_apart(invoker, make_invoke, srv):
    text = call(invoker, make_invoke, {"ApiEndpoint": f"{srv.base}/text", "Method": "GET"})
    assert text["ResponseBody"] == "plain words"
    multi = call(invoker, make_invoke, {"ApiEndpoint": f"{srv.base}/multi", "Method": "GET"})
    assert multi["Headers"]["set-cookie"] == ["a=1", "b=2"]
    assert multi["ResponseBody"] == ""


def test_cookies_are_never_kept_between_calls(invoker, make_invoke, srv):
    call(invoker, make_invoke, {"ApiEndpoint": f"{srv.base}/multi", "Method": "GET"})
    call(invoker, make_invoke, {"ApiEndpoint": f"{srv.base}/echo", "Method": "GET"})
    assert "Cookie" not in srv.last["headers"]


def test_unicode_idempotency_keys_are_percent_encoded_stably(invoker, make_invoke, srv):
    params = {"ApiEndpoint": f"{srv.base}/echo", "Method": "GET"}
    call(invoker, make_invoke, params, key="arn:exec:zoë#2")
    assert srv.last["headers"]["Idempotency-Key"] == "arn%3Aexec%3Azo%C3%AB%232"


def test_endpoint_map_rewrites_the_compose_host(invoker, make_invoke, srv):
    result = call(
        invoker,
        make_invoke,
        {"ApiEndpoint": "http://svc:8001/echo", "Method": "POST", "RequestBody": {"a": 1}},
    )
    assert result["ResponseBody"] == {"method": "POST", "body": '{"a":1}'}
    assert srv.last["path"] == "/echo"


@pytest.mark.parametrize(
    "method", ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "post"]
)
def test_methods(invoker, make_invoke, srv, method):
    call(invoker, make_invoke, {"ApiEndpoint": f"{srv.base}/echo", "Method": method})
    assert srv.last["method"] == method.upper()


def test_every_request_carries_the_idempotency_key_request_id_and_user_agent(
    invoker, make_invoke, srv
):
    params = {"ApiEndpoint": f"{srv.base}/echo", "Method": "POST", "RequestBody": {}}
    call(invoker, make_invoke, params, key="arn:exec#7")
    first = srv.last["headers"]
    call(invoker, make_invoke, params, key="arn:exec#7")  # a retry of the same state entry
    second = srv.last["headers"]
    assert first["Idempotency-Key"] == second["Idempotency-Key"] == "arn:exec#7"
    assert first["X-Request-Id"] != second["X-Request-Id"]
    assert first["User-Agent"] == "Amazon|StepFunctions|HttpInvoke|us-east-1"


def test_definition_headers_are_sent_and_may_set_their_own_idempotency_key(
    invoker, make_invoke, srv
):
    call(
        invoker,
        make_invoke,
        {
            "ApiEndpoint": f"{srv.base}/echo",
            "Method": "GET",
            "Headers": {
                "X-Tenant": "t1",
                "idempotency-key": "mine",
                "X-List": ["a", "b"],
                "X-Num": 3,
            },
        },
    )
    headers = srv.last["headers"]
    assert (headers["X-Tenant"], headers["Idempotency-Key"]) == ("t1", "mine")
    assert (headers["X-List"], headers["X-Num"]) == ("a,b", "3")


@pytest.mark.parametrize(
    "body, transform, content_type, sent",
    [
        ({"a": [1, 2]}, None, "application/json; charset=UTF-8", '{"a":[1,2]}'),
        ("raw text", None, "application/json; charset=UTF-8", "raw text"),
        (
            {"a": [1, 2]},
            {"RequestBodyEncoding": "URL_ENCODED"},
            "application/x-www-form-urlencoded",
            "a[0]=1&a[1]=2",
        ),
        (
            {"a": [1, 2]},
            {
                "RequestBodyEncoding": "URL_ENCODED",
                "RequestEncodingOptions": {"ArrayFormat": "REPEAT"},
            },
            "application/x-www-form-urlencoded",
            "a=1&a=2",
        ),
        (
            {"a": [1, 2]},
            {
                "RequestBodyEncoding": "URL_ENCODED",
                "RequestEncodingOptions": {"ArrayFormat": "COMMAS"},
            },
            "application/x-www-form-urlencoded",
            "a=1,2",
        ),
        (
            {"a": [1, 2]},
            {
                "RequestBodyEncoding": "URL_ENCODED",
                "RequestEncodingOptions": {"ArrayFormat": "BRACKETS"},
            },
            "application/x-www-form-urlencoded",
            "a[]=1&a[]=2",
        ),
    ],
    ids=["json", "string", "indices", "repeat", "commas", "brackets"],
)
def test_request_body_encodings(invoker, make_invoke, srv, body, transform, content_type, sent):
    params = {"ApiEndpoint": f"{srv.base}/echo", "Method": "POST", "RequestBody": body}
    if transform:
        params["Transform"] = transform
    call(invoker, make_invoke, params)
    assert srv.last["headers"]["Content-Type"] == content_type
    assert srv.last["body"] == sent


def test_url_encoded_body_is_parsed_by_a_real_form_parser(invoker, make_invoke, srv):
    call(
        invoker,
        make_invoke,
        {
            "ApiEndpoint": f"{srv.base}/echo",
            "Method": "POST",
            "RequestBody": {"name": "Ann Lee & co", "tags": ["x", "y"]},
            "Transform": {
                "RequestBodyEncoding": "URL_ENCODED",
                "RequestEncodingOptions": {"ArrayFormat": "REPEAT"},
            },
        },
    )
    assert parse_qs(srv.last["body"]) == {"name": ["Ann Lee & co"], "tags": ["x", "y"]}


def test_explicit_content_type_wins(invoker, make_invoke, srv):
    call(
        invoker,
        make_invoke,
        {
            "ApiEndpoint": f"{srv.base}/echo",
            "Method": "POST",
            "Headers": {"Content-Type": "text/plain"},
            "RequestBody": "hi",
        },
    )
    assert srv.last["headers"]["Content-Type"] == "text/plain"


@pytest.mark.parametrize(
    "endpoint, query, expected_args",
    [
        ("/echo", {"q": "a b", "n": 2}, {"q": ["a b"], "n": ["2"]}),
        ("/echo", {"tag": ["x", "y"]}, {"tag": ["x", "y"]}),
        ("/echo?fixed=1", {"more": "2"}, {"fixed": ["1"], "more": ["2"]}),
        ("/echo", {"flag": True, "none": None}, {"flag": ["true"], "none": [""]}),
    ],
    ids=["scalars", "list-repeats-key", "appends-to-existing", "json-scalars"],
)
def test_query_parameters(invoker, make_invoke, srv, endpoint, query, expected_args):
    call(
        invoker,
        make_invoke,
        {"ApiEndpoint": srv.base + endpoint, "Method": "GET", "QueryParameters": query},
    )
    assert srv.last["args"] == expected_args


@pytest.mark.parametrize("status", [400, 404, 409, 500, 503])
def test_non_2xx_is_states_http_status_code_with_the_response_in_the_cause(
    invoker, make_invoke, srv, status
):
    err = failure(
        invoker,
        make_invoke,
        {"ApiEndpoint": f"{srv.base}/status/{status}", "Method": "POST", "RequestBody": {}},
    )
    assert err.error == f"States.Http.StatusCode.{status}"
    cause = json.loads(err.cause)
    assert cause["StatusCode"] == status
    assert cause["ResponseBody"] == {"error": "failed", "message": f"status {status}"}
    assert cause["Headers"]["content-type"] == ["application/json"]


def test_redirects_are_not_followed(invoker, make_invoke, srv):
    err = failure(invoker, make_invoke, {"ApiEndpoint": f"{srv.base}/redirect", "Method": "GET"})
    assert err.error == "States.Http.StatusCode.302"
    assert json.loads(err.cause)["Headers"]["location"] == ["http://example.com/"]


def test_state_timeout_is_states_timeout(invoker, make_invoke, srv):
    err = failure(
        invoker,
        make_invoke,
        {"ApiEndpoint": f"{srv.base}/slow?delay=0.3", "Method": "GET"},
        timeout=0.05,
    )
    assert (err.error, err.cause) == ("States.Timeout", None)


def test_state_timeout_while_reading_the_body_is_states_timeout(invoker, make_invoke, srv):
    err = failure(
        invoker, make_invoke, {"ApiEndpoint": f"{srv.base}/slowbody", "Method": "GET"}, timeout=0.05
    )
    assert (err.error, err.cause) == ("States.Timeout", None)


def test_no_answer_within_the_http_limit_is_states_http_socket(make_invoke, srv):
    # No TimeoutSeconds (or a longer one): the HTTP Task's own limit (0.1 s here) applies.
    invoker = TaskInvoker(TasksConfig(allowlist=("127.0.0.1",), http_timeout_seconds=0.1))
    for timeout in (None, 30):
        err = failure(
            invoker,
            make_invoke,
            {"ApiEndpoint": f"{srv.base}/slow?delay=0.3", "Method": "GET"},
            timeout=timeout,
        )
        assert err.error == "States.Http.Socket"
        assert "no answer within 0.1 seconds" in err.cause


def test_refused_connection_is_states_http_socket(make_invoke, closed_port):
    invoker = TaskInvoker(TasksConfig(allowlist=("127.0.0.1",)))
    err = failure(
        invoker, make_invoke, {"ApiEndpoint": f"http://127.0.0.1:{closed_port}/x", "Method": "GET"}
    )
    assert err.error == "States.Http.Socket"
    assert f"GET http://127.0.0.1:{closed_port}/x failed" in err.cause


def test_hosts_outside_map_and_allowlist_are_refused_before_any_request(make_invoke, srv):
    invoker = TaskInvoker(TasksConfig())
    err = failure(invoker, make_invoke, {"ApiEndpoint": f"{srv.base}/echo", "Method": "GET"})
    assert err.error == "States.Permissions"
    assert srv.requests == []


@pytest.mark.parametrize(
    "header",
    [
        "Host",
        "authorization",
        "Connection",
        "X-Amz-Date",
        "x-amzn-trace-id",
        "X-Forwarded-For",
        "If-None-Match",
        "Transfer-Encoding",
    ],
)
def test_headers_aws_forbids_are_a_runtime_error(invoker, make_invoke, srv, header):
    err = failure(
        invoker,
        make_invoke,
        {"ApiEndpoint": f"{srv.base}/echo", "Method": "GET", "Headers": {header: "v"}},
    )
    assert err.error == "States.Runtime"
    assert err.cause == f"The 'Headers' field contains unsupported values: [{header.lower()}]"
    assert srv.requests == []


@pytest.mark.parametrize(
    "params, fragment",
    [
        ("not an object", "Parameters must be a JSON object"),
        ({"Method": "GET"}, "requires an 'ApiEndpoint'"),
        ({"ApiEndpoint": "http://127.0.0.1:1/", "Method": "TRACE"}, "'Method' must be one of"),
        ({"ApiEndpoint": "http://127.0.0.1:1/", "Method": "GET", "Headers": []}, "'Headers'"),
        (
            {"ApiEndpoint": "http://127.0.0.1:1/", "Method": "GET", "QueryParameters": "a=b"},
            "'QueryParameters'",
        ),
        ({"ApiEndpoint": "http://127.0.0.1:1/", "Method": "GET", "Transform": "x"}, "'Transform'"),
    ],
    ids=["parameters", "endpoint", "method", "headers", "query", "transform"],
)
def test_malformed_parameters_are_a_runtime_error(invoker, make_invoke, params, fragment):
    err = failure(invoker, make_invoke, params)
    assert err.error == "States.Runtime" and fragment in err.cause


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:1\\@127.0.0.1:2/x",
        "http://u@svc/x",
        "http://svc/a b",
        "svc/x",
        "http://2130706433/",
    ],
)
def test_malformed_api_endpoints_are_a_runtime_error_before_any_request(
    invoker, make_invoke, srv, endpoint
):
    err = failure(invoker, make_invoke, {"ApiEndpoint": endpoint, "Method": "GET"})
    assert err.error == "States.Runtime" and err.cause.startswith("Invalid URL")
    assert srv.requests == []


@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "a\nb", "a\x00"])
def test_header_values_cannot_split_the_request(invoker, make_invoke, srv, value):
    err = failure(
        invoker,
        make_invoke,
        {"ApiEndpoint": f"{srv.base}/echo", "Method": "GET", "Headers": {"X-Tenant": value}},
    )
    assert err.error == "States.Runtime" and "line break or NUL" in err.cause
    assert srv.requests == []


def test_the_refusal_names_the_address_and_not_the_query(make_invoke, srv):
    invoker = TaskInvoker(TasksConfig(allowlist=("10.0.0.1",)))
    err = failure(
        invoker, make_invoke, {"ApiEndpoint": f"{srv.base}/echo?secret=1", "Method": "GET"}
    )
    assert err.error == "States.Permissions"
    assert err.cause.startswith(
        f"Refused to call {srv.base}/echo: the address 127.0.0.1:{srv.port} is neither"
    )
    assert "secret" not in err.cause
