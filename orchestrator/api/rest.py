"""A small REST facade for curl, on top of the same engine operations as the AWS protocol.

DESIGN.md: "A small REST facade for curl: ``POST /executions``, ``GET /executions/<id>``,
``GET /executions/<id>/history``, ``GET /state-machines``."

- ``POST /executions`` ``{"stateMachine": NAME-or-ARN, "input": {...}, "name"?: ...}`` -> 201.
- ``GET /executions/<id>[?wait=SECONDS]``: ``<id>`` is an execution ARN (``:`` may be sent
  as is or URL-encoded as ``%3A``) or ``<stateMachineName>:<executionName>``. ``wait`` blocks
  until the execution ends or the seconds pass (at most 300), for scripts.
- ``GET /executions/<id>/history[?reverseOrder=true]`` -> ``{"events": [...]}`` (all pages).
- ``GET /executions?stateMachine=NAME[&status=RUNNING]`` and ``GET /state-machines``.
- ``GET /health`` (liveness) and ``GET /ready`` (the journal answers).

Bodies use AWS's member names; timestamps are ISO 8601 strings and the execution's
``input`` / ``output`` are JSON values instead of JSON text. Errors are
``{"error": CODE, "message": ...}`` with the AWS error code.
"""
from __future__ import annotations

import json
import logging
import math
from typing import Any, Iterator
from urllib.parse import quote, unquote

from flask import Blueprint, Response, current_app, jsonify, request

from ..engine.errors import ApiError
from . import shapes

log = logging.getLogger(__name__)

bp = Blueprint("rest", __name__)

MAX_WAIT_SECONDS = 300.0
# REST statuses for the AWS codes that have a more precise HTTP meaning than 400.
_STATUS = {
    "StateMachineDoesNotExist": 404,
    "ExecutionDoesNotExist": 404,
    "ExecutionAlreadyExists": 409,
    "StateMachineAlreadyExists": 409,
    "ThrottlingException": 429,
}
_TRUE = {"1", "true", "yes"}


class RestError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@bp.errorhandler(RestError)
def _rest_error(exc: RestError):
    return jsonify({"error": exc.code, "message": exc.message}), exc.status


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    status = _STATUS.get(exc.code, exc.status)
    response = jsonify({"error": exc.code, "message": exc.message})
    response.status_code = status
    if status in (429, 503):
        response.headers["Retry-After"] = "1"
    return response


def _engine():
    return current_app.extensions["engine"]


def _call(operation: str, params: dict) -> dict:
    """Runs one AWS operation with the AWS protocol's own request validation."""
    try:
        return shapes.call(_engine(), operation, params)
    except shapes.RequestInvalid as exc:
        raise RestError(400, "ValidationException", exc.message) from None


def _render(operation: str, result: dict) -> dict:
    body = shapes.serialise(shapes.operation(operation).output_shape, result, shapes.iso_8601)
    for key in ("input", "output"):
        # JSON text -> JSON value, so `curl | jq .output.orderId` works.
        if isinstance(body.get(key), str):
            try:
                body[key] = json.loads(body[key])
            except ValueError:
                pass
    return body


def _pages(operation: str, params: dict, items: str) -> Iterator[dict]:
    token = None
    while True:
        page = _call(operation, dict(params, **({"nextToken": token} if token else {})))
        yield from page.get(items, [])
        token = page.get("nextToken")
        if not token:
            return


