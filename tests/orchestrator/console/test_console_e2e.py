"""The web console end to end: the real orchestrator server (``python -m orchestrator
serve``) on a free loopback port, driven by Playwright in Debian's headless Chromium.

No service is needed: the order flow's services point at a closed port (its Tasks fail,
are retried, and the failure is caught), ``console_demo`` calls a local HTTP server that
answers 503 twice before 200 (retried, then succeeded) and a Lambda stand-in that always
raises (retried, then caught), ``jsonata_vars`` assigns workflow variables and then fails
to evaluate a JSONata Output. A tiny time scale makes Waits and backoff take milliseconds.
The screenshots of the README (``docs/console-*.png``) are taken here, so they stay current.
"""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

from orchestrator.console.statuses import EXECUTION_STATUSES, LABELS, STATE_STATUSES
from tests.orchestrator.api.orchestrator_server import Orchestrator
from tests.support.browser import TIMEOUT_MS, VIEWPORT, open_page, shot
from tests.support.definitions import counting_loop
from tests.support.http import send_json
from tests.support.processes import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
ORDER_INPUT = {
    "user": {"name": "Ada", "email": "ada@example.com"},
    "items": [{"sku": "book", "quantity": 1, "unitPrice": 12.5}],
    "channel": "email",
}


class _RateHandler(BaseHTTPRequestHandler):
    """GET /rate: 503 for the first two calls of each execution name, then 200."""

    calls: dict = {}
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802 (http.server's naming)
        with self.lock:
            self.calls[self.path] = self.calls.get(self.path, 0) + 1
            count = self.calls[self.path]
        status, body = (503, {"error": "busy"}) if count <= 2 else (200, {"rate": 1.5})
        send_json(self, status, body)

    def log_message(self, *args):
        pass


# A Distributed Map: item 2 fails (tolerated), the others pass.
FAN_OUT = {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "Label": "Items",
            "ToleratedFailureCount": 1,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Check",
                "States": {
                    "Check": {
                        "Type": "Choice",
                        "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Broken"}],
                        "Default": "Fine",
                    },
                    "Broken": {"Type": "Fail", "Error": "ItemBroken"},
                    "Fine": {"Type": "Pass", "End": True},
                },
            },
            "End": True,
        }
    },
}


def hundred_states() -> dict:
    """100 states: a chain of Tasks and Passes with a Choice every 10 states and Catches."""
    states: dict = {}
    for i in range(100):
        name, nxt = f"Step{i:02d}", f"Step{i + 1:02d}"
        if i == 99:
            states[name] = {"Type": "Succeed"}
        elif i % 10 == 9:
            states[name] = {
                "Type": "Choice",
                "Default": nxt,
                "Choices": [
                    {
                        "Variable": "$.skip",
                        "BooleanEquals": True,
                        "Next": f"Step{min(i + 6, 99):02d}",
                    }
                ],
            }
        elif i % 10 == 4:
            states[name] = {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Echo",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": f"Step{i + 2:02d}"}],
                "Next": nxt,
            }
        else:
            states[name] = {"Type": "Pass", "Next": nxt}
    return {"StartAt": "Step00", "States": states}


