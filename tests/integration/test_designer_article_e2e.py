"""The article's path in the console's designer, end to end: from a blank canvas, build the
order flow by drag and drop and the inspector alone (CreateUser, PlaceOrder and
SendNotification as HTTP Tasks to the three real services, each with a Retry; PlaceOrder with
a Catch to a notify-and-fail fallback), save it, start it with an input, watch it succeed,
find the user, order and notification in the services, and read the definition back with
boto3. Real processes on loopback: the three services, the orchestrator, Debian's Chromium.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from tests.orchestrator.api.orchestrator_server import Orchestrator
from tests.support.aws import stepfunctions_client
from tests.support.browser import browser, open_page, shot  # noqa: F401 (browser: a fixture)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

IDEMPOTENCY = "States.Format('{}-%s', $$.Execution.Name)"


@pytest.fixture(scope="module")
def orchestrator(stack, tmp_path_factory):
    work = tmp_path_factory.mktemp("designer-article")
    stack.write_endpoint_map(work / "endpoints.json")
    running = Orchestrator(
        work,
        {"ORCHESTRATOR_CONFIG": str(work / "endpoints.json"), "ORCHESTRATOR_TIME_SCALE": "0.01"},
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture
def page(browser, orchestrator):  # noqa: F811
    yield from open_page(browser, orchestrator.url + "/#/create")


def _parameters(host: str, path: str, step: str, body: dict) -> dict:
    return {
        "ApiEndpoint": f"http://{host}{path}",
        "Method": "POST",
        "Authentication": {
            "ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/"
            "local-services/00000000-0000-0000-0000-000000000000"
        },
        "Headers": {"Idempotency-Key.$": IDEMPOTENCY % step, "Content-Type": "application/json"},
        "RequestBody": body,
    }


def _state(page, name: str):
    return page.locator(f"#designer-graph .node.state[data-state='{name}']")


def _field(page, field: str):
    return page.locator(f"#inspector [data-field='{field}']")


def _drop(page, palette_id: str, target) -> None:
    page.locator(f"#palette [data-palette='{palette_id}']").drag_to(target)


def _insert_button(page, source: str, target: str):
    return page.locator(
        f"#designer-graph .insert[aria-label='Insert a state between {source} and {target}']"
    )


def _rename(page, old: str, new: str) -> None:
    _state(page, old).click()
    name = _field(page, "Name")
    name.fill(new)
    name.press("Enter")
    _state(page, new).wait_for()


def _configure(page, name: str, parameters: dict, selector: dict, result_path: str) -> None:
    _state(page, name).click()
    page.wait_for_function(
        "n => document.querySelector(\"#inspector [data-field='Name']\")?.value === n", arg=name
    )
    _field(page, "Parameters").fill(json.dumps(parameters, indent=2))
    _field(page, "ResultSelector").fill(json.dumps(selector))
    _field(page, "ResultPath").fill(result_path)


def _definition(page) -> dict:
    """The designer's text as its draft in the browser's storage holds it (the code view
    draws only the lines on screen)."""
    draft = page.evaluate("localStorage.getItem('console.designer.draft:(new)')")
    return json.loads(json.loads(draft)["text"])


def test_build_the_order_flow_by_drag_and_drop_save_run_and_read_back(page, orchestrator, stack):
    page.select_option("#template", "blank")
    page.wait_for_selector("#validation-result")
    canvas = page.locator("#designer-graph svg")
    # The blank template's one state, deleted with the keyboard: an empty canvas.
    page.wait_for_selector("#designer-graph .node.state")
    (only,) = page.locator("#designer-graph .node.state").evaluate_all(
        "els => els.map(e => e.dataset.state)"
    )
    _state(page, only).focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Delete")
    page.wait_for_function("() => !document.querySelector('#designer-graph .node.state')")

    # 1. The user service's HTTP Task onto the empty canvas: it becomes the StartAt.
    _drop(page, "http-users-8001", canvas)
    _state(page, "HTTPUsers8001").wait_for()
    _rename(page, "HTTPUsers8001", "CreateUser")
    _configure(
        page,
        "CreateUser",
        _parameters(
            "users:8001",
            "/users",
            "create-user",
            {"name.$": "$.user.name", "email.$": "$.user.email"},
        ),
        {"userId.$": "$.ResponseBody.userId"},
        "$.user",
    )
    _field(page, "Retry/0/MaxAttempts").fill("4")

    # 2. The orders Task onto the arrow CreateUser -> End: wired in between.
    _drop(page, "http-orders-8002", _insert_button(page, "CreateUser", "End"))
    _state(page, "HTTPOrders8002").wait_for()
    _rename(page, "HTTPOrders8002", "PlaceOrder")
    _configure(
        page,
        "PlaceOrder",
        _parameters(
            "orders:8002",
            "/orders",
            "place-order",
            {"userId.$": "$.user.userId", "items.$": "$.items"},
        ),
        {"orderId.$": "$.ResponseBody.orderId", "total.$": "$.ResponseBody.total"},
        "$.order",
    )

    # 3. The notifications Task after PlaceOrder.
    _drop(page, "http-notifications-8003", _insert_button(page, "PlaceOrder", "End"))
    _state(page, "HTTPNotifications8003").wait_for()
    _rename(page, "HTTPNotifications8003", "SendNotification")
    _configure(
        page,
        "SendNotification",
        _parameters(
            "notifications:8003",
            "/notifications",
            "send-notification",
            {
                "userId.$": "$.user.userId",
                "orderId.$": "$.order.orderId",
                "channel": "email",
                "message.$": "States.Format('Your order {} is confirmed', $.order.orderId)",
            },
        ),
        {"notificationId.$": "$.ResponseBody.notificationId"},
        "$.notification",
    )

    # 4. The fallback: a notification Task dropped on empty canvas (unconnected), then a Fail
    # dropped on its arrow to the end.
    box = canvas.bounding_box()
    page.locator("#palette [data-palette='http-notifications-8003']").drag_to(
        canvas, target_position={"x": 12, "y": box["height"] - 12}
    )
    _state(page, "HTTPNotifications8003").wait_for()
    _rename(page, "HTTPNotifications8003", "NotifyOrderFailed")
    _configure(
        page,
        "NotifyOrderFailed",
        _parameters(
            "notifications:8003",
            "/notifications",
            "notify-order-failed",
            {"userId.$": "$.user.userId", "channel": "email", "message": "Your order failed"},
        ),
        {"notificationId.$": "$.ResponseBody.notificationId"},
        "$.notifyFailure",
    )
    _drop(page, "fail", _insert_button(page, "NotifyOrderFailed", "End"))
    _state(page, "Fail").wait_for()
    _rename(page, "Fail", "OrderNotPlaced")
    _field(page, "Error").fill("OrderNotPlaced")
    _field(page, "Cause").fill("PlaceOrder failed after its retries")

    # 5. PlaceOrder's Catch -> the fallback, from the inspector.
    _state(page, "PlaceOrder").click()
    page.click("#inspector [data-key='Catch:add']")
    _field(page, "Catch/0/Next").select_option("NotifyOrderFailed")
    _field(page, "Catch/0/ResultPath").fill("$.error")

    page.wait_for_function(
        "() => document.querySelector('#designer-diagnostics')?.textContent"
        ".includes('no problems found')"
    )
    built = _definition(page)
    assert built["StartAt"] == "CreateUser"
    states = built["States"]
    assert states["CreateUser"]["Next"] == "PlaceOrder"
    assert states["PlaceOrder"]["Next"] == "SendNotification"
    assert states["SendNotification"]["End"] is True
    assert states["NotifyOrderFailed"]["Next"] == "OrderNotPlaced"
    assert states["OrderNotPlaced"] == {
        "Type": "Fail",
        "Error": "OrderNotPlaced",
        "Cause": "PlaceOrder failed after its retries",
    }
    assert states["PlaceOrder"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "Next": "NotifyOrderFailed", "ResultPath": "$.error"}
    ]
    assert states["CreateUser"]["Retry"][0]["MaxAttempts"] == 4
    assert all(states[n]["Retry"] for n in ("CreateUser", "PlaceOrder", "SendNotification"))
    drawn = page.locator("#designer-graph .node.state").evaluate_all(
        "els => els.map(e => e.dataset.state)"
    )
    assert sorted(drawn) == sorted(states)  # the canvas shows what the definition holds
    shot(page, "designer-article", full_page=True)

    # 6. Save, start with an input, watch it succeed.
    page.fill("#machine-name", "article-flow")
    page.click("#save-btn")
    page.wait_for_selector("#save-msg.ok")
    page.click("#designer-start")
    tag = uuid.uuid4().hex[:8]
    data = {"user": {"name": f"Ada {tag}", "email": f"ada-{tag}@example.com"}}
    data["items"] = [{"sku": "BOOK-1", "quantity": 1, "unitPrice": 10}]
    page.fill("#exec-input", json.dumps(data))
    page.click("#start-btn")
    page.wait_for_selector("#exec-status .status-succeeded")

    # 7. The services hold what the workflow made; boto3 reads the same definition back.
    sfn = stepfunctions_client(orchestrator.url)
    arn = next(
        m["stateMachineArn"]
        for m in sfn.list_state_machines()["stateMachines"]
        if m["name"] == "article-flow"
    )
    (execution,) = sfn.list_executions(stateMachineArn=arn)["executions"]
    output = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["output"])
    user = requests.get(stack.users.url + "/users/" + output["user"]["userId"], timeout=5)
    assert user.status_code == 200 and user.json()["email"] == data["user"]["email"]
    order = requests.get(stack.orders.url + "/orders/" + output["order"]["orderId"], timeout=5)
    assert order.status_code == 200 and order.json()["userId"] == output["user"]["userId"]
    notification = requests.get(
        stack.notifications.url + "/notifications/" + output["notification"]["notificationId"],
        timeout=5,
    )
    assert notification.status_code == 200
    assert notification.json()["orderId"] == output["order"]["orderId"]
    described = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
    assert described == built
    check = sfn.validate_state_machine_definition(definition=json.dumps(described))
    assert check["result"] == "OK"
