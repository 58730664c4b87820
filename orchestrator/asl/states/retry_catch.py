"""The one Retry -> Catch -> fail loop, shared by Task, Parallel and Map (STYLE.md 3)."""
from __future__ import annotations

from datetime import timedelta
from typing import Awaitable, Callable

from ..document import Doc
from ..errors import StatesError
from ..retry import matches_error, retry_delay
from ..runtime import Sleep

__all__ = ["retry_catch"]


async def retry_catch(state, run, raw: Doc, attempt: Callable[[], Awaitable[Doc]],
                      on_failed: Callable[[StatesError], None] | None = None
                      ) -> tuple[str | None, Doc]:
    """Run ``attempt`` under the state's ``Retry`` and ``Catch`` rules.

    AWS developer guide, "Handling errors": "When a state reports an error, Step Functions
    scans through the retriers and, when the error name appears in the value of a
    retrier's ErrorEquals field, implements the retry policy"; each retrier keeps its own
    attempt counter. "When a state reports an error and either there is no Retry field,
    or if retries fail to resolve the error, Step Functions scans through the catchers in
    the order listed"; the first match transitions to its ``Next`` with the error output
    placed by its ``ResultPath``. Otherwise the state (and its execution) fails.

    ``on_failed`` records the state's final failure event (``MapStateFailed``, ...) before
    a catcher runs or the error propagates. Returns ``(next state name, output)``."""
    retriers = state.retry
    counts = [0] * len(retriers)
    frame = run.frame
    while True:
        try:
            return state.next, await attempt()
        except StatesError as err:
            error = err.error
            index = None
            if error is not None:
                for i, retrier in enumerate(retriers):
                    if matches_error(retrier.error_equals, error):
                        index = i
                        break
            if index is not None and counts[index] < retriers[index].max_attempts:
                retrier = retriers[index]
                counts[index] += 1
                delay = retry_delay(retrier.interval_seconds, retrier.backoff_rate,
                                    counts[index], retrier.max_delay_seconds, retrier.jitter,
                                    frame.env.effects.random)
                run.retried()
                if delay > 0:
                    await Sleep(frame.env.now() + timedelta(seconds=delay))
                continue
            if on_failed is not None:
                on_failed(err)
            if error is not None:
                for catcher in state.catch:
                    if matches_error(catcher.error_equals, error):
                        return catcher.next, catcher.io.error_output(raw, err, run)
            raise
