"""The messages an execution receives, and the journal record of one activation.

Messages (:class:`Start`, :class:`Stop`, :class:`Completion`, :class:`Heartbeat`,
:class:`Resume`, :class:`MapRunUpdate`) are what other threads hand an execution through the driver's inbox: the
API (start, stop, a task token answered or heartbeating), the timer thread (a deadline
passed), the Task resources (a call ended). Small frozen records, one type per meaning.

A :class:`Record` is what one activation consumed that a replay must be fed again, in the
order it was consumed (see :mod:`.run` for how it is made and replayed). Its JSON form keeps
one-letter keys - the journal holds one record per activation, and the format is what
journals written by earlier versions hold::

    {"c": [[seq, 0, result_json] | [seq, 1, error, cause], ...],   # completions
     "t": [clock readings, us], "r": [random draws], "u": [uuid draws],
     "d": {seq: real deadline us}, "k": clock skew us,
     "b": steps run when the slice ended with work left,
     "x": [[evaluation number, random draws, uuid draws], ...],
     "m": [[map run ARN, maxConcurrency, toleratedFailurePercentage,
            toleratedFailureCount], ...],                               # UpdateMapRun
     "v": the execution's redrive count when the activation ran (0: left out),
     "f": 1 for the activation that ended a FAILED / TIMED_OUT / ABORTED execution}

A final record (``"f"``) is never replayed as such: RedriveExecution replays the records
before it and feeds only its successful completions again, so that what failed, timed out
or was stopped runs again and nothing that succeeded does (see :mod:`.run`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from orchestrator.asl.document import compact

__all__ = [
    "Start",
    "Stop",
    "Completion",
    "Heartbeat",
    "Resume",
    "MapRunUpdate",
    "Message",
    "Record",
    "ReplayDivergence",
    "Cursor",
]


@dataclass(frozen=True, slots=True)
class Start:
    """Start the execution (its first activation)."""


@dataclass(frozen=True, slots=True)
class Stop:
    """StopExecution, with its optional error and cause."""

    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True, slots=True)
class Completion:
    """Command ``seq`` ended: with ``result`` (JSON text, None for a Sleep) or, when
    ``failed``, with ``error`` and ``cause``."""

    seq: int
    result: str | None = None
    failed: bool = False
    error: str | None = None
    cause: str | None = None

    @classmethod
    def failure(cls, seq: int, error: str | None, cause: str | None) -> Completion:
        return cls(seq, None, True, error, cause)

    def to_json(self) -> list:
        if self.failed:
            return [self.seq, 1, self.error, self.cause]
        return [self.seq, 0, self.result]

    @classmethod
    def from_json(cls, entry: list) -> Completion:
        if entry[1] == 0:
            return cls(entry[0], entry[2])
        return cls.failure(entry[0], entry[2], entry[3])


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """SendTaskHeartbeat for command ``seq``: its heartbeat timeout starts again."""

    seq: int


@dataclass(frozen=True, slots=True)
class Resume:
    """Replay the journal, then continue (the first activation after a restart)."""


@dataclass(frozen=True, slots=True)
class MapRunUpdate:
    """UpdateMapRun: a running Map Run's new limits (None: unchanged). Journaled: applied
    before the activation's completions, live and in a replay alike."""

    map_run_arn: str
    max_concurrency: int | None = None
    tolerated_pct: float | None = None
    tolerated_count: int | None = None

    def to_json(self) -> list:
        return [self.map_run_arn, self.max_concurrency, self.tolerated_pct, self.tolerated_count]

    @classmethod
    def from_json(cls, entry: list) -> MapRunUpdate:
        return cls(*entry)


Message = Start | Stop | Completion | Heartbeat | Resume | MapRunUpdate


class ReplayDivergence(Exception):
    """Replaying the journal did not reproduce the stored history (an engine bug)."""


@dataclass
class Record:
    """One activation's journal record (field by field: the JSON keys above)."""

    completions: list[Completion] = field(default_factory=list)  # "c"
    updates: list[MapRunUpdate] = field(default_factory=list)  # "m"
    clock: list[int] = field(default_factory=list)  # "t"
    random: list[float] = field(default_factory=list)  # "r"
    uuids: list[str] = field(default_factory=list)  # "u"
    timeouts: list[list[int]] = field(default_factory=list)  # "x"
    deadlines: dict[int, int] = field(default_factory=dict)  # "d"
    skew_us: int = 0  # "k"
    steps: int | None = None  # "b"
    redrive: int = 0  # "v"
    final: bool = False  # "f"

    def to_json(self) -> str:
        data: dict = {"c": [c.to_json() for c in self.completions]}
        if self.updates:
            data["m"] = [u.to_json() for u in self.updates]
        for key, value in (
            ("t", self.clock),
            ("r", self.random),
            ("u", self.uuids),
            ("x", self.timeouts),
            ("d", self.deadlines),
        ):
            if value:
                data[key] = value
        if self.steps is not None:
            data["b"] = self.steps
        if self.redrive:
            data["v"] = self.redrive
        if self.final:
            data["f"] = 1
        data["k"] = self.skew_us
        return compact(data)

    @classmethod
    def from_json(cls, text: str) -> Record:
        data = json.loads(text)
        return cls(
            completions=[Completion.from_json(c) for c in data["c"]],
            updates=[MapRunUpdate.from_json(u) for u in data.get("m", [])],
            clock=data.get("t", []),
            random=data.get("r", []),
            uuids=data.get("u", []),
            timeouts=data.get("x", []),
            deadlines={int(k): v for k, v in data.get("d", {}).items()},
            skew_us=data.get("k", 0),
            steps=data.get("b"),
            redrive=data.get("v", 0),
            final=bool(data.get("f")),
        )


class Cursor:
    """Reads a replayed record's inputs in order and says when too many or too few were."""

    __slots__ = ("record", "label", "_at")

    def __init__(self, record: Record, label: str) -> None:
        self.record = record
        self.label = label
        self._at = {"clock": 0, "random": 0, "uuids": 0}

    def take(self, name: str):
        values = getattr(self.record, name)
        at = self._at[name]
        if at >= len(values):
            raise ReplayDivergence(
                f"{self.label}: the replay asked for more '{name}' inputs than the journal recorded"
            )
        self._at[name] = at + 1
        return values[at]

    def skip(self, name: str, count: int) -> None:
        self._at[name] += count

    def check_used(self) -> None:
        for name, at in self._at.items():
            if at != len(getattr(self.record, name)):
                raise ReplayDivergence(f"{self.label}: left unused '{name}' inputs")

    def timed_out(self, number: int) -> list[int] | None:
        """[random draws, uuid draws] of evaluation ``number`` if it ran out of time."""
        for entry in self.record.timeouts:
            if entry[0] == number:
                return entry[1:]
        return None
