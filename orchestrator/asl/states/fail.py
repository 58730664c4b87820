"""The Fail state.

AWS: "A Fail state stops the execution of the state machine and marks it as a failure";
``Error``/``Cause`` or ``ErrorPath``/``CausePath`` ("a path ... or an intrinsic function")
give the error name and cause. InputPath/OutputPath do not apply.
"""
from __future__ import annotations

from ..errors import StatesError
from ..intrinsics import Intrinsic
from ..paths import PathNotFound


def _dynamic(expr, field: str, doc, run):
    if isinstance(expr, Intrinsic):
        value = expr.evaluate(doc.value, run.context(), run.frame.env.effects,
                              run.frame.variables)
    else:
        try:
            value = run.find(expr, doc.value)
        except PathNotFound:
            raise run.runtime_error(
                f"The JSONPath '{expr.text}' specified for the field '{field}' could not be "
                f"found in the input '{doc.text}'") from None
    if not isinstance(value, str):
        from ..document import dumps
        value = dumps(value)
    return value


def _as_text(value):
    if isinstance(value, str):
        return value
    from ..document import dumps
    return dumps(value)


def run_fail(state, doc, run):
    error = state.error
    cause = state.cause
    if state.query_language == "JSONata":
        fields = state.io.fields
        if "Error" in fields:
            error = _as_text(state.io.field("Error", doc, run))
        if "Cause" in fields:
            cause = _as_text(state.io.field("Cause", doc, run))
        raise StatesError(error, cause)
    if state.error_path is not None:
        error = _dynamic(state.error_path, "ErrorPath", doc, run)
    if state.cause_path is not None:
        cause = _dynamic(state.cause_path, "CausePath", doc, run)
    raise StatesError(error, cause)
