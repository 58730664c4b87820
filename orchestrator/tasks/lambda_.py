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

The map (:class:`~orchestrator.tasks.config.TasksConfig` ``lambdas``) is keyed by function
name or ARN; a value is

- ``"http://users:8001/users"`` or ``{"url": ..., "method": "POST"}`` - the event is POSTed
  as JSON (through the endpoint map; with ``Idempotency-Key: <Invoke.key>`` and
  ``X-Request-Id``); a 2xx JSON answer is the function's result. A non-2xx answer is a
  function error: its ``errorType``/``errorMessage`` when the body carries them, else
  errorType ``Http.StatusCode.NNN`` with the body as errorMessage. A network failure is
  ``Lambda.SdkClientException`` (covered by AWS's recommended Lambda retrier);
- ``"python:module:function"`` - ``function(event, context)`` is called in-process (the
  conformance stand-ins of :mod:`.standins`). An exception it raises is a function error,
  shaped like the Python runtime's; a :class:`StatesError` it raises passes through.

Function errors, as recorded against AWS (conformance corpus): the error is the
``errorType`` (``Exception``, ``CustomException``); the cause is the JSON text
``{"errorMessage", "errorType", "requestId", "stackTrace"}`` - written by the Lambda runtime
(``", "`` / ``": "`` separators) for the plain ARN form, and re-serialised compactly by the
service integration for ``lambda:invoke``. An unmapped function is
``Lambda.ResourceNotFoundException``. ``TimeoutSeconds`` elapsing while waiting is
``States.Timeout``.
"""
from __future__ import annotations

import base64
import importlib
import json
import linecache
import secrets
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any, Callable, Mapping

import requests

from ..asl.errors import RUNTIME, TIMEOUT, StatesError
from ..asl.runtime import Invoke
from .config import TasksConfig
from .endpoints import EndpointMap
from .transport import SessionHolder, header_safe, is_timeout

__all__ = ["LambdaTasks", "FunctionError", "LambdaContext", "register_source"]

NOT_FOUND = "Lambda.ResourceNotFoundException"
SDK_CLIENT = "Lambda.SdkClientException"
INVALID_CONTENT = "Lambda.InvalidRequestContentException"
LATEST = "$LATEST"

# Sources of in-process functions compiled under a virtual file name (the stand-ins use
# AWS's "/var/task/handler.py"), so their stack traces read like the Lambda runtime's.
_VIRTUAL_SOURCES: dict[str, list[str]] = {}


def register_source(filename: str, lines: list[str]) -> None:
    _VIRTUAL_SOURCES[filename] = lines


def _install_sources() -> None:
    # Re-installed before every traceback: anyone may call linecache.clearcache().
    for filename, lines in _VIRTUAL_SOURCES.items():
        linecache.cache[filename] = (sum(map(len, lines)), None, lines, filename)


class FunctionError(Exception):
    """A function error (the function ran and failed): the runtime's error object."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("errorType"))
        self.error = error


@dataclass
class LambdaContext:
    """The parts of the Python runtime's context object the stand-ins use."""

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
    arn: str
    qualifier: str | None


def _parse_function(ref: str, region: str, account: str) -> _Function:
    """Name, unqualified ARN and qualifier of a FunctionName / function ARN."""
    parts = ref.split(":")
    if ref.startswith("arn:") and len(parts) >= 7 and parts[5] == "function":
        name, qualifier = parts[6], (parts[7] if len(parts) > 7 else None)
        return _Function(name, ":".join(parts[:7]), qualifier)
    if len(parts) >= 3 and parts[1] == "function":  # ACCOUNT:function:NAME[:QUALIFIER]
        name, qualifier = parts[2], (parts[3] if len(parts) > 3 else None)
        return _Function(name, f"arn:aws:lambda:{region}:{parts[0]}:function:{name}", qualifier)
    name, qualifier = parts[0], (parts[1] if len(parts) > 1 else None)
    return _Function(name, f"arn:aws:lambda:{region}:{account}:function:{name}", qualifier)


def _where(invoke: Invoke, config: TasksConfig) -> tuple[str, str]:
    """(region, account) of the execution (from the Context object), else the config's."""
    execution_id = ((invoke.context or {}).get("Execution") or {}).get("Id", "")
    parts = execution_id.split(":") if isinstance(execution_id, str) else []
    if len(parts) > 4 and parts[3] and parts[4]:
        return parts[3], parts[4]
    return config.region, config.account


def _trace_id() -> str:
    return (f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};"
            f"Parent={secrets.token_hex(8)};Sampled=0")