# A nested workflow: starts the sleeper, naming itself in the child's input as AWS does.
STARTER = {
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


# 700 rounds of Pass and Choice: 1,401 state entries, more than a page shows.
LONG_LOOP = counting_loop(700)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    rate = ThreadingHTTPServer(("127.0.0.1", 0), _RateHandler)
    threading.Thread(target=rate.serve_forever, daemon=True).start()
    port = rate.server_address[1]
    closed = free_port()  # nothing listens there: the order flow's services are "down"
    work = tmp_path_factory.mktemp("console")
    orchestrator = Orchestrator(
        work,
        {
            "ORCHESTRATOR_TIME_SCALE": "0.01",
            "ORCHESTRATOR_ALLOWED_HOSTS": f"127.0.0.1:{port},127.0.0.1:{closed}",
            "ORCHESTRATOR_ENDPOINTS": ",".join(
                f"{host}=127.0.0.1:{closed}"
                for host in ("users:8001", "orders:8002", "notifications:8003")
            ),
            "ORCHESTRATOR_LAMBDAS": "Charge=python:tests.support.lambda_standins:raise_exception",
        },
    )
    demo = (HERE / "console_demo.asl.json").read_text().replace("__RATE_PORT__", str(port))
    (orchestrator.statemachines / "console_demo.asl.json").write_text(demo)
    shutil.copy(HERE / "sleeper.asl.json", orchestrator.statemachines)
    shutil.copy(HERE / "jsonata_vars.asl.json", orchestrator.statemachines)
    (orchestrator.statemachines / "hundred.asl.json").write_text(json.dumps(hundred_states()))
    (orchestrator.statemachines / "fanout.asl.json").write_text(json.dumps(FAN_OUT))
    (orchestrator.statemachines / "starter.asl.json").write_text(json.dumps(STARTER))
    (orchestrator.statemachines / "long_loop.asl.json").write_text(json.dumps(LONG_LOOP))
    order_flow = ROOT / "statemachines" / "order_flow.asl.json"
    if order_flow.exists():
        shutil.copy(order_flow, orchestrator.statemachines)
    orchestrator.start()
    yield orchestrator
    orchestrator.stop()
    rate.shutdown()


@pytest.fixture
def page(browser, server):
    yield from open_page(browser, server.url + "/")


def _status(page, state: str) -> str:
    classes = page.get_attribute(f"#execution-graph [data-state='{state}']", "class")
    return next(c[len("status-") :] for c in classes.split() if c.startswith("status-"))


def _start(page, machine: str, data: dict, name: str) -> None:
    page.goto(page.url.split("#")[0] + f"#/machines/{machine}")
    page.fill("#exec-input", json.dumps(data))
    page.fill("#exec-name", name)
    page.click("#start-btn")
    page.wait_for_selector("#execution-graph .node.state")


def _wait_status(page, status: str) -> None:
    page.wait_for_selector(f"#exec-status .status-{status.lower()}", timeout=TIMEOUT_MS)


def test_lists_machines_and_draws_the_order_flow(page):
    page.wait_for_selector("#machines")
    names = page.locator("#machines tbody tr td:first-child").all_inner_texts()
    assert {"order_flow", "console_demo", "sleeper"} <= set(names)
    assert "Order flow: create a user" in page.inner_text("#machines")

    page.click("text=order_flow")
    page.wait_for_selector("#machine-graph .node.state")
    definition = json.loads((ROOT / "statemachines" / "order_flow.asl.json").read_text())
    drawn = page.locator("#machine-graph .node.state").evaluate_all(
        "els => els.map(e => e.dataset.state)"
    )
    assert sorted(drawn) == sorted(definition["States"])
    catchers = sum(len(state.get("Catch", [])) for state in definition["States"].values())
    assert catchers >= 3
    assert page.locator("#machine-graph .edge-catch").count() == catchers  # dashed Catch edges
    assert page.locator("#machine-graph .type-start").count() == 1
    assert page.locator("#machine-graph .type-end").count() == 1
    assert page.inner_text("#diagnostics").find("no problems found") >= 0

    # Keyboard: focus a state, Enter shows its definition.
    node = page.locator("#machine-graph [data-state='PlaceOrder']")
    node.focus()
    page.keyboard.press("Enter")
    assert "http://orders:8002/orders" in page.inner_text("#state-definition")
    assert "selected" in node.get_attribute("class")

    # Zoom buttons change the view's transform.
    before = page.get_attribute("#machine-graph .viewport", "transform")
    page.click("#machine-graph button[aria-label='Zoom in']")
    assert page.get_attribute("#machine-graph .viewport", "transform") != before
    page.click("#machine-graph button[aria-label='Fit the graph to the view']")
    shot(page, "order-flow")


def test_a_hundred_states_are_drawn_and_zoomable(page):
    page.goto(page.url + "#/machines/hundred")
    page.wait_for_selector("#machine-graph .node.state")
    assert page.locator("#machine-graph .node.state").count() == 100
    assert page.locator("#machine-graph .edge-catch").count() == 10
    assert page.locator("#machine-graph .edge-choice").count() == 9

    # The first view keeps the text readable (scale >= 0.7); Fit shows everything.
    def scale() -> float:
        return float(
            page.get_attribute("#machine-graph .viewport", "transform").split("scale(")[1][:-1]
        )

    assert scale() >= 0.7
    page.click("#machine-graph button[aria-label='Fit the graph to the view']")
    fitted = scale()
    assert fitted < 0.7
    box = page.locator("#machine-graph .viewport").bounding_box()
    frame = page.locator("#machine-graph").bounding_box()
    assert box["height"] <= frame["height"] + 1 and box["width"] <= frame["width"] + 1
    # Wheel zooms in around the pointer; dragging the background pans.
    page.mouse.move(frame["x"] + 100, frame["y"] + 100)
    page.mouse.wheel(0, -400)
    zoomed = scale()
    assert zoomed > fitted * 1.5
    before = page.get_attribute("#machine-graph .viewport", "transform")
    x, y = frame["x"] + 40, frame["y"] + frame["height"] / 2  # background, left of the graph
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 100, y - 50, steps=5)
    page.mouse.up()
    page.wait_for_function(
        "before => document.querySelector('#machine-graph .viewport')"
        ".getAttribute('transform') !== before",
        arg=before,
    )
    assert scale() == zoomed


