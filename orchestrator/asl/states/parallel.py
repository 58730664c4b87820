"""The Parallel state.

AWS: "The Parallel state can be used to add separate branches of execution in your state
machine ... The Parallel state causes Step Functions to execute each branch, starting with
the state named in that branch's StartAt field, as concurrently as possible, and wait until
all branches terminate (reach a terminal state) before processing the Parallel state's
Output field." "The output is an array with one element for each branch containing the
output from that branch". "If any branch fails, because of an unhandled error or by
transitioning to a Fail state, the entire Parallel state is considered to have failed and
all its branches are stopped."

The output text is the branches' texts joined into an array, so untouched branch inputs
keep their original formatting as AWS does (``scenarios/test_parallel_state_nested``).
"""
from __future__ import annotations

from ..document import Doc
from ..errors import StatesError
from ..runtime import Cancelled, spawn
from .base import Frame, run_program
from .retry_catch import retry_catch

_ABORTABLE = frozenset({"Task", "Map", "Parallel", "Wait"})


async def run_parallel(state, doc: Doc, run):
    io = state.io
    frame = run.frame
    env = frame.env
    history = env.history

    async def attempt() -> Doc:
        effective = io.effective_input(doc, run)
        started = frame.event("ParallelStateStarted")
        failed: list = []
        tasks: list = []

        async def branch(program) -> Doc:
            child = frame.child(started)
            try:
                return await run_program(program, effective, child)
            except StatesError as err:
                failed_type = getattr(err, "failed_state_type", None)
                if failed_type in _ABORTABLE:
                    history.add(failed_type + "StateAborted", child.prev)
                if not failed:
                    failed.append((err, child.prev))
                for other in tasks:  # "all its branches are stopped"
                    other.cancel()
                raise

        for program in state.branches:
            tasks.append(await spawn(branch(program)))
        outputs = []
        try:
            for task in tasks:
                outputs.append(await task)
        except (StatesError, Cancelled):
            for task in tasks:
                task.cancel()
            if not failed:
                raise
            # AWS links what follows a failed Parallel (the retry's ParallelStateStarted,
            # ParallelStateFailed) to the event that failed the branch, not to the
            # TaskStateAborted recorded after it (states_variables/test_error_output
            # .test_parallel_catch_error[PARALLEL_CATCH_ERROR_OUTPUT_WITH_RETRY]).
            err, last = failed[0]
            frame.prev = last
            err.from_branches = True
            raise err from None
        # The state's closing events follow the last event any branch recorded.
        frame.prev = history.count
        history.add("ParallelStateSucceeded", frame.prev)
        result = Doc([out.value for out in outputs],
                     "[" + ",".join(out.text for out in outputs) + "]")
        return io.state_output(doc, result, run)

    def on_failed(err: StatesError) -> None:
        if getattr(err, "from_branches", False) or getattr(err, "evaluation_failed", False):
            frame.event("ParallelStateFailed")

    return await retry_catch(state, run, doc, attempt, on_failed)
