"""Lambda Task resources, mapped to local functions by the config's ``lambdas`` map.

Two forms, as on AWS:

- ``arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`` - the state's effective input
  is the event and the result is the function's JSON result as is;
- ``arn:aws:states:::lambda:invoke`` with ``FunctionName`` (name, ``name:qualifier``, full
  or partial ARN) and ``Payload`` - the result is wrapped like Lambda's Invoke response:
  ``{ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode}`` (plus
  ``LogResult`` with ``LogType: "Tail"``). A string ``Payload`` is the JSON text of the
  event (``"0.0"`` -> ``0.0``, ``"\\"HelloWorld\\""`` -> ``"HelloWorld"``); no Payload
  gives the Python runtime's empty event ``{}``.

Which function is called - the map (:class:`~orchestrator.tasks.config.TasksConfig`
``lambdas``), keyed by function name, ``name:qualifier`` or (qualified) ARN:

- a full ARN (with its qualifier, if any) that is a key of the map is that entry, as
  written: the operator declared that very function;
- otherwise the function must be ours: AWS's "Function not found" (Lambda's
  ``ResourceNotFoundException``) unless an ARN's account is the configured one
  (``TasksConfig.account``) and its region the execution's (from the Context object, else
  ``TasksConfig.region``). A bare name (or ``name:qualifier``) is always in the caller's
  account and region, as on AWS. Then an unqualified or ``$LATEST`` reference is the entry
  of its name; any other qualifier - an alias such as ``prod`` or a version such as ``3`` -
  must itself be mapped (``"CreateUser:prod"``, or the qualified ARN): a bogus qualifier
  must not reach the unqualified function.

A value is

- ``"http://users:8001/users"`` or ``{"url": ..., "method": "POST"}`` - the event is POSTed
  as JSON (through the endpoint map; the URL is operator-written, hence an allowed
  destination; with ``Idempotency-Key: <Invoke.key>``, ``X-Request-Id`` and
  ``X-Request-Deadline``); a 2xx JSON answer is the function's result. A non-2xx answer is
  a function error: its ``errorType``/``errorMessage`` when the body carries them, else
  errorType ``Http.StatusCode.NNN`` with the body as errorMessage. A network failure is
  ``Lambda.SdkClientException`` (covered by AWS's recommended Lambda retrier);
- ``"python:module:function"`` (or ``{"python": "module:function"}``) -
  ``function(event, context)`` of an importable module is called in-process (a local
  stand-in for the function) on the small stand-in thread pool of :mod:`.transport`, never
  on the event loop. An exception it raises is a function error, shaped like the Python
  runtime's (its ``stackTrace`` lists the function's frames); a :class:`StatesError` it
  raises passes through.

Function errors, as recorded against AWS (conformance corpus): the error is the
``errorType`` (``Exception``, ``CustomException``); the cause is the JSON text
``{"errorMessage", "errorType", "requestId", "stackTrace"}`` - written by the Lambda runtime
(``", "`` / ``": "`` separators) for the plain ARN form, and re-serialised compactly by the
service integration for ``lambda:invoke``. An unmapped function is
``Lambda.ResourceNotFoundException``. ``TimeoutSeconds`` elapsing while waiting is
``States.Timeout``; the function's own limit (``lambdaTimeoutSeconds``, Lambda's 900 s)
elapsing is the function error ``Sandbox.Timedout``, as Lambda reports it.
"""

from __future__ import annotations

import base64
import importlib
import json
import secrets
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from functools import partial
from typing import Any

from ..asl.document import compact
from ..asl.errors import RUNTIME, StatesError
from ..asl.runtime import Invoke
from .config import TasksConfig
from .endpoints import EndpointMap, parse_url
from .transport import DEADLINE_HEADER, IO, CapExpired, Deadline, NetworkError, header_safe, within

__all__ = ["LambdaTasks", "FunctionError", "LambdaContext"]

NOT_FOUND = "Lambda.ResourceNotFoundException"
SDK_CLIENT = "Lambda.SdkClientException"
INVALID_CONTENT = "Lambda.InvalidRequestContentException"
LATEST = "$LATEST"


class FunctionError(Exception):
    """A function error (the function ran and failed): the runtime's error object."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("errorType"))
        self.error = error


@dataclass
class LambdaContext:
    """The parts of the Python runtime's context object a ``python:`` function gets."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    deadline: float  # time.monotonic() value
    function_version: str = LATEST
    memory_limit_in_mb: int = 128

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class _Function:
    name: str
    arn: str  # unqualified
    qualifier: str | None
    ours: bool  # the configured account, the execution's region

    @property
    def qualified_arn(self) -> str:
        return f"{self.arn}:{self.qualifier}" if self.qualifier else self.arn


