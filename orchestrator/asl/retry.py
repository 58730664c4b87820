"""Retry policy and error matching as small pure functions (no clock, no sleep, no RNG of its own).

AWS developer guide, "Handling errors in Step Functions workflows" / "Retrying after an error":

* ``IntervalSeconds``: "the number of seconds before the first retry attempt (1 by default)".
* ``MaxAttempts``: "the maximum number of retry attempts (3 by default) ... A value of 0
  specifies that the error is never retried."
* ``BackoffRate``: "The multiplier by which the retry interval denoted by IntervalSeconds
  increases after each retry attempt (2.0 by default)". With IntervalSeconds 3 and
  BackoffRate 2 the retries wait 3, 6 and 12 seconds.
* ``MaxDelaySeconds``: "sets the maximum value, in seconds, up to which a retry interval can
  increase ... If you don't specify this value, Step Functions doesn't limit the wait times".
* ``JitterStrategy``: "FULL or NONE ... The default value is NONE". With FULL, "the first
  retry interval is randomized between 0 and 2 seconds, the second ... between 0 and 4
  seconds" -- i.e. a uniform draw in [0, capped delay).

Error names: "States.ALL: A wildcard that matches any known error name ... [it] can't catch
the States.DataLimitExceeded terminal error or Runtime error types."; "States.TaskFailed ...
acts as a wildcard that matches any known error name except for States.Timeout";
"States.Timeout: A Task state either ran longer than the TimeoutSeconds value, or failed to
send a heartbeat for a period longer than the HeartbeatSeconds value". The conformance case
``scenarios/test_base_scenarios.test_catch_states_runtime`` shows that even a catcher naming
``States.Runtime`` explicitly does not catch it: the execution fails.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

from .errors import ALL, DATA_LIMIT_EXCEEDED, HEARTBEAT_TIMEOUT, RUNTIME, TASK_FAILED, TIMEOUT

__all__ = [
    "DEFAULT_INTERVAL_SECONDS",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_BACKOFF_RATE",
    "DEFAULT_JITTER_STRATEGY",
    "UNCATCHABLE_ERRORS",
    "retry_delay",
    "matches_error",
    "find_matching",
]

DEFAULT_INTERVAL_SECONDS = 1
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_BACKOFF_RATE = 2.0
DEFAULT_JITTER_STRATEGY = "NONE"

# Terminal errors: no retrier or catcher handles them, whatever its ErrorEquals says.
UNCATCHABLE_ERRORS = frozenset({RUNTIME, DATA_LIMIT_EXCEEDED})

# Errors that are timeouts: States.Timeout covers a missed heartbeat too, and
# States.TaskFailed covers neither.
_TIMEOUT_ERRORS = frozenset({TIMEOUT, HEARTBEAT_TIMEOUT})


def retry_delay(
    interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
    backoff_rate: float = DEFAULT_BACKOFF_RATE,
    attempt: int = 1,
    max_delay_seconds: float | None = None,
    jitter: str = DEFAULT_JITTER_STRATEGY,
    rand: Callable[[], float] | None = None,
) -> float:
    """Seconds to wait before retry number ``attempt`` (1 for the first retry).

    ``delay = min(IntervalSeconds * BackoffRate ** (attempt - 1), MaxDelaySeconds)``; with
    ``jitter="FULL"`` the delay is ``rand() * delay`` where ``rand`` is the injected source
    of uniform floats in [0, 1) (the engine passes ``effects.random`` so replays match).
    """
    if attempt < 1:
        raise ValueError(f"attempt counts retries from 1, got {attempt}")
    try:
        delay = float(interval_seconds) * float(backoff_rate) ** (attempt - 1)
    except OverflowError:  # MaxAttempts may be up to 99999999: the cap still applies
        delay = math.inf
    if max_delay_seconds is not None and delay > max_delay_seconds:
        delay = float(max_delay_seconds)
    if jitter == "FULL":
        if rand is None:
            raise ValueError("JitterStrategy FULL needs an injected random source")
        return rand() * delay
    if jitter != "NONE":
        raise ValueError(f"JitterStrategy must be FULL or NONE, got {jitter!r}")
    return delay


def matches_error(error_equals: Iterable[str], error: str) -> bool:
    """True if a retrier's or catcher's ``ErrorEquals`` list handles ``error``.

    Names match exactly (case-sensitive; ``State.ALL`` is just a name). ``States.ALL``
    matches every error, ``States.TaskFailed`` every error except timeouts, and
    ``States.Timeout`` also matches ``States.HeartbeatTimeout``. ``States.Runtime`` and
    ``States.DataLimitExceeded`` are never matched.
    """
    if error in UNCATCHABLE_ERRORS:
        return False
    for name in error_equals:
        if name == error or name == ALL:
            return True
        if name == TASK_FAILED and error not in _TIMEOUT_ERRORS:
            return True
        if name == TIMEOUT and error == HEARTBEAT_TIMEOUT:
            return True
    return False


def find_matching(rules: Sequence, error: str | None) -> int | None:
    """Index of the first retrier/catcher (anything with ``error_equals``, e.g.
    :class:`~orchestrator.asl.model.Retrier`) whose ``ErrorEquals`` matches ``error``, or
    None; an error without a name (a Fail state without ``Error``) matches none.

    "When a state reports an error, Step Functions scans through the retriers ... When the
    error name appears in this array, it implements the retry policy described in this
    retrier" -- first match wins, in array order."""
    if error is None:
        return None
    for index, rule in enumerate(rules):
        if matches_error(rule.error_equals, error):
            return index
    return None
