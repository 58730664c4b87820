"""Time as the engine stores it: integer microseconds since the epoch (exact round trip).

A journal replay must hand the interpreter *identical* datetimes (``EnteredTime`` is
printed to the millisecond, Wait deadlines are compared), so clock readings are stored as
integers, never as floats.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

__all__ = ["to_us", "from_us", "real_us", "EPOCH"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def to_us(moment: datetime) -> int:
    return (moment - EPOCH) // _ONE_US


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def real_us() -> int:
    """The wall clock (durable deadlines must survive a restart, so not monotonic)."""
    return time.time_ns() // 1000
