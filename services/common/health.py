"""``GET /health`` (liveness) and ``GET /ready`` (own database reachable): README.md, "Services"."""

from __future__ import annotations

import sqlite3

from flask import Blueprint, current_app, jsonify

from .db import connect
from .errors import ApiError
from .openapi import Operation

bp = Blueprint("health", __name__)

STATUS_SCHEMA = {
    "type": "object",
    "required": ["status", "service"],
    "additionalProperties": False,
    "properties": {
        "status": {"type": "string", "enum": ["ok", "ready"]},
        "service": {"type": "string"},
    },
}


@bp.get("/health")
def health():
    """Liveness: the process answers; it does not touch the database."""
    return jsonify({"status": "ok", "service": current_app.config["SERVICE_NAME"]})


@bp.get("/ready")
def ready():
    """Readiness: the service's own database can be opened and queried."""
    try:
        conn = connect(current_app.config["DATABASE"])
        try:
            conn.execute("SELECT count(*) FROM idempotency_keys").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise ApiError(503, "NOT_READY", "The database is not reachable: %s" % exc) from None
    return jsonify({"status": "ready", "service": current_app.config["SERVICE_NAME"]})


OPERATIONS = [
    Operation(
        "get",
        "/health",
        "health",
        "Liveness probe",
        "operations",
        {200: ("The process is up", STATUS_SCHEMA)},
        touches_db=False,
        chaos_exempt=True,
    ),
    Operation(
        "get",
        "/ready",
        "ready",
        "Readiness probe: the database is reachable",
        "operations",
        {200: ("Ready to serve", STATUS_SCHEMA), 503: ("The database is not reachable", None)},
        chaos_exempt=True,
    ),
    Operation(
        "get",
        "/openapi.json",
        "openapi",
        "This OpenAPI document",
        "operations",
        {200: ("The OpenAPI 3.1 document", {"type": "object"})},
        touches_db=False,
    ),
]
