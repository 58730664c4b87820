"""The Map state (inline and distributed; ``ItemProcessor`` and the legacy ``Iterator``).

AWS: "Use the Map state to run a set of workflow steps for each item in a dataset. The Map
state's iterations run in parallel". ``ItemsPath`` selects the array from the effective
input, ``ItemSelector`` (legacy: ``Parameters``) builds each iteration's input with
``$$.Map.Item.Index``/``$$.Map.Item.Value``, "MaxConcurrency ... 0 places no limit";
the result is the array of iteration outputs, then ResultSelector/ResultPath/OutputPath.
In DISTRIBUTED mode each iteration is a child execution of a Map Run (:mod:`.map_run`),
with its own history (``MapRunStarted``/``MapRunSucceeded`` appear in this one instead),
and ``ToleratedFailureCount``/``Percentage`` bound the failures.

Event links (recorded histories, ``scenarios/test_map_state*``): iteration *i+1* starts
after the last event of iteration *i*'s states; ``MapStateSucceeded`` and ``MapStateExited``
both follow the last ``MapIterationSucceeded``; ``MapStateFailed`` follows the last event
of the failed iteration's states.
"""

from __future__ import annotations

from ..context import ExecutionInfo, map_item_context
from ..document import Doc
from ..errors import (
    ABORTABLE_STATE_TYPES,
    EXCEED_TOLERATED_FAILURE_THRESHOLD,
    ITEM_READER_FAILED,
    RESULT_WRITER_FAILED,
    StatesError,
)
from ..runtime import Cancelled, gather, yield_now
from .base import Env, Frame, run_program
from .item_reader import child_inputs
from .map_run import FAILED, Child, MapRun, MapRunLost, exceeds, run_children
from .result_writer import result_sink
from .retry_catch import retry_catch


def _tolerance(io, selected: Doc, run) -> tuple[int | None, float | None]:
    count = io.tolerated_failure_count(selected, run)
    if count is not None and count < 0:
        raise run.runtime_error("ToleratedFailureCount cannot be negative.")
    pct = io.tolerated_failure_percentage(selected, run)
    if pct is not None and not 0 <= pct <= 100:
        raise run.runtime_error("ToleratedFailurePercentage must be between 0 and 100.")
    return count, pct


async def run_map(state, doc: Doc, run):
    io = state.io
    frame = run.frame
    env = frame.env
    distributed = state.mode == "DISTRIBUTED"

    async def attempt() -> Doc:
        selected = io.selected_input(doc, run)
        inspector = env.inspector
        if (
            inspector is not None
            and inspector.item_reader_data is not None
            and inspector.tests(run)
        ):
            items = inspector.item_reader_data  # TestState: what the ItemReader would read
        elif distributed and state.item_reader is not None:
            items = None  # read after MapRunStarted (ItemsPath plays no part)
        else:
            items = io.map_items(selected, run)
        limit = io.max_concurrency(selected, run)
        # With an ItemReader, AWS records length 0 (the items are not read yet).
        frame.event("MapStateStarted", {"length": 0 if items is None else len(items)})
        map_run = None
        if distributed:
            tolerated_count, tolerated_pct = _tolerance(io, selected, run)
            info = env.info
            map_run = MapRun(
                execution_arn=info.execution_arn,
                parent_machine_arn=info.state_machine_arn,
                label=state.label or state.name,
                run_uuid=env.effects.uuid(),
                total=0 if items is None else len(items),
                max_concurrency=limit,
                tolerated_count=tolerated_count,
                tolerated_pct=tolerated_pct,
            )
            frame.event("MapRunStarted", {"mapRunArn": map_run.arn})
            map_run.start = env.history.last_timestamp()
            env.map_runs.opened(map_run)
        if inspector is not None and inspector.tests(run):
            mocked = _inspected(inspector, run, limit, map_run)
            if mocked is not None:
                return io.state_output(doc, mocked, run)
        if map_run is not None:
            return await _distributed(state, doc, selected, run, map_run, items)
        inputs = await _inputs(io, selected, items, run)
        return await _inline(state, doc, run, inputs, limit)

    def on_failed(err: StatesError) -> None:
        # Only a failure of the iterations (or an EvaluationFailed) is the Map's own failure;
        # a bad field value (States.Runtime before or at MapStateStarted) fails the
        # execution directly.
        if err.from_children or err.evaluation_failed:
            frame.event("MapStateFailed")

    return await retry_catch(state, run, doc, attempt, on_failed)


