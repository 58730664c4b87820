"""The Map state (inline and distributed; ``ItemProcessor`` and the legacy ``Iterator``).

AWS: "Use the Map state to run a set of workflow steps for each item in a dataset. The Map
state's iterations run in parallel". ``ItemsPath`` selects the array from the effective
input, ``ItemSelector`` (legacy: ``Parameters``) builds each iteration's input with
``$$.Map.Item.Index``/``$$.Map.Item.Value``, "MaxConcurrency ... 0 places no limit";
the result is the array of iteration outputs, then ResultSelector/ResultPath/OutputPath.
In DISTRIBUTED mode each iteration is a child execution whose events are not part of the
parent history (``MapRunStarted``/``MapRunSucceeded`` appear instead) and
``ToleratedFailureCount``/``Percentage`` bound the failures.

Event links (recorded histories, ``scenarios/test_map_state*``): iteration *i+1* starts
after the last event of iteration *i*'s states; ``MapStateSucceeded`` and ``MapStateExited``
both follow the last ``MapIterationSucceeded``; ``MapStateFailed`` follows the last event
of the failed iteration's states.
"""
from __future__ import annotations

import re

from ..context import map_item_context
from ..document import Doc, dumps
from ..errors import EXCEED_TOLERATED_FAILURE_THRESHOLD, StatesError
from ..history import History
from ..paths import PathNotFound
from ..runtime import Cancelled, spawn, yield_now
from .base import Env, Frame, run_program
from .retry_catch import retry_catch

_ABORTABLE = frozenset({"Task", "Map", "Parallel", "Wait"})


def _shown(value) -> str:
    return value if isinstance(value, str) else dumps(value)


def _path_value(path, value, run):
    try:
        return run.find(path, value)
    except PathNotFound as exc:
        raise run.runtime_error(f"Invalid path '{path.text}' : {exc}") from None


def _int_from_path(state_field: str, path, value, run) -> int:
    found = _path_value(path, value, run)
    if path.variable is not None and isinstance(found, str) and re.fullmatch(r"-?\d+", found):
        # A variable holding "1" is accepted (conformance assign/test_assign_reference_
        # variables MAP_STATE_REFERENCE_IN_MAX_CONCURRENCY_PATH, ..._TOLERATED_FAILURE_PATH).
        return int(found)
    if isinstance(found, bool) or not isinstance(found, int):
        raise run.runtime_error(f'The {state_field} field refers to value "{_shown(found)}" '
                                f"which is not a valid integer: {path.text}")
    return found


def _float_from_path(state_field: str, path, value, run) -> float:
    found = _path_value(path, value, run)
    if path.variable is not None and isinstance(found, str) and re.fullmatch(
            r"-?\d+(\.\d+)?", found):
        return float(found)
    if isinstance(found, bool) or not isinstance(found, (int, float)):
        raise run.runtime_error(f'The {state_field} field refers to value "{_shown(found)}" '
                                f"which is not a valid float: {path.text}")
    return found


def _jsonata_number(state, key: str, current, doc, run, kind):
    """A JSONata Map field holding an expression (MaxConcurrency, Tolerated*)."""
    io = state.io
    if state.query_language != "JSONata" or key not in io.fields:
        return current
    value = io.field(key, doc, run)
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and (
        kind is float or float(value).is_integer())
    if not ok:
        from .jsonata_io import query_error
        raise query_error(run, f"The {key} field must be a {'number' if kind is float else 'integer'}"
                               f", but was: {_shown(value)}")
    return kind(value)


def _tolerance(state, value, run, doc=None) -> tuple[int | None, float | None]:
    count = state.tolerated_failure_count
    if doc is not None:
        count = _jsonata_number(state, "ToleratedFailureCount", count, doc, run, int)
    if state.tolerated_failure_count_path is not None:
        count = _int_from_path("ToleratedFailureCountPath", state.tolerated_failure_count_path,
                               value, run)
    if count is not None and count < 0:
        raise run.runtime_error("ToleratedFailureCount cannot be negative.")
    pct = state.tolerated_failure_percentage
    if doc is not None:
        pct = _jsonata_number(state, "ToleratedFailurePercentage", pct, doc, run, float)
    if state.tolerated_failure_percentage_path is not None:
        pct = _float_from_path("ToleratedFailurePercentagePath",
                               state.tolerated_failure_percentage_path, value, run)
    if pct is not None and not 0 <= pct <= 100:
        raise run.runtime_error("ToleratedFailurePercentage must be between 0 and 100.")
    return count, pct


def _exceeds(failures: int, total: int, count, pct) -> bool:
    """AWS: the Map Run fails when the failures exceed ToleratedFailureCount or
    ToleratedFailurePercentage (either threshold); with neither, any failure fails it."""
    if count is None and pct is None:
        return failures > 0
    if count is not None and failures > count:
        return True
    return pct is not None and failures * 100 > pct * total


