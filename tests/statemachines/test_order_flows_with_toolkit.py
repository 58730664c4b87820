"""The three shipped order workflows tested with :mod:`orchestrator.testing` (the ``sfn``
fixture), as a team would test its own: every path, on mocked Tasks, on the virtual clock
(the retries' backoff takes no time). Their path coverage is printed at the end of the run."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORDER = {
    "user": {"name": "Ada", "email": "ada@example.com"},
    "items": [{"sku": "book", "quantity": 1, "unitPrice": 12.5}],
    "channel": "email",
}
FLOWS = ["order_flow", "order_flow_jsonata", "order_flow_lambda"]


def answers(flow: str, **fields) -> dict:
    """A service's answer as the flow's Task resource returns it."""
    key = "Payload" if flow == "order_flow_lambda" else "ResponseBody"
    return {key: fields, "StatusCode": 201}


def busy(flow: str):
    from orchestrator.testing import Throw

    name = "Http.StatusCode.503" if flow == "order_flow_lambda" else "States.Http.StatusCode.503"
    return Throw(name, "busy")


def mocks(flow: str, **overrides) -> dict:
    base = {
        "CreateUser": answers(flow, userId="u-1"),
        "PlaceOrder": answers(flow, orderId="o-1", total=12.5, status="PLACED"),
        "SendNotification": answers(flow, notificationId="n-1"),
        "NotifyOrderFailed": answers(flow, notificationId="n-2"),
    }
    base.update(overrides)
    return base


def run(sfn, flow: str, **overrides):
    return sfn.run_workflow(
        ROOT / "statemachines" / f"{flow}.asl.json", ORDER, mocks=mocks(flow, **overrides)
    )


@pytest.mark.parametrize("flow", FLOWS)
def test_the_happy_path(sfn, flow):
    result = run(sfn, flow)
    assert result.status == "SUCCEEDED"
    assert result.states == ["CreateUser", "PlaceOrder", "SendNotification", "OrderCompleted"]
    assert result.output["orderId"] == "o-1" and result.output["userId"] == "u-1"
    assert result.state("CreateUser").input == ORDER


@pytest.mark.parametrize("flow", FLOWS)
def test_a_busy_service_is_retried(sfn, flow):
    result = run(sfn, flow, CreateUser=[busy(flow), busy(flow), answers(flow, userId="u-3")])
    assert result.status == "SUCCEEDED" and result.retries("CreateUser") == 2
    assert result.output["userId"] == "u-3"


@pytest.mark.parametrize("flow", FLOWS)
def test_retries_exhausted_reach_the_fallbacks(sfn, flow):
    no_user = run(sfn, flow, CreateUser=busy(flow))
    assert no_user.status == "FAILED" and no_user.states[-1] == "UserNotCreated"
    assert no_user.retries("CreateUser") >= 3

    from orchestrator.testing import Throw

    rejected = run(sfn, flow, PlaceOrder=Throw("OrderRejected", "out of stock"))
    assert rejected.status == "FAILED" and rejected.error == "OrderNotPlaced"
    assert rejected.states[-2:] == ["NotifyOrderFailed", "OrderNotPlaced"]

    deferred = run(sfn, flow, SendNotification=busy(flow))
    assert deferred.status == "SUCCEEDED" and deferred.states[-1] == "DeferNotification"


def test_a_callable_mock_sees_the_tasks_parameters(sfn):
    seen = []

    def place(parameters):
        seen.append(parameters)
        return answers("order_flow", orderId="o-9", total=1, status="PLACED")

    result = run(sfn, "order_flow", PlaceOrder=place)
    assert result.status == "SUCCEEDED" and seen[0]["RequestBody"]["userId"] == "u-1"


def test_a_task_without_a_mock_is_a_clear_error(sfn):
    from orchestrator.testing import UnmockedTask

    with pytest.raises(UnmockedTask, match="CreateUser"):
        sfn.run_workflow(ROOT / "statemachines" / "order_flow.asl.json", ORDER, mocks={})


def test_a_step_functions_local_mock_config_drives_it(sfn):
    result = sfn.run_workflow(
        ROOT / "statemachines" / "order_flow.asl.json",
        ORDER,
        mock_config=ROOT / "statemachines" / "MockConfigFile.json",
        test_case="UsersFlaky",
    )
    assert result.status == "SUCCEEDED" and result.retries("CreateUser") == 2


@pytest.mark.parametrize("flow", FLOWS)
def test_the_remaining_paths(sfn, flow):
    """What the coverage report showed no test reaching: a retried order, and a failed
    order whose failure notice fails too."""
    placed = answers(flow, orderId="o-4", total=12.5, status="PLACED")
    retried = run(sfn, flow, PlaceOrder=[busy(flow), placed])
    assert retried.status == "SUCCEEDED" and retried.retries("PlaceOrder") == 1

    from orchestrator.testing import Throw

    silent = run(sfn, flow, PlaceOrder=Throw("OrderRejected"), NotifyOrderFailed=busy(flow))
    assert silent.status == "FAILED" and silent.error == "OrderNotPlaced"
    assert silent.retries("NotifyOrderFailed") >= 1
