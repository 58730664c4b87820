"""Activity tasks waiting for a worker (developer guide, "Activities").

A Task state whose Resource is an activity ARN offers its task here (the driver, when it
dispatches the ``pickup`` :class:`~orchestrator.asl.runtime.ActivityWait`); a worker's
GetActivityTask takes the oldest task of that activity, waiting up to its poll time when
there is none ("GetActivityTask ... The maximum time the service holds on to the request
before responding is 60 seconds"). Each task goes to exactly one poller: :meth:`take`
removes it under the lock. A task withdrawn by its execution (its TimeoutSeconds passed,
the execution was stopped or ended) leaves the queue at once.

Nothing here is durable by itself: the pickup command is part of its execution's journal,
so after a restart the replay dispatches it again and the task is offered again. The
engine answers GetActivityTask only once the pickup is committed to the journal, so a task
is never handed out twice: a crash before that commit means the poller got no answer.

A waiting poller holds its own request thread (bounded by the API's long-poll slots), never
an engine thread.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

__all__ = ["Pending", "ActivityQueues", "MAX_PENDING"]

# Tasks waiting for a worker, per activity. Past it a pickup fails its Task with
# States.Runtime rather than growing without bound (AWS throttles activity tasks too).
MAX_PENDING = 100_000


@dataclass(eq=False, slots=True)
class Pending:
    """One task waiting for a worker: the execution (``run``), its pickup command's
    ``seq``, the ``token`` the worker will answer with and the task's ``input``."""

    run: Any
    seq: int
    token: str
    input: str


class ActivityQueues:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queues: dict[str, OrderedDict[tuple[int, int], Pending]] = {}
        self._where: dict[tuple[int, int], str] = {}  # task key -> its activity
        self._closed = False

    def offer(self, activity_arn: str, task: Pending) -> bool:
        """Queue ``task``; False when the activity has :data:`MAX_PENDING` waiting."""
        with self._cond:
            queue = self._queues.setdefault(activity_arn, OrderedDict())
            if len(queue) >= MAX_PENDING:
                return False
            key = (id(task.run), task.seq)
            queue[key] = task
            self._where[key] = activity_arn
            self._cond.notify_all()
            return True

    def withdraw(self, run: Any, seq: int) -> None:
        """Drop the task of ``run``'s command ``seq`` if it still waits."""
        key = (id(run), seq)
        with self._cond:
            arn = self._where.pop(key, None)
            queue = self._queues.get(arn) if arn is not None else None
            if arn is not None and queue is not None:
                queue.pop(key, None)
                if not queue:
                    del self._queues[arn]

    def take(self, activity_arn: str, wait_seconds: float) -> Pending | None:
        """The oldest waiting task of the activity, waiting up to ``wait_seconds`` for one;
        None when none came (or the engine is closing)."""
        end = time.monotonic() + max(0.0, wait_seconds)
        with self._cond:
            while not self._closed:
                queue = self._queues.get(activity_arn)
                while queue:
                    key, task = queue.popitem(last=False)
                    self._where.pop(key, None)
                    if not queue:
                        del self._queues[activity_arn]
                    if not task.run.finished:
                        return task
                    queue = self._queues.get(activity_arn)
                remaining = end - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return None

    def close(self) -> None:
        """Wake every poller (they answer with no task)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
