"""An in-memory stand-in for orchestrator.engine.Engine, for the API's protocol tests.

It implements the facade contract's shape (one method per AWS operation taking and
returning AWS-shaped dicts, ApiError for semantic errors) with just enough behaviour for
the API layer: the engine's own semantics are tested in tests/orchestrator/engine/.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from orchestrator.engine.errors import ApiError

ACCOUNT, REGION = "123456789012", "us-east-1"
T0 = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def machine_arn(name: str) -> str:
    return "arn:aws:states:%s:%s:stateMachine:%s" % (REGION, ACCOUNT, name)


class FakeEngine:
    def __init__(self, page_size: int = 2) -> None:
        self.page_size = page_size
        self.calls: list[tuple[str, dict]] = []
        self.machines: dict[str, dict] = {}
        self.executions: dict[str, dict] = {}
        self.registered: list = []
        self.waited: list[tuple[str, float]] = []
        self.fail_with: Exception | None = None

    def _record(self, name: str, params: dict) -> None:
        self.calls.append((name, params))
        if self.fail_with is not None:
            raise self.fail_with

    def register_directory(self, path) -> None:
        self.registered.append(path)

    def _page(self, items: list, params: dict) -> tuple[list, str | None]:
        start = int(params.get("nextToken") or 0)
        size = params.get("maxResults") or self.page_size
        end = start + size
        return items[start:end], (str(end) if end < len(items) else None)

    def create_state_machine(self, params: dict) -> dict:
        self._record("create_state_machine", params)
        arn = machine_arn(params["name"])
        if arn in self.machines:
            raise ApiError("StateMachineAlreadyExists", "State Machine Already Exists: '%s'" % arn)
        self.machines[arn] = {
            "stateMachineArn": arn,
            "name": params["name"],
            "type": params.get("type", "STANDARD"),
            "creationDate": T0 + timedelta(seconds=len(self.machines)),
            "definition": params["definition"],
            "roleArn": params["roleArn"],
        }
        return {"stateMachineArn": arn, "creationDate": self.machines[arn]["creationDate"]}

    def describe_state_machine(self, params: dict) -> dict:
        self._record("describe_state_machine", params)
        arn = params["stateMachineArn"]
        if arn not in self.machines:
            raise ApiError("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'" % arn)
        return dict(self.machines[arn], status="ACTIVE", internalNote="not in the output shape")

    def list_state_machines(self, params: dict) -> dict:
        self._record("list_state_machines", params)
        items = [
            {k: m[k] for k in ("stateMachineArn", "name", "type", "creationDate")}
            for m in self.machines.values()
        ]
        page, token = self._page(items, params)
        return {"stateMachines": page, "nextToken": token}

    def start_execution(self, params: dict) -> dict:
        self._record("start_execution", params)
        machine = params["stateMachineArn"]
        if machine not in self.machines:
            raise ApiError(
                "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'" % machine
            )
        name = params.get("name") or "exec-%d" % len(self.executions)
        arn = machine.replace(":stateMachine:", ":execution:") + ":" + name
        if arn in self.executions:
            raise ApiError("ExecutionAlreadyExists", "Execution Already Exists: '%s'" % arn)
        self.executions[arn] = {
            "executionArn": arn,
            "stateMachineArn": machine,
            "name": name,
            "status": "SUCCEEDED",
            "startDate": T0,
            "stopDate": T0 + timedelta(seconds=1),
            "input": params.get("input", "{}"),
            "output": params.get("input", "{}"),
        }
        return {"executionArn": arn, "startDate": T0}

    def describe_execution(self, params: dict) -> dict:
        self._record("describe_execution", params)
        arn = params["executionArn"]
        if arn not in self.executions:
            raise ApiError("ExecutionDoesNotExist", "Execution Does Not Exist: '%s'" % arn)
        return self.executions[arn]

    def list_executions(self, params: dict) -> dict:
        self._record("list_executions", params)
        items = [
            e
            for e in self.executions.values()
            if e["stateMachineArn"] == params.get("stateMachineArn")
            and params.get("statusFilter") in (None, e["status"])
        ]
        page, token = self._page(items, params)
        return {"executions": page, "nextToken": token}

    def get_execution_history(self, params: dict) -> dict:
        self._record("get_execution_history", params)
        execution = self.describe_execution({"executionArn": params["executionArn"]})
        events = [
            {
                "timestamp": T0,
                "type": "ExecutionStarted",
                "id": 1,
                "previousEventId": 0,
                "executionStartedEventDetails": {
                    "input": execution["input"],
                    "roleArn": "arn:aws:iam::1:role/r",
                },
            },
            {
                "timestamp": T0,
                "type": "PassStateEntered",
                "id": 2,
                "previousEventId": 1,
                "stateEnteredEventDetails": {"name": "A", "input": execution["input"]},
            },
            {
                "timestamp": T0 + timedelta(seconds=1),
                "type": "ExecutionSucceeded",
                "id": 3,
                "previousEventId": 2,
                "executionSucceededEventDetails": {"output": json.dumps({"done": True})},
            },
        ]
        if params.get("reverseOrder"):
            events.reverse()
        page, token = self._page(events, params)
        return {"events": page, "nextToken": token}

    def send_task_success(self, params: dict) -> dict:
        self._record("send_task_success", params)
        raise ApiError("TaskDoesNotExist", "Task Does Not Exist")

    def unavailable(self, probe: bool = False) -> str | None:
        return None

    def wait_for(self, execution_arn: str, timeout: float) -> dict:
        self.waited.append((execution_arn, timeout))
        return self.executions[execution_arn]
