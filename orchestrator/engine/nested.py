"""Nested workflows: ``arn:aws:states:::states:startExecution`` Tasks start their child in
this same engine (developer guide, "Start workflow executions from a task state").

Patterns, with the shapes AWS records (``../shared/conformance-more`` callback and services
cases):

- request-response: the Task's result is StartExecution's response, ``ExecutionArn`` and
  ``StartDate``, with ``SdkHttpMetadata`` / ``SdkResponseMetadata`` as every optimized
  integration's;
- ``.sync`` / ``.sync:2``: that response is the Task's ``TaskSubmitted``; the Task ends
  when the child does, with DescribeExecution's fields in PascalCase - ``Input`` and
  ``Output`` as JSON text for ``.sync``, parsed for ``.sync:2``. A child that fails, times
  out or is stopped fails the Task with ``States.TaskFailed`` and that description (with
  the child's ``Error`` and ``Cause``) as the cause;
- ``.waitForTaskToken``: the child is started (its input carries the token the definition
  put there) and the Task waits for SendTaskSuccess / SendTaskFailure, as every callback.

``Input`` may be any JSON value (sent as its JSON text; a string is sent as it is, null as
``{}``); ``Name`` is optional. StartExecution's own errors fail the Task as
``StepFunctions.<Code>Exception`` (``StepFunctions.ExecutionAlreadyExistsException``,
``StepFunctions.StateMachineDoesNotExistException``) with AWS's message as the cause.

Durability - a resumed parent never starts its child twice: a child with no ``Name`` is
named from the Task's idempotency key and attempt (``Invoke.key``: one per state entry, the
same after a replay), and a start that finds a child of the same name started by this very
parent takes it as its own. Once the ``TaskSubmitted`` is journaled a resume does not start
anything: it watches the child again (the driver tells :meth:`dispatch` with ``resumed``).
A ``.sync`` Task abandoned while its child runs (the parent stopped, timed out, or the
branch was cancelled) stops the child; one answered through its task token (a ``.sync``
Task has one too) leaves it running.

The child's row records ``started_by`` (the parent's ARN); the console links the two.
Children of ``.sync`` Tasks are watched in memory (child ARN -> the parent's waiting
command); the engine's ``on_finished`` hook (:meth:`finished`) completes them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

from orchestrator.asl import resources
from orchestrator.asl.document import dumps
from orchestrator.asl.errors import TASK_FAILED, StatesError
from orchestrator.asl.runtime import Invoke

from .arns import execution_arn, split_machine_arn
from .errors import ApiError
from .run import Run

if TYPE_CHECKING:
    from .driver import Driver
    from .engine import Engine

__all__ = ["NestedExecutions", "is_nested"]

log = logging.getLogger("orchestrator.engine")

_NAMES = uuid.UUID("5d1f4a5e-7b43-4c55-9d5f-6a4b2f0c9e11")  # uuid5 namespace of child names
_STARTERS = 4  # threads starting children (a start writes the child's row)


def is_nested(command: Invoke) -> bool:
    parsed = resources.parse(command.resource)
    return (
        parsed is not None
        and parsed.kind == resources.SERVICE
        and parsed.service == "states"
        and parsed.action == "startExecution"
    )


@dataclass(frozen=True, slots=True)
class _Waiting:
    run: Run
    seq: int
    command: Invoke
    parsed: Any  # its resources.Resource


class NestedExecutions:
    """The engine's ``states:startExecution`` Task resource (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._waiting: dict[str, _Waiting] = {}  # child ARN -> the .sync Task waiting on it
        self._by_seq: dict[tuple[str, int], str] = {}  # (parent ARN, seq) -> child ARN
        self._pool: ThreadPoolExecutor | None = None
        self._driver_: Driver | None = None

    def attach(self, driver: Driver) -> None:
        """The driver whose commands this serves (set before it starts)."""
        self._driver_ = driver

    def _driver(self) -> Driver:
        assert self._driver_ is not None, "NestedExecutions.attach() was not called"
        return self._driver_

    def _submit(self, fn, *args) -> None:
        """Run ``fn(*args)`` on a starter thread (never on an activator: a start writes the
        child's row, a stop waits for the child's end)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(_STARTERS, thread_name_prefix="nested-start")
            pool = self._pool
        pool.submit(fn, *args)

    # -- the driver's side -------------------------------------------------------------
    @staticmethod
    def handles(command: Invoke) -> bool:
        return is_nested(command)

    def dispatch(self, run: Run, seq: int, command: Invoke, resumed: bool) -> None:
        """Start (or, ``resumed`` after its TaskSubmitted, watch again) the child of
        ``command``; quick: the start runs on a thread of its own."""
        self._submit(self._start, run, seq, command, resumed)

    def release(self, run: Run, seq: int) -> None:
        """``command`` ``seq`` of ``run`` is gone: a ``.sync`` Task abandoned while its
        child runs stops the child."""
        with self._lock:
            child = self._by_seq.pop((run.arn, seq), None)
            waiting = self._waiting.pop(child, None) if child is not None else None
        if waiting is None:  # not a .sync Task, or its child is over
            return
        self._submit(self._stop, child, run.arn)

    def _stop(self, child: str, parent: str) -> None:
        try:
            self._engine.stop_execution(
                {
                    "executionArn": child,
                    "error": "States.Aborted",
                    "cause": f"The parent execution {parent} no longer waits for it",
                }
            )
        except ApiError as exc:  # gone, or already over: nothing to stop
            log.info("nested child %s not stopped: %s", child, exc)

    def answered(self, run: Run, seq: int) -> None:
        """The Task's token was answered (SendTaskSuccess / SendTaskFailure): it no longer
        waits for its child, which runs on (it is not stopped when the command goes)."""
        with self._lock:
            child = self._by_seq.pop((run.arn, seq), None)
            if child is not None:
                self._waiting.pop(child, None)

    def finished(self, child: Run) -> None:
        """An execution ended (its end is committed): complete the Task waiting on it."""
        with self._lock:
            waiting = self._waiting.pop(child.arn, None)
            if waiting is not None:
                self._by_seq.pop((waiting.run.arn, waiting.seq), None)
        if waiting is not None and child.result_row is not None:
            self._complete(waiting, {**child.row, **child.result_row})

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            self._waiting.clear()
            self._by_seq.clear()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    # -- starting ----------------------------------------------------------------------
    def _start(self, run: Run, seq: int, command: Invoke, resumed: bool) -> None:
        driver = self._driver()
        parsed = resources.parse(command.resource)
        assert parsed is not None  # is_nested() said so
        try:
            request = _request(command)
            if resumed:  # its TaskSubmitted is journaled: the child was started
                arn = execution_arn(
                    split_machine_arn(request["stateMachineArn"])[0], request["name"]
                )
            else:
                response = self._start_child(run, request)
                arn = response["ExecutionArn"]
        except StatesError as err:
            driver.outcome(run, seq, command, None, err)
            return
        except Exception as exc:  # a bug must fail the Task, not the thread silently
            log.exception("starting the nested execution of %s failed", run.arn)
            driver.outcome(run, seq, command, None, StatesError("States.Runtime", str(exc)))
            return
        if parsed.pattern == resources.REQUEST_RESPONSE:
            driver.outcome(run, seq, command, response, None)
            return
        if parsed.is_callback:  # the child answers with the token it was given
            if not resumed:
                driver.submitted(run, command, response)
            return
        if not resumed:
            driver.submitted(run, command, response)
        waiting = _Waiting(run, seq, command, parsed)
        with self._lock:
            self._waiting[arn] = waiting
            self._by_seq[(run.arn, seq)] = arn
        row = self._engine.execution_row(arn)
        if row is None:  # an EXPRESS child does not outlive the engine that ran it
            with self._lock:
                self._waiting.pop(arn, None)
                self._by_seq.pop((run.arn, seq), None)
            cause = f"The child execution {arn} is gone (an EXPRESS child is not resumed)"
            driver.outcome(run, seq, command, None, StatesError(TASK_FAILED, cause))
            return
        if row["status"] != "RUNNING":  # over before we watched
            with self._lock:
                mine = self._waiting.pop(arn, None) is not None
                self._by_seq.pop((run.arn, seq), None)
            if mine:
                self._complete(waiting, row)

    def _start_child(self, run: Run, request: dict) -> dict:
        arn = execution_arn(split_machine_arn(request["stateMachineArn"])[0], request["name"])
        try:
            started = self._engine.start_execution(request, started_by=run.arn)
        except ApiError as exc:
            existing = (
                self._engine.execution_row(arn) if exc.code == "ExecutionAlreadyExists" else None
            )
            if existing is None or existing.get("started_by") != run.arn:
                raise StatesError(f"StepFunctions.{exc.code}Exception", exc.message) from None
            # Started by this very Task before a crash: the same child.
            started = {"executionArn": arn, "startDate": existing["start_us"] / 1e6}
        return _start_response(started)

    # -- completing ----------------------------------------------------------------------
    def _complete(self, waiting: _Waiting, row: dict) -> None:
        parsed_io = waiting.parsed.pattern == resources.SYNC2
        described = self._engine.describe_execution({"executionArn": row["arn"]})
        description = _description(described, parsed_io)
        driver = self._driver()
        if row["status"] == "SUCCEEDED":
            driver.outcome(waiting.run, waiting.seq, waiting.command, description, None)
        else:
            error = StatesError(TASK_FAILED, dumps(description))
            driver.outcome(waiting.run, waiting.seq, waiting.command, None, error)


def _request(command: Invoke) -> dict:
    """StartExecution's request from the Task's parameters (see the module docstring)."""
    params = command.parameters if isinstance(command.parameters, dict) else None
    if params is None or not isinstance(params.get("StateMachineArn"), str):
        raise StatesError(
            "States.Runtime",
            "states:startExecution needs the parameter StateMachineArn (a string)",
        )
    unknown = sorted(set(params) - {"StateMachineArn", "Input", "Name", "TraceHeader"})
    if unknown:
        raise StatesError(
            "States.Runtime",
            f"states:startExecution does not take the parameter(s) {', '.join(unknown)} "
            f"(StateMachineArn, Input, Name, TraceHeader)",
        )
    value = params.get("Input")
    if value is None:
        text = "{}"
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    name = params.get("Name")
    if name is None:
        name = str(uuid.uuid5(_NAMES, f"{command.key}#{command.attempt}"))
    request = {"stateMachineArn": params["StateMachineArn"], "input": text, "name": name}
    if params.get("TraceHeader") is not None:
        request["traceHeader"] = params["TraceHeader"]
    return request


def _epoch_ms(seconds: float) -> int:
    """A date as the AWS SDK for Java 1.x serialises it in these results: epoch ms."""
    return int(round(seconds * 1000))


def _start_response(started: dict) -> dict:
    """StartExecution's response as the optimized integration returns it."""
    start = started["startDate"]
    seconds = start.timestamp() if hasattr(start, "timestamp") else float(start)
    body = {"ExecutionArn": started["executionArn"], "StartDate": _epoch_ms(seconds)}
    request_id = str(uuid.uuid4())
    length = str(len(json.dumps({"executionArn": body["ExecutionArn"], "startDate": seconds})))
    headers = {
        "Content-Length": length,
        "Content-Type": "application/x-amz-json-1.0",
        "Date": formatdate(time.time(), usegmt=True),
        "connection": "keep-alive",
        "x-amzn-RequestId": request_id,
    }
    return {
        **body,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {name: [value] for name, value in headers.items()},
            "HttpHeaders": headers,
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
    }


def _description(described: dict, parsed_io: bool) -> dict:
    """DescribeExecution of the child (``described``: the engine's answer) as the Task
    returns it: members in PascalCase, dates in epoch ms, ``Input`` / ``Output`` as JSON
    text for ``.sync`` and parsed for ``.sync:2``."""

    def value(key: str, item: Any) -> Any:
        if isinstance(item, dict):
            return {k[:1].upper() + k[1:]: value(k, v) for k, v in item.items()}
        if hasattr(item, "timestamp"):
            return _epoch_ms(item.timestamp())
        if parsed_io and key in ("input", "output") and isinstance(item, str):
            try:
                return json.loads(item)
            except ValueError:
                return item
        return item

    return value("", described)
