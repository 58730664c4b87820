"""The Wait state.

AWS: "A Wait state delays the state machine from continuing for a specified time. You can
choose either a relative time, specified in seconds from when the state begins, or an
absolute end time, specified as a timestamp." Exactly one of ``Seconds``, ``SecondsPath``,
``Timestamp``, ``TimestampPath`` (JSONata: ``Seconds`` or ``Timestamp``, each possibly an
expression), read by the state's query language (``io.wait_until``); InputPath/OutputPath
apply.
"""

from __future__ import annotations

from ..runtime import WAIT_STATE, Sleep


async def run_wait(state, doc, run):
    io = state.io
    until = io.wait_until(doc, run)
    if until is not None and until > run.frame.env.now():
        await Sleep(until, WAIT_STATE)
    return state.next, io.passthrough(doc, run)
