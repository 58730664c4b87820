"""The web console: the single-page app at ``/`` and its JSON under ``/console/api/``.

The page shows a workflow, starts an execution with input, follows its progress and reads
its events and logs. Every endpoint is a thin wrapper over the engine's AWS operations,
called through :func:`.common.call` (the request validation and error codes boto3 gets from
:mod:`.aws`), plus the pure :mod:`orchestrator.console` helpers: the definition as a graph,
the history as per-state outcomes and the status vocabulary.

- ``GET /`` the app; ``GET /console/static/<file>``; ``GET /console/vendor/elk.js`` (elkjs,
  installed by ``make console`` into ``orchestrator/console/node_modules``: nothing from a CDN)
  and ``GET /console/vendor/codemirror.js`` (the designer's code editor, bundled from
  ``orchestrator/console/src/editor.js`` by ``make console``);
- ``GET /console/api/config`` the statuses the page shows, with their labels and tones
  (:func:`orchestrator.console.statuses.vocabulary`);
- ``GET /console/api/state-machines`` list (with each machine's latest execution);
- ``GET /console/api/state-machines/<name-or-ARN>`` definition, graph, diagnostics, and
  what a save sends back: ``revisionId`` (once updated), ``updateDate`` (the creation date
  until then), ``type``, ``loggingConfiguration``;
- ``GET /console/api/designer`` what the workflow designer starts from: ``templates``
  (``[{"id", "title", "description", "definition"}]``), ``presets`` (one Task state per
  endpoint-map entry and Lambda-map function of the Task configuration:
  ``[{"id", "title", "group": "HTTP"|"Lambda", "state"}]``) and ``defaults``
  (``roleArn``, ``types``, ``loggingLevels``, ``queryLanguages``):
  :mod:`orchestrator.console.designer`;
- ``POST /console/api/state-machines`` create (``{"name", "definition": TEXT, "type"?,
  "loggingLevel"?}``, 201 ``{"stateMachineArn", "name", "creationDate"}``; a name in use is
  409 ``StateMachineAlreadyExists``, even with the same definition);
- ``PUT /console/api/state-machines/<name-or-ARN>`` save (``{"definition": TEXT,
  "loggingLevel"?, "expectedRevisionId"?, "expectedUpdateDate"?}``, 200
  ``{"stateMachineArn", "updateDate", "revisionId"}``; a machine changed since the
  expected revision (null: never updated) or ``updateDate`` (as the detail gave it, or cut
  to whole milliseconds) is 409 ``CONFLICT`` and nothing is written);
- ``POST /console/api/validate`` ``{"definition": TEXT, "type"?}`` diagnostics (+ graph);
- ``GET|POST /console/api/state-machines/<name-or-ARN>/executions`` list
  (``status``, ``pageSize``, ``nextToken``) / start (``{"input": TEXT, "name"?}``);
- ``GET /console/api/executions/<ARN>`` description, graph and summary;
  ``.../history`` (``pageSize``, ``nextToken``, ``reverse``), ``.../logs``, ``POST .../stop``, ``POST .../redrive``
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
import math
import os
import threading
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    request,
    send_from_directory,
)

from ..console import designer
from ..console.graph import build_graph, state_types
from ..console.statuses import vocabulary
from ..console.summary import Summarizer, query_languages
from ..engine.config import EngineConfig
from ..engine.errors import ApiError
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
# The checkout's definitions, for the order-flow template when the configured folder has none.
REPO_STATEMACHINES_DIR = Path(__file__).resolve().parents[2] / "statemachines"
ORDER_FLOW_FILE = "order_flow.asl.json"
# A console create or save checks, then writes: one at a time in this process.
_WRITES = threading.Lock()

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


@bp.get("/console/vendor/codemirror.js")
def codemirror():
    """The designer's code editor: CodeMirror 6, bundled by esbuild from
    ``orchestrator/console/src/editor.js`` (``make console``: npm ci, npm run build)."""
    bundle = CONSOLE_DIR / "node_modules" / ".build" / "codemirror.js"
    if not bundle.is_file():
        abort(
            503,
            description="the console's editor is not built: run `make console` "
            "(npm ci and npm run build in orchestrator/console)",
        )
    response = send_from_directory(bundle.parent, bundle.name)
    response.headers["Cache-Control"] = "no-cache"
    return response


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
    updated = _update_date(machine)
    return jsonify(_plain(dict(machine, updateDate=updated, latestInput=latest_input, **view)))


def _update_date(machine: dict) -> datetime | None:
    """When ``machine`` (the engine's DescribeStateMachine answer) last changed: its
    ``updateDate``, an engine extra beyond AWS's shape (the creation date until updated)."""
    return machine.get("updateDate") or machine.get("creationDate")


@bp.post("/console/api/validate")
def validate():
    body = json_body()
    text = body.get("definition")
    if not isinstance(text, str):
        raise HttpError(
            400, "ValidationException", "'definition' must be the definition's JSON text"
        )
    return jsonify(_definition_view(text, body.get("type") or "STANDARD"))


@bp.post("/console/api/test-state")
def test_state() -> Response:
    """TestState on one state of the designer's definition (the inspector's panel)."""
    body = json_body()
    params: dict = {"definition": _text(body, "definition"), "roleArn": _role_arn()}
    for key in ("stateName", "input", "inspectionLevel", "variables"):
        if body.get(key) not in (None, ""):
            params[key] = body[key]
    if body.get("mockResult") not in (None, ""):
        params["mock"] = {"result": body["mockResult"]}
    return jsonify(_plain(call("TestState", params)))


# --- the workflow designer ----------------------------------------------------------------
def _engine_config() -> EngineConfig:
    """The engine's settings (``Engine.config``); an engine without any (a test's stand-in)
    runs on the defaults."""
    config = getattr(engine(), "config", None)
    return config if isinstance(config, EngineConfig) else EngineConfig()


def _tasks_config() -> Any:
    """The Task configuration the engine's Task resources run with (None when it has none,
    as a test's stand-in engine)."""
    read = getattr(engine(), "task_config", None)
    return read() if callable(read) else None


def _order_flow() -> str | None:
    """``order_flow.asl.json`` of the folder the app registers (``STATEMACHINES_DIR``), else
    of the checkout."""
    for folder in (current_app.config.get("STATEMACHINES_DIR"), REPO_STATEMACHINES_DIR):
        if folder:
            try:
                return (Path(folder) / ORDER_FLOW_FILE).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
    return None


def _role_arn() -> str:
    config = _engine_config()
    return designer.role_arn(config.partition, config.account)


def _text(body: dict, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise HttpError(400, "ValidationException", "'%s' must be a string" % key)
    return value


def _choice(body: dict, key: str, choices: tuple[str, ...], default: str | None) -> str | None:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, str) or value not in choices:
        raise HttpError(
            400, "ValidationException", "'%s' must be one of %s" % (key, ", ".join(choices))
        )
    return value


def _named(name: str) -> dict | None:
    for machine in pages("ListStateMachines", {"maxResults": MAX_PAGE}, "stateMachines"):
        if machine.get("name") == name:
            return machine
    return None


def _same_date(current: datetime | None, expected: float) -> bool:
    """``expected`` (epoch ms) is ``current`` as this console sent it, or cut to whole
    milliseconds (``Date.getTime()``)."""
    if current is None:
        return False
    ms = _plain(current)
    return expected in (ms, math.floor(ms))


@bp.get("/console/api/designer")
def designer_view() -> Response:
    config = _engine_config()
    tasks = _tasks_config()
    connection = designer.connection_arn(
        tasks.connections if tasks is not None else {},
        config.partition,
        config.region,
        config.account,
    )
    presets = designer.presets(
        tasks.endpoints if tasks is not None else {},
        tasks.lambdas if tasks is not None else {},
        connection,
    )
    return jsonify(
        {
            "templates": designer.templates(_order_flow()),
            "presets": presets,
            "defaults": designer.defaults(_role_arn()),
        }
    )


@bp.post("/console/api/state-machines")
def create_machine() -> tuple[Response, int]:
    body = json_body()
    name = _text(body, "name")
    definition = _text(body, "definition")
    machine_type = _choice(body, "type", designer.TYPES, "STANDARD")
    level = _choice(body, "loggingLevel", designer.LOGGING_LEVELS, "OFF")
    params: dict = {
        "name": name,
        "definition": definition,
        "roleArn": _role_arn(),
        "type": machine_type,
    }
    if level != "OFF":
        params["loggingConfiguration"] = designer.logging_configuration(level or "OFF")
    with _WRITES:
        # CreateStateMachine answers the existing machine when nothing differs: the console
        # never creates over a name in use.
        if _named(name) is not None:
            raise HttpError(
                409, "StateMachineAlreadyExists", "A state machine named %s already exists" % name
            )
        result = call("CreateStateMachine", params)
    out = {
        "stateMachineArn": result["stateMachineArn"],
        "name": name,
        "creationDate": result["creationDate"],
    }
    if result.get("revisionId"):
        out["revisionId"] = result["revisionId"]
    return jsonify(_plain(out)), 201


@bp.put("/console/api/state-machines/<path:ident>")
def update_machine(ident: str) -> Response:
    body = json_body()
    definition = _text(body, "definition")
    level = _choice(body, "loggingLevel", designer.LOGGING_LEVELS, None)
    expected_date = body.get("expectedUpdateDate")
    if expected_date is not None and (
        isinstance(expected_date, bool)
        or not isinstance(expected_date, (int, float))
        or not math.isfinite(expected_date)
    ):
        raise HttpError(
            400, "ValidationException", "'expectedUpdateDate' must be epoch milliseconds"
        )
    check_revision = "expectedRevisionId" in body
    expected_revision = body.get("expectedRevisionId") or None
    if expected_revision is not None and not isinstance(expected_revision, str):
        raise HttpError(400, "ValidationException", "'expectedRevisionId' must be a string")
    arn = state_machine_arn(ident)
    params: dict = {"stateMachineArn": arn, "definition": definition}
    if level is not None:
        params["loggingConfiguration"] = designer.logging_configuration(level)
    with _WRITES:
        machine = call("DescribeStateMachine", {"stateMachineArn": arn})
        revision = machine.get("revisionId") or None
        updated = _update_date(machine)
        stale = (check_revision and expected_revision != revision) or (
            expected_date is not None and not _same_date(updated, expected_date)
        )
        if stale:
            raise HttpError(
                409,
                "CONFLICT",
                "The state machine was changed since you opened it (revision %s): reload it "
                "or save under a new name" % (revision or "initial"),
            )
        result = call("UpdateStateMachine", params)
    out = {
        "stateMachineArn": arn,
        "updateDate": result["updateDate"],
        "revisionId": result.get("revisionId"),
    }
    return jsonify(_plain(out))


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
    summary = _summary(execution, machine["definition"], definition)
    out = {
        "execution": execution,
        "definition": machine["definition"],
        "stateMachineName": machine["name"],
        "loggingConfiguration": machine.get("loggingConfiguration"),
        "graph": build_graph(definition),
        "summary": summary,
        "eventCount": summary["lastEventId"],  # event ids are 1..n
        "mapRuns": _map_runs(arn) if ":execution:" in arn else [],
    }
    if execution.get("mapRunArn"):
        # A Map Run's child execution: the way back to the execution that started it.
        map_run = call("DescribeMapRun", {"mapRunArn": execution["mapRunArn"]})
        parent = call("DescribeExecution", {"executionArn": map_run["executionArn"]})
        out["parent"] = _link(parent)
    started_by = _started_by(execution.get("input"))
    if started_by is not None:
        out["startedBy"] = started_by
    return jsonify(_plain(out))


class _Summaries:
    """The execution view's summaries of one app, kept between polls so that each poll
    reads and folds in only the events that are new (orchestrator/console/summary.py,
    Summarizer): at most :data:`SIZE` executions (the least recently viewed goes first),
    each fed by one request at a time. A summary is kept for one execution *as started*
    (its ARN and start date: a name used again after retention is another execution) and
    one definition."""

    SIZE = 32

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, tuple[threading.Lock, Summarizer]] = OrderedDict()
        self._lock = threading.Lock()

    def result(self, execution: dict, definition_text: str, definition: Any) -> dict:
        arn = execution["executionArn"]
        key = (arn, execution.get("startDate"), definition_text)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                summarizer = Summarizer(state_types(definition), query_languages(definition))
                entry = self._entries[key] = (threading.Lock(), summarizer)
            self._entries.move_to_end(key)
            while len(self._entries) > self.SIZE:
                self._entries.popitem(last=False)
        lock, summarizer = entry
        with lock:
            while True:
                new = engine().history_after(arn, summarizer.last_event_id, MAX_PAGE)
                summarizer.feed(new)
                if len(new) < MAX_PAGE:
                    break
            return summarizer.result(max_visits=VISITS_SHOWN)


