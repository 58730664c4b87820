"""Timestamp parsing as AWS accepts it (RFC 3339 with uppercase T and Z, as the Choice
Rules docs require; the accepted/rejected forms are those of the conformance corpus)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from orchestrator.asl.timestamps import is_timestamp, parse_timestamp, timestamp_nanos

UTC = UTC


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2016-03-14T01:59:00Z", datetime(2016, 3, 14, 1, 59, 0, tzinfo=UTC)),
        ("2012-10-09T19:00:55Z", datetime(2012, 10, 9, 19, 0, 55, tzinfo=UTC)),
        # nine fraction digits (corpus: test_wait_timestamp_NANOSECONDS); Python keeps six
        ("2016-03-05T21:29:29.243167252Z", datetime(2016, 3, 5, 21, 29, 29, 243167, tzinfo=UTC)),
        ("2016-03-05T21:29:29.5Z", datetime(2016, 3, 5, 21, 29, 29, 500000, tzinfo=UTC)),
        (
            "2012-10-09T19:00:55+01:00",
            datetime(2012, 10, 9, 19, 0, 55, tzinfo=timezone(timedelta(hours=1))),
        ),
        (
            "2012-10-09T19:00:55-05:30",
            datetime(2012, 10, 9, 19, 0, 55, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
        ),
        ("2012-10-09T19:00:55+00:00", datetime(2012, 10, 9, 19, 0, 55, tzinfo=UTC)),
        ("2024-02-29T00:00:00Z", datetime(2024, 2, 29, tzinfo=UTC)),  # leap day
        ("2000-02-29T23:59:59Z", datetime(2000, 2, 29, 23, 59, 59, tzinfo=UTC)),  # 400-year leap
    ],
)
def test_accepted(text, expected):
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()
    assert is_timestamp(text)


@pytest.mark.parametrize(
    "text",
    [
        "2016-12-05 21:29:29Z",  # no T (corpus: NO_T)
        "2016-12-05T21:29:29",  # no zone (corpus: NO_Z, and the Choice io-pairs)
        "2016-13-05T21:29:29Z",  # month 13 (corpus: INVALID_DATE)
        "2016-12-05T25:29:29Z",  # hour 25 (corpus: INVALID_TIME)
        "05-12-2016T21:29:29Z",  # day first (corpus: INVALID_ISO)
        "2023-02-24",  # date only (Choice io-pairs)
        "2023-02-24 12:15:56.832957",  # Python's str(datetime) (Choice io-pairs)
        "2016-12-05t21:29:29Z",  # lowercase t: "An uppercase T must separate ..."
        "2016-12-05T21:29:29z",  # lowercase z: "An uppercase Z must denote ..."
        "2016-12-05T21:29Z",  # seconds are required by RFC 3339
        "2016-12-05T21:29:29.Z",  # a dot needs digits
        "2016-12-05T21:29:29.1234567890Z",  # more than nanoseconds
        "2016-12-05T21:29:29+0100",  # offset without colon
        "2016-12-05T21:29:29+01",  # offset without minutes
        "2016-12-05T21:29:29+19:00",  # beyond Java's +-18:00
        "2016-12-05T21:29:29+01:60",
        "2023-02-29T00:00:00Z",  # not a leap year
        "1900-02-29T00:00:00Z",  # century, not a leap year
        "2016-04-31T00:00:00Z",  # April has 30 days
        "2016-12-00T00:00:00Z",
        "2016-00-10T00:00:00Z",
        "2016-12-05T23:60:00Z",
        "2016-12-05T23:59:60Z",  # leap second: Java's strict parser rejects it
        "+2016-12-05T21:29:29Z",
        " 2016-12-05T21:29:29Z",
        "2016-12-05T21:29:29Z ",
        "２０１６-12-05T21:29:29Z",  # non-ASCII digits
        "",
        "HelloWorld",
    ],
)
def test_rejected(text):
    assert parse_timestamp(text) is None
    assert timestamp_nanos(text) is None
    assert not is_timestamp(text)


@pytest.mark.parametrize("value", [None, 0, 1.5, True, [], {}, ["2016-12-05T21:29:29Z"]])
def test_non_strings_are_not_timestamps(value):
    assert timestamp_nanos(value) is None
    assert not is_timestamp(value)


@pytest.mark.parametrize(
    "text,nanos",
    [
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T00:00:00.000000001Z", 1),
        ("1969-12-31T23:59:59.999999999Z", -1),
        ("1970-01-01T01:00:00+01:00", 0),
        ("2016-03-05T21:29:29.243167252Z", 1457213369_243167252),
        ("0000-01-01T00:00:00Z", -62167219200 * 10**9),  # year 0 exists in ISO 8601 / Java
    ],
)
def test_nanos(text, nanos):
    assert timestamp_nanos(text) == nanos


def test_nanos_agree_with_datetime_over_many_dates():
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    # every 997th day from year 1 to 9999 (Python's range), at varying times of day
    for days in range(-719_000, 2_932_000, 997):
        instant = epoch + timedelta(days=days, seconds=days % 86400)
        text = (
            f"{instant.year:04d}-{instant.month:02d}-{instant.day:02d}"
            f"T{instant.hour:02d}:{instant.minute:02d}:{instant.second:02d}Z"
        )
        assert timestamp_nanos(text) == int((instant - epoch).total_seconds()) * 10**9, text


@pytest.mark.parametrize(
    "left,right",
    [
        ("2012-10-09T19:00:55Z", "2012-10-09T20:00:55+01:00"),
        ("2012-10-09T19:00:55Z", "2012-10-09T19:00:55.000Z"),
        ("2012-10-09T23:30:00-01:00", "2012-10-10T00:30:00Z"),
    ],
)
def test_same_instant(left, right):
    assert timestamp_nanos(left) == timestamp_nanos(right)


def test_nanosecond_precision_is_kept_for_comparisons():
    assert timestamp_nanos("2016-03-05T21:29:29.000000001Z") > timestamp_nanos(
        "2016-03-05T21:29:29Z"
    )


def test_year_zero_has_no_python_datetime():
    assert parse_timestamp("0000-01-01T00:00:00Z") is None
    assert is_timestamp("0000-01-01T00:00:00Z")
