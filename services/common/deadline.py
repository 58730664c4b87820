"""``X-Request-Deadline``: the instant at which the caller stops waiting.

The value is a whole number of milliseconds since the Unix epoch (the orchestrator sends it
on every Task call). A request that carries it:
- with a malformed value (not 1-16 ASCII digits) is a 400 naming the header;
- that starts after its deadline is a 504 ``DEADLINE_EXCEEDED`` and does nothing;
- never commits a write after ``deadline - DEADLINE_MARGIN_MS``: ``db.transaction`` calls
  :func:`check_before_commit` inside the transaction, just before ``COMMIT``, so a request
  delayed by chaos, a slow peer or a database lock is rolled back and answered 504;
- gives a peer at most the time left and forwards the header (orders → users).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g, has_request_context, request

from .errors import ApiError

HEADER = "X-Request-Deadline"
DEFAULT_MARGIN_MS = 250
PATTERN = "^[0-9]{1,16}$"
_FORMAT = re.compile(r"[0-9]{1,16}")  # ASCII digits only: str.isdigit() would admit other scripts

# The OpenAPI parameter, published on every POST (the operations that commit).
PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "When the caller stops waiting, in milliseconds since the Unix epoch. A request "
    "that starts after it is a 504 DEADLINE_EXCEEDED and does nothing; a write that would commit "
    "later than DEADLINE_MARGIN_MS (default 250 ms) before it is rolled back and answered 504 too.",
    "schema": {"type": "string", "pattern": PATTERN},
}


@dataclass(frozen=True)
class Deadline:
    at_ms: int
    margin_ms: int
    clock: Callable[[], float] = time.time  # seconds since the epoch (injected by tests)

    def passed(self) -> bool:
        return self.clock() * 1000 >= self.at_ms

    def seconds_left(self) -> float:
        """Time until the last instant work may still be committed (deadline - margin)."""
        return (self.at_ms - self.margin_ms) / 1000 - self.clock()

    @property
    def header_value(self) -> str:
        return str(self.at_ms)


def exceeded(message: str) -> ApiError:
    return ApiError(504, "DEADLINE_EXCEEDED", message)


def current() -> Deadline | None:
    """The current request's deadline, or None (no header, or outside a request)."""
    return g.get("deadline") if has_request_context() else None


def check_before_commit() -> None:
    """Raise a 504 if this request's write would commit too late (called inside the transaction)."""
    deadline = current()
    if deadline is not None and deadline.seconds_left() <= 0:
        raise exceeded(
            "Nothing was saved: less than %d ms were left before the %s (%d) when the write "
            "was about to commit." % (deadline.margin_ms, HEADER, deadline.at_ms)
        )


def _start() -> None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return
    if not _FORMAT.fullmatch(raw):
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            "%s must be a whole number of milliseconds since the Unix epoch (1-16 digits)" % HEADER,
            field=HEADER,
        )
    deadline = Deadline(
        int(raw), current_app.config["DEADLINE_MARGIN_MS"], current_app.config["DEADLINE_CLOCK"]
    )
    if deadline.passed():
        raise exceeded(
            "The request started after its %s (%d): nothing was done." % (HEADER, deadline.at_ms)
        )
    g.deadline = deadline


def init_app(app: Flask) -> None:
    """Registered before chaos: a request that is already too late does not even draw chaos."""
    app.config.setdefault("DEADLINE_CLOCK", time.time)
    app.before_request(_start)
