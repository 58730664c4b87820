"""JSON bodies for the errors gunicorn answers by itself, before the app runs.

gunicorn refuses a request it cannot parse (request line too long → 414, too many or too
large headers → 431, a malformed request line or header → 400, ...) and answers a crash
outside Flask's handlers with a 500, all from ``Worker.handle_error``, which writes an HTML
page with ``gunicorn.util.write_error``. There is no setting or hook for that body, and the
services promise JSON for every error. ``handle_error`` looks the function up as
``util.write_error`` at call time, so replacing that one attribute in the worker process
(``post_worker_init`` in services/gunicorn_conf.py) is the smallest change that works: the
same status line and ``Connection: close``, only the body and its Content-Type differ.
"""

from __future__ import annotations

import json

from gunicorn import util

CODES = {
    400: "BAD_REQUEST",
    403: "FORBIDDEN",
    414: "URI_TOO_LONG",
    417: "EXPECTATION_FAILED",
    431: "HEADERS_TOO_LARGE",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
}


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """Drop-in for ``gunicorn.util.write_error``: ``{"error": CODE, "message": gunicorn's text}``."""
    body = json.dumps(
        {"error": CODES.get(status_int, "HTTP_%d" % status_int), "message": mesg or reason},
        separators=(",", ":"),
    ).encode("ascii")  # ensure_ascii: request bytes come back escaped
    head = (
        "HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        % (status_int, reason, len(body))
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def install() -> None:
    util.write_error = write_json_error
