"""The Pass state.

AWS: "A Pass state passes its input to its output, without performing work." ``Result``
"refers to the output of a virtual task which is passed on to the next state, and filtered
as specified by the ResultPath field (if present)". Without ``Result`` the effective input
(after InputPath and Parameters) is the result; JSONata: ``Output`` (default: the input).
"""

from __future__ import annotations

from ..document import Doc


def run_pass(state, doc: Doc, run):
    return state.next, state.io.pass_output(doc, run)
