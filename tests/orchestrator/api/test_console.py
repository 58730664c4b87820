"""The console's JSON endpoints over a real engine (fake Task resources, tiny time scale)."""

from __future__ import annotations

import json
import threading
from urllib.parse import quote

import pytest

from orchestrator.api import create_app
from orchestrator.asl.errors import StatesError
from orchestrator.engine import Engine, EngineConfig
from tests.support.definitions import counting_loop

ROLE = "arn:aws:iam::123456789012:role/r"
DEFINITION = {
    "StartAt": "Fetch",
    "States": {
        "Fetch": {
            "Type": "Task",
            "Resource": "arn:aws:states:::http:invoke",
            "Parameters": {"ApiEndpoint": "http://x/flaky", "Method": "GET"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3}],
            "Next": "Charge",
        },
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::http:invoke",
            "Parameters": {"ApiEndpoint": "http://x/broken", "Method": "GET"},
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Later"}],
            "Next": "Done",
        },
        "Later": {"Type": "Pass", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}
SLEEPER = {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 100000, "End": True}}}


class Invoker:
    """``/flaky`` fails twice then answers; anything else fails."""

    def __init__(self) -> None:
        self.flaky_calls = 0
        self.lock = threading.Lock()

    def __call__(self, invoke):
        if invoke.parameters.get("ApiEndpoint", "").endswith("/flaky"):
            with self.lock:
                self.flaky_calls += 1
                if self.flaky_calls <= 2:
                    raise StatesError("States.Http.StatusCode.503", "busy")
            return {"ResponseBody": {"rate": 2}}
        raise StatesError("States.Http.Socket", "connection refused")


@pytest.fixture
def console(tmp_path):
    engine = Engine(
        EngineConfig(
            db_path=str(tmp_path / "j.db"), time_scale=0.001, invoker=Invoker(), log_to_stdout=False
        )
    ).start()
    for name, definition, logging in (
        ("demo", DEFINITION, {"level": "ALL", "includeExecutionData": True}),
        ("sleeper", SLEEPER, None),
    ):
        request = {"name": name, "definition": json.dumps(definition), "roleArn": ROLE}
        if logging:
            request["loggingConfiguration"] = logging
        engine.create_state_machine(request)
    app = create_app(engine, {"STATEMACHINES_DIR": ""})
    yield engine, app.test_client()
    engine.close()


def _start(client, machine, body):
    response = client.post(f"/console/api/state-machines/{machine}/executions", json=body)
    assert response.status_code == 201, response.json
    return response.json["executionArn"]


def test_app_and_assets_are_served(console):
    _, client = console
    page = client.get("/")
    assert page.status_code == 200 and b"/console/vendor/elk.js" in page.data
    for path in ("/console/static/app.js", "/console/static/graph.js", "/console/static/app.css"):
        assert client.get(path).status_code == 200, path
    elk = client.get("/console/vendor/elk.js")
    assert elk.status_code == 200, "run `make console` (npm ci in orchestrator/console)"
    assert b"ELK" in elk.data[:20000]


def test_machines_list_and_detail(console):
    _, client = console
    machines = client.get("/console/api/state-machines").json["stateMachines"]
    assert [m["name"] for m in machines] == ["demo", "sleeper"]
    assert machines[0]["latestExecution"] is None
    detail = client.get("/console/api/state-machines/demo").json
    assert detail["result"] == "OK" and detail["diagnostics"] == []
    assert {n["name"] for n in detail["graph"]["nodes"]} >= {"Fetch", "Charge", "Later", "Done"}
    assert isinstance(detail["creationDate"], float)  # epoch milliseconds
    missing = client.get("/console/api/state-machines/nope")
    assert (missing.status_code, missing.json["error"]) == (404, "StateMachineDoesNotExist")


