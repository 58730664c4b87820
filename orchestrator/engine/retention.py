"""Execution retention: closed executions older than ``retention_days`` are deleted.

AWS developer guide, "Step Functions service quotas": the history of a closed Standard
execution is kept for 90 days, after which it can no longer be retrieved (and its name may
be used again). The engine does the same: a background thread sweeps at start and then
every ``retention_sweep_seconds``, deleting the closed executions whose ``stopDate`` is more
than ``retention_days`` (default 90; 0 keeps everything) in the past: row, history,
journal and Map Run records, through :meth:`Store.delete_execution`.

Bounded work, so running executions never wait behind it: the sweep takes the expired
executions a batch of :data:`BATCH` at a time (oldest first, through the ``stop_us``
index), deletes each one's history :data:`EVENTS_PER_TRANSACTION` events per transaction
and then the rest of it (row, journal, Map Runs) in one, and yields between transactions.
A redrive that reopens an execution while it is being deleted wins: every transaction of
the delete checks that the execution is still closed and old.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from .clock import real_us
from .errors import StoreUnavailable
from .map_runs import KIND as MAP_RUN
from .store import Store

__all__ = ["Retention", "BATCH", "EVENTS_PER_TRANSACTION"]

log = logging.getLogger("orchestrator.engine")

BATCH = 256  # expired executions read per query
EVENTS_PER_TRANSACTION = 2000  # of a long history, deleted before its row
_DAY_US = 24 * 3600 * 1_000_000
# What an execution owns in the resources table (deleted with it).
_OWNED = (MAP_RUN,)


class Retention:
    """The background sweep of one engine's store (see the module docstring)."""

    def __init__(
        self, store: Store, days: float, every_seconds: float, clock: Callable[[], int] = real_us
    ) -> None:
        """``clock``: the wall clock in microseconds that the background sweeps read."""
        self.store = store
        self.clock = clock
        self.days = days
        self.every = every_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._swept = threading.Condition()
        self.sweeps = 0  # background sweeps finished

    def start(self) -> None:
        if self.days <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="retention", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None

    def sweep(self, now_us: int | None = None) -> int:
        """Delete every closed execution that ended more than ``days`` before ``now_us``
        (default: the wall clock); returns how many went. Stops early when the engine
        closes."""
        if self.days <= 0:
            return 0
        cutoff = (self.clock() if now_us is None else now_us) - int(self.days * _DAY_US)
        count = 0
        while not self._stop.is_set():
            arns = self.store.expired_executions(cutoff, BATCH)
            for arn in arns:
                if self._stop.is_set():
                    break
                while self.store.delete_events(arn, cutoff, EVENTS_PER_TRANSACTION):
                    time.sleep(0)
                if self.store.delete_execution(arn, cutoff, _OWNED):
                    count += 1
                time.sleep(0)  # let the driver's commits in between
            if len(arns) < BATCH:
                break
        if count:
            log.info("retention: deleted %d executions closed before %d us", count, cutoff)
        return count

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep()
            except StoreUnavailable as exc:  # a full disk: the next sweep tries again
                log.warning("retention sweep skipped: %s", exc)
            except Exception:  # never let the thread die silently
                log.exception("retention sweep failed")
            with self._swept:
                self.sweeps += 1
                self._swept.notify_all()
            self._stop.wait(self.every)

    def wait_sweeps(self, count: int, timeout: float) -> bool:
        """Wait until the background thread has finished ``count`` sweeps (False when
        ``timeout`` seconds passed first)."""
        with self._swept:
            return self._swept.wait_for(lambda: self.sweeps >= count, timeout)
