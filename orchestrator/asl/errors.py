"""Typed errors of the interpreter.

Every runtime failure inside the interpreter is a :class:`StatesError` carrying
the ASL error name (``States.Runtime``, ``States.Timeout``, a Task's own error
name, ...) and an optional cause string, exactly as they appear in the
``ExecutionFailed`` / ``*Failed`` history events and in ``Catch`` error output.

Definition problems found before running are a :class:`DefinitionError`
carrying every diagnostic at once.
"""
from __future__ import annotations

from dataclasses import dataclass

# Predefined error names (AWS developer guide, "Error names").
ALL = "States.ALL"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
TIMEOUT = "States.Timeout"
TASK_FAILED = "States.TaskFailed"
PERMISSIONS = "States.Permissions"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
BRANCH_FAILED = "States.BranchFailed"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"
RUNTIME = "States.Runtime"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"


class StatesError(Exception):
    """An ASL runtime error: ``error`` is the error name, ``cause`` the human text."""

    __slots__ = ("error", "cause")

    def __init__(self, error: str, cause: str | None = None) -> None:
        super().__init__(error if cause is None else f"{error}: {cause}")
        self.error = error
        self.cause = cause

    def __repr__(self) -> str:
        return f"StatesError({self.error!r}, {self.cause!r})"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in a definition, shaped like ValidateStateMachineDefinition's
    ``diagnostics`` items: ``severity`` is ``ERROR`` or ``WARNING``, ``code`` a
    stable upper-case code (``SCHEMA_VALIDATION_FAILED``, ``MISSING_TRANSITION_TARGET``,
    ...), ``location`` a JSON pointer such as ``/States/PlaceOrder/Retry/0``."""

    severity: str
    code: str
    message: str
    location: str = ""


class DefinitionError(Exception):
    """The definition is invalid; ``diagnostics`` lists every problem found."""

    def __init__(self, diagnostics: list[Diagnostic], message: str | None = None) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__(message or "; ".join(
            f"{d.code}: {d.message}" + (f" at {d.location}" if d.location else "")
            for d in self.diagnostics))