def _parse_function(ref: str, region: str, account: str, config: TasksConfig) -> _Function:
    """Name, unqualified ARN and qualifier of a FunctionName / function ARN, and whether it
    is a function of ours (see the module docstring). ``region``/``account`` are the
    execution's (:func:`_where`)."""
    parts = ref.split(":")
    if ref.startswith("arn:") and len(parts) in (7, 8) and parts[5] == "function":
        name, qualifier = parts[6], (parts[7] if len(parts) > 7 else None)
        return _Function(
            name, ":".join(parts[:7]), qualifier, parts[4] == config.account and parts[3] == region
        )
    if len(parts) in (3, 4) and parts[1] == "function":  # ACCOUNT:function:NAME[:QUALIFIER]
        name, qualifier = parts[2], (parts[3] if len(parts) > 3 else None)
        return _Function(
            name,
            f"arn:aws:lambda:{region}:{parts[0]}:function:{name}",
            qualifier,
            parts[0] == config.account,
        )
    if ref.startswith("arn:") or len(parts) > 2:  # not a function reference Lambda knows
        return _Function(ref, ref, None, False)
    name, qualifier = parts[0], (parts[1] if len(parts) > 1 else None)
    return _Function(name, f"arn:aws:lambda:{region}:{account}:function:{name}", qualifier, True)


def _where(invoke: Invoke, config: TasksConfig) -> tuple[str, str]:
    """(region, account) of the execution (from the Context object), else the config's."""
    execution_id = ((invoke.context or {}).get("Execution") or {}).get("Id", "")
    parts = execution_id.split(":") if isinstance(execution_id, str) else []
    if len(parts) > 4 and parts[3] and parts[4]:
        return parts[3], parts[4]
    return config.region, config.account


def _trace_id() -> str:
    return (
        f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};"
        f"Parent={secrets.token_hex(8)};Sampled=0"
    )


def _sdk_response(
    payload: Any, request_id: str, version: str, status: int, log_result: str | None
) -> dict[str, Any]:
    """Lambda's Invoke response as the lambda:invoke integration returns it (key order and
    header spellings as recorded against AWS)."""
    length = str(len(json.dumps(payload).encode())) if status == 200 else "0"
    date, trace = formatdate(usegmt=True), _trace_id()
    all_headers: dict[str, Any] = {}
    if log_result is not None:
        all_headers["X-Amz-Log-Result"] = [log_result]
    all_headers.update(
        {
            "X-Amz-Executed-Version": [version],
            "x-amzn-Remapped-Content-Length": ["0"],
            "Connection": ["keep-alive"],
            "x-amzn-RequestId": [request_id],
            "Content-Length": [length],
            "Date": [date],
            "X-Amzn-Trace-Id": [trace],
            "Content-Type": ["application/json"],
        }
    )
    headers = {
        "Connection": "keep-alive",
        "Content-Length": length,
        "Content-Type": "application/json",
        "Date": date,
        "X-Amz-Executed-Version": version,
    }
    if log_result is not None:
        headers["X-Amz-Log-Result"] = log_result
    headers.update(
        {
            "x-amzn-Remapped-Content-Length": "0",
            "x-amzn-RequestId": request_id,
            "X-Amzn-Trace-Id": trace,
        }
    )
    out: dict[str, Any] = {"ExecutedVersion": version}
    if log_result is not None:
        out["LogResult"] = log_result
    out.update(
        {
            "Payload": payload,
            "SdkHttpMetadata": {
                "AllHttpHeaders": all_headers,
                "HttpHeaders": headers,
                "HttpStatusCode": status,
            },
            "SdkResponseMetadata": {"RequestId": request_id},
            "StatusCode": status,
        }
    )
    return out


def _log_tail(request_id: str, version: str) -> str:
    text = (
        f"START RequestId: {request_id} Version: {version}\n"
        f"END RequestId: {request_id}\n"
        f"REPORT RequestId: {request_id}\tDuration: 1.00 ms\tBilled Duration: 1 ms\t"
        f"Memory Size: 128 MB\tMax Memory Used: 32 MB\t\n"
    )
    return base64.b64encode(text.encode()).decode("ascii")