def test_diagnostics_point_at_the_offending_state(page):
    page.goto(page.url + "#/machines/console_demo")
    page.wait_for_selector("#machine-graph .node.state")
    page.click("text=Definition (ASL JSON)")
    definition = json.loads(page.input_value("#definition"))
    definition["States"]["ChargeLater"]["Next"] = "Nowhere"
    page.fill("#definition", json.dumps(definition, indent=2))
    page.click("#validate-btn")
    page.wait_for_selector("#diagnostics .diag-error")
    assert "Missing 'Next' target: Nowhere" in page.inner_text("#diagnostics")
    page.click("#diagnostics button:has-text('ChargeLater')")
    node = page.locator("#machine-graph [data-state='ChargeLater']")
    assert "flagged" in node.get_attribute("class")
    assert '"Nowhere"' in page.inner_text("#state-definition")


def test_json_input_is_validated_before_sending(page):
    page.goto(page.url + "#/machines/order_flow")
    page.wait_for_selector("#start-form")
    page.fill("#exec-input", '{"user": ')
    assert page.is_disabled("#start-btn")
    assert "Invalid JSON" in page.inner_text("#input-msg")
    assert page.get_attribute("#exec-input", "aria-invalid") == "true"
    page.fill("#exec-input", json.dumps(ORDER_INPUT))
    assert page.is_enabled("#start-btn")
    assert page.inner_text("#input-msg") == "Valid JSON"


def test_order_flow_with_services_down_is_retried_and_caught(page):
    _start(page, "order_flow", ORDER_INPUT, "services-down")
    _wait_status(page, "FAILED")
    assert _status(page, "CreateUser") == "caught"
    assert _status(page, "UserNotCreated") == "failed"
    assert _status(page, "PlaceOrder") == "not_reached"
    # Four retries of the socket error, shown on the node.
    assert page.text_content("#execution-graph [data-state='CreateUser'] .badge") == "↻ 4"
    page.click("#execution-graph [data-state='CreateUser']")
    details = page.inner_text("#state-details")
    assert "States.Http.Socket" in details
    assert page.locator("#attempts tbody tr").count() == 5


def test_demo_execution_states_details_history_and_timeline(page):
    _start(page, "console_demo", {"items": ["pen", "ink", "pad"]}, "demo-1")
    _wait_status(page, "SUCCEEDED")
    assert _status(page, "FetchRate") == "retried"
    assert _status(page, "Charge") == "caught"
    assert _status(page, "ChargeLater") == "succeeded"
    assert _status(page, "Rejected") == "not_reached"
    assert _status(page, "Price") == "succeeded"
    assert _status(page, "FanOut") == "succeeded"
    assert page.locator(".legend .status-retried").count() == 1
    assert page.locator(".legend .status-caught").count() == 1
    # The legend is the vocabulary the page received (GET /console/api/config).
    legend = page.locator(".legend li").all_inner_texts()
    assert legend[: len(STATE_STATUSES)] == [LABELS[status] for status in STATE_STATUSES]

    # A state's details: error, retries, pipeline.
    page.click("#execution-graph [data-state='Charge']")
    details = page.locator("#state-details")
    assert "Some exception was raised." in details.inner_text()
    assert page.locator("#attempts tbody tr").count() == 2
    shot(page, "execution")
    page.click("#execution-graph [data-state='FetchRate']")
    assert page.locator("#attempts tbody tr").count() == 3
    pipeline = page.inner_text("#pipeline")
    assert "Effective input" in pipeline and "Result" in pipeline and '"rate": 1.5' in pipeline
    assert "/rate" in pipeline  # the effective input: the request sent
    shot(page, "state-details", full_page=True)

    # Map iterations: one entry per item.
    page.click("#execution-graph [data-state='Price']")
    assert page.locator("#visit-select option").count() == 3

    # Timeline: one row per state entry, backoff gaps for the retries.
    assert page.locator("#timeline .tl-row").count() >= 12
    assert page.locator("#timeline .gap").count() == 3
    page.locator("#pane-timeline").scroll_into_view_if_needed()
    shot(page, "timeline", full_page=True)

    # History: a paged table.
    page.click("#tab-events")
    page.wait_for_selector("#events-table")
    page.select_option("#events-size", "10")
    page.wait_for_function("document.querySelectorAll('#events-table tbody tr').length === 10")
    first_ids = page.locator("#events-table tbody tr td:first-child").all_inner_texts()
    assert first_ids == [str(i) for i in range(1, 11)]
    page.click("#events-next")
    page.wait_for_function("document.querySelector('#events-table tbody td').textContent === '11'")
    assert page.inner_text("#events-page").startswith("Page 2 of ")
    page.click("#events-prev")
    page.wait_for_function("document.querySelector('#events-table tbody td').textContent === '1'")
    shot(page, "events", full_page=True)

    page.click("#tab-logs")
    page.wait_for_selector("#logs-empty, #logs-table")
    assert "logging is OFF" in page.inner_text("#pane-logs")


