"""One module per state type; :data:`HANDLERS` maps ``Type`` to ``(handler, is_async)``.

A handler takes ``(state, input Doc, StateRun)`` and returns ``(next state name or None,
output Doc)``; it raises :class:`StatesError` when the state fails. Pass, Choice, Succeed
and Fail never wait, so they are plain functions (no coroutine cost on the hot path).
"""

from __future__ import annotations

from . import jsonata_io  # noqa: F401  (registers the JSONata pipeline)
from .choice import run_choice
from .fail import run_fail
from .map import run_map
from .parallel import run_parallel
from .pass_ import run_pass
from .succeed import run_succeed
from .task import run_task
from .wait import run_wait

HANDLERS = {
    "Pass": (run_pass, False),
    "Choice": (run_choice, False),
    "Succeed": (run_succeed, False),
    "Fail": (run_fail, False),
    "Wait": (run_wait, True),
    "Task": (run_task, True),
    "Parallel": (run_parallel, True),
    "Map": (run_map, True),
}