def _inspected(inspector, run, limit: int, map_run: MapRun | None) -> Doc | None:
    """TestState: the Map's settings; its mocked result (None: run its iterations), or
    ``States.ExceedToleratedFailureThreshold`` when ``mapIterationFailureCount`` failures
    exceed what it tolerates."""
    inspector.step(run, "maxConcurrency", limit)
    if map_run is not None:
        if map_run.tolerated_count is not None:
            inspector.step(run, "toleratedFailureCount", map_run.tolerated_count)
        if map_run.tolerated_pct is not None:
            inspector.step(run, "toleratedFailurePercentage", map_run.tolerated_pct)
    failures = inspector.map_iteration_failure_count
    # AWS applies the failure count only to a Map that sets a tolerated failure threshold.
    if (
        failures is not None
        and map_run is not None
        and (map_run.tolerated_count is not None or map_run.tolerated_pct is not None)
    ):
        if exceeds(failures, map_run.total, map_run.tolerated_count, map_run.tolerated_pct):
            raise StatesError(
                EXCEED_TOLERATED_FAILURE_THRESHOLD,
                "The specified tolerated failure threshold was exceeded",
                from_children=True,
            )
    return inspector.mocked(run)


async def _inputs(io, selected: Doc, items: list, run) -> list[Doc]:
    """Each iteration's input: ItemSelector (``$$.Map.Item``) or the item itself."""
    selector = io.item_selector
    inputs = []
    for index, item in enumerate(items):
        if index and not index % 1024:
            await yield_now()  # a long ItemSelector loop must not hold the driver
        if selector is not None:
            ctx = {**run.context(), "Map": {"Item": map_item_context(index, item)}}
            inputs.append(Doc(io.select_item(selected, ctx, run)))
        else:
            inputs.append(Doc(item))
    return inputs


