"""``kill -9`` of the orchestrator with 100 order flows in flight, then a restart.

Every execution in flight finishes with exactly one order each (counted in the orders
service): in-flight executions resume from their last recorded event and no completed Task
is re-run as a new effect, thanks to idempotency keys (docs/architecture.md, "Durability").

Chaos delays the next 100 ``POST /orders`` by 300 ms each, so PlaceOrder calls are still
open when the orchestrator's whole process group is killed; some of them complete in the
orders service after the caller died. The restarted orchestrator (same data directory)
replays its journal and calls again with the same ``Idempotency-Key``.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.orchestrator.api.orchestrator_server import ROOT, Orchestrator
from tests.support.aws import stepfunctions_client
from tests.support.processes import kill_group

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EXECUTIONS = 100
DEADLINE_S = 45  # for the restarted orchestrator to finish all of them


def _endpoints(stack, path) -> str:
    return str(stack.write_endpoint_map(path))


def _client(orchestrator: Orchestrator):
    return stepfunctions_client(orchestrator.url)


def _resumed(orchestrator: Orchestrator) -> int:
    """The count the restarted orchestrator logs once its journal is replayed (it answers
    requests at once and replays in the background)."""
    deadline = time.monotonic() + 30
    while True:  # polling for a log line, not timing anything
        found = re.findall(
            r"resumed (\d+) in-flight executions from the journal", orchestrator.log()
        )
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert found, "the restarted orchestrator resumed nothing:\n" + orchestrator.log()[-3000:]
    return int(found[-1])


def _await_orders_started(stack, at_least: int) -> None:
    """Until ``at_least`` delayed POST /orders have begun (chaos counts them down)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # polling a condition, not timing anything
        remaining = requests.get(stack.orders.url + "/chaos", timeout=5).json()["remaining"]
        if EXECUTIONS - remaining >= at_least:
            return
        time.sleep(0.02)
    raise AssertionError("PlaceOrder calls never reached the orders service")


def test_kill_9_with_100_executions_in_flight_loses_and_duplicates_nothing(start_stack, tmp_path):
    # 8 sync workers: the orders service serves the orchestrator's 8 Task workers at once.
    (tmp_path / "stack").mkdir()
    stack = start_stack(tmp_path / "stack", orders_env={"WEB_CONCURRENCY": "8"})
    work = tmp_path / "orchestrator"
    work.mkdir()
    orchestrator = Orchestrator(
        work,
        {
            "ORCHESTRATOR_CONFIG": _endpoints(stack, work / "endpoints.json"),
            "ORCHESTRATOR_TIME_SCALE": "0.01",
        },
    )
    (orchestrator.statemachines / "order_flow.asl.json").write_text(
        (ROOT / "statemachines" / "order_flow.asl.json").read_text()
    )
    orchestrator.start()
    try:
        sfn = _client(orchestrator)
        machine = next(
            m["stateMachineArn"]
            for m in sfn.list_state_machines()["stateMachines"]
            if m["name"] == "order_flow"
        )
        requests.post(
            stack.orders.url + "/chaos", json={"count": EXECUTIONS, "delayMs": 300}, timeout=5
        ).raise_for_status()
        tag = uuid.uuid4().hex[:8]
        emails = {f"crash-{i}": f"crash-{tag}-{i}@example.com" for i in range(EXECUTIONS)}

        def start(name: str) -> str:
            data = {
                "user": {"name": f"Crash {name}", "email": emails[name]},
                "items": [{"sku": "SKU-1", "quantity": 1, "unitPrice": 3.5}],
                "channel": "email",
            }
            return sfn.start_execution(stateMachineArn=machine, name=name, input=json.dumps(data))[
                "executionArn"
            ]

        with ThreadPoolExecutor(16) as pool:
            arns = dict(zip(emails, pool.map(start, emails)))
        _await_orders_started(stack, at_least=8)
        # The server runs in its own session: the group is gunicorn's arbiter and its worker.
        kill_group(orchestrator.process)
        # Every flow without an order yet was in flight at the kill (an order created just
        # after it by a call already under way only makes this bound looser).
        with sqlite3.connect(f"file:{stack.orders.database}?mode=ro", uri=True) as db:
            ordered = db.execute("SELECT COUNT(*) FROM orders").fetchone()[0]

        orchestrator.start()  # same data directory: the journal is replayed
        sfn = _client(orchestrator)  # the port changes if another test took it meanwhile
        resumed = _resumed(orchestrator)
        assert resumed >= EXECUTIONS - ordered and resumed > 0, (resumed, ordered)
        deadline = time.monotonic() + DEADLINE_S
        while sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING")["executions"]:
            assert time.monotonic() < deadline, "executions still running after the restart"
            time.sleep(0.1)

        outputs = {}
        for name, arn in arns.items():
            described = sfn.describe_execution(executionArn=arn)
            assert described["status"] == "SUCCEEDED", described
            outputs[name] = json.loads(described["output"])
        for name, output in outputs.items():
            user = requests.get(f"{stack.users.url}/users/{output['userId']}", timeout=5).json()
            assert user["email"] == emails[name]
            orders = requests.get(
                stack.orders.url + "/orders", params={"userId": output["userId"]}, timeout=5
            ).json()["orders"]
            assert [o["orderId"] for o in orders] == [output["orderId"]], name
            notes = requests.get(
                stack.notifications.url + "/notifications",
                params={"userId": output["userId"]},
                timeout=5,
            ).json()["notifications"]
            assert [(n["notificationId"], n["orderId"]) for n in notes] == [
                (output["notificationId"], output["orderId"])
            ], name
        # One user per email: read the users service's own database (nothing lists users).
        with sqlite3.connect(f"file:{stack.users.database}?mode=ro", uri=True) as db:
            count = db.execute(
                "SELECT COUNT(*) FROM users WHERE email LIKE ?", (f"crash-{tag}-%",)
            ).fetchone()[0]
        assert count == EXECUTIONS
        assert len({o["userId"] for o in outputs.values()}) == EXECUTIONS
    finally:
        orchestrator.stop()
