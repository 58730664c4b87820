"""``python -m orchestrator run`` against the real services: the same Task resources as the
server, in-process, in a real subprocess.

It runs one execution in-process and prints its output (exit code non-zero on failure, with
Error and Cause on stderr): README.md, "Without the server".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
import requests

from tests.orchestrator.api.orchestrator_server import ROOT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cli_env(stack, tmp_path_factory):
    work = tmp_path_factory.mktemp("cli")
    stack.write_endpoint_map(work / "endpoints.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRATOR_")}
    # Real time, scaled: the retry backoff of 1 s, 2 s ... takes hundredths of a second.
    env.update(ORCHESTRATOR_CONFIG=str(work / "endpoints.json"), ORCHESTRATOR_TIME_SCALE="0.01")
    return env


def run_cli(env: dict, flow: str, data: dict, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestrator",
            "run",
            str(ROOT / "statemachines" / f"{flow}.asl.json"),
            "--input",
            json.dumps(data),
            *extra,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def order_input() -> dict:
    tag = uuid.uuid4().hex[:10]
    return {
        "user": {"name": f"Cli {tag}", "email": f"cli-{tag}@example.com"},
        "items": [{"sku": "PEN-1", "quantity": 4, "unitPrice": 1.25}],
        "channel": "email",
    }


@pytest.mark.parametrize("flow", ["order_flow", "order_flow_lambda"])
def test_cli_runs_the_order_flow_and_rides_out_retries(services, cli_env, flow):
    requests.post(
        services.orders.url + "/chaos", json={"count": 2, "status": 503}, timeout=5
    ).raise_for_status()
    done = run_cli(cli_env, flow, order_input(), "--history")
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert output["total"] == 5.0 and output["notificationId"]
    events = [json.loads(line) for line in done.stderr.splitlines()]
    # The HTTP Task says States.Http.StatusCode.503; a mapped Lambda function, Http.StatusCode.503.
    errors = [e["taskFailedEventDetails"]["error"] for e in events if e["type"] == "TaskFailed"]
    assert len(errors) == 2 and all(e.endswith("Http.StatusCode.503") for e in errors), errors
    orders = requests.get(
        services.orders.url + "/orders", params={"userId": output["userId"]}, timeout=5
    ).json()["orders"]
    assert [o["orderId"] for o in orders] == [output["orderId"]]


def test_cli_reports_the_fallback_failure_on_stderr(services, cli_env):
    requests.post(
        services.orders.url + "/chaos", json={"count": 5, "status": 503}, timeout=5
    ).raise_for_status()
    done = run_cli(cli_env, "order_flow", order_input())
    assert done.returncode == 1 and done.stdout == ""
    assert "Error: OrderNotPlaced" in done.stderr
    assert "Cause: PlaceOrder failed" in done.stderr and "States.Http.StatusCode.503" in done.stderr
