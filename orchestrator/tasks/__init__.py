"""Task resources: what the engine calls to carry out an ``Invoke`` command.

DESIGN.md: "``orchestrator/tasks/`` one module per resource kind; transport errors become
ASL error names here and only here."

The engine's side of the contract::

    invoker = TaskInvoker(load_config())       # once per process; thread-safe
    result = invoker(invoke)                   # from a worker thread, blocking

``invoker(invoke)`` returns the Task's result (a JSON value: dict, list, str, number, bool
or None) or raises :class:`~orchestrator.asl.errors.StatesError` (``error``, ``cause``);
it never raises anything else. Complete the ``Invoke`` with the value
(``Scheduler.complete``) or fail it with the error (``Scheduler.fail``).

Resources (one module each):

- ``arn:aws:states:::http:invoke`` - :mod:`.http`
- ``arn:aws:lambda:REGION:ACCOUNT:function:NAME`` and ``arn:aws:states:::lambda:invoke`` -
  :mod:`.lambda_` (functions mapped to HTTP endpoints or Python stand-ins)

Anything else fails with ``States.Runtime`` naming the resource (AWS rejects such
definitions at creation; we say so at the call rather than guess).

Callbacks - ``.waitForTaskToken`` (AWS: "pause a workflow until a task token is
returned"): the suffix is stripped, the underlying resource is called (the definition puts
``$$.Task.Token`` into the payload), and instead of a result the invoker returns
:class:`WaitForCallback` (``token``, ``response``). The engine must then

1. register ``invoke.task_token`` as pending BEFORE calling the invoker - the service may
   call ``SendTaskSuccess`` before the call returns (use :func:`is_callback` to know);
2. on ``WaitForCallback``, leave the ``Invoke`` outstanding; ``SendTaskSuccess(output)``
   completes it with the parsed output, ``SendTaskFailure(error, cause)`` fails it with
   ``StatesError(error, cause)``, and missing heartbeats (``invoke.heartbeat_seconds``)
   fail it with ``States.HeartbeatTimeout``;
3. if the invoker raises instead (the call itself failed), fail the ``Invoke`` with that
   error and drop the pending token.

AWS supports ``.waitForTaskToken`` on service integrations (``lambda:invoke``); it is
accepted here on every resource above, ``http:invoke`` included (a local extension).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..asl.errors import RUNTIME, StatesError
from ..asl.runtime import Invoke
from .config import ConfigError, TasksConfig, load_config
from .connections import Connections
from .endpoints import EndpointMap
from .http import HttpTask
from .lambda_ import LambdaTasks
from .transport import SessionHolder

__all__ = ["TaskInvoker", "WaitForCallback", "TasksConfig", "load_config", "ConfigError",
           "is_callback", "WAIT_FOR_TASK_TOKEN"]

WAIT_FOR_TASK_TOKEN = ".waitForTaskToken"
_FUNCTION_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+(:[^:]+)?$")
_SERVICE_ARN = re.compile(r"^arn:[^:]+:states:::(?P<service>[^:]+):(?P<action>[^:]+)$")


@dataclass(frozen=True, slots=True)
class WaitForCallback:
    """Returned for a ``.waitForTaskToken`` resource once the call went out: the Task's result
    comes later through SendTaskSuccess/SendTaskFailure for ``token``. ``response`` is what the
    underlying call returned (for logs; not the Task's result)."""

    token: str
    response: Any = None


def is_callback(resource: str) -> bool:
    return resource.endswith(WAIT_FOR_TASK_TOKEN)


class TaskInvoker:
    """Dispatches an ``Invoke`` to its resource; see the module docstring for the contract."""

    def __init__(self, config: TasksConfig | None = None) -> None:
        self.config = config if config is not None else load_config()
        self._sessions = SessionHolder(self.config.pool_size)
        endpoints = EndpointMap(self.config.endpoints, self.config.allowlist)
        self.connections = Connections(self.config.connections, self._sessions, endpoints)
        self._http = HttpTask(self.config, self._sessions, endpoints, self.connections)
        self._lambda = LambdaTasks(self.config, self._sessions, endpoints)

    def __call__(self, invoke: Invoke) -> Any:
        resource = invoke.resource
        callback = is_callback(resource)
        if callback:
            resource = resource[:-len(WAIT_FOR_TASK_TOKEN)]
            if not invoke.task_token:
                raise StatesError(RUNTIME, f"The resource '{invoke.resource}' waits for a task "
                                           f"token but the Invoke carries none")
        try:
            result = self._dispatch(resource, invoke)
        except StatesError:
            raise
        except Exception as exc:  # a bug here must fail the state, not kill the worker
            raise StatesError(RUNTIME, f"Internal error in the Task resource '{resource}': "
                                       f"{exc.__class__.__name__}: {exc}") from exc
        return WaitForCallback(invoke.task_token, result) if callback else result

    def _dispatch(self, resource: str, invoke: Invoke) -> Any:
        if _FUNCTION_ARN.match(resource):
            return self._lambda.function_arn(invoke, resource)
        match = _SERVICE_ARN.match(resource)
        if match:
            service, action = match.group("service"), match.group("action")
            if service == "http" and action == "invoke":
                return self._http(invoke)
            if service == "lambda" and action == "invoke":
                return self._lambda.service_invoke(invoke)
        raise StatesError(RUNTIME, (
            f"The resource '{invoke.resource}' is not supported by this engine. Supported: "
            f"arn:aws:states:::http:invoke, arn:aws:states:::lambda:invoke and "
            f"arn:aws:lambda:REGION:ACCOUNT:function:NAME, each optionally with "
            f"{WAIT_FOR_TASK_TOKEN}"))

    def close(self) -> None:
        self._sessions.close()
