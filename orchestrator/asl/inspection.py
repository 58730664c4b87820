"""What TestState sees of the one state it runs: the data after each step of its pipeline,
its Map settings, and how its single attempt ended.

AWS API reference, TestState: "inspectionData: Returns additional details about the state's
execution, including its input and output data processing flow" (``afterInputPath``,
``afterParameters`` / ``afterArguments``, ``result``, ``afterResultSelector``,
``afterResultPath``, a Map's ``afterItemsPath`` and ``maxConcurrency`` /
``toleratedFailureCount`` / ``toleratedFailurePercentage``, ``errorDetails``) and the
statuses ``RETRIABLE`` ("the state failed and a retrier matches the error: the execution
would retry it") and ``CAUGHT_ERROR`` ("a catcher matches: the execution would go on to its
Next").

The interpreter's states call :meth:`Inspector.step` (through ``Env.inspector``, None in
executions) at each step; only the tested state's own steps are kept, not those of states
nested in it. :func:`orchestrator.asl.states.retry_catch.retry_catch` asks
:meth:`Inspector.tests` whether it runs the tested state and then makes ONE attempt, as
TestState does, reporting a retry or a catch here instead of performing it.
"""

from __future__ import annotations

from typing import Any

from .document import Doc

__all__ = ["Inspector"]


class Inspector:
    """The inspection of one TestState call."""

    __slots__ = (
        "state",
        "steps",
        "error_details",
        "outcome",
        "caught_error",
        "retrier_retry_count",
        "map_iteration_failure_count",
        "item_reader_data",
        "mock",
        "trace",
    )

    def __init__(
        self,
        state,
        *,
        retrier_retry_count: int = 0,
        map_iteration_failure_count: int | None = None,
        item_reader_data: list | None = None,
        mock: Any = None,
        trace: bool = False,
        reveal_secrets: bool = False,
    ) -> None:
        self.state = state  # the model's State object under test
        self.steps: dict[str, Any] = {}  # inspectionData member -> Doc or number
        self.error_details: dict[str, int] | None = None
        self.outcome: str | None = None  # "RETRIABLE" | "CAUGHT_ERROR" once decided
        self.caught_error: Any = None  # the StatesError a catcher caught
        self.retrier_retry_count = retrier_retry_count
        self.map_iteration_failure_count = map_iteration_failure_count
        self.item_reader_data = item_reader_data  # a Map ItemReader's items, as given
        # The state's mocked outcome (a Task's result; a Map's or Parallel's whole result):
        # a callable returning a Doc or raising StatesError; None: really run it.
        self.mock = mock
        # TRACE: the tested Task's HTTP request and response, filled in by the resource.
        self.trace: dict | None = {"reveal": reveal_secrets} if trace else None

    def tests(self, run) -> bool:
        """Is ``run`` the entry of the tested state (not one nested inside it)?"""
        return run.state is self.state and run.frame.depth == 0

    def step(self, run, member: str, value: Doc | int | float) -> None:
        if self.tests(run):
            self.steps[member] = value

    def mocked(self, run) -> Doc | None:
        """The tested state's mocked result (raises the mocked error), or None to run it."""
        if self.mock is None or not self.tests(run):
            return None
        return self.mock()

    def http_trace(self, run) -> dict | None:
        """The dict the tested Task's call fills with its HTTP exchange (TRACE), else None."""
        return self.trace if self.tests(run) else None

    def retriable(self, index: int, delay: float) -> None:
        self.outcome = "RETRIABLE"
        self.error_details = {"retryBackoffIntervalSeconds": int(delay), "retryIndex": index}

    def exhausted(self, index: int) -> None:
        """A retrier matched but has no attempts left: the state fails (or is caught)."""
        self.error_details = {"retryIndex": index}

    def caught(self, index: int, error) -> None:
        self.outcome = "CAUGHT_ERROR"
        self.caught_error = error
        self.error_details = {"catchIndex": index}
