"""A small REST facade for curl, on top of the same engine operations as the AWS protocol.

- ``POST /executions`` ``{"stateMachine": NAME-or-ARN, "input": {...}, "name"?: ...}`` -> 201
  (StartExecution).
- ``GET /executions/<id>[?wait=SECONDS]``: ``<id>`` is an execution ARN (``:`` may be sent
  as is or URL-encoded as ``%3A``) or ``<stateMachineName>:<executionName>``. ``wait`` blocks
  until the execution ends or the seconds pass (at most 300), for scripts (DescribeExecution).
- ``GET /executions/<id>/history[?reverseOrder=true][&includeExecutionData=false]`` ->
  ``{"events": [...]}`` (every page of GetExecutionHistory).
- ``GET /executions?stateMachine=NAME-or-ARN[&status=RUNNING]`` and ``GET /state-machines``
  (every page of ListExecutions / ListStateMachines).
- ``GET /health`` (liveness) and ``GET /ready`` (the journal answers and can be written).

Every operation goes through :func:`.common.call`, i.e. the AWS protocol's request
validation. Bodies use AWS's member names
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_Operations.html);
timestamps are ISO 8601 strings and the execution's ``input`` / ``output`` are JSON values
instead of JSON text. Errors are ``{"error": CODE, "message": ...}`` with the AWS error code
and the HTTP status of :data:`.common.STATUS`.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any
from urllib.parse import quote, unquote

from flask import Blueprint, Response, current_app, jsonify, request

from ..asl.document import compact
from . import shapes
from .common import HttpError, call, engine, handle_errors, json_body, pages, state_machine_arn

log = logging.getLogger(__name__)

bp = Blueprint("rest", __name__)
handle_errors(bp)

MAX_WAIT_SECONDS = 300.0
_TRUE = {"1", "true", "yes"}


def _render(operation: str, result: dict) -> dict:
    model = shapes.operation(operation)
    assert model is not None  # only the operations this module calls
    body = shapes.serialise(model.output_shape, result, shapes.iso_8601)
    for key in ("input", "output"):
        # JSON text -> JSON value, so `curl | jq .output.orderId` works.
        if isinstance(body.get(key), str):
            try:
                body[key] = json.loads(body[key])
            except ValueError:
                pass
    return body


def _machine_arn(name_or_arn: Any) -> str:
    if not isinstance(name_or_arn, str) or not name_or_arn:
        raise HttpError(
            400, "ValidationException", "'stateMachine' must be a state machine name or ARN"
        )
    return state_machine_arn(name_or_arn)


def execution_arn(ident: str) -> str:
    """``<id>`` of the routes -> execution ARN. Names cannot contain ``:``, so an id with
    exactly one ``:`` is ``<stateMachineName>:<executionName>``."""
    ident = unquote(ident)  # tolerate ARNs encoded twice by over-eager clients
    if ident.startswith("arn:"):
        return ident
    parts = ident.split(":")
    if len(parts) != 2 or not all(parts):
        raise HttpError(
            400,
            "InvalidArn",
            "Expected an execution ARN or '<stateMachineName>:<executionName>', got '%s'" % ident,
        )
    machine = state_machine_arn(parts[0])
    return machine.replace(":stateMachine:", ":execution:", 1) + ":" + parts[1]


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() in _TRUE


@bp.post("/executions")
def start_execution():
    body = json_body()
    unknown = sorted(set(body) - {"stateMachine", "input", "name"})
    if unknown:
        raise HttpError(400, "ValidationException", "Unknown fields: %s" % ", ".join(unknown))
    params = {
        "stateMachineArn": _machine_arn(body.get("stateMachine")),
        "input": compact(body.get("input", {})),
    }
    if body.get("name") is not None:
        params["name"] = body["name"]
    result = call("StartExecution", params)
    response = jsonify(_render("StartExecution", result))
    response.status_code = 201
    response.headers["Location"] = "/executions/" + quote(result["executionArn"], safe="")
    return response


@bp.get("/executions")
def list_executions():
    machine = request.args.get("stateMachine")
    if not machine:
        raise HttpError(400, "ValidationException", "Query parameter 'stateMachine' is required")
    params = {"stateMachineArn": _machine_arn(machine)}
    if request.args.get("status"):
        params["statusFilter"] = request.args["status"]
    executions = list(pages("ListExecutions", params, "executions"))
    return jsonify(_render("ListExecutions", {"executions": executions}))


@bp.get("/executions/<path:ident>/history")
def execution_history(ident: str):
    params = {"executionArn": execution_arn(ident), "reverseOrder": _flag("reverseOrder")}
    if "includeExecutionData" in request.args:
        params["includeExecutionData"] = _flag("includeExecutionData")
    events = list(pages("GetExecutionHistory", params, "events"))
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
            raise HttpError(400, "ValidationException", "'wait' must be a number of seconds")
        seconds = min(max(seconds, 0.0), MAX_WAIT_SECONDS)
        call("DescribeExecution", {"executionArn": arn})  # a missing execution is a 404 first
        if seconds > 0:
            with current_app.extensions["long_polls"]:
                engine().wait_for(arn, seconds)
    return jsonify(_render("DescribeExecution", call("DescribeExecution", {"executionArn": arn})))


@bp.get("/state-machines")
def list_state_machines():
    machines = list(pages("ListStateMachines", {}, "stateMachines"))
    return jsonify(_render("ListStateMachines", {"stateMachines": machines}))


@bp.get("/health")
def health():
    return jsonify({"status": "ok"})


@bp.get("/ready")
def ready() -> Response | tuple:
    """Ready when the engine answers a read from its journal and can write to it (a full
    disk or a read-only journal is "unavailable", with the reason)."""
    try:
        call("ListStateMachines", {"maxResults": 1})
        reason = engine().unavailable(probe=True)
    except Exception as exc:  # any failure means "not ready", reported, never raised
        reason = "%s: %s" % (type(exc).__name__, exc)
    if reason is not None:
        log.warning("not ready: %s", reason)
        return jsonify({"status": "unavailable", "message": reason}), 503
    return jsonify({"status": "ready"})
