"""Fault injection, off unless ``CHAOS_ENABLED=1``.

``POST /chaos`` with ``{"count": N}`` or ``{"rate": 0.3}`` (which requests) and
``{"status": 503}``, ``{"delayMs": 2000}`` or ``{"drop": true}`` (what happens to them);
``DELETE /chaos`` clears it; ``GET /chaos`` shows it. ``/health``, ``/ready`` and ``/chaos``
itself are never affected (README.md, "Fault injection (chaos)").

The switch lives in the service's SQLite database (one row), not in process memory, so
every gunicorn worker sees the same switch and ``count`` is decremented atomically by a
single ``UPDATE ... RETURNING``: N means exactly N requests across all workers.
"""

from __future__ import annotations

import errno
import random
import socket
import struct
import time

from flask import Blueprint, Flask, current_app, g, jsonify, request

from .db import get_db, transaction
from .errors import ApiError
from .openapi import Operation
from .validation import json_body, validate

EXEMPT_PATHS = ("/health", "/ready", "/chaos")
DROP_FLAG = "services.chaos.drop"

REQUEST_SCHEMA = {
    "type": "object",
    "description": "Exactly one of count/rate (which requests) and one of status/delayMs/drop (what happens).",
    "additionalProperties": False,
    "properties": {
        "count": {
            "type": "integer",
            "minimum": 1,
            "maximum": 1_000_000,
            "description": "Affect the next N requests.",
        },
        "rate": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "Affect this fraction of requests.",
        },
        "status": {
            "type": "integer",
            "minimum": 400,
            "maximum": 599,
            "description": "Answer with this status.",
        },
        "delayMs": {
            "type": "integer",
            "minimum": 0,
            "maximum": 60_000,
            "description": "Delay, then serve normally.",
        },
        "drop": {"const": True, "description": "Close the connection without any response."},
    },
    "allOf": [
        {"oneOf": [{"required": ["count"]}, {"required": ["rate"]}]},
        {"oneOf": [{"required": ["status"]}, {"required": ["delayMs"]}, {"required": ["drop"]}]},
    ],
}

STATE_SCHEMA = {
    "type": "object",
    "required": ["active", "count", "remaining", "rate", "status", "delayMs", "drop"],
    "additionalProperties": False,
    "properties": {
        "active": {"type": "boolean"},
        "count": {"type": ["integer", "null"]},
        "remaining": {"type": ["integer", "null"]},
        "rate": {"type": ["number", "null"]},
        "status": {"type": ["integer", "null"]},
        "delayMs": {"type": ["integer", "null"]},
        "drop": {"type": "boolean"},
    },
}


class ConnectionDropped(ConnectionError):
    """Raised to the caller of the WSGI app when there is no socket to close (test client)."""


def _state(row) -> dict:
    if row is None:
        return {
            "active": False,
            "count": None,
            "remaining": None,
            "rate": None,
            "status": None,
            "delayMs": None,
            "drop": False,
        }
    active = row["rate"] is not None if row["count"] is None else row["remaining"] > 0
    return {
        "active": bool(active),
        "count": row["count"],
        "remaining": row["remaining"],
        "rate": row["rate"],
        "status": row["status"],
        "delayMs": row["delay_ms"],
        "drop": bool(row["drop_conn"]),
    }


def read_state(conn) -> dict:
    return _state(conn.execute("SELECT * FROM chaos WHERE id = 1").fetchone())


def draw(conn, rand=random.random):
    """Decide whether this request is affected; returns the chaos row or None."""
    row = conn.execute("SELECT * FROM chaos WHERE id = 1").fetchone()
    if row is None:
        return None
    if row["count"] is not None:
        # Atomic across processes: only a request that takes one of the remaining slots fails.
        return conn.execute(
            "UPDATE chaos SET remaining = remaining - 1 WHERE id = 1 AND remaining > 0 RETURNING *"
        ).fetchone()
    return row if rand() < row["rate"] else None