def _sdk_response(payload: Any, request_id: str, version: str, status: int,
                  log_result: str | None) -> dict[str, Any]:
    """Lambda's Invoke response as the lambda:invoke integration returns it (key order and
    header spellings as recorded against AWS)."""
    length = str(len(json.dumps(payload).encode())) if status == 200 else "0"
    date, trace = formatdate(usegmt=True), _trace_id()
    all_headers: dict[str, Any] = {}
    if log_result is not None:
        all_headers["X-Amz-Log-Result"] = [log_result]
    all_headers.update({
        "X-Amz-Executed-Version": [version], "x-amzn-Remapped-Content-Length": ["0"],
        "Connection": ["keep-alive"], "x-amzn-RequestId": [request_id],
        "Content-Length": [length], "Date": [date], "X-Amzn-Trace-Id": [trace],
        "Content-Type": ["application/json"]})
    headers = {"Connection": "keep-alive", "Content-Length": length,
               "Content-Type": "application/json", "Date": date,
               "X-Amz-Executed-Version": version}
    if log_result is not None:
        headers["X-Amz-Log-Result"] = log_result
    headers.update({"x-amzn-Remapped-Content-Length": "0", "x-amzn-RequestId": request_id,
                    "X-Amzn-Trace-Id": trace})
    out: dict[str, Any] = {"ExecutedVersion": version}
    if log_result is not None:
        out["LogResult"] = log_result
    out.update({"Payload": payload,
                "SdkHttpMetadata": {"AllHttpHeaders": all_headers, "HttpHeaders": headers,
                                    "HttpStatusCode": status},
                "SdkResponseMetadata": {"RequestId": request_id},
                "StatusCode": status})
    return out


def _log_tail(request_id: str, version: str) -> str:
    text = (f"START RequestId: {request_id} Version: {version}\n"
            f"END RequestId: {request_id}\n"
            f"REPORT RequestId: {request_id}\tDuration: 1.00 ms\tBilled Duration: 1 ms\t"
            f"Memory Size: 128 MB\tMax Memory Used: 32 MB\t\n")
    return base64.b64encode(text.encode()).decode("ascii")


