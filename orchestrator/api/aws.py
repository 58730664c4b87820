"""The AWS JSON 1.0 protocol at ``POST /`` (what boto3, the AWS CLI and the SDKs speak).

botocore's Step Functions model (:func:`.shapes.service_model`) names the protocol:
``"protocol": "json"``, ``"jsonVersion": "1.0"``, ``"targetPrefix": "AWSStepFunctions"``,
i.e. a ``POST /`` with the header ``X-Amz-Target: AWSStepFunctions.<Operation>`` and an
``application/x-amz-json-1.0`` body. Errors are ``{"__type": CODE, "message": ...}``, status
400 for a client error
(https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html).

A request goes: target header -> operation model -> JSON body -> validation against the
input shape -> ``engine.<snake_case>(params)`` -> response rendered in the output shape
(:mod:`.shapes`). SigV4 ``Authorization`` headers are accepted and ignored (boto3 always
signs).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from typing import Any

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..asl.document import compact
from ..engine.errors import ApiError
from . import common, shapes

log = logging.getLogger(__name__)

bp = Blueprint("aws", __name__)

CONTENT_TYPE = "application/x-amz-json-1.0"
TARGET_PREFIX = "AWSStepFunctions."


def json_text(body: Any) -> str:
    """Compact JSON, UTF-8 where it can be (a message may echo text holding a lone
    surrogate, which UTF-8 cannot carry: then everything non-ASCII is escaped)."""
    text = compact(body)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = compact(body, ensure_ascii=True)
    return text


def _response(body: dict, status: int = 200, request_id: str | None = None) -> Response:
    response = Response(json_text(body), status=status, content_type=CONTENT_TYPE)
    response.headers["x-amzn-RequestId"] = request_id or str(uuid.uuid4())
    return response


def error_response(
    code: str,
    message: str,
    status: int = 400,
    request_id: str | None = None,
    members: dict | None = None,
) -> Response:
    """AWS's JSON error shape; botocore maps ``__type`` to ``client.exceptions.<code>``."""
    return _response({**(members or {}), "__type": code, "message": message}, status, request_id)


def _operation_name() -> str | None:
    target = request.headers.get("X-Amz-Target", "")
    if not target.startswith(TARGET_PREFIX):
        return None
    return target[len(TARGET_PREFIX) :]


def _not_json(name: str) -> Any:
    raise ValueError("%s is not a JSON value" % name)


class LongPolls:
    """Request threads that may wait for an execution (StartSyncExecution, the REST
    facade's ``?wait=``): at most ``slots`` at once, so that waiting clients never take
    every thread of the API; past that, a request is throttled at once."""

    def __init__(self, slots: int) -> None:
        self.slots = max(1, slots)
        self._free = threading.BoundedSemaphore(self.slots)

    def __enter__(self) -> LongPolls:
        if not self._free.acquire(blocking=False):
            raise ApiError(
                "ThrottlingException",
                "Rate exceeded: %d requests are already waiting for executions "
                "to finish; try again shortly" % self.slots,
            )
        return self

    def __exit__(self, *exc: Any) -> None:
        self._free.release()


_WAITING = frozenset({"StartSyncExecution", "GetActivityTask"})


def _parse_body() -> dict:
    raw = request.get_data(cache=False)
    if not raw.strip():
        return {}  # AWS treats an empty body like an empty request structure
    try:
        body = json.loads(raw, parse_constant=_not_json)
    except RecursionError:
        raise ApiError("SerializationException", "The request body is nested too deeply") from None
    except ValueError as exc:  # includes invalid UTF-8
        raise ApiError(
            "SerializationException", "The request body is not valid JSON: %s" % exc
        ) from None
    if not isinstance(body, dict):
        raise ApiError("SerializationException", "The request body must be a JSON object")
    return body


@bp.post("/")
def dispatch() -> Response:
    request_id = str(uuid.uuid4())
    name = _operation_name()
    op = shapes.operation(name) if name else None
    method = getattr(common.engine(), shapes.method_name(name), None) if name and op else None
    if op is None or method is None:
        target = request.headers.get("X-Amz-Target", "")
        message = (
            "Operation %s is not supported by this local Step Functions engine" % name
            if op is not None
            else "Unknown operation: %r" % target
        )
        return error_response("UnknownOperationException", message, 400, request_id)
    try:
        params = shapes.validate_request(op, _parse_body())
        if name in _WAITING:
            with current_app.extensions["long_polls"]:
                result = method(params)
        else:
            result = method(params)
        return _response(shapes.serialise(op.output_shape, result or {}), 200, request_id)
    except shapes.RequestInvalid as exc:
        return error_response("ValidationException", exc.message, 400, request_id)
    except RequestEntityTooLarge:
        return error_response(
            "ValidationException",
            "The request body is larger than the limit of %s bytes"
            % current_app.config["MAX_CONTENT_LENGTH"],
            413,
            request_id,
        )
    except ApiError as exc:
        return error_response(exc.code, exc.message, exc.status, request_id, exc.members)
    except Exception:  # a bug must not leak a traceback to the client, only a request id to grep
        log.exception("%s failed (request id %s)", name, request_id)
        return error_response(
            "InternalFailure",
            "The request processing has failed because of an unknown error "
            "(request id %s)" % request_id,
            500,
            request_id,
        )