def test_jsonata_variables_and_evaluation_failure_in_state_details(page):
    _start(page, "jsonata_vars", {"name": "Ada", "items": ["pen", "ink"]}, "vars-1")
    _wait_status(page, "FAILED")
    assert _status(page, "Greet") == "succeeded"
    assert _status(page, "Broken") == "failed"

    # The variables Greet assigned, and its pipeline named for JSONata.
    page.click("#execution-graph [data-state='Greet']")
    page.wait_for_selector("#assigned-variables")
    rows = page.locator("#assigned-variables tbody tr")
    assert rows.count() == 2
    variables = dict(
        zip(rows.locator("th").all_inner_texts(), rows.locator("td").all_inner_texts())
    )
    assert variables == {"$greeting": '"Hello Ada"', "$itemCount": "2"}
    assert page.inner_text("#query-language") == "JSONata"
    labels = page.locator("#pipeline .step-label").all_inner_texts()
    assert [label.split(" ")[0] for label in labels] == ["State", "Output"]
    assert "Effective input" not in page.inner_text("#pipeline")
    assert page.locator("#evaluation-failed").count() == 0

    # Broken: the EvaluationFailed event, with the field it was about; no variables.
    page.click("#execution-graph [data-state='Broken']")
    page.wait_for_selector("#evaluation-failed")
    failure = page.inner_text("#evaluation-failed")
    assert "States.QueryEvaluationError" in failure
    assert page.locator("#evaluation-failed dd code").all_inner_texts() == [
        "Output",
        "States.QueryEvaluationError",
    ]
    assert "returned nothing (undefined)" in failure
    assert page.locator("#assigned-variables").count() == 0

    # A JSONPath state keeps the JSONPath step names.
    _start(page, "console_demo", {"items": ["pen"]}, "demo-jsonpath-names")
    _wait_status(page, "SUCCEEDED")
    page.click("#execution-graph [data-state='FetchRate']")
    assert page.inner_text("#query-language") == "JSONPath"
    assert "Effective input (parameters)" in page.inner_text("#pipeline")
    assert "State output" in page.inner_text("#pipeline")
    assert page.locator("#assigned-variables, #evaluation-failed").count() == 0


def test_live_updates_and_stop(page):
    _start(page, "sleeper", {}, "nap-1")
    _wait_status(page, "RUNNING")
    page.wait_for_function(
        "document.querySelector(\"#execution-graph [data-state='WaitAnHour']\").classList.contains('status-running')"
    )
    assert _status(page, "Start") == "succeeded"
    page.evaluate("window.__sameDocument = true")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#stop-btn")
    _wait_status(page, "ABORTED")
    assert page.evaluate("window.__sameDocument") is True  # updated in place, no reload
    assert _status(page, "WaitAnHour") == "aborted"
    assert page.is_hidden("#stop-btn")
    # An aborted execution can be redriven: it runs again from the Wait, in place.
    page.wait_for_selector("#redrive-btn", state="visible")
    page.click("#redrive-btn")
    _wait_status(page, "RUNNING")
    assert page.is_hidden("#redrive-btn")
    assert page.evaluate("window.__sameDocument") is True
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#stop-btn")
    _wait_status(page, "ABORTED")
    assert page.is_visible("#redrive-btn")  # aborted again: redrivable again


