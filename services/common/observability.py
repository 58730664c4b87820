"""Request ids and one structured log line per request.

One JSON object per line (time, service, method, path, status, duration, request id); the
request id is taken from ``X-Request-Id`` or made, and echoed back (README.md, "Services").
"""

from __future__ import annotations

import json
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, current_app, g, request

HEADER = "X-Request-Id"
# Ids from callers are echoed into headers and logs, so only a safe alphabet is accepted.
_VALID_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def request_id() -> str:
    """The current request's id (for forwarding to peers)."""
    return g.get("request_id") or "-"


def _start() -> None:
    g.started = time.perf_counter()
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming if _VALID_ID.fullmatch(incoming) else uuid.uuid4().hex


def log_line(status: int, **extra) -> str:
    record = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "service": current_app.config["SERVICE_NAME"],
        "method": request.method,
        "path": request.path,
        "status": status,
        "duration_ms": round(
            (time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2
        ),
        "request_id": request_id(),
    }
    record.update(extra)
    return json.dumps(record, separators=(",", ":"))


def _finish(response):
    response.headers[HEADER] = request_id()
    chaos = g.get("chaos")
    extra = {"chaos": chaos} if chaos else {}
    status = 0 if chaos == "drop" else response.status_code  # 0: nothing was sent
    # One write per line: below PIPE_BUF, so lines from several workers never interleave.
    sys.stdout.write(log_line(status, **extra) + "\n")
    sys.stdout.flush()
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