# An execution page shows the newest this many state entries (each state's figures, and
# the graph's colours, count them all).
VISITS_SHOWN = 1000


def _summary(execution: dict, definition_text: str, definition: Any) -> dict:
    summaries = current_app.extensions.setdefault("console_summaries", _Summaries())
    return summaries.result(execution, definition_text, definition)


# A nested workflow's input names the execution that started it (developer guide, "Start
# workflow executions from a task state": pass $$.Execution.Id under this name).
STARTED_BY = "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"


def _link(execution: dict) -> dict:
    return {
        "executionArn": execution["executionArn"],
        "name": execution["name"],
        "stateMachineName": execution["stateMachineArn"].rsplit(":", 1)[1].split("/")[0],
    }


def _started_by(input_text: str | None) -> dict | None:
    """The execution a nested workflow's input names as its starter, when it still exists."""
    try:
        value = json.loads(input_text or "")
    except ValueError:
        return None
    arn = value.get(STARTED_BY) if isinstance(value, dict) else None
    if not isinstance(arn, str) or ":execution:" not in arn:
        return None
    try:
        return _link(call("DescribeExecution", {"executionArn": arn}))
    except ApiError:
        return None


_MAP_RUN_CHILDREN = 100  # child executions shown per Map Run (the newest)
# DescribeMapRun counts the console leaves out (resultsWritten: the ResultWriter's manifest
# tells; the redrive counts stay 0 here).
_NOT_SHOWN_COUNTS = frozenset({"resultsWritten", "failuresNotRedrivable", "pendingRedrive"})


