"""Workflow variables (``Assign``) in both query languages: size limits and JSONPath Assign.

AWS developer guide, "Passing data between states with variables":

* *"The following state types support Assign to declare and assign values to variables:
  Pass, Task, Map, Parallel, Choice, Wait."* Catchers and JSONata Choice rules too.
* Evaluation order: all right-hand sides of one state see the variable values from before
  the state (the new values apply when it exits, see :meth:`StateRun.assign`).
* Scope: a Parallel branch or Map iteration reads the outer variables but its assignments
  stay local to it (:meth:`Frame.child`); a Distributed Map iteration sees none.
* Size limits: *"The maximum size of a single variable is 256 KiB ... The maximum combined
  size for all variables in a single Assign field is 256 KiB ... The maximum total size of
  stored variables per execution is 10 MiB"*.

In JSONPath states ``Assign`` is a payload template (``"name.$": "$.path"``, intrinsics,
``$$`` and ``$other`` variables); its ``$`` is the state's result (after ``ResultSelector``),
the input for Choice and Wait, the error output in a catcher.
"""

from __future__ import annotations

from .document import dumps
from .errors import RUNTIME, StatesError

__all__ = [
    "MAX_VARIABLE_BYTES",
    "MAX_ASSIGN_BYTES",
    "MAX_TOTAL_BYTES",
    "check_assignment",
    "compile_jsonpath_assign",
]

MAX_VARIABLE_BYTES = 256 * 1024
MAX_ASSIGN_BYTES = 256 * 1024
MAX_TOTAL_BYTES = 10 * 1024 * 1024


def _size(text: str) -> int:
    # A UTF-8 character is at most 4 bytes: only encode when the cheap bound is exceeded.
    return len(text) if len(text) * 4 <= MAX_VARIABLE_BYTES else len(text.encode("utf-8"))


def check_assignment(values: dict, current: dict) -> dict:
    """Raise ``States.Runtime`` when an assignment breaks one of AWS's size limits; return
    the values' JSON texts (what the history records as ``assignedVariables``)."""
    total = 0
    texts = {}
    for name, value in values.items():
        text = texts[name] = dumps(value)
        size = _size(text)
        if size > MAX_VARIABLE_BYTES:
            raise StatesError(
                RUNTIME,
                f"The variable '{name}' has a size of {size} bytes, "
                f"exceeding the maximum of {MAX_VARIABLE_BYTES} bytes.",
            )
        total += size
    if total > MAX_ASSIGN_BYTES:
        raise StatesError(
            RUNTIME,
            f"The variables assigned by the Assign field have a combined "
            f"size of {total} bytes, exceeding the maximum of "
            f"{MAX_ASSIGN_BYTES} bytes.",
        )
    # Each stored variable is at most 256 KiB: only measure when 10 MiB is reachable.
    if (len(current) + len(values)) * MAX_VARIABLE_BYTES > MAX_TOTAL_BYTES:
        stored = sum(_size(dumps(v)) for k, v in current.items() if k not in values) + total
        if stored > MAX_TOTAL_BYTES:
            raise StatesError(
                RUNTIME,
                f"The stored variables would have a total size of {stored} "
                f"bytes, exceeding the maximum of {MAX_TOTAL_BYTES} bytes.",
            )
    return texts


def compile_jsonpath_assign(raw: dict):
    """A JSONPath state's or catcher's ``Assign`` as a payload template (None if absent)."""
    if "Assign" not in raw:
        return None
    from .payload import compile_template

    return compile_template(raw["Assign"], "Assign")
