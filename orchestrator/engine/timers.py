"""One thread for every durable timer: a heap of deadlines and a condition variable.

Waits, retry backoff, timeouts and heartbeats all wait here: waiting costs a journal record
and a heap entry, not a thread (docs/architecture.md, "Durability"). Deadlines are
wall-clock microseconds (they are journaled and must keep their meaning after a restart).
Callbacks run on the timer thread and must be quick (the engine's only hand the completion
to its driver's inbox).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable

from .clock import real_us

__all__ = ["Timers", "TimerHandle"]

log = logging.getLogger("orchestrator.engine")


class TimerHandle:
    __slots__ = ("when_us", "callback", "cancelled")

    def __init__(self, when_us: int, callback: Callable[[], None]) -> None:
        self.when_us = when_us
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        # Lazy deletion: the heap entry is skipped when it comes up.
        self.cancelled = True


class Timers:
    def __init__(self) -> None:
        self._heap: list[tuple[int, int, TimerHandle]] = []
        self._counter = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="engine-timers", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def __len__(self) -> int:
        return len(self._heap)

    def schedule(self, when_us: int, callback: Callable[[], None]) -> TimerHandle:
        handle = TimerHandle(when_us, callback)
        with self._cond:
            heapq.heappush(self._heap, (when_us, next(self._counter), handle))
            if self._heap[0][2] is handle:  # new earliest deadline: wake the loop
                self._cond.notify()
        return handle

    def _loop(self) -> None:
        heap = self._heap
        while True:
            due: list[TimerHandle] = []
            with self._cond:
                while not self._stopping:
                    now = real_us()
                    while heap and (heap[0][2].cancelled or heap[0][0] <= now):
                        handle = heapq.heappop(heap)[2]
                        if not handle.cancelled:
                            due.append(handle)
                    if due:
                        break
                    timeout = (heap[0][0] - now) / 1e6 if heap else None
                    self._cond.wait(timeout)
                if self._stopping:
                    return
            for handle in due:
                try:
                    handle.callback()
                except Exception:  # a broken callback must not stop every other timer
                    log.exception("timer callback failed")
