"""The JSONata order flow behaves as the JSONPath one (same fakes, same scenarios).

``statemachines/order_flow_jsonata.asl.json`` is ``order_flow.asl.json`` rewritten with
``Arguments``/``Output`` and workflow variables; each scenario runs both and compares the
output, the calls each service received and the state path.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from orchestrator.asl.model import parse


def _flows_module():
    # The JSONPath flow's fakes and runner live beside this file (a folder without
    # __init__.py, so load it by path whatever pytest's import mode).
    path = Path(__file__).with_name("test_order_flows.py")
    spec = importlib.util.spec_from_file_location("_order_flows_fakes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_flows = _flows_module()
INPUT, ROOT, FakeServices, _run = _flows.INPUT, _flows.ROOT, _flows.FakeServices, _flows._run

SCENARIOS = {
    "happy path": ({}, INPUT),
    "transient failures retried": ({"users": 2, "orders": 3}, INPUT),
    "notification deferred": ({"notifications": 99}, INPUT),
    "user rejected": ({}, {**INPUT, "user": {"name": "B", "email": "taken@example.com"}}),
    "orders down": ({"orders": 99}, INPUT),
}


def _states(result) -> list[str]:
    return [
        e["stateEnteredEventDetails"]["name"]
        for e in result.history
        if e["type"].endswith("StateEntered")
    ]


@pytest.mark.parametrize("failures, data", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_jsonata_flow_behaves_as_the_jsonpath_flow(failures, data):
    path_services, jsonata_services = FakeServices(failures), FakeServices(failures)
    expected = _run("order_flow", path_services, data)
    result = _run("order_flow_jsonata", jsonata_services, data)
    assert (result.status, result.error) == (expected.status, expected.error)
    assert result.output == expected.output
    assert _states(result) == _states(expected)
    assert {k: len(v) for k, v in jsonata_services.calls.items()} == {
        k: len(v) for k, v in path_services.calls.items()
    }


def test_deferred_output_shape():
    result = _run("order_flow_jsonata", FakeServices({"notifications": 99}))
    assert result.output["notification"]["status"] == "DEFERRED"
    assert "notificationId" not in result.output
    assert result.output["notification"]["error"] == "States.Http.StatusCode.503"


def test_requests_carry_one_idempotency_key_per_step_and_execution():
    services = FakeServices({"users": 1})
    _run("order_flow_jsonata", services, name="exec-7")
    assert services.calls["users"] == ["exec-7-create-user"] * 2
    assert services.calls["orders"] == ["exec-7-place-order"]


def test_the_definition_is_jsonata_throughout():
    definition = json.loads((ROOT / "order_flow_jsonata.asl.json").read_text())
    machine = parse(definition)
    assert machine.query_language == "JSONata"
    assert {s.query_language for s in machine.program.states.values()} == {"JSONata"}
