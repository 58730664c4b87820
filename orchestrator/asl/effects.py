"""The door through which non-determinism enters the interpreter.

Random numbers and UUIDs (``States.MathRandom``, ``States.UUID``, jitter) are
drawn from an :class:`Effects` object supplied by the caller, so the engine can
record them in the journal and a replay rebuilds exactly the same state.
Tests pass :class:`SeededEffects` for reproducible results. So are the time budgets of
user-controlled evaluations (:mod:`.budget`): whether one ran out is journaled too.
"""

from __future__ import annotations

import random
import uuid
from typing import Protocol

from .budget import DEFAULT_SECONDS, Deadline


class Effects(Protocol):
    def random(self) -> float:
        """A float in [0.0, 1.0)."""

    def uuid(self) -> str:
        """A random (version 4) UUID in its canonical 36-character form."""

    def deadline(self) -> Deadline:
        """The time budget of one regular expression match or JSONata evaluation."""


class SystemEffects:
    """Real randomness, for production runs (the engine records what it hands out)."""

    def __init__(self, evaluation_seconds: float = DEFAULT_SECONDS) -> None:
        self.evaluation_seconds = evaluation_seconds

    def deadline(self) -> Deadline:
        return Deadline.after(self.evaluation_seconds)

    def random(self) -> float:
        return random.random()

    def uuid(self) -> str:
        return str(uuid.uuid4())


class SeededEffects:
    """Deterministic effects for tests: the same seed gives the same sequence."""

    def __init__(self, seed: int = 0, evaluation_seconds: float = DEFAULT_SECONDS) -> None:
        self._rng = random.Random(seed)
        self.evaluation_seconds = evaluation_seconds

    def deadline(self) -> Deadline:
        # Wall-clock budgets: an in-process run is never replayed.
        return Deadline.after(self.evaluation_seconds)

    def random(self) -> float:
        return self._rng.random()

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
