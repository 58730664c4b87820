"""Identifiers and timestamps shared by the services' records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

# Ids are UUID4 strings; path and body ids are checked against this before any lookup.
ID_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": 64,
    "pattern": "^[A-Za-z0-9_-]+$",
    "x-pattern-message": "must be 1-64 letters, digits, '-' or '_'",
}
TIMESTAMP_SCHEMA = {"type": "string", "format": "date-time"}


def new_id() -> str:
    return str(uuid.uuid4())


def utc_now() -> str:
    """ISO 8601 UTC with milliseconds, e.g. 2026-11-25T13:21:22.123Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