class LambdaTasks:
    def __init__(self, config: TasksConfig, io: IO, endpoints: EndpointMap) -> None:
        self._config = config
        self._io = io
        self._endpoints = endpoints
        self._callables: dict[str, Callable[..., Any]] = {}
        self._lock = threading.Lock()  # the stand-in pool's threads load callables

    # -- the two resource forms ------------------------------------------------------------
    async def function_arn(
        self, invoke: Invoke, resource: str, state_deadline: float | None
    ) -> Any:
        """``arn:aws:lambda:...:function:NAME``: the effective input is the event."""
        region, account = _where(invoke, self._config)
        function = _parse_function(resource, region, account, self._config)
        event = {} if invoke.parameters is None else invoke.parameters
        try:
            return await self._run(
                function, event, invoke, str(uuid.uuid4()), self._deadline(state_deadline)
            )
        except FunctionError as exc:
            # The plain form hands on the runtime's own JSON text (default separators).
            raise StatesError(self._error_name(exc.error), json.dumps(exc.error)) from None

    async def service_invoke(self, invoke: Invoke, state_deadline: float | None) -> dict[str, Any]:
        """``arn:aws:states:::lambda:invoke``: FunctionName + Payload, wrapped result."""
        params = invoke.parameters if isinstance(invoke.parameters, dict) else {}
        ref = params.get("FunctionName")
        if not isinstance(ref, str) or not ref:
            raise StatesError(RUNTIME, "The lambda:invoke Task requires a 'FunctionName' string")
        region, account = _where(invoke, self._config)
        function = _parse_function(ref, region, account, self._config)
        request_id = str(uuid.uuid4())
        event = self._event(params.get("Payload"), request_id)
        qualifier = function.qualifier or ""
        version = qualifier if qualifier.isdigit() else LATEST
        invocation_type = params.get("InvocationType", "RequestResponse")
        if invocation_type == "DryRun":
            self._target(function)  # DryRun only checks that the function exists
            return _sdk_response("", request_id, version, 204, None)
        if invocation_type == "Event":
            self._target(function)
            # Its outcome is nobody's business; bounded by the function's own limit only.
            self._io.background(
                self._run_quietly(function, event, invoke, request_id, self._deadline(None))
            )
            return _sdk_response("", request_id, version, 202, None)
        try:
            payload = await self._run(
                function, event, invoke, request_id, self._deadline(state_deadline)
            )
        except FunctionError as exc:
            raise StatesError(
                self._error_name(exc.error), compact(exc.error, ensure_ascii=True)
            ) from None
        log_result = _log_tail(request_id, version) if params.get("LogType") == "Tail" else None
        return _sdk_response(payload, request_id, version, 200, log_result)

    # -- helpers --------------------------------------------------------------------------
    def _deadline(self, state_deadline: float | None) -> Deadline:
        return Deadline.of(state_deadline, float(self._config.lambda_timeout_seconds))

    @staticmethod
    def _error_name(error: Mapping[str, Any]) -> str:
        name = error.get("errorType")
        return name if isinstance(name, str) and name else "Lambda.Unknown"

    @staticmethod
    def _event(payload: Any, request_id: str) -> Any:
        if payload is None:
            return {}
        if isinstance(payload, str):
            try:
                return json.loads(payload)
            except ValueError as exc:
                raise StatesError(
                    INVALID_CONTENT,
                    (
                        f"Could not parse request body into json: {exc} (Service: AWSLambda; "
                        f"Status Code: 400; Error Code: InvalidRequestContentException; "
                        f"Request ID: {request_id}; Proxy: null)"
                    ),
                ) from None
        return payload

    def _target(self, function: _Function) -> Any:
        """The map entry of ``function`` (see the module docstring for the rules)."""
        lambdas = self._config.lambdas
        latest = function.qualifier in (None, LATEST)
        keys = [function.qualified_arn] + ([function.arn] if latest else [])
        if function.ours:
            keys += (
                [f"{function.name}:{LATEST}", function.name]
                if latest
                else [f"{function.name}:{function.qualifier}"]
            )
        for key in keys:
            if key in lambdas:
                return lambdas[key]
        raise StatesError(
            NOT_FOUND,
            (
                f"Function not found: {function.qualified_arn} (Service: AWSLambda; Status Code: "
                f"404; Error Code: ResourceNotFoundException; Request ID: {uuid.uuid4()}; Proxy: "
                f'null) - map the function in "lambdas" of the orchestrator config or '
                f"ORCHESTRATOR_LAMBDAS (an ARN must name account {self._config.account} and the "
                f"execution's region)"
            ),
        )

    async def _run_quietly(
        self, function: _Function, event: Any, invoke: Invoke, request_id: str, deadline: Deadline
    ) -> None:
        try:
            await self._run(function, event, invoke, request_id, deadline)
        except Exception:  # an asynchronous invocation's outcome is nobody's business
            pass

    async def _run(
        self, function: _Function, event: Any, invoke: Invoke, request_id: str, deadline: Deadline
    ) -> Any:
        target = self._target(function)
        if isinstance(target, dict) and "python" in target:
            target = "python:" + str(target["python"])
        if isinstance(target, str) and target.startswith("python:"):
            run = partial(
                self._io.run_blocking,
                self._run_python,
                target,
                function,
                event,
                request_id,
                deadline,
            )
        elif isinstance(target, str):
            run = partial(
                self._run_http, target, "POST", function, event, invoke, request_id, deadline
            )
        elif isinstance(target, dict) and isinstance(target.get("url"), str):
            run = partial(
                self._run_http,
                target["url"],
                str(target.get("method", "POST")).upper(),
                function,
                event,
                invoke,
                request_id,
                deadline,
            )
        else:
            raise StatesError(
                RUNTIME,
                f"The Lambda map entry of {function.name} must be a "
                f'URL, "python:module:function" or {{"url": ...}}; '
                f"got {target!r}",
            )
        try:
            async with within(deadline):
                return await run()
        except CapExpired:
            raise FunctionError(
                {
                    "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                    f"{deadline.cap:.2f} seconds",
                    "errorType": "Sandbox.Timedout",
                }
            ) from None

    def _callable(self, spec: str) -> Callable[..., Any]:
        with self._lock:
            fn = self._callables.get(spec)
            if fn is None:
                module, _, name = spec[len("python:") :].rpartition(":")
                try:
                    fn = getattr(importlib.import_module(module), name)
                except (ImportError, AttributeError, ValueError) as exc:
                    raise StatesError(
                        RUNTIME, f"Cannot load the Lambda stand-in {spec!r}: {exc}"
                    ) from None
                self._callables[spec] = fn
            return fn

    def _run_python(
        self, spec: str, function: _Function, event: Any, request_id: str, deadline: Deadline
    ) -> Any:
        """On a stand-in pool thread (blocking is fine here)."""
        fn = self._callable(spec)
        context = LambdaContext(
            function.name, function.arn, request_id, time.monotonic() + deadline.remaining()
        )
        try:
            result = fn(event, context)
        except StatesError:
            raise
        except Exception as exc:
            frames = traceback.extract_tb(exc.__traceback__)[1:]  # drop this caller's frame
            raise FunctionError(
                {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "requestId": request_id,
                    "stackTrace": traceback.format_list(frames),
                }
            ) from None
        try:  # the runtime serialises the result: what cannot be JSON is a function error
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as exc:
            raise FunctionError(
                {
                    "errorMessage": f"Unable to marshal response: {exc}",
                    "errorType": "Runtime.MarshalError",
                    "requestId": request_id,
                    "stackTrace": [],
                }
            ) from None

    async def _run_http(
        self,
        url: str,
        method: str,
        function: _Function,
        event: Any,
        invoke: Invoke,
        request_id: str,
        deadline: Deadline,
    ) -> Any:
        target = self._endpoints.rewrite(parse_url(url))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": header_safe(invoke.key),
            "X-Request-Id": request_id,
            "X-Amz-Function-Name": function.name,
            DEADLINE_HEADER: deadline.header(),
        }
        try:
            reply = await self._io.request(
                method, target, data=json.dumps(event).encode(), headers=headers
            )
        except NetworkError as exc:
            raise StatesError(
                SDK_CLIENT,
                (
                    f"Unable to execute HTTP request: the function {function.name} at {method} "
                    f"{url} is unreachable: {exc}"
                ),
            ) from None
        text = reply.text()
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = text
        if reply.ok:
            return body
        if isinstance(body, dict) and isinstance(body.get("errorType"), str):
            error = {
                "errorMessage": str(body.get("errorMessage", "")),
                "errorType": body["errorType"],
                "requestId": request_id,
                "stackTrace": body.get("stackTrace", []),
            }
        else:
            error = {
                "errorMessage": text.strip(),
                "errorType": f"Http.StatusCode.{reply.status}",
                "requestId": request_id,
                "stackTrace": [],
            }
        raise FunctionError(error)