def test_validate_points_at_the_offending_state(console):
    _, client = console
    text = json.dumps(
        {
            "StartAt": "A",
            "States": {
                "A": {
                    "Type": "Parallel",
                    "Branches": [
                        {"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "Nowhere"}}}
                    ],
                    "End": True,
                }
            },
        }
    )
    view = client.post("/console/api/validate", json={"definition": text}).json
    assert view["result"] == "FAIL"
    assert ("MISSING_TRANSITION_TARGET", "B") in {
        (d["code"], d["state"]) for d in view["diagnostics"]
    }
    assert view["graph"] is not None
    broken = client.post("/console/api/validate", json={"definition": "{nope"}).json
    assert broken["result"] == "FAIL" and broken["graph"] is None


def test_execution_detail_summary_history_and_logs(console):
    engine, client = console
    arn = _start(client, "demo", {"input": '{"order": 1}', "name": "first"})
    engine.wait_for(arn, 30)
    detail = client.get("/console/api/executions/" + quote(arn, safe="")).json
    assert detail["execution"]["status"] == "SUCCEEDED"
    states = detail["summary"]["states"]
    assert {n: states[n]["status"] for n in states} == {
        "Fetch": "retried",
        "Charge": "caught",
        "Later": "succeeded",
        "Done": "succeeded",
    }
    assert states["Fetch"]["retries"] == 2
    fetch = [v for v in detail["summary"]["visits"] if v["name"] == "Fetch"][0]
    assert [a["status"] for a in fetch["attempts"]] == ["failed", "failed", "succeeded"]
    assert fetch["attempts"][1]["backoffMs"] is not None

    first = client.get(f"/console/api/executions/{arn}/history?pageSize=5").json
    assert [e["id"] for e in first["events"]] == [1, 2, 3, 4, 5]
    second = client.get(
        f"/console/api/executions/{arn}/history?pageSize=5&nextToken={quote(first['nextToken'])}"
    ).json
    assert [e["id"] for e in second["events"]] == [6, 7, 8, 9, 10]
    newest = client.get(f"/console/api/executions/{arn}/history?pageSize=1&reverse=true").json
    assert newest["events"][0]["type"] == "ExecutionSucceeded"

    logs = client.get(f"/console/api/executions/{arn}/logs").json
    assert logs["loggingConfiguration"]["level"] == "ALL"
    assert logs["records"][0]["type"] == "ExecutionStarted"
    assert len(logs["records"]) == detail["eventCount"]

    machine = client.get("/console/api/state-machines/demo").json
    assert json.loads(machine["latestInput"]) == {"order": 1}


def test_executions_filter_paging_and_stop(console):
    engine, client = console
    done = [_start(client, "sleeper", {"input": "{}"}) for _ in range(3)]
    for arn in done[:2]:
        assert client.post(f"/console/api/executions/{arn}/stop", json={}).status_code == 200
    page = client.get("/console/api/state-machines/sleeper/executions?pageSize=2").json
    assert len(page["executions"]) == 2 and page["nextToken"]
    rest = client.get(
        "/console/api/state-machines/sleeper/executions?pageSize=2&nextToken="
        + quote(page["nextToken"])
    ).json
    assert len(rest["executions"]) == 1 and "nextToken" not in rest
    running = client.get("/console/api/state-machines/sleeper/executions?status=RUNNING").json
    assert [e["executionArn"] for e in running["executions"]] == [done[2]]
    aborted = client.get("/console/api/executions/" + done[0]).json
    assert aborted["execution"]["status"] == "ABORTED"
    assert aborted["summary"]["states"]["Nap"]["status"] == "aborted"
    live = client.get("/console/api/executions/" + done[2]).json
    assert live["summary"]["states"]["Nap"]["status"] == "running"
    client.post(f"/console/api/executions/{done[2]}/stop", json={})


@pytest.mark.parametrize(
    "body,code",
    [
        ({"input": "{not json"}, "InvalidExecutionInput"),
        ({"input": "{}", "name": "bad name"}, "InvalidName"),
    ],
)
def test_start_errors(console, body, code):
    _, client = console
    response = client.post("/console/api/state-machines/demo/executions", json=body)
    assert (response.status_code, response.json["error"]) == (400, code)


def test_unknown_execution_is_404(console):
    _, client = console
    arn = "arn:aws:states:us-east-1:123456789012:execution:demo:nope"
    response = client.get("/console/api/executions/" + arn)
    assert (response.status_code, response.json["error"]) == (404, "ExecutionDoesNotExist")


def test_config_hands_the_page_its_status_vocabulary(client):
    from orchestrator.console.statuses import vocabulary

    response = client.get("/console/api/config")
    assert response.status_code == 200 and response.json == vocabulary()
    assert response.json["stateStatuses"][0] == "succeeded"


def test_a_nested_workflow_links_to_the_execution_that_started_it(console):
    engine, client = console
    parent = {
        "StartAt": "Child",
        "States": {
            "Child": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution",
                "Parameters": {
                    "StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:sleeper",
                    "Input": {"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"},
                },
                "End": True,
            }
        },
    }
    engine.create_state_machine(
        {"name": "starter", "definition": json.dumps(parent), "roleArn": ROLE}
    )
    arn = _start(client, "starter", {"name": "boss"})
    child = json.loads(engine.wait_for(arn, 30)["output"])["ExecutionArn"]
    detail = client.get("/console/api/executions/" + quote(child, safe="")).json
    assert detail["startedBy"] == {
        "executionArn": arn,
        "name": "boss",
        "stateMachineName": "starter",
    }
    parent_detail = client.get("/console/api/executions/" + quote(arn, safe="")).json
    assert "startedBy" not in parent_detail


