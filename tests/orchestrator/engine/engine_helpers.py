"""Helpers shared by the engine tests (imported by module name: the test folder is on
sys.path under pytest's default import mode)."""
from __future__ import annotations

import json
import threading

from orchestrator.asl.errors import StatesError
from orchestrator.engine import Engine

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
SM_PREFIX = "arn:aws:states:us-east-1:123456789012:stateMachine:"


def definition(states: dict, start: str | None = None, **top) -> str:
    return json.dumps({"StartAt": start or next(iter(states)), "States": states, **top})


PASS = definition({"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}})
WAIT = definition({"W": {"Type": "Wait", "Seconds": 10, "Next": "P"},
                   "P": {"Type": "Pass", "End": True}})


def create(engine: Engine, name: str = "sm", defn: str = PASS, **extra) -> str:
    return engine.create_state_machine(
        {"name": name, "definition": defn, "roleArn": ROLE, **extra})["stateMachineArn"]


def run_to_end(engine: Engine, sm_arn: str, input_text: str = "{}", **extra) -> dict:
    arn = engine.start_execution({"stateMachineArn": sm_arn, "input": input_text,
                                  **extra})["executionArn"]
    out = engine.wait_for(arn, timeout=30)
    assert out["status"] != "RUNNING", "execution did not finish within 30 s"
    return out


def event_types(engine: Engine, arn: str) -> list[str]:
    return [e["type"] for e in engine.get_execution_history(
        {"executionArn": arn, "maxResults": 1000})["events"]]


class FakeInvoker:
    """A Task resource stand-in: ``handlers[resource](invoke)`` or echo the parameters.

    A handler may raise StatesError; ``calls`` records every call (thread-safe)."""

    def __init__(self) -> None:
        self.handlers: dict = {}
        self.calls: list = []
        self._lock = threading.Lock()

    def __call__(self, invoke):
        with self._lock:
            self.calls.append(invoke)
        handler = self.handlers.get(invoke.resource)
        if handler is None:
            return {"echo": invoke.parameters}
        return handler(invoke)


def fail_with(error: str, cause: str | None = None):
    def handler(invoke):
        raise StatesError(error, cause)
    return handler
