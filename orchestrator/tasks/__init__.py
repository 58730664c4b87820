"""Task resources: what the engine calls to carry out an ``Invoke`` command.

One module per resource kind; transport errors become ASL error names here and only here
(the interpreter, :mod:`orchestrator.asl`, only sees :class:`~orchestrator.asl.errors.StatesError`).

The engine's side of the contract::

    invoker = TaskInvoker(load_config())       # once per process; thread-safe
    invoker.submit(invoke, done, deadline=t)   # never blocks; from any thread
    result = invoker(invoke)                   # the same, blocking (CLI, tests)
    invoker.close()

``submit(invoke, done, *, deadline=None)`` schedules the call on the Task resources' event
loop (:mod:`.transport`: one ``tasks-io`` thread per process; thousands of calls can be in
flight, and a slow service never holds back calls to others) and returns at once. It calls
``done(result, None)`` or ``done(None, error)`` exactly once, on the loop thread - so
``done`` must be quick (enqueue, don't work). ``result`` is the Task's result (a JSON value:
dict, list, str, number, bool or None; :class:`WaitForCallback` for ``.waitForTaskToken``);
``error`` is a :class:`~orchestrator.asl.errors.StatesError` (``error``, ``cause``), never
anything else (a bug here is ``States.Runtime``). Complete the ``Invoke`` with the value
(``Scheduler.complete``) or fail it with the error (``Scheduler.fail``).

``deadline`` is the wall-clock instant (``time.time()`` seconds) at which the state's
``TimeoutSeconds`` expires, or None when it has none; without it, ``invoke.timeout_seconds``
(when set) counts from the call (``deadline = now + timeout_seconds``: blocking use from
tests and the CLI). A call waits until the earlier of that deadline and its resource's own
limit (``httpTimeoutSeconds``, ``lambdaTimeoutSeconds``); the state's deadline running out
is ``States.Timeout``, the resource's limit is the resource's own error. Every HTTP request
a Task makes carries that instant as ``X-Request-Deadline`` (:mod:`.transport`).

``invoker(invoke)`` is ``submit`` plus a wait: it returns the result or raises the error;
any thread but the loop's may call it, several at once. ``close()`` cancels the calls in
flight (each ``done`` gets ``States.Runtime``), closes the HTTP client and stops the loop
thread; a later call starts them again.

Resources (one module each; the ARNs are read by :mod:`orchestrator.asl.resources`):

- ``arn:aws:states:::http:invoke`` - :mod:`.http`
- ``arn:aws:lambda:REGION:ACCOUNT:function:NAME`` and ``arn:aws:states:::lambda:invoke`` -
  :mod:`.lambda_` (functions mapped to HTTP endpoints or to Python functions)
- ``arn:aws:states:::aws-sdk:SERVICE:ACTION`` and the optimized ``sqs:sendMessage``,
  ``sns:publish``, ``dynamodb:getItem|putItem|updateItem|deleteItem``, ``events:putEvents``
  - :mod:`.integrations` over :mod:`.aws` (botocore, the endpoints botocore's settings name)

``arn:aws:states:::states:startExecution`` is not here: the engine serves it itself
(:mod:`orchestrator.engine.nested`).

Anything else fails with ``States.Runtime`` naming the resource (AWS rejects such
definitions at creation; we say so at the call rather than guess).

Callbacks - ``.waitForTaskToken`` (AWS: "pause a workflow until a task token is
returned"): the suffix is stripped, the underlying resource is called (the definition puts
``$$.Task.Token`` into the payload), and instead of a result ``done`` gets
:class:`WaitForCallback` (``token``, ``response``). The engine must then

1. register ``invoke.task_token`` as pending BEFORE submitting - the service may call
   ``SendTaskSuccess`` before the call returns
   (:func:`orchestrator.asl.resources.is_callback` tells);
2. on ``WaitForCallback``, leave the ``Invoke`` outstanding; ``SendTaskSuccess(output)``
   completes it with the parsed output, ``SendTaskFailure(error, cause)`` fails it with
   ``StatesError(error, cause)``, and missing heartbeats (``invoke.heartbeat_seconds``)
   fail it with ``States.HeartbeatTimeout``;
3. if ``done`` gets an error instead (the call itself failed), fail the ``Invoke`` with
   that error and drop the pending token.

AWS supports ``.waitForTaskToken`` on service integrations (``lambda:invoke``,
``sqs:sendMessage``, ``sns:publish``, ``events:putEvents``, any ``aws-sdk`` call); it is
accepted here on every resource above, ``http:invoke`` included (a local extension).
``WaitForCallback.response`` is the request's response: the engine records it as the
Task's ``TaskSubmitted``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..asl import resources
from ..asl.errors import RUNTIME, StatesError
from ..asl.runtime import Invoke
from .config import ConfigError, TasksConfig, load_config
from .connections import Connections
from .endpoints import Destinations, EndpointMap
from .http import HttpTask
from .integrations import AwsTasks
from .lambda_ import LambdaTasks
from .transport import IO

__all__ = ["TaskInvoker", "WaitForCallback", "TasksConfig", "load_config", "ConfigError", "Done"]

log = logging.getLogger(__name__)

_CALLED = (resources.REQUEST_RESPONSE, resources.WAIT_FOR_TASK_TOKEN)
_CLOSED = "The Task resources were closed (the engine is stopping) before the call completed"

Done = Callable[[Any, "StatesError | None"], None]


@dataclass(frozen=True, slots=True)
class WaitForCallback:
    """Returned for a ``.waitForTaskToken`` resource once the call went out: the Task's result
    comes later through SendTaskSuccess/SendTaskFailure for ``token``. ``response`` is what the
    underlying call returned (for logs; not the Task's result)."""

    token: str
    response: Any = None


class TaskInvoker:
    """Dispatches an ``Invoke`` to its resource; see the module docstring for the contract."""

    def __init__(self, config: TasksConfig | None = None) -> None:
        self.config = config = config if config is not None else load_config()
        endpoints = EndpointMap(config.endpoints)
        self._io = IO(
            config,
            Destinations.from_config(
                config.allowlist,
                endpoints,
                config.lambdas,
                config.connections,
                [*config.aws_endpoints.values(), *config.aws_env_endpoints.values()],
            ),
        )
        self.connections = Connections(
            config.connections, self._io, endpoints, float(config.http_timeout_seconds)
        )
        self._http = HttpTask(config, self._io, endpoints, self.connections)
        self._lambda = LambdaTasks(config, self._io, endpoints)
        self._aws = AwsTasks(config, self._io)

    def submit(self, invoke: Invoke, done: Done, *, deadline: float | None = None) -> None:
        if deadline is None and invoke.timeout_seconds:
            deadline = time.time() + float(invoke.timeout_seconds)
        self._io.spawn(partial(self._call, invoke, deadline), partial(_finished, done))

    def __call__(self, invoke: Invoke) -> Any:
        if self._io.on_loop():
            raise RuntimeError("TaskInvoker() blocks: call submit() on the tasks-io loop")
        future: Future = Future()
        self.submit(invoke, lambda result, error: future.set_result((result, error)))
        result, error = future.result()
        if error is not None:
            raise error
        return result

    def close(self) -> None:
        self._io.close()
        self._aws.aws.close()

    async def _call(self, invoke: Invoke, deadline: float | None) -> Any:
        """The one implementation behind submit() and __call__."""
        parsed = resources.parse(invoke.resource)
        callback = parsed is not None and parsed.is_callback
        if callback and not invoke.task_token:
            raise StatesError(
                RUNTIME,
                f"The resource '{invoke.resource}' waits for a task "
                f"token but the Invoke carries none",
            )
        resource = parsed.arn if parsed is not None else invoke.resource
        try:
            result = await self._dispatch(parsed, invoke, deadline)
        except StatesError:
            raise
        except Exception as exc:  # a bug here must fail the state, not the engine
            raise StatesError(
                RUNTIME,
                f"Internal error in the Task resource '{resource}': "
                f"{exc.__class__.__name__}: {exc}",
            ) from exc
        if not callback:
            return result
        assert invoke.task_token is not None  # the interpreter issues one for every callback
        return WaitForCallback(invoke.task_token, result)

    async def _dispatch(
        self, parsed: resources.Resource | None, invoke: Invoke, deadline: float | None
    ) -> Any:
        if parsed is not None and parsed.pattern in _CALLED:
            if parsed.kind == resources.LAMBDA_FUNCTION:
                return await self._lambda.function_arn(invoke, parsed.arn, deadline)
            if parsed.kind == resources.SERVICE and parsed.action == "invoke":
                if parsed.service == "http":
                    return await self._http(invoke, deadline)
                if parsed.service == "lambda":
                    return await self._lambda.service_invoke(invoke, deadline)
            if self._aws.handles(parsed):
                return await self._aws(invoke, parsed, deadline)
        raise StatesError(
            RUNTIME,
            (
                f"The resource '{invoke.resource}' is not supported by this engine. Supported: "
                f"arn:aws:states:::http:invoke, arn:aws:states:::lambda:invoke, "
                f"arn:aws:lambda:REGION:ACCOUNT:function:NAME, "
                f"arn:aws:states:::aws-sdk:SERVICE:ACTION and the optimized sqs:sendMessage, "
                f"sns:publish, dynamodb:getItem|putItem|updateItem|deleteItem and "
                f"events:putEvents, each optionally with {resources.WAIT_FOR_TASK_TOKEN}"
            ),
        )


def _finished(done: Done, task: asyncio.Task) -> None:
    """The task of one call ended (on the loop): tell ``done``, exactly once."""
    if task.cancelled():
        outcome: tuple[Any, StatesError | None] = (None, StatesError(RUNTIME, _CLOSED))
    elif isinstance(error := task.exception(), StatesError):
        outcome = (None, error)
    elif error is not None:  # cannot happen: _call turns bugs into StatesError
        outcome = (None, StatesError(RUNTIME, f"Internal error: {error!r}"))
    else:
        outcome = (task.result(), None)
    try:
        done(*outcome)
    except Exception:  # the engine's callback failing must not take the loop down
        log.exception("A Task completion callback raised")
