"""The Wait state on the runner's virtual clock: no real sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.asl.runner import run

START = datetime(2024, 1, 1, tzinfo=UTC)


def wait(**fields):
    return {
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Next": "D", **fields},
            "D": {"Type": "Pass", "End": True},
        },
    }


@pytest.mark.parametrize(
    "fields, given, waited",
    [
        ({"Seconds": 3600}, {}, 3600),
        ({"SecondsPath": "$.s"}, {"s": 5}, 5),
        ({"Timestamp": "2024-01-02T00:00:00Z"}, {}, 86400),
        ({"TimestampPath": "$.t"}, {"t": "2024-01-01T00:01:00+00:00"}, 60),
        ({"Timestamp": "2000-01-01T00:00:00Z"}, {}, 0),  # a past timestamp does not wait
    ],
)
def test_wait_advances_virtual_time_by_the_requested_amount(fields, given, waited):
    result = run(wait(**fields), given, start_time=START)
    assert result.status == "SUCCEEDED"
    exited = next(e for e in result.history if e["type"] == "WaitStateExited")
    assert exited["timestamp"] - START == timedelta(seconds=waited)


@pytest.mark.parametrize(
    "given, cause",
    [
        ({"s": -1}, "The SecondsPath parameter references a negative value: $.s == -1"),
        ({"s": 1.5}, "The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5"),
        ({}, "The SecondsPath parameter does not reference an input value: $.s"),
    ],
)
def test_bad_seconds_path_values(given, cause):
    result = run(wait(SecondsPath="$.s"), given)
    assert result.error == "States.Runtime"
    assert result.cause.endswith(cause)


def test_bad_timestamp_path_value():
    result = run(wait(TimestampPath="$.t"), {"t": "2016-12-05 21:29:29Z"})
    assert result.cause.endswith(
        "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
        "date-time format string: $.t == 2016-12-05 21:29:29Z"
    )


def test_machine_timeout_stops_a_long_wait():
    definition = wait(Seconds=60)
    definition["TimeoutSeconds"] = 5
    result = run(definition, {}, start_time=START)
    assert (result.status, result.error) == ("TIMED_OUT", "States.Timeout")
    assert result.history[-1]["type"] == "ExecutionTimedOut"
    assert result.history[-1]["timestamp"] - START == timedelta(seconds=5)
