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
# Internal, never in a history or an API answer: RedriveExecution fails a command that
# failed or timed out with it, and the Task state (or the execution's timeout) starts that
# attempt again instead of failing.
REDRIVE_ATTEMPT = "Engine.RedriveAttempt"
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


# State types that have Retry and Catch fields (developer guide, "Handling errors in Step
# Functions workflows": "Task, Parallel, and Map states can have a field named Retry" / Catch).
RETRY_CATCH_STATE_TYPES = frozenset({"Task", "Parallel", "Map"})

# State types that record "<Type>StateAborted" when the branch or iteration running them
# stops before they exit (the HistoryEvent types TaskStateAborted, MapStateAborted,
# ParallelStateAborted and WaitStateAborted; API reference, "HistoryEvent"). The other
# states never wait, so none of them is ever in progress when a thread stops.
ABORTABLE_STATE_TYPES = frozenset({"Task", "Map", "Parallel", "Wait"})


class StatesError(Exception):
    """An ASL runtime error: ``error`` is the error name, ``cause`` the human text.

    The other fields say how the failure is recorded; Retry, Catch and the execution only
    see ``error`` and ``cause``:

    * ``state_type``: the type of the state it failed, set as it leaves that state (a
      Parallel branch or Map iteration records ``<Type>StateAborted`` for it);
    * ``from_children``: a Parallel or Map failed because a branch or iteration did (it
      records ``ParallelStateFailed`` / ``MapStateFailed``);
    * ``location``: for a JSONata evaluation failure, the field that failed;
    * ``evaluation_failed``: an ``EvaluationFailed`` event was recorded for it;
    * ``bare``: a ``States.Runtime`` whose cause AWS gives without the state prefix
      (``Reference path "$..." must point to array.``).

    An error is never changed once raised: :meth:`replace` returns a copy.
    """

    __slots__ = (
        "error",
        "cause",
        "state_type",
        "from_children",
        "location",
        "evaluation_failed",
        "bare",
    )

    def __init__(
        self,
        error: str,
        cause: str | None = None,
        *,
        state_type: str | None = None,
        from_children: bool = False,
        location: str | None = None,
        evaluation_failed: bool = False,
        bare: bool = False,
    ) -> None:
        super().__init__(error if cause is None else f"{error}: {cause}")
        self.error = error
        self.cause = cause
        self.state_type = state_type
        self.from_children = from_children
        self.location = location
        self.evaluation_failed = evaluation_failed
        self.bare = bare

    def replace(self, **changes) -> StatesError:
        """A copy with ``changes`` applied to the named fields (every other field kept)."""
        copy = StatesError(
            changes.pop("error", self.error),
            changes.pop("cause", self.cause),
            state_type=changes.pop("state_type", self.state_type),
            from_children=changes.pop("from_children", self.from_children),
            location=changes.pop("location", self.location),
            evaluation_failed=changes.pop("evaluation_failed", self.evaluation_failed),
            bare=changes.pop("bare", self.bare),
        )
        if changes:
            raise TypeError(f"StatesError has no field(s) {', '.join(sorted(changes))}")
        return copy

    def with_cause(self, cause: str | None) -> StatesError:
        return self.replace(cause=cause)

    def __repr__(self) -> str:
        return f"StatesError({self.error!r}, {self.cause!r})"


def cause_text(value) -> str:
    """A JSON value as it appears in an error name or cause: a string as it is, anything
    else as compact JSON (``{"a":1}``, ``true``, ``1.5``)."""
    if isinstance(value, str):
        return value
    from .document import dumps  # document imports this module

    return dumps(value)


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
        super().__init__(
            message
            or "; ".join(
                f"{d.code}: {d.message}" + (f" at {d.location}" if d.location else "")
                for d in self.diagnostics
            )
        )