LOOP = counting_loop(700)


def count_history_reads(engine, monkeypatch) -> list[int]:
    """How many events each of the console's history reads returned, in a list."""
    read: list[int] = []
    history_after = engine.history_after

    def counting(execution_arn, after, limit=1000):
        events = history_after(execution_arn, after, limit)
        read.append(len(events))
        return events

    monkeypatch.setattr(engine, "history_after", counting)
    return read


def test_the_execution_view_reads_each_event_once_and_shows_the_newest_visits(console, monkeypatch):
    """Polling the view of a long execution reads only what is new since the last poll
    (nothing, once it ended), and a page carries the newest 1,000 state entries, while
    each state's figures count every one."""
    engine, client = console
    engine.create_state_machine({"name": "loop", "definition": json.dumps(LOOP), "roleArn": ROLE})
    arn = _start(client, "loop", {"input": '{"n": 0}'})
    assert engine.wait_for(arn, 30)["status"] == "SUCCEEDED"
    read = count_history_reads(engine, monkeypatch)
    view = client.get(f"/console/api/executions/{quote(arn, safe='')}").json
    total = view["eventCount"]
    assert sum(read) == total > 2800
    summary = view["summary"]
    assert summary["visitCount"] == 1401 and len(summary["visits"]) == 1000
    assert summary["visits"][-1]["name"] == "Done"
    counts = {name: len(state["visits"]) for name, state in summary["states"].items()}
    assert counts == {"Count": 700, "More": 700, "Done": 1}
    assert summary["states"]["Count"]["status"] == "succeeded"
    read.clear()
    again = client.get(f"/console/api/executions/{quote(arn, safe='')}").json
    assert sum(read) == 0 and again == view  # nothing new: nothing read, the same page


def test_a_polled_running_execution_is_summarized_as_it_goes(console):
    engine, client = console
    arn = _start(client, "sleeper", {"input": "{}"})
    path = f"/console/api/executions/{quote(arn, safe='')}"
    running = client.get(path).json
    assert running["summary"]["status"] == "RUNNING"
    client.post(f"{path}/stop", json={"error": "Enough"})
    stopped = client.get(path).json
    fresh = create_app(engine, {"STATEMACHINES_DIR": ""}).test_client().get(path).json
    # Summarized in two parts, it is what one summary of the whole history says.
    assert stopped["summary"] == fresh["summary"] and stopped["summary"]["status"] == "ABORTED"


def test_a_25000_event_execution_view_reads_each_event_once(console, monkeypatch):
    """At AWS's history limit: the first view reads the 24,900 events once, a poll reads
    none, and the page holds the newest 1,000 of its 12,449 state entries."""
    engine, client = console
    engine.create_state_machine(
        {"name": "long", "definition": json.dumps(counting_loop(6224)), "roleArn": ROLE}
    )
    arn = _start(client, "long", {"input": '{"n": 0}'})
    assert engine.wait_for(arn, 60)["status"] == "SUCCEEDED"
    read = count_history_reads(engine, monkeypatch)
    path = f"/console/api/executions/{quote(arn, safe='')}"
    view = client.get(path)
    assert sum(read) == view.json["eventCount"] == 24_900
    summary = view.json["summary"]
    assert (summary["visitCount"], len(summary["visits"])) == (12_449, 1000)
    assert len(view.data) < 2_000_000  # the whole summary would be about 12 MB
    read.clear()
    assert client.get(path).json == view.json and sum(read) == 0
