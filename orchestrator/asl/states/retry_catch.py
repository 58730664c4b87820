"""The one Retry -> Catch -> fail loop, shared by the states that have Retry and Catch
(:data:`orchestrator.asl.errors.RETRY_CATCH_STATE_TYPES`: Task, Parallel, Map)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from ..document import Doc
from ..errors import StatesError
from ..retry import find_matching, retry_delay
from ..runtime import BACKOFF, Sleep

__all__ = ["retry_catch"]


async def retry_catch(
    state,
    run,
    raw: Doc,
    attempt: Callable[[], Awaitable[Doc]],
    on_failed: Callable[[StatesError], None] | None = None,
) -> tuple[str | None, Doc]:
    """Run ``attempt`` under the state's ``Retry`` and ``Catch`` rules.

    AWS developer guide, "Handling errors": "When a state reports an error, Step Functions
    scans through the retriers and, when the error name appears in the value of a
    retrier's ErrorEquals field, implements the retry policy"; each retrier keeps its own
    attempt counter. "When a state reports an error and either there is no Retry field,
    or if retries fail to resolve the error, Step Functions scans through the catchers in
    the order listed"; the first match transitions to its ``Next`` with the error output
    placed by its ``ResultPath``. Otherwise the state (and its execution) fails.

    Each failed attempt is handled first (:meth:`StateRun.failure`: cause prefix,
    ``EvaluationFailed``); ``on_failed`` records the state's final failure event
    (``MapStateFailed``, ...) before a catcher runs or the error propagates. Returns
    ``(next state name, output)``."""
    retriers = state.retry
    counts = [0] * len(retriers)
    frame = run.frame
    inspector = frame.env.inspector
    if inspector is not None and inspector.tests(run):
        return await _one_attempt(state, run, raw, attempt, on_failed, inspector)
    while True:
        try:
            return state.next, await attempt()
        except StatesError as raised:
            err = run.failure(raised)
        index = find_matching(retriers, err.error)
        if index is not None and counts[index] < retriers[index].max_attempts:
            retrier = retriers[index]
            counts[index] += 1
            delay = retry_delay(
                retrier.interval_seconds,
                retrier.backoff_rate,
                counts[index],
                retrier.max_delay_seconds,
                retrier.jitter,
                frame.env.effects.random,
            )
            run.retried()
            if delay > 0:
                await Sleep(frame.env.now() + timedelta(seconds=delay), BACKOFF)
            continue
        if on_failed is not None:
            on_failed(err)
        index = find_matching(state.catch, err.error)
        if index is None:
            raise err
        catcher = state.catch[index]
        return catcher.next, catcher.io.error_output(raw, err, run)


async def _one_attempt(state, run, raw: Doc, attempt, on_failed, inspector) -> tuple:
    """TestState: one attempt. A matching retrier with attempts left (after the
    ``retrierRetryCount`` the caller says were made) makes it RETRIABLE, with the backoff
    the retry would wait; else a matching catcher makes it CAUGHT_ERROR, with the catcher's
    Next and error output; else it fails."""
    try:
        return state.next, await attempt()
    except StatesError as raised:
        err = run.failure(raised)
    retriers = state.retry
    index = find_matching(retriers, err.error)
    done = inspector.retrier_retry_count
    if index is not None and done < retriers[index].max_attempts:
        retrier = retriers[index]
        delay = retry_delay(
            retrier.interval_seconds,
            retrier.backoff_rate,
            done + 1,
            retrier.max_delay_seconds,
            "NONE",
        )
        inspector.retriable(index, delay)
        raise err
    if index is not None:
        inspector.exhausted(index)
    if on_failed is not None:
        on_failed(err)
    index = find_matching(state.catch, err.error)
    if index is None:
        raise err
    inspector.caught(index, err)
    catcher = state.catch[index]
    return catcher.next, catcher.io.error_output(raw, err, run)
