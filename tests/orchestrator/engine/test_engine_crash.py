"""kill -9 the engine process mid-execution, twice, and restart it on the same journal.

A fake service on 127.0.0.1 counts requests and *effects* by ``Idempotency-Key`` (a key's
first request is the effect; later ones get the stored response, as the real services do).
The execution runs ``Fast`` (a Task), ``Pause`` (Wait 4 s) and ``Slow`` (a Task whose call
blocks until the test releases it). The engine is killed while in the Wait and again while
the slow call is in flight; after the last restart the execution must finish with a
history that has every event exactly once, the Wait must have kept its deadline, and no
key may have been executed twice as a new effect.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.http import send_json

ROOT = Path(__file__).resolve().parents[3]
WAIT_SECONDS = 4

ENGINE_SCRIPT = r"""
import json, sys, time, urllib.request
from orchestrator.engine import Engine, EngineConfig
from orchestrator.asl.errors import StatesError

db, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def invoke(command):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/{command.parameters['path']}", data=b"{}", method="POST",
        headers={"Idempotency-Key": command.key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())
    except OSError as exc:
        raise StatesError("States.Http.Socket", str(exc))

engine = Engine(EngineConfig(db_path=db, invoker=invoke, log_to_stdout=False)).start()
if mode == "start":
    task = lambda path, nxt: {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
                              "Parameters": {"path": path}, "ResultPath": "$." + path, **nxt}
    definition = {"StartAt": "Fast", "States": {
        "Fast": task("fast", {"Next": "Pause"}),
        "Pause": {"Type": "Wait", "Seconds": %(wait)d, "Next": "Slow"},
        "Slow": task("slow", {"End": True})}}
    sm = engine.create_state_machine({"name": "crashy", "definition": json.dumps(definition),
                                      "roleArn": "arn:aws:iam::123456789012:role/R"})
    engine.start_execution({"stateMachineArn": sm["stateMachineArn"], "name": "crash-1"})
    while True:
        time.sleep(60)
else:
    arn = "arn:aws:states:us-east-1:123456789012:execution:crashy:crash-1"
    if mode == "finish":
        out = engine.wait_for(arn, 60)
        print(json.dumps({"describe": out, "history": engine.get_execution_history(
            {"executionArn": arn, "maxResults": 1000})["events"]}, default=str))
        engine.close()
    else:
        while True:
            time.sleep(60)
""" % {"wait": WAIT_SECONDS}


class FakeService:
    """Counts requests and effects per Idempotency-Key; ``/slow`` blocks until released."""

    def __init__(self) -> None:
        self.requests: dict[str, int] = {}
        self.effects: dict[str, int] = {}
        self.responses: dict[str, threading.Event] = {}
        self.bodies: dict[str, dict] = {}
        self.release = threading.Event()
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.headers["Idempotency-Key"]
                with service.lock:
                    service.requests[key] = service.requests.get(key, 0) + 1
                    first = key not in service.responses
                    if first:
                        service.effects[key] = service.effects.get(key, 0) + 1
                        service.responses[key] = threading.Event()
                done = service.responses[key]
                if first:
                    if self.path == "/slow":
                        service.release.wait(60)
                    service.bodies[key] = {"path": self.path, "effect": service.effects[key]}
                    done.set()
                else:
                    done.wait(60)
                try:
                    send_json(self, 200, service.bodies[key])
                except OSError:
                    pass  # the caller was killed

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def spawn(db: Path, port: int, mode: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", ENGINE_SCRIPT, str(db), str(port), mode],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill9(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)


def until(condition, what: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            raise AssertionError(f"engine exited early: {process.stderr.read()}")
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def stored_types(db: Path) -> list[str]:
    if not db.exists():
        return []
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            rows = con.execute("SELECT event FROM events ORDER BY id").fetchall()
        finally:
            con.close()
    except sqlite3.OperationalError:
        return []
    return [json.loads(r[0])["type"] for r in rows]


@pytest.fixture
def service():
    svc = FakeService()
    yield svc
    svc.close()


@pytest.mark.integration
def test_kill_9_during_a_wait_and_during_a_slow_task(tmp_path, service):
    db = tmp_path / "journal.db"
    first = spawn(db, service.port, "start")
    try:
        until(lambda: "WaitStateEntered" in stored_types(db), "the Wait", first)
    finally:
        kill9(first)
    # Stay down a while: a Wait restarted from scratch would end >= 4 s after the restart.
    time.sleep(2.5)
    second = spawn(db, service.port, "resume")
    try:
        until(lambda: any(k.endswith("#9") for k in service.requests), "the slow call", second)
    finally:
        kill9(second)
    service.release.set()
    third = spawn(db, service.port, "finish")
    out, err = third.communicate(timeout=90)
    assert third.returncode == 0, err
    result = json.loads(out)
    assert result["describe"]["status"] == "SUCCEEDED", result["describe"]
    events = result["history"]
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert [e["type"] for e in events] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "WaitStateEntered",
        "WaitStateExited",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    from datetime import datetime

    stamp = {e["type"]: datetime.fromisoformat(e["timestamp"]) for e in events}
    waited = (stamp["WaitStateExited"] - stamp["WaitStateEntered"]).total_seconds()
    assert WAIT_SECONDS <= waited < WAIT_SECONDS + 2.0, waited
    # Every key was one effect; the slow call was sent again after the crash, same key.
    assert set(service.effects.values()) == {1} and len(service.effects) == 2
    slow_key = next(k for k in service.requests if k.endswith("#9"))
    assert service.requests[slow_key] == 2
    output = json.loads(result["describe"]["output"])
    assert output == {
        "fast": {"path": "/fast", "effect": 1},
        "slow": {"path": "/slow", "effect": 1},
    }
