"""The Pass state.

AWS: "A Pass state passes its input to its output, without performing work." ``Result``
"refers to the output of a virtual task which is passed on to the next state, and filtered
as specified by the ResultPath field (if present)". Without ``Result`` the effective input
(after InputPath and Parameters) is the result.
"""
from __future__ import annotations

from ..document import Doc


def run_pass(state, doc: Doc, run):
    io = state.io
    if state.query_language == "JSONata":
        # JSONata: "Output" (default: the input); a Pass state has no $states.result.
        return state.next, io.passthrough(doc, run)
    if state.has_result:
        result = Doc(state.result)
    else:
        result = io.effective_input(doc, run)
    return state.next, io.state_output(doc, result, run)
