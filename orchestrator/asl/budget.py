"""Time budgets for the evaluations a definition controls: regular expressions and JSONata.

A pattern such as ``/^(a|aa)+$/`` against forty ``a`` and a ``!`` backtracks for hours, and
Python's ``re`` can neither be interrupted nor let other threads run while it does: one
``$contains`` would freeze the whole process. So every user pattern here is compiled by
the ``regex`` module (a drop-in superset of ``re``, same syntax for what ``re`` accepts),
whose matching takes a ``timeout`` and, with ``concurrent=True``, releases the interpreter
lock while it searches. A JSONata evaluation checks the same budget every few hundred
evaluation steps (:mod:`.jsonata`).

Determinism: whether an evaluation ran out of time is a fact of the wall clock, so it
enters the interpreter through the same door as random numbers (:mod:`.effects`): each
budgeted evaluation asks the current effects for a :class:`Deadline`
(``effects.deadline()``). The durable engine numbers those requests, journals the numbers
of the evaluations that timed out, and on replay hands those an already-expired deadline
(they fail at their first check, with the same error) and every other one an unlimited
deadline (they completed in time once, so they complete again). A replay therefore rebuilds
the same history, whatever the machine's speed.

The effects in use are per thread (:func:`using`): the driver sets them around an
activation, a JSONata evaluation around itself. Code that runs without any (unit tests of
the paths module) gets a plain wall-clock budget of :data:`DEFAULT_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import regex

from .errors import RUNTIME, StatesError

__all__ = [
    "Deadline",
    "EvaluationTimedOut",
    "BudgetedPattern",
    "compile_pattern",
    "PatternError",
    "new_deadline",
    "using",
    "current_effects",
    "DEFAULT_SECONDS",
]

DEFAULT_SECONDS = 1.0
PatternError = regex.error

_local = threading.local()


class EvaluationTimedOut(StatesError):
    """An evaluation used up its time budget: ``States.Runtime`` for the state, unless the
    caller (JSONata) reports it as its own error."""

    def __init__(self, cause: str) -> None:
        super().__init__(RUNTIME, cause)


class Deadline:
    """The time budget of one evaluation. ``at`` is a ``time.monotonic()`` value (None:
    unlimited); ``on_expire`` is told once when the budget runs out (the engine journals
    it)."""

    __slots__ = ("at", "seconds", "expired", "_on_expire")

    def __init__(
        self,
        at: float | None,
        seconds: float = DEFAULT_SECONDS,
        *,
        expired: bool = False,
        on_expire: Callable[[], None] | None = None,
    ) -> None:
        self.at = at
        self.seconds = seconds
        self.expired = expired
        self._on_expire = on_expire

    @classmethod
    def after(cls, seconds: float, on_expire: Callable[[], None] | None = None) -> Deadline:
        return cls(time.monotonic() + seconds, seconds, on_expire=on_expire)

    def remaining(self) -> float | None:
        """Seconds left (0 once expired), or None when unlimited."""
        if self.expired:
            return 0.0
        if self.at is None:
            return None
        return max(0.0, self.at - time.monotonic())

    def check(self) -> None:
        """Raise :class:`EvaluationTimedOut` once the budget is used up."""
        if self.expired or (self.at is not None and time.monotonic() >= self.at):
            self.expire()

    def expire(self, what: str = "The evaluation") -> None:
        if not self.expired:
            self.expired = True
            if self._on_expire is not None:
                self._on_expire()
        raise EvaluationTimedOut(
            f"{what} exceeded its time budget of {self.seconds:g} "
            f"second{'' if self.seconds == 1 else 's'}"
        )


@contextmanager
def using(effects: Any) -> Iterator[None]:
    """Make ``effects`` the current effects of this thread for the duration."""
    previous = getattr(_local, "effects", None)
    _local.effects = effects
    try:
        yield
    finally:
        _local.effects = previous


def current_effects() -> Any:
    return getattr(_local, "effects", None)


def new_deadline() -> Deadline:
    """A fresh budget for one evaluation, from the current effects (see module docstring)."""
    make = getattr(current_effects(), "deadline", None)
    return make() if make is not None else Deadline.after(DEFAULT_SECONDS)


def _timeout(deadline: Deadline, what: str) -> float | None:
    left = deadline.remaining()
    if left is not None and left <= 0:
        deadline.expire(what)
    return left


class BudgetedPattern:
    """A compiled user pattern whose every match runs within a :class:`Deadline`.

    ``deadline`` is called for each matching operation: an evaluation-wide budget (JSONata
    hands the one of the evaluation in progress) or :func:`new_deadline` (one budget per
    match, JSONPath filters). The methods are those of ``re.Pattern`` that the callers use.
    """

    __slots__ = ("pattern", "_compiled", "_deadline")

    def __init__(self, compiled: Any, deadline: Callable[[], Deadline]) -> None:
        self.pattern = compiled.pattern
        self._compiled = compiled
        self._deadline = deadline

    def _run(self, operation: Callable[..., Any], *args: Any) -> Any:
        deadline = self._deadline()
        what = f"The regular expression /{self.pattern}/"
        try:
            return operation(*args, timeout=_timeout(deadline, what), concurrent=True)
        except TimeoutError:
            deadline.expire(what)

    def search(self, string: str, *args: Any) -> Any:
        return self._run(self._compiled.search, string, *args)

    def match(self, string: str, *args: Any) -> Any:
        return self._run(self._compiled.match, string, *args)

    def fullmatch(self, string: str, *args: Any) -> Any:
        return self._run(self._compiled.fullmatch, string, *args)

    def finditer(self, string: str, *args: Any) -> Iterator[Any]:
        # Materialised here, so that the whole iteration runs within the budget.
        return iter(self._run(_all_matches(self._compiled), string, *args))

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        return self._run(self._compiled.sub, repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list:
        return self._run(self._compiled.split, string, maxsplit)

    def __repr__(self) -> str:
        return f"BudgetedPattern({self.pattern!r})"


def _all_matches(compiled: Any) -> Callable[..., list]:
    def operation(*args: Any, **kwargs: Any) -> list:
        return list(compiled.finditer(*args, **kwargs))

    return operation


_FLAGS = {"i": regex.IGNORECASE, "m": regex.MULTILINE, "s": regex.DOTALL, "x": regex.VERBOSE}


def compile_pattern(
    pattern: str, flags: str = "", *, deadline: Callable[[], Deadline] = new_deadline
) -> BudgetedPattern:
    """Compile a user pattern (``flags``: any of ``imsx``); raises ``regex.error`` (
    :data:`PatternError`) for a malformed one."""
    value = 0
    for flag in flags:
        value |= _FLAGS[flag]
    return BudgetedPattern(regex.compile(pattern, value), deadline)
