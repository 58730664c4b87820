"""Step Functions Local's mock configuration file (``MockConfigFile.json``), unchanged.

AWS developer guide, "Configuration file for mocked service integrations": "A mock
configuration is a JSON object containing the following top-level fields: StateMachines -
The fields of this object represent state machines configured to use mocked service
integrations. MockedResponse - The fields of this object represent mocked responses for
service integration calls." A state machine's ``TestCases`` map a test case's name to
``{state name: mocked response name}``; a mocked response maps attempts to one outcome:
``"0"`` (the first attempt), ``"1-2"`` (the second and third), each ``{"Return": value}`` or
``{"Throw": {"Error": ..., "Cause": ...}}``. An execution runs a test case when it is
started with ``#CaseName`` appended to the state machine's ARN; its mocked Tasks do not
call anything, the states the case does not name run for real.

Here the attempt is the Task's attempt within one entry of the state (its retry count:
``$$.State.RetryCount``), so every entry of the state (a loop, each Map iteration) starts at
``"0"``; an attempt past the last key gets the last key's response. A file that does not
follow the format is refused when it is loaded, with what is wrong and where.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import StatesError

__all__ = ["MockConfig", "MockCase", "MockConfigError", "Outcome", "split_case"]

_ATTEMPTS = re.compile(r"(\d+)(?:-(\d+))?")
_CASE_SEPARATOR = "#"


class MockConfigError(ValueError):
    """The mock configuration is not in Step Functions Local's format."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One mocked response: ``value`` returned, or ``error`` / ``cause`` thrown."""

    throws: bool
    value: Any = None
    error: str | None = None
    cause: str | None = None

    def raise_or_return(self) -> Any:
        if self.throws:
            raise StatesError(self.error, self.cause)  # type: ignore[arg-type]
        return self.value


@dataclass(frozen=True, slots=True)
class MockCase:
    """One test case of one state machine: state name -> its responses by attempt."""

    machine: str
    name: str
    states: dict[str, tuple[tuple[int, int, Outcome], ...]]

    def outcome(self, state: str, attempt: int) -> Outcome | None:
        """The mocked outcome of ``state``'s attempt ``attempt`` (0 first), or None when
        the case does not mock that state (it runs for real)."""
        ranges = self.states.get(state)
        if not ranges:
            return None
        for first, last, outcome in ranges:
            if first <= attempt <= last:
                return outcome
        return ranges[-1][2]


class MockConfig:
    """A loaded mock configuration: its test cases, checked."""

    def __init__(self, data: Any, source: str = "the mock configuration") -> None:
        self.source = source
        if not isinstance(data, dict):
            raise self._error("it must be a JSON object")
        machines = data.get("StateMachines", {})
        responses = data.get("MockedResponses", {})
        if not isinstance(machines, dict) or not isinstance(responses, dict):
            raise self._error("StateMachines and MockedResponses must be JSON objects")
        parsed = {name: self._responses(name, value) for name, value in responses.items()}
        self._cases: dict[tuple[str, str], MockCase] = {}
        for machine, spec in machines.items():
            cases = spec.get("TestCases") if isinstance(spec, dict) else None
            if not isinstance(cases, dict):
                raise self._error(f"StateMachines.{machine}.TestCases must be a JSON object")
            for case, states in cases.items():
                where = f"StateMachines.{machine}.TestCases.{case}"
                if not isinstance(states, dict):
                    raise self._error(f"{where} must map state names to mocked responses")
                mocked = {}
                for state, response in states.items():
                    if response not in parsed:
                        raise self._error(
                            f"{where}.{state} names the mocked response {response!r}, "
                            f"which MockedResponses does not define"
                        )
                    mocked[state] = parsed[response]
                self._cases[(machine, case)] = MockCase(machine, case, mocked)

    @classmethod
    def load(cls, path: str | Path) -> MockConfig:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise MockConfigError(f"cannot read the mock configuration {path}: {exc}") from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise MockConfigError(f"the mock configuration {path} is not JSON: {exc}") from None
        return cls(data, str(path))

    def case(self, machine: str, case: str) -> MockCase | None:
        return self._cases.get((machine, case))

    def cases(self, machine: str) -> list[str]:
        return [case for (name, case) in self._cases if name == machine]

    def _error(self, message: str) -> MockConfigError:
        return MockConfigError(f"{self.source}: {message}")

    def _responses(self, name: str, value: Any) -> tuple[tuple[int, int, Outcome], ...]:
        where = f"MockedResponses.{name}"
        if not isinstance(value, dict) or not value:
            raise self._error(f'{where} must map attempts ("0", "1-2") to responses')
        ranges = []
        for key, response in value.items():
            match = _ATTEMPTS.fullmatch(key) if isinstance(key, str) else None
            if match is None:
                raise self._error(f'{where}: {key!r} is not an attempt ("0") or range ("1-2")')
            first = int(match.group(1))
            last = int(match.group(2)) if match.group(2) is not None else first
            if last < first:
                raise self._error(f"{where}: the range {key!r} runs backwards")
            ranges.append((first, last, self._outcome(f"{where}.{key}", response)))
        ranges.sort(key=lambda r: r[0])
        for (_, last, _), (first, _, _) in zip(ranges, ranges[1:], strict=False):
            if first <= last:
                raise self._error(f"{where}: its attempt ranges overlap")
        return tuple(ranges)

    def _outcome(self, where: str, response: Any) -> Outcome:
        if not isinstance(response, dict) or len(response) != 1:
            raise self._error(f'{where} must be {{"Return": ...}} or {{"Throw": ...}}')
        if "Return" in response:
            return Outcome(False, value=response["Return"])
        thrown = response.get("Throw")
        if not isinstance(thrown, dict) or not isinstance(thrown.get("Error"), str):
            raise self._error(f'{where}.Throw must be {{"Error": "...", "Cause": "..."}}')
        cause = thrown.get("Cause")
        return Outcome(True, error=thrown["Error"], cause=cause if isinstance(cause, str) else None)


def split_case(state_machine_arn: str) -> tuple[str, str | None]:
    """``(ARN, test case)`` of ``arn:...:stateMachine:Name#Case`` (Step Functions Local's
    way to start a test case); the case is None without a ``#``."""
    arn, sep, case = state_machine_arn.partition(_CASE_SEPARATOR)
    return arn, (case if sep else None)