class LambdaTasks:
    def __init__(self, config: TasksConfig, sessions: SessionHolder,
                 endpoints: EndpointMap) -> None:
        self._config = config
        self._sessions = sessions
        self._endpoints = endpoints
        self._callables: dict[str, Callable[..., Any]] = {}
        self._lock = threading.Lock()

    # -- the two resource forms ------------------------------------------------------------
    def function_arn(self, invoke: Invoke, resource: str) -> Any:
        """``arn:aws:lambda:...:function:NAME``: the effective input is the event."""
        region, account = _where(invoke, self._config)
        function = _parse_function(resource, region, account)
        event = {} if invoke.parameters is None else invoke.parameters
        try:
            return self._run(function, event, invoke, str(uuid.uuid4()))
        except FunctionError as exc:
            # The plain form hands on the runtime's own JSON text (default separators).
            raise StatesError(self._error_name(exc.error), json.dumps(exc.error)) from None

    def service_invoke(self, invoke: Invoke) -> dict[str, Any]:
        """``arn:aws:states:::lambda:invoke``: FunctionName + Payload, wrapped result."""
        params = invoke.parameters if isinstance(invoke.parameters, dict) else {}
        ref = params.get("FunctionName")
        if not isinstance(ref, str) or not ref:
            raise StatesError(RUNTIME, "The lambda:invoke Task requires a 'FunctionName' string")
        region, account = _where(invoke, self._config)
        function = _parse_function(ref, region, account)
        request_id = str(uuid.uuid4())
        event = self._event(params.get("Payload"), request_id)
        version = function.qualifier if (function.qualifier or "").isdigit() else LATEST
        invocation_type = params.get("InvocationType", "RequestResponse")
        if invocation_type == "DryRun":
            self._target(function)  # DryRun only checks that the function exists
            return _sdk_response("", request_id, version, 204, None)
        if invocation_type == "Event":
            self._target(function)
            threading.Thread(target=self._run_quietly, args=(function, event, invoke, request_id),
                             daemon=True, name=f"lambda-event-{function.name}").start()
            return _sdk_response("", request_id, version, 202, None)
        try:
            payload = self._run(function, event, invoke, request_id)
        except FunctionError as exc:
            raise StatesError(self._error_name(exc.error),
                              json.dumps(exc.error, separators=(",", ":"))) from None
        log_result = _log_tail(request_id, version) if params.get("LogType") == "Tail" else None
        return _sdk_response(payload, request_id, version, 200, log_result)

    # -- helpers --------------------------------------------------------------------------
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
                raise StatesError(INVALID_CONTENT, (
                    f"Could not parse request body into json: {exc} (Service: AWSLambda; "
                    f"Status Code: 400; Error Code: InvalidRequestContentException; "
                    f"Request ID: {request_id}; Proxy: null)")) from None
        return payload

    def _target(self, function: _Function) -> Any:
        lambdas = self._config.lambdas
        keys = [f"{function.arn}:{function.qualifier}" if function.qualifier else None,
                function.arn,
                f"{function.name}:{function.qualifier}" if function.qualifier else None,
                function.name]
        for key in keys:
            if key is not None and key in lambdas:
                return lambdas[key]
        raise StatesError(NOT_FOUND, (
            f"Function not found: {function.arn} (Service: AWSLambda; Status Code: 404; Error "
            f"Code: ResourceNotFoundException; Request ID: {uuid.uuid4()}; Proxy: null) - map "
            f"the function in \"lambdas\" of the orchestrator config or ORCHESTRATOR_LAMBDAS"))

    def _run_quietly(self, function: _Function, event: Any, invoke: Invoke,
                     request_id: str) -> None:
        try:
            self._run(function, event, invoke, request_id)
        except Exception:  # an asynchronous invocation's outcome is nobody's business
            pass

    def _run(self, function: _Function, event: Any, invoke: Invoke, request_id: str) -> Any:
        target = self._target(function)
        if isinstance(target, str) and target.startswith("python:"):
            return self._run_python(target, function, event, invoke, request_id)
        if isinstance(target, dict) and "python" in target:
            return self._run_python("python:" + str(target["python"]), function, event, invoke,
                                    request_id)
        if isinstance(target, str):
            return self._run_http(target, "POST", function, event, invoke, request_id)
        if isinstance(target, dict) and isinstance(target.get("url"), str):
            return self._run_http(target["url"], str(target.get("method", "POST")).upper(),
                                  function, event, invoke, request_id)
        raise StatesError(RUNTIME, f"The Lambda map entry of {function.name} must be a URL, "
                                   f"\"python:module:function\" or {{\"url\": ...}}; got "
                                   f"{target!r}")

    def _timeout(self, invoke: Invoke) -> float:
        return float(invoke.timeout_seconds or self._config.lambda_timeout_seconds)

    def _callable(self, spec: str) -> Callable[..., Any]:
        with self._lock:
            fn = self._callables.get(spec)
            if fn is None:
                module, _, name = spec[len("python:"):].rpartition(":")
                try:
                    fn = getattr(importlib.import_module(module), name)
                except (ImportError, AttributeError, ValueError) as exc:
                    raise StatesError(RUNTIME, f"Cannot load the Lambda stand-in {spec!r}: "
                                               f"{exc}") from None
                self._callables[spec] = fn
            return fn

    def _run_python(self, spec: str, function: _Function, event: Any, invoke: Invoke,
                    request_id: str) -> Any:
        fn = self._callable(spec)
        context = LambdaContext(function.name, function.arn, request_id,
                                time.monotonic() + self._timeout(invoke))
        try:
            result = fn(event, context)
        except StatesError:
            raise
        except Exception as exc:
            _install_sources()
            frames = traceback.extract_tb(exc.__traceback__)[1:]  # drop this caller's frame
            raise FunctionError({"errorMessage": str(exc), "errorType": type(exc).__name__,
                                 "requestId": request_id,
                                 "stackTrace": traceback.format_list(frames)}) from None
        try:  # the runtime serialises the result: what cannot be JSON is a function error
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as exc:
            raise FunctionError({"errorMessage": f"Unable to marshal response: {exc}",
                                 "errorType": "Runtime.MarshalError",
                                 "requestId": request_id, "stackTrace": []}) from None

    def _run_http(self, url: str, method: str, function: _Function, event: Any, invoke: Invoke,
                  request_id: str) -> Any:
        target = self._endpoints.rewrite(url, check=False)  # operator-written: trusted
        timeout = self._timeout(invoke)
        headers = {"Content-Type": "application/json", "Idempotency-Key": header_safe(invoke.key),
                   "X-Request-Id": request_id, "X-Amz-Function-Name": function.name}
        try:
            response = self._sessions.get().request(
                method, target, data=json.dumps(event).encode(), headers=headers,
                timeout=timeout, allow_redirects=False)
        except requests.RequestException as exc:
            if is_timeout(exc):
                if invoke.timeout_seconds:
                    raise StatesError(TIMEOUT, None) from None
                raise FunctionError({
                    "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                                    f"{timeout:.2f} seconds",
                    "errorType": "Sandbox.Timedout"}) from None
            raise StatesError(SDK_CLIENT, (
                f"Unable to execute HTTP request: the function {function.name} at {method} "
                f"{url} is unreachable: {exc.__class__.__name__}: {exc}")) from None
        text = response.content.decode("utf-8", errors="replace")
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = text
        if 200 <= response.status_code < 300:
            return body
        if isinstance(body, dict) and isinstance(body.get("errorType"), str):
            error = {"errorMessage": str(body.get("errorMessage", "")),
                     "errorType": body["errorType"], "requestId": request_id,
                     "stackTrace": body.get("stackTrace", [])}
        else:
            error = {"errorMessage": text.strip(),
                     "errorType": f"Http.StatusCode.{response.status_code}",
                     "requestId": request_id, "stackTrace": []}
        raise FunctionError(error)
