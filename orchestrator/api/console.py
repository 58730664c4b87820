"""The web console: the single-page app at ``/`` and its JSON under ``/console/api/``.

The page shows a workflow, starts an execution with input, follows its progress and reads
its events and logs. Every endpoint is a thin wrapper over the engine's AWS operations,
called through :func:`.common.call` (the request validation and error codes boto3 gets from
:mod:`.aws`), plus the pure :mod:`orchestrator.console` helpers: the definition as a graph,
the history as per-state outcomes and the status vocabulary.

- ``GET /`` the app; ``GET /console/static/<file>``; ``GET /console/vendor/elk.js`` (elkjs,
  installed by ``make console`` into ``orchestrator/console/node_modules``: nothing from a CDN);
- ``GET /console/api/config`` the statuses the page shows, with their labels and tones
  (:func:`orchestrator.console.statuses.vocabulary`);
- ``GET /console/api/state-machines`` list (with each machine's latest execution);
- ``GET /console/api/state-machines/<name-or-ARN>`` definition, graph, diagnostics;
- ``POST /console/api/validate`` ``{"definition": TEXT, "type"?}`` diagnostics (+ graph);
- ``GET|POST /console/api/state-machines/<name-or-ARN>/executions`` list
  (``status``, ``pageSize``, ``nextToken``) / start (``{"input": TEXT, "name"?}``);
- ``GET /console/api/executions/<ARN>`` description, graph and summary;
  ``.../history`` (``pageSize``, ``nextToken``, ``reverse``), ``.../logs``, ``POST .../stop``
  (``{"error"?, "cause"?}``).

Timestamps are epoch milliseconds (what JavaScript's ``Date`` takes); errors are
``{"error": CODE, "message": ...}`` (:mod:`.common`).

Browser safety: every console request must name a host this server serves (``Host``; a
page from another site that re-points its own name at this address - DNS rebinding - is
refused), a write must come as ``Content-Type: application/json`` (which a cross-site form
cannot send without a CORS preflight, never granted here), and an ``Origin``, when sent,
must be the server's own. Served hosts: ``localhost``, ``127.0.0.1``, ``[::1]``, the bind
host, and ``ORCHESTRATOR_CONSOLE_HOSTS`` (comma-separated ``host`` or ``host:port``;
``*`` admits any).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, jsonify, request, send_from_directory

from ..console.graph import build_graph, state_types
from ..console.statuses import vocabulary
from ..console.summary import query_languages, summarize
from .common import (
    MAX_PAGE,
    HttpError,
    call,
    engine,
    handle_errors,
    json_body,
    pages,
    state_machine_arn,
)

bp = Blueprint("console", __name__)
handle_errors(bp)

CONSOLE_DIR = Path(__file__).resolve().parents[1] / "console"
STATIC_DIR = CONSOLE_DIR / "static"
ELK_FILE = CONSOLE_DIR / "node_modules" / "elkjs" / "lib" / "elk.bundled.js"

_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def _served_hosts() -> tuple[set[str], bool]:
    hosts = set(_LOCAL_HOSTS)
    bind = os.environ.get("ORCHESTRATOR_HOST")
    if bind and bind not in ("0.0.0.0", "::"):
        hosts.add(bind.lower())
    extra = [
        h.strip().lower()
        for h in os.environ.get("ORCHESTRATOR_CONSOLE_HOSTS", "").split(",")
        if h.strip()
    ]
    return hosts | set(extra), "*" in extra


def _host_of(netloc: str) -> tuple[str, str]:
    parts = urlsplit("//" + netloc)
    try:
        port = "" if parts.port is None else str(parts.port)
    except ValueError:
        port = "?"
    return (parts.hostname or "").lower(), port


@bp.before_request
def _same_site_only():
    hosts, anything = _served_hosts()
    host, port = _host_of(request.host or "")
    if not anything and host not in hosts and "%s:%s" % (host, port) not in hosts:
        raise HttpError(
            403,
            "FORBIDDEN_HOST",
            "The console is not served as %r: open it as http://localhost:<port>/ "
            "or add the host to ORCHESTRATOR_CONSOLE_HOSTS" % request.host,
        )
    origin = request.headers.get("Origin")  # "null" (a sandboxed page) is cross-site too
    if origin is not None and urlsplit(origin).netloc.lower() != (request.host or "").lower():
        raise HttpError(
            403, "FORBIDDEN_ORIGIN", "Cross-site requests are not accepted (Origin %s)" % origin
        )
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype != "application/json":
        raise HttpError(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "Console writes must be sent as Content-Type: application/json",
        )


def _plain(value: Any) -> Any:
    """datetimes -> epoch milliseconds, recursively."""
    if isinstance(value, datetime):
        return value.timestamp() * 1000.0
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _page_size(default: int = 20) -> int:
    try:
        size = int(request.args.get("pageSize", default))
    except ValueError:
        raise HttpError(400, "ValidationException", "'pageSize' must be a number") from None
    if not 1 <= size <= MAX_PAGE:
        raise HttpError(
            400, "ValidationException", "'pageSize' must be between 1 and %d" % MAX_PAGE
        )
    return size


def _latest_execution(machine_arn: str) -> dict | None:
    page = call("ListExecutions", {"stateMachineArn": machine_arn, "maxResults": 1})
    return page["executions"][0] if page.get("executions") else None


def _state_of(location: str) -> str | None:
    """``/States/P/Branches/0/States/X/Retry/0`` -> ``X``: the innermost state named by a
    diagnostic's JSON pointer."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in (location or "").split("/")]
    name = None
    for i, part in enumerate(parts[:-1]):
        if part == "States":
            name = parts[i + 1]
    return name


