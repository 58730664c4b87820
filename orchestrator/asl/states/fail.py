"""The Fail state.

AWS: "A Fail state stops the execution of the state machine and marks it as a failure";
``Error``/``Cause`` (JSONPath: or ``ErrorPath``/``CausePath``, "a path ... or an intrinsic
function"; JSONata: or an expression) give the error name and cause, read by the state's
query language (``io.fail_error``). InputPath/OutputPath do not apply.
"""

from __future__ import annotations

from ..errors import StatesError


def run_fail(state, doc, run):
    error, cause = state.io.fail_error(doc, run)
    raise StatesError(error, cause)
