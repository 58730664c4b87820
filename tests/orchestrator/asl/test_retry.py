"""Retry delays and ErrorEquals matching, table-driven (no sleeping, injected randomness)."""

from __future__ import annotations

import pytest

from orchestrator.asl.model import Retrier
from orchestrator.asl.retry import (
    DEFAULT_BACKOFF_RATE,
    DEFAULT_INTERVAL_SECONDS,
    DEFAULT_JITTER_STRATEGY,
    DEFAULT_MAX_ATTEMPTS,
    find_matching,
    matches_error,
    retry_delay,
)


def test_defaults_from_the_docs():
    assert (
        DEFAULT_INTERVAL_SECONDS,
        DEFAULT_MAX_ATTEMPTS,
        DEFAULT_BACKOFF_RATE,
        DEFAULT_JITTER_STRATEGY,
    ) == (1, 3, 2.0, "NONE")


@pytest.mark.parametrize(
    "interval,rate,attempt,max_delay,expected",
    [
        (1, 2.0, 1, None, 1.0),  # defaults: 1, 2, 4
        (1, 2.0, 2, None, 2.0),
        (1, 2.0, 3, None, 4.0),
        (3, 2, 1, None, 3.0),  # docs: IntervalSeconds 3, BackoffRate 2 -> 3, 6, 12
        (3, 2, 2, None, 6.0),
        (3, 2, 3, None, 12.0),
        (3, 1.5, 1, None, 3.0),  # docs: "2 retry attempts after waiting for 3 and 4.5 seconds"
        (3, 1.5, 2, None, 4.5),
        (2, 2, 3, None, 8.0),  # docs jitter example before jitter: 2, 4, 8
        (1, 1, 5, None, 1.0),  # BackoffRate 1: constant
        (3, 2, 1, 5, 3.0),  # corpus test_retry_interval_features: 3 then capped at 5
        (3, 2, 2, 5, 5.0),
        (3, 2, 10, 5, 5.0),
        (1, 2.0, 3, 4, 4.0),  # exactly at the cap
        (0, 2.0, 3, None, 0.0),
        (1, 2.0, 200, 31622400, 31622400.0),  # huge exponents stay finite once capped
        (1, 2.0, 99999999, 60, 60.0),  # MaxAttempts' maximum: float overflow, then the cap
    ],
)
def test_delay(interval, rate, attempt, max_delay, expected):
    assert retry_delay(interval, rate, attempt, max_delay) == pytest.approx(expected)
    assert retry_delay(interval, rate, attempt, max_delay, "NONE") == pytest.approx(expected)


@pytest.mark.parametrize(
    "draw,attempt,max_delay,expected",
    [
        (0.0, 1, None, 0.0),
        (0.5, 1, None, 1.0),  # docs: first retry randomized between 0 and 2 seconds
        (0.5, 2, None, 2.0),  # second between 0 and 4
        (0.25, 3, None, 2.0),  # third between 0 and 8
        (0.999, 3, None, 7.992),
        (0.5, 3, 5, 2.5),  # the cap applies before the jitter
    ],
)
def test_full_jitter(draw, attempt, max_delay, expected):
    draws = []

    def rand():
        draws.append(draw)
        return draw

    assert retry_delay(2, 2, attempt, max_delay, "FULL", rand) == pytest.approx(expected)
    assert draws == [draw]  # one draw per delay, so a journal can replay it


def test_no_jitter_draws_nothing():
    def rand():
        raise AssertionError("NONE must not draw")

    assert retry_delay(2, 2, 1, None, "NONE", rand) == 2.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"attempt": 0},
        {"jitter": "HALF"},
        {"jitter": "full"},
        {"jitter": "FULL"},  # without a random source
    ],
)
def test_delay_rejects(kwargs):
    with pytest.raises(ValueError):
        retry_delay(**{"interval_seconds": 1, "backoff_rate": 2.0, **kwargs})


@pytest.mark.parametrize(
    "error_equals,error,expected",
    [
        (["MyError"], "MyError", True),
        (["MyError"], "myerror", False),  # case-sensitive
        (["A", "B"], "B", True),
        (["A", "B"], "C", False),
        ([], "A", False),
        (["States.ALL"], "Exception", True),
        (["States.ALL"], "States.Timeout", True),
        (["States.ALL"], "States.TaskFailed", True),
        (["States.ALL"], "States.BranchFailed", True),
        (["States.ALL"], "States.NoChoiceMatched", True),
        (["States.ALL"], "States.Runtime", False),  # "can't catch ... Runtime error types"
        (["States.ALL"], "States.DataLimitExceeded", False),  # "a terminal error"
        (["States.Runtime"], "States.Runtime", False),  # corpus: test_catch_states_runtime
        (["States.DataLimitExceeded"], "States.DataLimitExceeded", False),
        (["State.ALL"], "HandleItemFailError", False),  # corpus: a typo is just a name
        (["State.ALL"], "State.ALL", True),
        (["States.TaskFailed"], "Exception", True),  # corpus: test_raise_exception_catch
        (["States.TaskFailed"], "Lambda.Unknown", True),
        (["States.TaskFailed"], "States.Permissions", True),
        (["States.TaskFailed"], "States.Timeout", False),  # "... except for States.Timeout"
        (["States.TaskFailed"], "States.HeartbeatTimeout", False),
        (["States.TaskFailed"], "States.Runtime", False),
        (["States.Timeout"], "States.Timeout", True),
        (["States.Timeout"], "States.HeartbeatTimeout", True),  # a missed heartbeat is a timeout
        (["States.HeartbeatTimeout"], "States.HeartbeatTimeout", True),
        (["States.HeartbeatTimeout"], "States.Timeout", False),
        (["Lambda.Unknown"], "Exception", False),  # corpus: test_raise_exception
        (["CustomException"], "CustomException", True),
    ],
)
def test_matches_error(error_equals, error, expected):
    assert matches_error(error_equals, error) is expected


@pytest.mark.parametrize(
    "rules,error,expected",
    [
        # corpus: test_no_such_function_catch -- Lambda.Unknown, States.TaskFailed, States.ALL
        ([["Lambda.Unknown"], ["States.TaskFailed"], ["States.ALL"]], "Exception", 1),
        ([["Lambda.Unknown"], ["States.TaskFailed"], ["States.ALL"]], "States.Timeout", 2),
        ([["Lambda.Unknown"], ["States.TaskFailed"], ["States.ALL"]], "Lambda.Unknown", 0),
        # corpus: test_map_state_retry_multiple_retriers
        ([["NoSuchError"], ["State.ALL"], ["HandleItemFailError"]], "HandleItemFailError", 2),
        # docs: "retries any error except States.Timeout"
        ([["States.Timeout"], ["States.ALL"]], "States.Timeout", 0),
        ([["States.ALL"]], "States.Runtime", None),
        ([["States.ALL"]], None, None),  # a Fail state without Error: nothing handles it
        ([], "Anything", None),
    ],
)
def test_find_matching(rules, error, expected):
    """The retriers/catchers as the model builds them (what retry_catch scans)."""
    retriers = [Retrier(error_equals=tuple(names)) for names in rules]
    assert find_matching(retriers, error) == expected
