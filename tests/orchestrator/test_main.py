"""The command line: ``run`` and ``validate`` subcommands."""

from __future__ import annotations

import http.server
import json
import threading
from datetime import datetime

import pytest

from orchestrator.__main__ import main
from tests.support.definitions import counting_loop
from tests.support.http import send_json

GOOD = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Parameters": {"x.$": "$.a"}, "Next": "B"},
        "B": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "Ok"}],
            "Default": "Bad",
        },
        "Ok": {"Type": "Succeed"},
        "Bad": {"Type": "Fail", "Error": "Wrong", "Cause": "x was not 1"},
    },
}


@pytest.fixture
def machine_file(tmp_path):
    def write(definition):
        path = tmp_path / "machine.asl.json"
        path.write_text(definition if isinstance(definition, str) else json.dumps(definition))
        return str(path)

    return write


def test_run_prints_the_output(machine_file, capsys):
    assert main(["run", machine_file(GOOD), "--input", '{"a": 1}']) == 0
    assert json.loads(capsys.readouterr().out) == {"x": 1}


def test_run_failure_exits_non_zero_with_error_and_cause_on_stderr(machine_file, capsys):
    assert main(["run", machine_file(GOOD), "--input", '{"a": 2}']) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Error: Wrong" in captured.err and "Cause: x was not 1" in captured.err


def test_run_rejects_bad_input_json(machine_file, capsys):
    assert main(["run", machine_file(GOOD), "--input", "{nope"]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_run_reports_an_invalid_definition(machine_file, capsys):
    assert main(["run", machine_file({"StartAt": "X", "States": {}})]) == 2
    assert "Invalid definition" in capsys.readouterr().err


def test_run_can_print_the_history(machine_file, capsys):
    main(["run", machine_file(GOOD), "--input", '{"a": 1}', "--history"])
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert events[0]["type"] == "ExecutionStarted" and events[-1]["type"] == "ExecutionSucceeded"


LOOP = counting_loop(600)


@pytest.mark.parametrize("mode", [[], ["--virtual-clock"]])
def test_run_prints_a_history_of_several_pages_each_event_once(machine_file, capsys, mode):
    assert main(["run", machine_file(LOOP), "--input", '{"n": 0}', "--history", *mode]) == 0
    captured = capsys.readouterr()
    ids = [json.loads(line)["id"] for line in captured.err.splitlines()]
    assert len(ids) > 2000 and ids == list(range(1, len(ids) + 1))
    assert json.loads(captured.out) == {"n": 600}


@pytest.mark.parametrize(
    "definition, code, text",
    [
        (GOOD, 0, "OK"),
        ({"StartAt": "X", "States": {"A": {"Type": "Pass", "End": True}}}, 1, "ERROR"),
    ],
)
def test_validate_prints_diagnostics(machine_file, capsys, definition, code, text):
    assert main(["validate", machine_file(definition)]) == code
    assert text in capsys.readouterr().out


# -- `run` through the real Task resources -------------------------------------------------
# A tiny HTTP service on a free loopback port: POST /flaky answers 503 to its first
# `failures` requests, then 201 echoing the body; every request's headers are recorded.


class _Service(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.failures = 0
        self.requests: list[dict] = []


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"null")
        self.server.requests.append(
            {"path": self.path, "key": self.headers.get("Idempotency-Key"), "body": body}
        )
        if self.server.failures > 0:
            self.server.failures -= 1
            status, reply = 503, {"error": "UNAVAILABLE"}
        else:
            status, reply = 201, {"received": body}
        send_json(self, status, reply)

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


@pytest.fixture
def service(tmp_path, monkeypatch):
    """The service, and an ORCHESTRATOR_CONFIG that allows exactly its address."""
    server = _Service()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    host = "127.0.0.1:%d" % server.server_address[1]
    config = tmp_path / "endpoints.json"
    config.write_text(
        json.dumps(
            {
                "endpoints": {"svc:9000": host},
                "allowlist": [host],
                "connections": {"*": {"AuthorizationType": "NONE"}},
            }
        )
    )
    for variable in (
        "ORCHESTRATOR_ENDPOINTS",
        "ORCHESTRATOR_ALLOWED_HOSTS",
        "ORCHESTRATOR_LAMBDAS",
        "ORCHESTRATOR_CONNECTIONS",
        "ORCHESTRATOR_SCALE_TASK_TIMEOUTS",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("ORCHESTRATOR_CONFIG", str(config))
    # Retry backoff of 1 s then 2 s takes 10 ms then 20 ms of real time.
    monkeypatch.setenv("ORCHESTRATOR_TIME_SCALE", "0.01")
    yield server
    server.shutdown()
    server.server_close()


HTTP_TASK = {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::http:invoke",
            # The compose-style host is rewritten by the endpoint map, as for the shipped flows.
            "Parameters": {
                "ApiEndpoint": "http://svc:9000/flaky",
                "Method": "POST",
                "Authentication": {
                    "ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/c/1"
                },
                "RequestBody": {"n.$": "$.n"},
            },
            "ResultSelector": {"status.$": "$.StatusCode", "body.$": "$.ResponseBody"},
            "Retry": [
                {
                    "ErrorEquals": ["States.Http.StatusCode.503"],
                    "IntervalSeconds": 1,
                    "MaxAttempts": 2,
                    "BackoffRate": 2,
                }
            ],
            "End": True,
        }
    },
}

CLOCK_MODES = [[], ["--virtual-clock"]]
CLOCK_IDS = ["real-time-engine", "virtual-clock"]


