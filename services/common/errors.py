"""One exception type and one handler for every JSON error.

Every error is JSON ``{"error": CODE, "message": ...}`` with a 4xx/5xx status; unknown
fields and wrong types are 400, never 500 (README.md, "Services").
"""

from __future__ import annotations

import sqlite3

from flask import Flask, current_app, jsonify
from werkzeug.exceptions import HTTPException, MethodNotAllowed

# Werkzeug's own HTTP errors (routing, body size, method) mapped to our stable codes.
_HTTP_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


class ApiError(Exception):
    """An error answered as ``{"error": code, "message": message[, "field": field]}``."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    def body(self) -> dict:
        body = {"error": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


def found(record: dict | None, code: str, message: str) -> dict:
    """``record`` as a lookup returned it, or a 404 ``code`` error when there is none."""
    if record is None:
        raise ApiError(404, code, message)
    return record


def error_response(error: ApiError):
    return jsonify(error.body()), error.status


def _http_exception(exc: HTTPException):
    code = _HTTP_CODES.get(exc.code or 500, "HTTP_%s" % exc.code)
    message = exc.description or exc.name
    if exc.code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        message = "The request body is larger than the limit of %s bytes." % limit
    response = jsonify({"error": code, "message": message})
    response.status_code = exc.code or 500
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return response


def _database_error(exc: sqlite3.OperationalError):
    # A locked or missing database is an availability problem, not a bug in the request.
    current_app.logger.warning("database unavailable: %s", exc)
    return error_response(
        ApiError(503, "DATABASE_UNAVAILABLE", "The service database is unavailable: %s" % exc)
    )


def _unexpected(exc: Exception):
    current_app.logger.exception("unhandled error")
    return error_response(ApiError(500, "INTERNAL", "Internal error: %s" % type(exc).__name__))


def register_error_handlers(app: Flask) -> None:
    """Every error, expected or not, leaves the service as the same JSON shape."""
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(HTTPException, _http_exception)
    app.register_error_handler(sqlite3.OperationalError, _database_error)
    app.register_error_handler(Exception, _unexpected)