def _apply_chaos():
    if request.path in EXEMPT_PATHS:
        return None
    row = draw(get_db(), current_app.config["CHAOS_RANDOM"])
    if row is None:
        return None
    if row["drop_conn"]:
        g.chaos = "drop"
        request.environ[DROP_FLAG] = True
        return jsonify({}), 500  # never sent: DropConnectionMiddleware closes the socket
    if row["delay_ms"] is not None:
        g.chaos = "delay"
        current_app.config["CHAOS_SLEEP"](row["delay_ms"] / 1000)
        return None
    g.chaos = "status"
    raise ApiError(
        row["status"],
        "CHAOS_INJECTED",
        "Failure injected by POST /chaos (status %d)." % row["status"],
    )


class DropConnectionMiddleware:
    """Closes the client socket without a response for requests chaos marked as dropped.

    Under gunicorn the socket is ``environ["gunicorn.socket"]``: an RST is sent (SO_LINGER 0)
    and an ECONNRESET OSError is raised, which gunicorn's worker treats as a client that went
    away (no 500 is written, nothing is logged above debug).
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        def guarded_start_response(status, headers, exc_info=None):
            if environ.get(DROP_FLAG):
                return lambda data: None
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, guarded_start_response)
        if not environ.get(DROP_FLAG):
            return result
        if hasattr(result, "close"):
            result.close()
        sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
        if sock is None:
            raise ConnectionDropped("chaos: connection dropped without a response")
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise OSError(errno.ECONNRESET, "chaos: connection dropped without a response")


bp = Blueprint("chaos", __name__)


@bp.get("/chaos")
def get_chaos():
    return jsonify(read_state(get_db()))


@bp.post("/chaos")
def set_chaos():
    payload = json_body()
    if isinstance(payload, dict):
        # Clear messages for the two "exactly one of" rules before the generic schema check.
        which = [k for k in ("count", "rate") if k in payload]
        what = [k for k in ("status", "delayMs", "drop") if k in payload]
        if len(which) != 1:
            raise ApiError(
                400,
                "VALIDATION_ERROR",
                "give exactly one of count or rate",
                field="count" if not which else which[1],
            )
        if len(what) != 1:
            raise ApiError(
                400,
                "VALIDATION_ERROR",
                "give exactly one of status, delayMs or drop",
                field="status" if not what else what[1],
            )
    validate(payload, REQUEST_SCHEMA)
    count = payload.get("count")
    conn = get_db()
    with transaction(conn):
        conn.execute("DELETE FROM chaos")
        conn.execute(
            "INSERT INTO chaos (id, count, remaining, rate, status, delay_ms, drop_conn) VALUES (1, ?, ?, ?, ?, ?, ?)",
            (
                count,
                count,
                payload.get("rate"),
                payload.get("status"),
                payload.get("delayMs"),
                1 if payload.get("drop") else 0,
            ),
        )
    return jsonify(read_state(conn))


@bp.delete("/chaos")
def clear_chaos():
    conn = get_db()
    with transaction(conn):
        conn.execute("DELETE FROM chaos")
    return jsonify(read_state(conn))


def init_app(app: Flask) -> None:
    """Installs the switch only when enabled: otherwise ``/chaos`` is an ordinary 404."""
    if not app.config["CHAOS_ENABLED"]:
        return
    app.config.setdefault("CHAOS_RANDOM", random.random)
    app.config.setdefault("CHAOS_SLEEP", time.sleep)  # injected by tests that fake the clock
    app.register_blueprint(bp)
    app.before_request(_apply_chaos)
    app.wsgi_app = DropConnectionMiddleware(app.wsgi_app)  # type: ignore[method-assign]


OPERATIONS = [
    Operation(
        "get",
        "/chaos",
        "getChaos",
        "Show the fault-injection switch",
        "chaos",
        {200: ("The current switch", STATE_SCHEMA)},
        chaos_exempt=True,
    ),
    Operation(
        "post",
        "/chaos",
        "setChaos",
        "Inject failures into the next requests",
        "chaos",
        {200: ("The new switch", STATE_SCHEMA)},
        body=REQUEST_SCHEMA,
        chaos_exempt=True,
    ),
    Operation(
        "delete",
        "/chaos",
        "clearChaos",
        "Turn fault injection off",
        "chaos",
        {200: ("The cleared switch", STATE_SCHEMA)},
        chaos_exempt=True,
    ),
]
