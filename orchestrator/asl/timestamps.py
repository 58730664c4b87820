"""Timestamps as Amazon States Language accepts them (Choice ``Timestamp*``, Wait ``Timestamp``).

AWS developer guide, Choice Rules: "Timestamps (for example, 2016-08-18T17:33:00Z) must
conform to RFC3339 profile ISO 8601, with further restrictions: An uppercase T must separate
the date and time portions. An uppercase Z must denote that a numeric time zone offset isn't
present."

The conformance corpus (recorded against AWS) agrees: ``2016-03-05T21:29:29.243167252Z``
(nine fraction digits) is accepted; ``2016-12-05 21:29:29Z`` (no ``T``), ``2016-12-05T21:29:29``
(no zone), ``2016-13-05T21:29:29Z`` (month 13), ``2016-12-05T25:29:29Z`` (hour 25) and
``05-12-2016T21:29:29Z`` are rejected.

Two views of one parse:

* :func:`parse_timestamp` gives an aware :class:`datetime` (for Wait, which schedules a timer);
  Python keeps microseconds, so digits past the sixth are dropped.
* :func:`timestamp_nanos` gives the exact instant as integer nanoseconds since the Unix epoch,
  which is what Choice comparisons use so that ``...29.000000001Z`` stays after ``...29Z``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

# Date, uppercase "T", time with mandatory seconds (RFC 3339 "partial-time"), optional
# fraction of 1-9 digits (Java's nanosecond precision, which AWS uses), then "Z" or a
# numeric offset "+HH:MM" (RFC 3339 "time-numoffset"; the colon is required).
_TIMESTAMP_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})"
    r"(?:\.(?P<fraction>\d{1,9}))?"
    r"(?:(?P<zulu>Z)|(?P<sign>[+-])(?P<off_hour>\d{2}):(?P<off_minute>\d{2}))",
    re.ASCII,
)

_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_NANOS_PER_SECOND = 1_000_000_000
# Java's ZoneOffset (what AWS parses with) allows offsets up to +/-18:00.
_MAX_OFFSET_MINUTES = 18 * 60


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar (any year, including 0)."""
    # Howard Hinnant's days_from_civil: shift the year so it starts in March, which puts
    # the leap day last and makes month lengths a simple linear formula.
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _parse(text: str) -> tuple[int, int, int, int, int, int, int, int] | None:
    """Split and range-check ``text``: (year, month, day, hour, minute, second, nanos,
    offset_minutes), or None if it is not an accepted timestamp."""
    if not isinstance(text, str):
        return None
    match = _TIMESTAMP_RE.fullmatch(text)
    if match is None:
        return None
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"])
    if not 1 <= month <= 12:
        return None
    days_in_month = 29 if month == 2 and _is_leap(year) else _DAYS_IN_MONTH[month - 1]
    # RFC 3339 allows second 60 (leap second) but Java's strict ISO parser, which AWS
    # uses, does not: 23:59:60 is rejected.
    if not (1 <= day <= days_in_month and hour <= 23 and minute <= 59 and second <= 59):
        return None
    fraction = match["fraction"] or ""
    nanos = int(fraction.ljust(9, "0")) if fraction else 0
    if match["zulu"]:
        offset = 0
    else:
        off_hour, off_minute = int(match["off_hour"]), int(match["off_minute"])
        if off_minute > 59:
            return None
        offset = off_hour * 60 + off_minute
        if offset > _MAX_OFFSET_MINUTES:
            return None
        if match["sign"] == "-":
            offset = -offset
    return year, month, day, hour, minute, second, nanos, offset


def is_timestamp(text: object) -> bool:
    """True if ``text`` is a string in a timestamp form AWS accepts (Choice ``IsTimestamp``)."""
    return timestamp_nanos(text) is not None


@lru_cache(maxsize=4096)
def _nanos_cached(text: str) -> int | None:
    parts = _parse(text)
    if parts is None:
        return None
    year, month, day, hour, minute, second, nanos, offset = parts
    seconds = (
        _days_from_civil(year, month, day) * 86400
        + hour * 3600
        + minute * 60
        + second
        - offset * 60
    )
    return seconds * _NANOS_PER_SECOND + nanos


def timestamp_nanos(text: object) -> int | None:
    """The instant ``text`` denotes, in nanoseconds since 1970-01-01T00:00:00Z; None if
    ``text`` is not a string or not an accepted timestamp. Offsets are applied, so
    ``2012-10-09T20:00:55+01:00`` and ``2012-10-09T19:00:55Z`` give the same number."""
    if not isinstance(text, str):
        return None
    return _nanos_cached(text)


def parse_timestamp(text: str) -> datetime | None:
    """Parse an ASL timestamp into an aware :class:`datetime` (its own offset kept), or
    None if ``text`` is not one. Fraction digits past microseconds are truncated; years
    outside Python's 1..9999 give None (AWS would accept year 0000, no real input has it)."""
    parts = _parse(text)
    if parts is None:
        return None
    year, month, day, hour, minute, second, nanos, offset = parts
    if year < 1:
        return None
    try:
        return datetime(
            year,
            month,
            day,
            hour,
            minute,
            second,
            nanos // 1000,
            tzinfo=timezone(timedelta(minutes=offset)) if offset else UTC,
        )
    except (ValueError, OverflowError):
        return None
