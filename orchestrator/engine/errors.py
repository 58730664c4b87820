"""API-level errors of the orchestrator, in AWS's error shapes.

``ApiError(code, message)`` is what every engine operation raises for a client mistake or a
missing resource; the AWS JSON 1.0 layer renders it as ``{"__type": code, "message": ...}``
with status 400 (botocore turns ``__type`` into the exception class, e.g.
``client.exceptions.StateMachineDoesNotExist``).
"""

from __future__ import annotations


class ApiError(Exception):
    """A Step Functions API error: ``code`` is AWS's error code (``StateMachineDoesNotExist``,
    ``InvalidDefinition``, ``InvalidArn``, ``ExecutionAlreadyExists``, ``ValidationException``,
    ``InvalidName``, ``InvalidExecutionInput``, ``TaskDoesNotExist``, ``TaskTimedOut``, ...)."""

    def __init__(
        self, code: str, message: str, status: int = 400, members: dict | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        # Other members of the error's shape in botocore's model (TooManyTags:
        # ``resourceName``), sent next to ``message``.
        self.members = members or {}


class StoreUnavailable(ApiError):
    """The journal cannot be written (disk full, read-only, I/O error): nothing was changed.
    AWS's ``ServiceUnavailable`` (HTTP 503), which SDKs retry by themselves."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            "ServiceUnavailable",
            f"The engine's journal cannot be written ({reason}); nothing was "
            f"changed. Try again once it is writable.",
            503,
        )
        self.reason = reason
