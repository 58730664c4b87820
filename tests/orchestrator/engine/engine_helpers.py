"""Helpers shared by the engine tests (imported by module name: the test folder is on
sys.path under pytest's default import mode)."""

from __future__ import annotations

import json
import threading
import time

from orchestrator.asl.errors import StatesError
from orchestrator.engine import Engine

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
SM_PREFIX = "arn:aws:states:us-east-1:123456789012:stateMachine:"


def definition(states: dict, start: str | None = None, **top) -> str:
    return json.dumps({"StartAt": start or next(iter(states)), "States": states, **top})


PASS = definition({"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}})
WAIT = definition(
    {"W": {"Type": "Wait", "Seconds": 10, "Next": "P"}, "P": {"Type": "Pass", "End": True}}
)


def create(engine: Engine, name: str = "sm", defn: str = PASS, **extra) -> str:
    return engine.create_state_machine(
        {"name": name, "definition": defn, "roleArn": ROLE, **extra}
    )["stateMachineArn"]


def run_to_end(engine: Engine, sm_arn: str, input_text: str = "{}", **extra) -> dict:
    arn = engine.start_execution({"stateMachineArn": sm_arn, "input": input_text, **extra})[
        "executionArn"
    ]
    out = engine.wait_for(arn, timeout=30)
    assert out["status"] != "RUNNING", "execution did not finish within 30 s"
    return out


def history(engine: Engine, arn: str) -> list[dict]:
    return engine.get_execution_history({"executionArn": arn, "maxResults": 1000})["events"]


def event_types(engine: Engine, arn: str) -> list[str]:
    return [e["type"] for e in history(engine, arn)]


def wait_until_waiting(
    engine: Engine, arn: str, state: str = "WaitStateEntered", count: int = 1
) -> None:
    """Poll the durable history until the execution reached ``state`` (bounded)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if sum(e["type"] == state for e in history(engine, arn)) >= count:
            return
        time.sleep(0.005)
    raise AssertionError(f"{arn} never reached {state}")


def finish_after_restart(
    engine: Engine, make_engine, arn: str, **options
) -> tuple[dict, list, list]:
    """Close ``engine`` mid-execution (its threads stop; as in a crash nothing more is
    written) and let a new engine on the same journal finish ``arn``: returns the result,
    the history before the restart and the history after."""
    before = history(engine, arn)
    engine.close()
    again = make_engine(**options)
    return again.wait_for(arn, 30), before, history(again, arn)


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