def _map_runs(arn: str) -> list[dict]:
    """The execution's Map Runs (DescribeMapRun) with their newest child executions."""
    out = []
    for listed in pages("ListMapRuns", {"executionArn": arn}, "mapRuns"):
        map_run = call("DescribeMapRun", {"mapRunArn": listed["mapRunArn"]})
        children = call(
            "ListExecutions", {"mapRunArn": listed["mapRunArn"], "maxResults": _MAP_RUN_CHILDREN}
        )
        counts = map_run["executionCounts"]
        out.append(
            {
                "mapRun": map_run,
                # [name, count] in AWS's order (the page's JSON object is key-sorted).
                "counts": [[k, v] for k, v in counts.items() if k not in _NOT_SHOWN_COUNTS],
                "children": children["executions"],
                "more": bool(children.get("nextToken")),
            }
        )
    return out


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


@bp.post("/console/api/executions/<path:arn>/redrive")
def redrive_execution(arn: str):
    return jsonify(_plain(call("RedriveExecution", {"executionArn": arn})))


@bp.post("/console/api/executions/<path:arn>/stop")
def stop_execution(arn: str):
    body = json_body()
    params: dict = {"executionArn": arn}
    for key in ("error", "cause"):
        if body.get(key) is not None:
            params[key] = body[key]
    return jsonify(_plain(call("StopExecution", params)))
