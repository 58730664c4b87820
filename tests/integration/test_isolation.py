"""Isolation on real processes: a hostile execution, input or request never stalls,
freezes or poisons the others, before or after a restart (issue: "Isolation").

Every test runs a real ``python -m orchestrator serve`` on a loopback port. Progress is
asserted by ordering (simple executions finish while the hostile one still runs), never by
wall-clock speed."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid

import pytest
import requests

from tests.orchestrator.api.orchestrator_server import Orchestrator
from tests.support.aws import stepfunctions_client
from tests.support.processes import kill_group

pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
LOOP = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "A"}],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}
SIMPLE = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
EVIL_REGEX = {
    "QueryLanguage": "JSONata",
    "StartAt": "Match",
    "States": {
        "Match": {
            "Type": "Pass",
            "Output": "{% $contains($states.input.s, /^(a|aa)+$/) %}",
            "End": True,
        }
    },
}
EVIL_INPUT = json.dumps({"s": "a" * 40 + "!"})


@pytest.fixture
def orchestrator(tmp_path):
    """A server of the test's own (for tests that set it up specially or restart it)."""
    running = []

    def start(**env) -> Orchestrator:
        server = Orchestrator(tmp_path, {k: str(v) for k, v in env.items()})
        running.append(server)
        return server.start()

    yield start
    for server in running:
        server.stop()


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One default server for the tests that only send it requests."""
    server = Orchestrator(tmp_path_factory.mktemp("shared")).start()
    yield server
    server.stop()


def _machine(sfn, name: str, definition: dict) -> str:
    return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]


def _finish(sfn, arn: str, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while True:  # polling a condition, bounded; not timing anything
        out = sfn.describe_execution(executionArn=arn)
        if out["status"] != "RUNNING" or time.monotonic() > deadline:
            return out
        time.sleep(0.02)


def _run(sfn, machine: str, input_text: str = "{}") -> dict:
    return _finish(
        sfn, sfn.start_execution(stateMachineArn=machine, input=input_text)["executionArn"]
    )


def _last_event_id(sfn, arn: str) -> int:
    events = sfn.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=1)["events"]
    return events[0]["id"] if events else 0


def test_an_endless_loop_never_stalls_the_engine_and_stops_on_request(orchestrator):
    server = orchestrator(ORCHESTRATOR_HISTORY_LIMIT=10**9)
    sfn = stepfunctions_client(server.url)
    loop = sfn.start_execution(stateMachineArn=_machine(sfn, "loop", LOOP), input='{"go": true}')[
        "executionArn"
    ]
    simple = _machine(sfn, "simple", SIMPLE)
    for _ in range(5):
        assert _run(sfn, simple)["status"] == "SUCCEEDED"
        assert requests.get(server.url + "/health", timeout=5).status_code == 200
    assert sfn.describe_execution(executionArn=loop)["status"] == "RUNNING"

    # kill -9 while it loops: the restarted engine serves at once and the loop goes on.
    kill_group(server.process)
    server.start()
    sfn = stepfunctions_client(server.url)
    assert _run(sfn, simple)["status"] == "SUCCEEDED"
    replayed = _last_event_id(sfn, loop)
    deadline = time.monotonic() + 30
    while _last_event_id(sfn, loop) < replayed + 1000:  # it goes on after its replay
        assert time.monotonic() < deadline, "the loop did not resume"
        time.sleep(0.02)
    sfn.stop_execution(executionArn=loop, cause="enough")
    out = _finish(sfn, loop)
    assert (out["status"], out["cause"]) == ("ABORTED", "enough")


def test_an_endless_loop_fails_at_the_history_limit(orchestrator):
    server = orchestrator(ORCHESTRATOR_HISTORY_LIMIT=2000)
    sfn = stepfunctions_client(server.url)
    out = _run(sfn, _machine(sfn, "loop", LOOP), '{"go": true}')
    assert (out["status"], out["error"]) == ("FAILED", "States.Runtime")
    assert out["cause"] == "The execution reached the maximum number of history events (2000)."
    last = sfn.get_execution_history(
        executionArn=out["executionArn"], reverseOrder=True, maxResults=1
    )["events"][0]
    assert (last["id"], last["type"]) == (2000, "ExecutionFailed")


def test_a_catastrophic_regex_never_freezes_the_process(orchestrator):
    server = orchestrator(ORCHESTRATOR_EVALUATION_TIMEOUT_MS=1500)
    sfn = stepfunctions_client(server.url)
    evil = _machine(sfn, "evil", EVIL_REGEX)
    arns = [
        sfn.start_execution(stateMachineArn=evil, input=EVIL_INPUT)["executionArn"]
        for _ in range(3)
    ]
    simple = _machine(sfn, "simple", SIMPLE)
    seen_running = False
    for _ in range(5):  # the process answers and other executions finish meanwhile
        assert requests.get(server.url + "/health", timeout=5).status_code == 200
        assert _run(sfn, simple)["status"] == "SUCCEEDED"
        seen_running |= sfn.describe_execution(executionArn=arns[-1])["status"] == "RUNNING"
    assert seen_running  # the simple ones finished while an evaluation was still going
    # kill -9 in the middle of an evaluation: after the restart it is evaluated again
    # within its budget, and the engine serves at once.
    again = sfn.start_execution(stateMachineArn=evil, input=EVIL_INPUT)["executionArn"]
    kill_group(server.process)
    server.start()
    sfn = stepfunctions_client(server.url)
    assert _run(sfn, simple)["status"] == "SUCCEEDED"
    for arn in arns + [again]:
        out = _finish(sfn, arn)
        assert (out["status"], out["error"]) == ("FAILED", "States.QueryEvaluationError"), out
        assert "D1012: Evaluation timeout after 1500 milliseconds" in out["cause"]


def test_one_bad_execution_in_a_batch_fails_alone(orchestrator):
    """40 executions started together; one has a lone surrogate in its input (refused at
    the edge) and one makes one with JSONata (fails alone at run time)."""
    server = orchestrator()
    sfn = stepfunctions_client(server.url)
    machine = _machine(
        sfn,
        "echo",
        {
            "QueryLanguage": "JSONata",
            "StartAt": "P",
            "States": {
                "P": {
                    "Type": "Pass",
                    "Output": "{% $states.input.bad ? '\\ud800' : $states.input %}",
                    "End": True,
                }
            },
        },
    )
    with pytest.raises(sfn.exceptions.InvalidExecutionInput, match="lone surrogate"):
        sfn.start_execution(stateMachineArn=machine, input='{"a": "\\ud800"}')
    arns = [
        sfn.start_execution(stateMachineArn=machine, input=json.dumps({"bad": i == 13, "i": i}))[
            "executionArn"
        ]
        for i in range(40)
    ]
    results = [_finish(sfn, arn) for arn in arns]
    assert (results[13]["status"], results[13]["error"]) == ("FAILED", "States.Runtime")
    assert "lone surrogate" in results[13]["cause"]
    assert [r["status"] for i, r in enumerate(results) if i != 13] == ["SUCCEEDED"] * 39
    # Nothing stuck after a restart either.
    server.terminate()
    server.start()
    sfn = stepfunctions_client(server.url)
    assert sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING")["executions"] == []


@pytest.mark.parametrize(
    "input_text,message",
    [
        ('{"a": NaN}', "NaN"),
        ('{"a": Infinity}', "Infinity"),
        ('{"a": 1e400}', "too large"),
        ("[" * 5000 + "]" * 5000, "nested more than 500"),
    ],
)
def test_non_json_input_is_refused_with_invalid_execution_input(shared, input_text, message):
    sfn = stepfunctions_client(shared.url)
    machine = _machine(sfn, "p", SIMPLE)  # idempotent: the same definition each time
    with pytest.raises(sfn.exceptions.InvalidExecutionInput, match=message):
        sfn.start_execution(stateMachineArn=machine, input=input_text)


def _aws(server, target: str, body: bytes | str) -> requests.Response:
    return requests.post(
        server.url + "/",
        data=body,
        timeout=10,
        headers={
            "X-Amz-Target": "AWSStepFunctions." + target,
            "Content-Type": "application/x-amz-json-1.0",
        },
    )


def test_hostile_requests_get_clear_json_errors(shared):
    server = shared
    sfn = stepfunctions_client(server.url)
    machine = _machine(sfn, "p", SIMPLE)
    deep = _aws(server, "ListStateMachines", '{"a":' * 10000 + "1" + "}" * 10000)
    assert (deep.status_code, deep.json()["__type"]) == (400, "SerializationException")
    nan = _aws(server, "ListStateMachines", '{"maxResults": NaN}')
    assert (nan.status_code, nan.json()["__type"]) == (400, "SerializationException")
    raw = _aws(server, "ListStateMachines", b'{"a": "\xff\xfe"}')
    assert (raw.status_code, raw.json()["__type"]) == (400, "SerializationException")
    name = _aws(
        server, "StartExecution", json.dumps({"stateMachineArn": machine, "name": "x\ud800"})
    )
    assert (name.status_code, name.json()["__type"]) == (400, "InvalidName")
    cause = _aws(
        server,
        "StopExecution",
        json.dumps(
            {
                "executionArn": machine.replace(":stateMachine:", ":execution:") + ":nope",
                "cause": "\udfff",
            }
        ),
    )
    assert (cause.status_code, cause.json()["__type"]) == (400, "ValidationException")
    assert "valid Unicode" in cause.json()["message"]
    # REST facade and console
    wait = requests.get(server.url + "/executions/p:nope?wait=NaN", timeout=5)
    assert (wait.status_code, wait.json()["error"]) == (400, "ValidationException")
    deep_rest = requests.post(
        server.url + "/executions",
        data="[" * 10000 + "]" * 10000,
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert deep_rest.status_code == 400 and deep_rest.headers["Content-Type"] == "application/json"


def _raw(server, request: bytes) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize(
    "request_bytes,status",
    [
        (b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-H%d: v\r\n" % i for i in range(200))
            + b"\r\n",
            431,
        ),
        (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
    ],
    ids=["uri-too-long", "too-many-headers", "malformed-header"],
)
def test_errors_before_the_app_are_json(shared, request_bytes, status):
    code, headers, body = _raw(shared, request_bytes)
    assert code == status and headers["Content-Type"] == "application/json"
    parsed = json.loads(body)
    assert parsed["__type"] == parsed["error"] and parsed["message"]


def test_the_console_refuses_cross_site_writes_and_foreign_hosts(shared):
    server = shared
    sfn = stepfunctions_client(server.url)
    machine = _machine(
        sfn, "w", {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
    )
    arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    stop = server.url + "/console/api/executions/" + arn + "/stop"
    plain = requests.post(stop, data="{}", headers={"Content-Type": "text/plain"}, timeout=5)
    assert (plain.status_code, plain.json()["error"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    foreign = requests.post(stop, json={}, headers={"Host": "evil.example:80"}, timeout=5)
    assert (foreign.status_code, foreign.json()["error"]) == (403, "FORBIDDEN_HOST")
    cross = requests.post(stop, json={}, headers={"Origin": "http://evil.example"}, timeout=5)
    assert (cross.status_code, cross.json()["error"]) == (403, "FORBIDDEN_ORIGIN")
    too_long = requests.post(stop, json={"cause": "x" * 40000}, timeout=5)
    assert (too_long.status_code, too_long.json()["error"]) == (400, "ValidationException")
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    ok = requests.post(stop, json={"cause": "by test"}, timeout=5)
    assert ok.status_code == 200
    assert sfn.describe_execution(executionArn=arn)["status"] == "ABORTED"


def test_long_polls_never_take_every_request_thread(shared):
    server = shared
    sfn = stepfunctions_client(server.url)
    machine = _machine(
        sfn, "w", {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
    )
    arn = sfn.start_execution(stateMachineArn=machine, name="held")["executionArn"]
    answers: list[int] = []
    lock = threading.Lock()

    def poll() -> None:
        response = requests.get(server.url + "/executions/w:held?wait=20", timeout=60)
        with lock:
            answers.append(response.status_code)

    pollers = [threading.Thread(target=poll) for _ in range(30)]
    for thread in pollers:
        thread.start()
    deadline = time.monotonic() + 20
    while len(answers) < 6 and time.monotonic() < deadline:  # the 6 over the 24 slots
        time.sleep(0.02)
    assert sorted(answers) == [429] * 6
    # Every slot is taken; the rest of the API still answers, before any poll returns.
    assert sfn.list_state_machines()["stateMachines"]
    assert requests.get(server.url + "/console/api/state-machines", timeout=5).status_code == 200
    assert len(answers) == 6
    sfn.stop_execution(executionArn=arn)
    for thread in pollers:
        thread.join(30)
    assert sorted(answers) == [200] * 24 + [429] * 6


def test_a_corrupt_journal_is_reported_at_start(orchestrator, tmp_path):
    server = orchestrator()
    sfn = stepfunctions_client(server.url)
    machine = _machine(sfn, "p", SIMPLE)
    for _ in range(60):  # enough pages that the middle of the file holds table rows
        sfn.start_execution(
            stateMachineArn=machine, input=json.dumps({"pad": "x" * 3000}), name=uuid.uuid4().hex
        )
    server.terminate()
    journal = tmp_path / "data" / "orchestrator.db"
    data = bytearray(journal.read_bytes())
    middle = len(data) // 2 // 4096 * 4096
    data[middle : middle + 1024] = b"\x00\xff" * 512  # scribble over a page of the tables
    journal.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="did not start"):
        server.start()
    assert "is corrupt" in server.log() and "restore a backup" in server.log()


class _CountingListener:
    """A loopback listener that counts the connections it accepts (and answers none)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def probed(tmp_path_factory):
    """A server whose allowlist admits one listener (allowed) and not another (denied)."""
    allowed, denied = _CountingListener(), _CountingListener()
    work = tmp_path_factory.mktemp("probed")
    config = work / "endpoints.json"
    config.write_text(
        json.dumps(
            {
                "allowlist": [f"127.0.0.1:{allowed.port}"],
                "connections": {"*": {"AuthorizationType": "NONE"}},
            }
        )
    )
    server = Orchestrator(work, {"ORCHESTRATOR_CONFIG": str(config)}).start()
    yield server, allowed, denied
    server.stop()
    allowed.close()
    denied.close()