def _definition_view(text: str, machine_type: str) -> dict:
    """Diagnostics (warnings too) and, when the text is JSON, the graph."""
    params = {"definition": text, "type": machine_type, "severity": "WARNING", "maxResults": 100}
    result = call("ValidateStateMachineDefinition", params)
    diagnostics = [dict(d, state=_state_of(d.get("location", ""))) for d in result["diagnostics"]]
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    graph = build_graph(parsed) if isinstance(parsed, dict) else None
    return {
        "result": result["result"],
        "diagnostics": diagnostics,
        "truncated": result.get("truncated", False),
        "graph": graph,
    }


# --- the app ---------------------------------------------------------------------------
@bp.get("/")
def index():
    response = send_from_directory(STATIC_DIR, "index.html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/console/static/<path:filename>")
def static_file(filename: str):
    response = send_from_directory(STATIC_DIR, filename)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/console/vendor/elk.js")
def elk():
    if not ELK_FILE.is_file():
        abort(
            503,
            description="elkjs is not installed: run `make console` "
            "(npm ci in orchestrator/console)",
        )
    return send_from_directory(ELK_FILE.parent, ELK_FILE.name, max_age=3600)


# --- the page's vocabulary --------------------------------------------------------------
@bp.get("/console/api/config")
def config():
    return jsonify(vocabulary())


# --- state machines --------------------------------------------------------------------
@bp.get("/console/api/state-machines")
def list_machines():
    out = []
    for machine in pages("ListStateMachines", {"maxResults": MAX_PAGE}, "stateMachines"):
        arn = machine["stateMachineArn"]
        latest = _latest_execution(arn)
        definition = call("DescribeStateMachine", {"stateMachineArn": arn})["definition"]
        try:
            comment = json.loads(definition).get("Comment")
        except (ValueError, AttributeError):
            comment = None
        out.append(
            dict(
                machine,
                comment=comment if isinstance(comment, str) else None,
                latestExecution=latest,
            )
        )
    return jsonify(_plain({"stateMachines": out}))


@bp.get("/console/api/state-machines/<path:ident>")
def describe_machine(ident: str):
    arn = state_machine_arn(ident)
    machine = call("DescribeStateMachine", {"stateMachineArn": arn})
    view = _definition_view(machine["definition"], machine.get("type") or "STANDARD")
    latest = _latest_execution(arn)
    latest_input = None
    if latest:
        execution = call("DescribeExecution", {"executionArn": latest["executionArn"]})
        latest_input = execution.get("input")
    return jsonify(_plain(dict(machine, latestInput=latest_input, **view)))


@bp.post("/console/api/validate")
def validate():
    body = json_body()
    text = body.get("definition")
    if not isinstance(text, str):
        raise HttpError(
            400, "ValidationException", "'definition' must be the definition's JSON text"
        )
    return jsonify(_definition_view(text, body.get("type") or "STANDARD"))


@bp.get("/console/api/state-machines/<path:ident>/executions")
def list_executions(ident: str):
    params: dict = {"stateMachineArn": state_machine_arn(ident), "maxResults": _page_size()}
    status = request.args.get("status")
    if status:
        params["statusFilter"] = status
    if request.args.get("nextToken"):
        params["nextToken"] = request.args["nextToken"]
    return jsonify(_plain(call("ListExecutions", params)))


@bp.post("/console/api/state-machines/<path:ident>/executions")
def start_execution(ident: str):
    body = json_body()
    text = body.get("input", "{}")
    if not isinstance(text, str):
        text = json.dumps(text)
    params = {"stateMachineArn": state_machine_arn(ident), "input": text}
    if body.get("name"):
        params["name"] = body["name"]
    result = call("StartExecution", params)
    return jsonify(_plain(result)), 201


# --- executions ------------------------------------------------------------------------
@bp.get("/console/api/executions/<path:arn>")
def describe_execution(arn: str):
    execution = call("DescribeExecution", {"executionArn": arn})
    machine = call("DescribeStateMachineForExecution", {"executionArn": arn})
    try:
        definition = json.loads(machine["definition"])
    except ValueError:
        definition = {}
    params = {"executionArn": arn, "maxResults": MAX_PAGE}
    events = list(pages("GetExecutionHistory", params, "events"))
    summary = summarize(events, state_types(definition), query_languages(definition))
    return jsonify(
        _plain(
            {
                "execution": execution,
                "definition": machine["definition"],
                "stateMachineName": machine["name"],
                "loggingConfiguration": machine.get("loggingConfiguration"),
                "graph": build_graph(definition),
                "summary": summary,
                "eventCount": len(events),
            }
        )
    )


@bp.get("/console/api/executions/<path:arn>/history")
def history(arn: str):
    params: dict = {
        "executionArn": arn,
        "maxResults": _page_size(25),
        "reverseOrder": request.args.get("reverse", "").lower() in ("1", "true"),
    }
    if request.args.get("nextToken"):
        params["nextToken"] = request.args["nextToken"]
    return jsonify(_plain(call("GetExecutionHistory", params)))


@bp.get("/console/api/executions/<path:arn>/logs")
def logs(arn: str):
    machine = call("DescribeStateMachineForExecution", {"executionArn": arn})
    # Not an AWS operation: what CloudWatch Logs would have received (Engine.execution_logs).
    return jsonify(
        _plain(
            {
                "loggingConfiguration": machine.get("loggingConfiguration"),
                "records": engine().execution_logs(arn),
            }
        )
    )


@bp.post("/console/api/executions/<path:arn>/stop")
def stop_execution(arn: str):
    body = json_body()
    params: dict = {"executionArn": arn}
    for key in ("error", "cause"):
        if body.get(key) is not None:
            params[key] = body[key]
    return jsonify(_plain(call("StopExecution", params)))
