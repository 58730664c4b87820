"""What the REST facade (:mod:`.rest`) and the console's JSON (:mod:`.console`) share.

- the error shape ``{"error": CODE, "message": ...}`` (:class:`HttpError`,
  :func:`error_response`) and the HTTP status of the engine's AWS error codes
  (:data:`STATUS`, :func:`api_error_response`), installed on a blueprint by
  :func:`handle_errors`;
- the JSON body reader (:func:`json_body`);
- engine calls through :func:`.shapes.call`, so that a request is validated and refused
  exactly as the AWS protocol (:mod:`.aws`) would (:func:`call`), every page of a paged
  operation (:func:`pages`) and a state machine's ARN from its name (:func:`state_machine_arn`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from ..engine.errors import ApiError
from . import shapes

# HTTP statuses for the AWS error codes that have a more precise meaning than AWS's 400
# (https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html);
# any other code keeps the status the engine gave it.
STATUS = {
    "StateMachineDoesNotExist": 404,
    "ExecutionDoesNotExist": 404,
    "ExecutionAlreadyExists": 409,
    "StateMachineAlreadyExists": 409,
    "ThrottlingException": 429,
}
# Statuses a client should retry: they carry ``Retry-After``.
_RETRY_LATER = (429, 503)
# The largest page of the List* operations and GetExecutionHistory (``maxResults``).
MAX_PAGE = 1000


class HttpError(Exception):
    """A refused request, answered as ``{"error": code, "message": message}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": code, "message": message})
    response.status_code = status
    return response


def api_error_response(exc: ApiError) -> Response:
    """An engine error in the error shape, with the status :data:`STATUS` gives its code."""
    status = STATUS.get(exc.code, exc.status)
    response = error_response(status, exc.code, exc.message)
    if status in _RETRY_LATER:
        response.headers["Retry-After"] = "1"
    return response


def _http_error_response(exc: HttpError) -> Response:
    return error_response(exc.status, exc.code, exc.message)


def handle_errors(bp: Blueprint) -> None:
    """Answers the HttpError and ApiError raised by ``bp``'s views in the error shape."""
    bp.register_error_handler(HttpError, _http_error_response)
    bp.register_error_handler(ApiError, api_error_response)


def engine():
    """The engine the app serves (:func:`orchestrator.api.create_app`)."""
    return current_app.extensions["engine"]


def call(operation: str, params: dict) -> dict:
    """Runs one AWS operation (``StartExecution``) with the AWS protocol's own request
    validation; a request that fails it is a 400 ``ValidationException``."""
    try:
        return shapes.call(engine(), operation, params)
    except shapes.RequestInvalid as exc:
        raise HttpError(400, "ValidationException", exc.message) from None


def pages(operation: str, params: dict, items: str) -> Iterator[dict]:
    """The ``items`` of every page of a paged operation, following ``nextToken``."""
    token = None
    while True:
        page = call(operation, dict(params, **({"nextToken": token} if token else {})))
        yield from page.get(items, [])
        token = page.get("nextToken")
        if not token:
            return


def state_machine_arn(name_or_arn: str) -> str:
    """A state machine ARN as is, or the ARN of the state machine named ``name_or_arn``."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    for machine in pages("ListStateMachines", {"maxResults": MAX_PAGE}, "stateMachines"):
        if machine.get("name") == name_or_arn:
            return machine["stateMachineArn"]
    raise HttpError(
        404, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'" % name_or_arn
    )


def json_body() -> dict:
    """The request's JSON object (sent as ``application/json``); anything else is a 400
    ``BAD_REQUEST``. A body over ``MAX_CONTENT_LENGTH`` is the app's 413."""
    try:
        body: Any = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes: not a body we take
        body = None
    if not isinstance(body, dict):
        raise HttpError(400, "BAD_REQUEST", "The request body must be a JSON object")
    return body
