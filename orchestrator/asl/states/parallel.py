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

Failure events, as AWS records them (conformance ``callback/test_callback.test_sqs_failure_
in_wait_for_task_tok_no_error_field[SQS_PARALLEL_WAIT_FOR_TASK_TOKEN]``, ``states_variables/
test_error_output.test_parallel_catch_error``): the state whose error ends a branch records
its own failure event (``TaskFailed``), then ``<Type>StateAborted`` (it never exits); the
states in progress in the stopped branches record ``<Type>StateAborted`` too, as those of
a stopped Map iteration do (``timeouts/test_timeouts.test_service_lambda_map_timeout``);
the Parallel then records ``ParallelStateFailed`` once its retries are used up. A nested
Parallel or Map that fails a branch thus records ``ParallelStateFailed`` /
``MapStateFailed`` (its failure, like ``TaskFailed``) and then ``<Type>StateAborted``.
"""

from __future__ import annotations

from ..document import Doc
from ..errors import ABORTABLE_STATE_TYPES, StatesError
from ..runtime import Cancelled, gather
from .base import run_program
from .retry_catch import retry_catch


async def run_parallel(state, doc: Doc, run):
    io = state.io
    frame = run.frame
    history = frame.env.history

    async def attempt() -> Doc:
        inspector = frame.env.inspector
        if inspector is not None:
            # TestState: the branches' mocked outcome (AWS inspects no input step then).
            mocked = inspector.mocked(run)
            if mocked is not None:
                return io.state_output(doc, mocked, run)
        effective = io.effective_input(doc, run)
        started = frame.event("ParallelStateStarted")
        failed: list = []  # (error, last event id of the branch that failed first)

        def aborted(state_type: str | None, prev: int) -> None:
            if state_type in ABORTABLE_STATE_TYPES:
                history.add(state_type + "StateAborted", prev)

        async def branch(program) -> Doc:
            child = frame.child(started)
            try:
                return await run_program(program, effective, child)
            except StatesError as err:
                if not failed:
                    failed.append((err, child.prev))
                aborted(err.state_type, child.prev)
                raise
            except Cancelled as stop:
                # "all its branches are stopped": linked, like the iterations a failed Map
                # iteration stops, to the event that failed the first branch.
                aborted(stop.state_type, failed[0][1] if failed else child.prev)
                raise

        try:
            outputs = await gather([branch(program) for program in state.branches])
        except (StatesError, Cancelled):
            if not failed:
                raise
            # AWS links what follows a failed Parallel (the retry's ParallelStateStarted,
            # ParallelStateFailed) to the event that failed the branch, not to the
            # TaskStateAborted recorded after it (states_variables/test_error_output
            # .test_parallel_catch_error[PARALLEL_CATCH_ERROR_OUTPUT_WITH_RETRY]).
            err, last = failed[0]
            frame.prev = last
            raise err.replace(from_children=True) from None
        # The state's closing events follow the last event any branch recorded.
        frame.prev = history.count
        history.add("ParallelStateSucceeded", frame.prev)
        result = Doc(
            [out.value for out in outputs], "[" + ",".join(out.text for out in outputs) + "]"
        )
        return io.state_output(doc, result, run)

    def on_failed(err: StatesError) -> None:
        if err.from_children or err.evaluation_failed:
            frame.event("ParallelStateFailed")

    return await retry_catch(state, run, doc, attempt, on_failed)
