"""The Wait state.

AWS: "A Wait state delays the state machine from continuing for a specified time. You can
choose either a relative time, specified in seconds from when the state begins, or an
absolute end time, specified as a timestamp." Exactly one of ``Seconds``, ``SecondsPath``,
``Timestamp``, ``TimestampPath``; InputPath/OutputPath apply. The causes for bad
``...Path`` values are AWS's recorded texts (conformance ``base/test_wait``,
``scenarios/test_wait_timestamp_path``).
"""
from __future__ import annotations

from datetime import timedelta

from ..paths import PathNotFound
from ..runtime import Sleep
from ..timestamps import parse_timestamp
from .jsonata_io import query_error


def _text(value) -> str:
    if isinstance(value, str):
        return value
    from ..document import dumps
    return dumps(value)


def _seconds_from_path(state, value, run) -> int:
    path = state.seconds_path
    try:
        seconds = run.find(path, value)
    except PathNotFound:
        raise run.runtime_error(
            f"The SecondsPath parameter does not reference an input value: {path.text}") from None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or (
            isinstance(seconds, float) and not seconds.is_integer()):
        raise run.runtime_error(
            f"The SecondsPath parameter cannot be parsed as a long value: {path.text} == "
            f"{_text(seconds)}")
    if seconds < 0:
        raise run.runtime_error(
            f"The SecondsPath parameter references a negative value: {path.text} == "
            f"{_text(seconds)}")
    return int(seconds)


def _deadline(state, value, run):
    started = run.entered_time
    if state.seconds is not None:
        return started + timedelta(seconds=state.seconds)
    if state.seconds_path is not None:
        return started + timedelta(seconds=_seconds_from_path(state, value, run))
    if state.timestamp is not None:
        return parse_timestamp(state.timestamp)
    path = state.timestamp_path
    try:
        text = run.find(path, value)
    except PathNotFound:
        raise run.runtime_error(
            f"The TimestampPath parameter does not reference an input value: {path.text}"
        ) from None
    moment = parse_timestamp(text) if isinstance(text, str) else None
    if moment is None:
        raise run.runtime_error(
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
            f"date-time format string: {path.text} == {_text(text)}")
    return moment


def _jsonata_deadline(state, doc, run):
    """JSONata ``Seconds``/``Timestamp``: a number/timestamp or an expression giving one."""
    io = state.io
    if state.seconds is not None:
        seconds = io.field("Seconds", doc, run) if "Seconds" in io.fields else state.seconds
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or (
                isinstance(seconds, float) and not seconds.is_integer()) or seconds < 0:
            raise query_error(run, f"The Seconds field must be a non-negative integer, "
                                   f"but was: {_text(seconds)}", "Seconds")
        return run.entered_time + timedelta(seconds=int(seconds))
    text = io.field("Timestamp", doc, run) if "Timestamp" in io.fields else state.timestamp
    moment = parse_timestamp(text) if isinstance(text, str) else None
    if moment is None:
        raise query_error(run, "The Timestamp field cannot be parsed as an ISO-8601 extended "
                               f"offset date-time format string: {_text(text)}", "Timestamp")
    return moment


async def run_wait(state, doc, run):
    io = state.io
    if state.query_language == "JSONata":
        until = _jsonata_deadline(state, doc, run)
    else:
        until = _deadline(state, io.selected_input(doc, run).value, run)
    if until is not None and until > run.frame.env.now():
        await Sleep(until)
    return state.next, io.passthrough(doc, run)