def test_executions_list_filter_and_paging(page):
    for i in range(3):
        _start(page, "console_demo", {"items": [i]}, f"page-{i}")
        _wait_status(page, "SUCCEEDED")
    page.goto(page.url.split("#")[0] + "#/machines/console_demo")
    page.wait_for_selector("#executions table")
    page.select_option("#page-size", "10")
    filters = page.locator("#status-filter option").evaluate_all("els => els.map(e => e.value)")
    assert filters == ["", *EXECUTION_STATUSES]
    page.select_option("#status-filter", "FAILED")
    page.wait_for_selector("#executions >> text=No executions with status FAILED")
    page.select_option("#status-filter", "SUCCEEDED")
    page.wait_for_selector("#executions table")
    assert page.locator("#executions tbody tr").count() >= 3
    # Paging: at most 10 a page; older ones behind "Older".
    for i in range(8):
        _start(page, "console_demo", {"items": [i]}, f"more-{i}")
    page.goto(page.url.split("#")[0] + "#/machines/console_demo")
    page.wait_for_selector("#executions table")
    assert page.locator("#executions tbody tr").count() == 10
    page.click("#exec-next")
    page.wait_for_function("document.querySelector('#exec-page').textContent === 'Page 2'")
    assert page.locator("#executions tbody tr").count() >= 1
    page.goto(page.url.split("#")[0] + "#/")
    page.wait_for_selector("#machines .status-succeeded")
    shot(page, "state-machines", clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": 330})


def test_a_nested_workflow_links_back_to_the_execution_that_started_it(page):
    _start(page, "starter", {}, "boss-1")
    _wait_status(page, "SUCCEEDED")
    child = page.evaluate(
        "fetch('/console/api/executions/' + location.hash.slice('#/executions/'.length))"
        ".then(r => r.json()).then(d => JSON.parse(d.execution.output).ExecutionArn)"
    )
    page.goto(page.url.split("#")[0] + "#/executions/" + quote(child, safe=""))
    page.wait_for_selector("#started-by")
    assert page.inner_text("#started-by") == "starter / boss-1"
    page.click("#started-by")
    page.wait_for_function("document.querySelector('h1')?.textContent === 'boss-1'")


def test_a_map_run_and_its_child_executions(page):
    page.goto(page.url + "#/machines/fanout")
    page.wait_for_selector("#exec-input")
    page.fill("#exec-input", "[1, 2, 3]")
    page.fill("#exec-name", "fan-1")
    page.click("#start-btn")
    _wait_status(page, "SUCCEEDED")
    page.wait_for_selector("#map-runs .map-run")
    card = page.inner_text("#map-runs")
    assert "Items" in card and "succeeded 2" in card and "failed 1" in card
    rows = page.locator("#map-runs .map-run-children tbody tr")
    assert rows.count() == 3
    statuses = sorted(
        page.locator("#map-runs .map-run-children tbody tr td:nth-child(2)").all_inner_texts()
    )
    assert [s.strip().upper() for s in statuses] == ["FAILED", "SUCCEEDED", "SUCCEEDED"]

    # A child execution: its own graph (the ItemProcessor), its Map Run, the way back.
    page.click("#map-runs .map-run-children tbody tr:first-child a")
    page.wait_for_selector("#parent-link")
    page.wait_for_selector("#execution-graph .node.state")
    drawn = page.locator("#execution-graph .node.state").evaluate_all(
        "els => els.map(e => e.dataset.state)"
    )
    assert sorted(drawn) == ["Broken", "Check", "Fine"]
    assert ":mapRun:fanout/Items:" in page.inner_text(".facts")
    assert page.locator("#map-runs").is_hidden()
    page.click("#parent-link")
    page.wait_for_selector("#map-runs .map-run")
    assert page.inner_text("h1") == "fan-1"


def test_a_long_execution_shows_its_newest_entries_and_every_state_colour(page):
    _start(page, "long_loop", {"n": 0}, "long-1")
    _wait_status(page, "SUCCEEDED")
    assert [_status(page, s) for s in ("Count", "More", "Done")] == ["succeeded"] * 3
    page.click("#tab-timeline")
    page.wait_for_selector("#timeline-newest")
    assert page.inner_text("#timeline-newest") == "Showing the newest 1000 of 1401 state entries."
    assert page.locator("#timeline .tl-row").count() == 1000
