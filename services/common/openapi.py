"""``GET /openapi.json``: an OpenAPI 3.1 document generated from the code that serves it.

Generated, not hand-kept, so it cannot drift from the behaviour. Each blueprint lists its operations with
the very JSON Schemas its views validate against (OpenAPI 3.1 uses JSON Schema 2020-12, so
they are embedded unchanged); this module adds what every operation shares (error shape,
request id header, body limit, Idempotency-Key, X-Request-Deadline, database unavailability,
chaos).
The document is checked with openapi-spec-validator and exercised with schemathesis in tests.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, jsonify

from . import deadline, idempotency
from .validation import MAX_DEPTH

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "string",
            "description": "A stable machine-readable code, e.g. VALIDATION_ERROR.",
        },
        "message": {"type": "string", "description": "What went wrong, for humans."},
        "field": {
            "type": "string",
            "description": "The offending field (items[0].quantity) or header.",
        },
    },
}

DEADLINE_NOTE = (
    "Any request may carry X-Request-Deadline (documented on the POST operations): past it, "
    "the answer is a 504 DEADLINE_EXCEEDED and nothing is done or saved."
)

REQUEST_ID_HEADER = {
    "description": "The request id: the caller's X-Request-Id if it sent one, otherwise a generated one.",
    "schema": {"type": "string"},
}


@dataclass(frozen=True)
class Operation:
    """One documented operation. ``responses`` maps a status to ``(description, schema)``;
    a schema of None means the shared error body."""

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    responses: dict[int, tuple[str, dict | None]]
    body: dict | None = None
    parameters: tuple[dict, ...] = ()
    idempotent: bool = False
    touches_db: bool = True
    chaos_exempt: bool = False
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def path_parameter(name: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


def query_parameter(name: str, schema: dict, description: str, required: bool = True) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def _response(description: str, schema: dict | None) -> dict:
    return {
        "description": description,
        "headers": {"X-Request-Id": {"$ref": "#/components/headers/RequestId"}},
        "content": {
            "application/json": {
                "schema": copy.deepcopy(schema)
                if schema is not None
                else {"$ref": "#/components/schemas/Error"}
            }
        },
    }


def _operation(op: Operation, chaos: bool) -> dict:
    responses = dict(op.responses)
    if op.body is not None:
        responses.setdefault(
            400,
            (
                "Invalid JSON (not UTF-8, or NaN/Infinity) or a field that breaks the schema, holds a lone "
                "UTF-16 surrogate or a number that overflows (1e400), or nests deeper than %d levels (named "
                "in `field`); or a malformed header such as X-Request-Deadline (named in `field`)"
                % MAX_DEPTH,
                None,
            ),
        )
        responses.setdefault(413, ("The body is larger than MAX_BODY_BYTES", None))
    if op.idempotent:
        responses.setdefault(400, ("Invalid input", None))
        responses.setdefault(422, ("Idempotency-Key reused with a different body", None))
    if (
        op.method == "post"
    ):  # every request honours X-Request-Deadline; it matters most where a write commits
        responses.setdefault(400, ("A malformed X-Request-Deadline header", None))
        responses.setdefault(
            504, ("X-Request-Deadline passed (DEADLINE_EXCEEDED): nothing was done or saved", None)
        )
    if op.touches_db:
        responses.setdefault(503, ("The service database is unavailable", None))
    doc: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "responses": {
            str(status): _response(desc, schema)
            for status, (desc, schema) in sorted(responses.items())
        },
    }
    if chaos and not op.chaos_exempt:
        doc["responses"]["default"] = _response("Any status injected by POST /chaos", None)
    if op.description:
        doc["description"] = op.description
    parameters = list(op.parameters)
    if op.idempotent:
        parameters.append(idempotency.PARAMETER)
    if op.method == "post":
        parameters.append(deadline.PARAMETER)
    if parameters:
        doc["parameters"] = copy.deepcopy(parameters)
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": copy.deepcopy(op.body)}},
        }
    doc.update(op.extra)
    return doc


def build_document(title: str, description: str, operations: list[Operation], chaos: bool) -> dict:
    paths: dict[str, dict] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method] = _operation(op, chaos)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "1.0.0",
            "description": description + " " + DEADLINE_NOTE,
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "headers": {"RequestId": REQUEST_ID_HEADER},
        },
    }


bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(current_app.extensions["openapi"])