def _state_machine_arn(name_or_arn: Any) -> str:
    if not isinstance(name_or_arn, str) or not name_or_arn:
        raise RestError(400, "ValidationException", "'stateMachine' must be a state machine name or ARN")
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    for machine in _pages("ListStateMachines", {}, "stateMachines"):
        if machine.get("name") == name_or_arn:
            return machine["stateMachineArn"]
    raise RestError(404, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'" % name_or_arn)


def execution_arn(ident: str) -> str:
    """``<id>`` of the routes -> execution ARN. Names cannot contain ``:``, so an id with
    exactly one ``:`` is ``<stateMachineName>:<executionName>``."""
    ident = unquote(ident)  # tolerate ARNs encoded twice by over-eager clients
    if ident.startswith("arn:"):
        return ident
    parts = ident.split(":")
    if len(parts) != 2 or not all(parts):
        raise RestError(400, "InvalidArn",
                        "Expected an execution ARN or '<stateMachineName>:<executionName>', got '%s'" % ident)
    machine = _state_machine_arn(parts[0])
    return machine.replace(":stateMachine:", ":execution:", 1) + ":" + parts[1]


def _json_body() -> dict:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes: not a body we take
        body = None
    if not isinstance(body, dict):
        raise RestError(400, "BAD_REQUEST", "The request body must be a JSON object")
    return body


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() in _TRUE


@bp.post("/executions")
def start_execution():
    body = _json_body()
    unknown = sorted(set(body) - {"stateMachine", "input", "name"})
    if unknown:
        raise RestError(400, "ValidationException", "Unknown fields: %s" % ", ".join(unknown))
    params = {"stateMachineArn": _state_machine_arn(body.get("stateMachine")),
              "input": json.dumps(body.get("input", {}), separators=(",", ":"), ensure_ascii=False)}
    if body.get("name") is not None:
        params["name"] = body["name"]
    result = _call("StartExecution", params)
    response = jsonify(_render("StartExecution", result))
    response.status_code = 201
    response.headers["Location"] = "/executions/" + quote(result["executionArn"], safe="")
    return response


@bp.get("/executions")
def list_executions():
    machine = request.args.get("stateMachine")
    if not machine:
        raise RestError(400, "ValidationException", "Query parameter 'stateMachine' is required")
    params = {"stateMachineArn": _state_machine_arn(machine)}
    if request.args.get("status"):
        params["statusFilter"] = request.args["status"]
    executions = list(_pages("ListExecutions", params, "executions"))
    return jsonify(_render("ListExecutions", {"executions": executions}))


@bp.get("/executions/<path:ident>/history")
def execution_history(ident: str):
    params = {"executionArn": execution_arn(ident), "reverseOrder": _flag("reverseOrder")}
    if "includeExecutionData" in request.args:
        params["includeExecutionData"] = _flag("includeExecutionData")
    events = list(_pages("GetExecutionHistory", params, "events"))
    return jsonify(_render("GetExecutionHistory", {"events": events}))


@bp.get("/executions/<path:ident>")
def describe_execution(ident: str):
    arn = execution_arn(ident)
    wait = request.args.get("wait")
    if wait is not None:
        try:
            seconds = float(wait)
        except ValueError:
            seconds = float("nan")
        if math.isnan(seconds):
            raise RestError(400, "ValidationException", "'wait' must be a number of seconds")
        seconds = min(max(seconds, 0.0), MAX_WAIT_SECONDS)
        _call("DescribeExecution", {"executionArn": arn})  # a missing execution is a 404 first
        if seconds > 0:
            with current_app.extensions["long_polls"]:
                _engine().wait_for(arn, seconds)
    return jsonify(_render("DescribeExecution", _call("DescribeExecution", {"executionArn": arn})))


@bp.get("/state-machines")
def list_state_machines():
    machines = list(_pages("ListStateMachines", {}, "stateMachines"))
    return jsonify(_render("ListStateMachines", {"stateMachines": machines}))


@bp.get("/health")
def health():
    return jsonify({"status": "ok"})


@bp.get("/ready")
def ready() -> Response | tuple:
    """Ready when the engine answers a read from its journal and can write to it (a full
    disk or a read-only journal is "unavailable", with the reason)."""
    engine = _engine()
    try:
        engine.list_state_machines({"maxResults": 1})
        reason = engine.unavailable(probe=True) if hasattr(engine, "unavailable") else None
    except Exception as exc:  # any failure means "not ready", reported, never raised
        reason = "%s: %s" % (type(exc).__name__, exc)
    if reason is not None:
        log.warning("not ready: %s", reason)
        return jsonify({"status": "unavailable", "message": reason}), 503
    return jsonify({"status": "ready"})