async def run_map(state, doc: Doc, run):
    io = state.io
    frame = run.frame
    env = frame.env
    distributed = state.mode == "DISTRIBUTED"

    jsonata = state.query_language == "JSONata"

    def items_of(selected: Doc) -> list:
        if jsonata:
            return io.map_items(selected, run)
        if state.items_path is None:
            items = selected.value
        else:
            path = state.items_path
            try:
                items = run.find(path, selected.value)
            except PathNotFound as exc:
                raise run.runtime_error(f"Invalid path '{path.text}' : {exc}") from None
        if not isinstance(items, list):
            # AWS's recorded text (scenarios/test_map_state_items_input_types_*).
            raise run.runtime_error(f"Map state input must be an array but was: {dumps(items)}")
        return items

    async def attempt() -> Doc:
        selected = io.selected_input(doc, run)
        items = items_of(selected)
        limit = _jsonata_number(state, "MaxConcurrency", state.max_concurrency, selected, run,
                                int)
        if state.max_concurrency_path is not None:
            limit = _int_from_path("MaxConcurrencyPath", state.max_concurrency_path,
                                   selected.value, run)
            if limit < 0:
                # AWS leaves such an execution RUNNING forever (recorded:
                # scenarios/test_max_concurrency_path_negative); failing clearly is kinder.
                raise run.runtime_error("MaxConcurrency cannot be negative.")
        frame.event("MapStateStarted", {"length": len(items)})
        tolerated_count, tolerated_pct = (None, None)
        if distributed:
            tolerated_count, tolerated_pct = _tolerance(state, selected.value, run, selected)
            info = env.info
            label = state.label or state.name
            frame.event("MapRunStarted", {"mapRunArn": (
                f"{info.state_machine_arn.replace(':stateMachine:', ':mapRun:')}/{label}:"
                f"{env.effects.uuid()}")})
        # Distributed iterations are child executions: their events stay out of this history.
        child_env = env if not distributed else _child_env(env)

        selector = io.item_selector
        inputs = []
        for index, item in enumerate(items):
            if index and not index % 1024:
                await yield_now()  # a long ItemSelector loop must not hold the driver
            if selector is not None:
                ctx = run.context()
                ctx = {**ctx, "Map": {"Item": map_item_context(index, item)}}
                if jsonata:
                    inputs.append(Doc(io.select_item(selected, ctx, run)))
                else:
                    inputs.append(Doc(selector.evaluate(selected.value, ctx, env.effects,
                                                        frame.variables)))
            else:
                inputs.append(Doc(item))

        total = len(items)
        results: list = [None] * total
        chain = [frame.prev]       # where the next iteration's start links
        last_done = [frame.prev]   # the last MapIterationSucceeded
        failures = [0]
        failed: list = []          # (error, last event id of the failed iteration)
        next_index = [0]
        workers: list = []

        def record(event_type, index, prev):
            if not distributed:
                return env.history.add(event_type, prev, {"index": index, "name": state.name})
            return prev

        async def iteration(index: int, start: int) -> None:
            # A Distributed Map iteration is a child execution: no outer variables.
            child = Frame(child_env, start, frame.depth + 1,
                          {} if distributed else dict(frame.variables))
            try:
                out = await run_program(state.processor, inputs[index], child)
            except StatesError as err:
                failure = err
            except Cancelled as stop:
                aborted(index, stop, child)
                raise
            else:
                results[index] = out.value
                chain[0] = child.prev
                last_done[0] = record("MapIterationSucceeded", index, child.prev)
                return
            last = child.prev
            try:
                # Iterations failing at the same moment (e.g. timeouts firing together) all
                # record their failure events before the Map reacts, as AWS records them.
                await yield_now()
            except Cancelled:
                aborted(index, failure, child)
                raise
            record("MapIterationFailed", index, last)
            abort_state(failure, last)
            failures[0] += 1
            if distributed and not _exceeds(failures[0], total, tolerated_count, tolerated_pct):
                results[index] = {"Error": failure.error, "Cause": failure.cause}
                chain[0] = last
                return
            failed.append((failure, last))
            for task in workers:  # stop the other iterations now, not when joined
                task.cancel()
            raise failure

        def aborted(index: int, exc: BaseException, child: Frame) -> None:
            # AWS links the aborted iterations to the failed iteration's last event.
            last = failed[0][1] if failed else child.prev
            record("MapIterationAborted", index, last)
            abort_state(exc, last)

        def abort_state(exc: BaseException, prev: int) -> None:
            failed_type = getattr(exc, "failed_state_type", None)
            if failed_type in _ABORTABLE and not distributed:
                env.history.add(failed_type + "StateAborted", prev)

        def start_next() -> tuple[int, int]:
            index = next_index[0]
            next_index[0] += 1
            return index, record("MapIterationStarted", index, chain[0])

        async def worker(index: int, start: int) -> None:
            while True:
                await iteration(index, start)
                if next_index[0] >= total:
                    return
                index, start = start_next()

        count = total if limit <= 0 else min(limit, total)
        # The first wave of iterations is started before any of them runs, as AWS records.
        for _ in range(count):
            workers.append(await spawn(worker(*start_next())))
        try:
            for task in workers:
                await task
        except (StatesError, Cancelled):
            for task in workers:
                task.cancel()
            if not failed:
                raise
            err, last = failed[0]
            err.from_iterations = True
            if distributed:
                # The iterations' events live in their own histories; the Map Run's
                # events follow MapRunStarted in this one.
                frame.prev = env.history.add("MapRunFailed", frame.prev)
                exceeded = StatesError(EXCEED_TOLERATED_FAILURE_THRESHOLD,
                                       "The specified tolerated failure threshold was exceeded")
                exceeded.from_iterations = True
                raise exceeded
            frame.prev = last
            raise err from None
        if distributed:
            frame.prev = env.history.add("MapRunSucceeded", frame.prev)
            last_done[0] = frame.prev
        frame.prev = last_done[0]
        env.history.add("MapStateSucceeded", frame.prev)
        return io.state_output(doc, Doc(results), run)

    def on_failed(err: StatesError) -> None:
        # Only a failure of the iterations is the Map's own failure; a bad field value
        # (States.Runtime before or at MapStateStarted) fails the execution directly.
        if getattr(err, "from_iterations", False) or getattr(err, "evaluation_failed", False):
            frame.event("MapStateFailed")

    return await retry_catch(state, run, doc, attempt, on_failed)


def _child_env(env: Env) -> Env:
    child = Env(history=History(env.now), now=env.now, effects=env.effects, info=env.info,
                payload_limit=env.payload_limit)
    return child