async def _distributed(
    state, doc: Doc, selected: Doc, run, map_run: MapRun, items: list | None
) -> Doc:
    """The iterations as the child executions of ``map_run`` (:mod:`.map_run`): their
    events are in their own histories; this one gets ``MapRunSucceeded`` / ``MapRunFailed``.
    ``items``: None when the ItemReader reads them (:mod:`.item_reader`)."""
    frame = run.frame
    env = frame.env
    map_runs = env.map_runs
    info = env.info
    machine_name = map_run.state_machine_arn.rsplit(":", 1)[1]

    def lost(err: StatesError) -> StatesError:
        """The Map Run failed for its own reason: AWS records the error in MapRunFailed."""
        frame.prev = env.history.failure("MapRunFailed", err.error, err.cause, frame.prev)
        return err.replace(from_children=True)

    try:
        inputs = await child_inputs(state, selected, run, items)
        map_run.total = inputs.total
        map_run.items = inputs.items
        results = result_sink(state, selected, run, map_run)
    except StatesError as err:
        map_runs.closed(map_run, FAILED, env.now())
        if err.error in (ITEM_READER_FAILED, RESULT_WRITER_FAILED):
            raise lost(err) from None
        raise
    stream = inputs.stream()
    docs: dict[int, Doc] = {}

    async def start_child(index: int) -> Child:
        try:
            child_input = await anext(stream)
        except StopAsyncIteration:  # cannot happen: the stream raises when it is short
            raise StatesError(ITEM_READER_FAILED, "The Map Run's items ended early") from None
        name, arn = map_run.child_identity(index)
        history = map_runs.new_history(env.now, arn)
        child = Child(index, arn, name, child_input.text, history)
        if state.item_batcher is not None:
            child.items = len(child_input.value["Items"])
        docs[index] = child_input
        history.execution_started(child.input_text, info.role_arn)
        child.info = ExecutionInfo(
            execution_arn=arn,
            execution_name=name,
            state_machine_arn=map_run.state_machine_arn,
            state_machine_name=machine_name,
            role_arn=info.role_arn,
            start_time=history.last_timestamp(),
            input=child_input.value,
        )
        return child

    async def run_child(child: Child) -> Doc:
        assert child.info is not None  # set by start_child
        child_env = Env(
            history=child.history,
            now=env.now,
            effects=env.effects,
            info=child.info,
            payload_limit=env.payload_limit,
            map_runs=map_runs,
        )
        # A child execution: no outer variables. (A redrive's second run of a child reads
        # its input again from the text its history started with.)
        child_input = docs.pop(child.index, None)
        if child_input is None:
            child_input = Doc.from_text(child.input_text)
        return await run_program(state.processor, child_input, Frame(child_env, 1, 0))

    try:
        await run_children(map_run, map_runs, start_child, run_child, results, env.now)
    except MapRunLost as failure:
        raise lost(failure.error) from None
    except StatesError:
        frame.prev = env.history.add("MapRunFailed", frame.prev)
        raise StatesError(
            EXCEED_TOLERATED_FAILURE_THRESHOLD,
            "The specified tolerated failure threshold was exceeded",
            from_children=True,
        ) from None
    frame.prev = env.history.add("MapRunSucceeded", frame.prev)
    env.history.add("MapStateSucceeded", frame.prev)
    return state.io.state_output(doc, Doc(results.output()), run)


async def _inline(state, doc: Doc, run, inputs: list[Doc], limit: int) -> Doc:
    frame = run.frame
    env = frame.env
    total = len(inputs)
    results: list = [None] * total
    chain = [frame.prev]  # where the next iteration's start links
    last_done = [frame.prev]  # the last MapIterationSucceeded
    failed: list = []  # (error, last event id of the failed iteration)
    next_index = [0]

    def record(event_type, index, prev):
        return env.history.add(event_type, prev, {"index": index, "name": state.name})

    async def iteration(index: int, start: int) -> None:
        child = frame.child(start)
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
        abort_state(failure.state_type, last)
        failed.append((failure, last))
        raise failure  # gather stops the other iterations now, not when joined

    def aborted(index: int, stopped: StatesError | Cancelled, child: Frame) -> None:
        # AWS links the aborted iterations to the failed iteration's last event.
        last = failed[0][1] if failed else child.prev
        record("MapIterationAborted", index, last)
        abort_state(stopped.state_type, last)

    def abort_state(state_type: str | None, prev: int) -> None:
        if state_type in ABORTABLE_STATE_TYPES:
            env.history.add(state_type + "StateAborted", prev)

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
    try:
        # The first wave of iterations is started before any of them runs, as AWS records.
        await gather(_first_wave(count, worker, start_next))
    except (StatesError, Cancelled):
        if not failed:
            raise
        err, last = failed[0]
        frame.prev = last
        raise err.replace(from_children=True) from None
    frame.prev = last_done[0]
    env.history.add("MapStateSucceeded", frame.prev)
    return state.io.state_output(doc, Doc(results), run)


def _first_wave(count: int, worker, start_next) -> list:
    """``count`` worker coroutines, each with its iteration started; if starting one fails
    (the history is full), those already made are closed, never left unawaited."""
    workers: list = []
    try:
        for _ in range(count):
            workers.append(worker(*start_next()))
    except BaseException:
        for made in workers:
            made.close()
        raise
    return workers