@pytest.mark.parametrize("mode", CLOCK_MODES, ids=CLOCK_IDS)
def test_run_calls_the_http_task_resource(machine_file, service, capsys, mode):
    assert main(["run", machine_file(HTTP_TASK), "--input", '{"n": 7}', *mode]) == 0
    assert json.loads(capsys.readouterr().out) == {"status": 201, "body": {"received": {"n": 7}}}
    assert [(r["path"], r["body"]) for r in service.requests] == [("/flaky", {"n": 7})]


@pytest.mark.parametrize("mode", CLOCK_MODES, ids=CLOCK_IDS)
def test_run_retries_a_failed_call_with_one_idempotency_key(machine_file, service, capsys, mode):
    service.failures = 2
    assert main(["run", machine_file(HTTP_TASK), "--input", '{"n": 1}', "--history", *mode]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["status"] == 201
    types = [json.loads(line)["type"] for line in captured.err.splitlines()]
    assert [
        t
        for t in types
        if t.startswith("Task") and t != "TaskStateEntered" and t != "TaskStateExited"
    ] == [
        "TaskScheduled",
        "TaskStarted",
        "TaskFailed",
        "TaskScheduled",
        "TaskStarted",
        "TaskFailed",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
    ]
    keys = {r["key"] for r in service.requests}
    assert len(service.requests) == 3 and len(keys) == 1 and None not in keys


@pytest.mark.parametrize("mode", CLOCK_MODES, ids=CLOCK_IDS)
def test_run_fails_with_the_http_error_once_retries_are_exhausted(
    machine_file, service, capsys, mode
):
    service.failures = 3
    assert main(["run", machine_file(HTTP_TASK), "--input", '{"n": 1}', *mode]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Error: States.Http.StatusCode.503" in captured.err
    assert len(service.requests) == 3


def test_each_run_gets_its_own_execution_name_and_keys(machine_file, service, capsys):
    for _ in range(2):
        assert main(["run", machine_file(HTTP_TASK), "--input", '{"n": 1}']) == 0
    assert len({r["key"] for r in service.requests}) == 2


@pytest.mark.parametrize("mode", CLOCK_MODES, ids=CLOCK_IDS)
def test_run_refuses_hosts_outside_the_endpoint_map(machine_file, service, capsys, mode):
    definition = json.loads(json.dumps(HTTP_TASK))
    definition["States"]["Call"]["Parameters"]["ApiEndpoint"] = "http://example.com/"
    assert main(["run", machine_file(definition), "--input", '{"n": 1}', *mode]) == 1
    assert "Error: States.Permissions" in capsys.readouterr().err
    assert service.requests == []


WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": True}}}


@pytest.mark.parametrize("mode, scale", [([], "0.001"), (["--virtual-clock"], "1")], ids=CLOCK_IDS)
def test_a_wait_advances_the_execution_clock_by_its_seconds(
    machine_file, monkeypatch, capsys, mode, scale
):
    # Real time scaled to 10 ms, or no time at all: either way the execution's own clock
    # (history timestamps) moves past the Wait's 10 seconds.
    monkeypatch.setenv("ORCHESTRATOR_TIME_SCALE", scale)
    assert main(["run", machine_file(WAIT), "--history", *mode]) == 0
    events = {e["type"]: e for e in map(json.loads, capsys.readouterr().err.splitlines())}
    entered = datetime.fromisoformat(events["WaitStateEntered"]["timestamp"])
    exited = datetime.fromisoformat(events["WaitStateExited"]["timestamp"])
    assert (exited - entered).total_seconds() >= 10


def test_a_bad_time_scale_is_reported(machine_file, monkeypatch, capsys):
    monkeypatch.setenv("ORCHESTRATOR_TIME_SCALE", "0")
    assert main(["run", machine_file(GOOD), "--input", '{"a": 1}']) == 2
    assert "time_scale" in capsys.readouterr().err


def test_a_broken_task_config_is_reported(machine_file, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ORCHESTRATOR_CONFIG", str(tmp_path / "missing.json"))
    assert main(["run", machine_file(GOOD), "--input", '{"a": 1}']) == 2
    assert "missing.json" in capsys.readouterr().err


LAMBDA = {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "Echo", "Payload": {"hello.$": "$.who"}},
            "OutputPath": "$.Payload",
            "End": True,
        }
    },
}
CALLBACK = {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "Echo", "Payload": {"token.$": "$$.Task.Token"}},
            "TimeoutSeconds": 5,
            "End": True,
        }
    },
}


@pytest.fixture
def echo_lambda(service, monkeypatch):
    monkeypatch.setenv("ORCHESTRATOR_LAMBDAS", "Echo=python:tests.support.lambda_standins:echo")


@pytest.mark.parametrize("mode", CLOCK_MODES, ids=CLOCK_IDS)
def test_run_calls_a_mapped_lambda_function(machine_file, echo_lambda, capsys, mode):
    assert main(["run", machine_file(LAMBDA), "--input", '{"who": "Ada"}', *mode]) == 0
    assert json.loads(capsys.readouterr().out) == {"hello": "Ada"}


def test_an_unanswerable_callback_times_out_on_the_engine(
    machine_file, echo_lambda, monkeypatch, capsys
):
    # No API is served during a CLI run, so nobody sends the token back: the Task's
    # TimeoutSeconds ends it (5 s scaled to 50 ms here).
    monkeypatch.setenv("ORCHESTRATOR_SCALE_TASK_TIMEOUTS", "1")
    assert main(["run", machine_file(CALLBACK)]) == 1
    assert "Error: States.Timeout" in capsys.readouterr().err


def test_a_callback_is_refused_with_the_virtual_clock(machine_file, echo_lambda, capsys):
    assert main(["run", machine_file(CALLBACK), "--virtual-clock"]) == 1
    err = capsys.readouterr().err
    assert "Error: States.Runtime" in err and "cannot be answered with --virtual-clock" in err