@pytest.mark.parametrize(
    "url,error",
    [
        ("http://127.0.0.1:{denied}\\@127.0.0.1:{allowed}/x", "States.Runtime"),
        ("http://127.0.0.1:{allowed}@127.0.0.1:{denied}/", "States.Runtime"),
        ("http://[::ffff:127.0.0.1]:{denied}/", "States.Permissions"),
        ("http://localhost.:{denied}/", "States.Permissions"),
        ("http://127.0.0.1:{denied}/", "States.Permissions"),
    ],
    ids=["backslash-userinfo", "userinfo", "ipv4-mapped", "trailing-dot", "plain"],
)
def test_the_allowlist_holds_on_the_connected_address(probed, url, error):
    server, allowed, denied = probed
    sfn = stepfunctions_client(server.url)
    endpoint = url.format(allowed=allowed.port, denied=denied.port)
    name = "probe-" + uuid.uuid4().hex[:8]
    machine = _machine(
        sfn,
        name,
        {
            "StartAt": "Call",
            "States": {
                "Call": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::http:invoke",
                    "End": True,
                    "Parameters": {
                        "ApiEndpoint": endpoint,
                        "Method": "GET",
                        "Authentication": {
                            "ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/x/y"
                        },
                    },
                }
            },
        },
    )
    out = _run(sfn, machine)
    assert (out["status"], out["error"]) == ("FAILED", error), out
    # The call is over and refused before any connection: none can still be on its way.
    assert denied.accepted == 0
