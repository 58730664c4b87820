"""The ``Idempotency-Key`` store: one row per key in the service's own database.

Every POST takes an ``Idempotency-Key`` header: the same key returns the first response
and creates nothing new; the same key with a different body is a 422; concurrent requests
with one key create one record (README.md, "Services", "Idempotency").

How concurrency is handled: the key is looked up once without a lock (the fast path for
replays), and then *again inside* the ``BEGIN IMMEDIATE`` transaction that creates the
resource and records the response. SQLite admits one writer at a time across every
gunicorn process, so of two racing requests with the same key exactly one creates the
resource; the other finds the committed key in its own transaction and replays it.

Only successful (2xx) responses are recorded: a request that failed (bad input, unknown
user, peer unavailable) created nothing, so retrying it with the same key may succeed.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify, request

from .db import get_db, transaction
from .errors import ApiError

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"^[!-~]{1,255}$"  # printable ASCII, no spaces: safe in logs and headers
_KEY_RE = re.compile(r"[!-~]{1,255}")

# The OpenAPI parameter, published on every POST operation.
PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "Makes the POST safe to retry: the same key returns the first response and "
    "creates nothing new; the same key with a different body is a 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY_PATTERN},
}


def request_key() -> str | None:
    """The request's key, or None; a malformed key is a 400 naming the header."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _KEY_RE.fullmatch(key):
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            "%s must be 1-255 printable ASCII characters without spaces" % HEADER,
            field=HEADER,
        )
    return key


def fingerprint(payload: Any) -> str:
    """Method + path + canonical JSON: key order and whitespace do not change it."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = "%s %s\n%s" % (request.method, request.path, canonical)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _replay(row: sqlite3.Row, expected: str, key: str) -> Response:
    if row["fingerprint"] != expected:
        raise ApiError(
            422,
            "IDEMPOTENCY_KEY_REUSED",
            "Idempotency-Key %r was already used with a different request body or path." % key,
            field=HEADER,
        )
    response = Response(row["body"], status=row["status"], mimetype="application/json")
    response.headers[REPLAY_HEADER] = "true"
    return response


def _lookup(conn: sqlite3.Connection, key: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT fingerprint, status, body FROM idempotency_keys WHERE key = ?", (key,)
    ).fetchone()


class Idempotent:
    """Use in a POST view, after validation::

    idem = Idempotent(payload)
    if (replay := idem.replay()) is not None:
        return replay
    ...checks that need no lock (e.g. calling a peer)...
    return idem.create(lambda conn: (201, insert_row(conn, ...)))
    """

    def __init__(self, payload: Any):
        self.key = request_key()
        self.fingerprint = fingerprint(payload) if self.key else ""  # used only with a key

    def replay(self) -> Response | None:
        if self.key is None:
            return None
        row = _lookup(get_db(), self.key)
        return None if row is None else _replay(row, self.fingerprint, self.key)

    def create(self, work: Callable[[sqlite3.Connection], tuple[int, dict]]) -> Response:
        """Run ``work`` and record its response in one transaction (or replay a winner's).

        Past the request's X-Request-Deadline minus DEADLINE_MARGIN_MS, ``transaction`` refuses
        to COMMIT (504): neither the resource nor the key is saved, so a retry with the key creates it."""
        conn = get_db()
        with transaction(conn):
            if self.key is not None:
                row = _lookup(conn, self.key)
                if row is not None:  # a concurrent request with this key committed first
                    return _replay(row, self.fingerprint, self.key)
            status, body = work(conn)
            response = jsonify(body)
            response.status_code = status
            if self.key is not None:
                conn.execute(
                    "INSERT INTO idempotency_keys (key, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?)",
                    (
                        self.key,
                        self.fingerprint,
                        status,
                        response.get_data(as_text=True),
                        datetime.now(UTC).isoformat(),
                    ),
                )
        return response
