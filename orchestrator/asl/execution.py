"""One execution as a coroutine: ExecutionStarted, the states, then the terminal event.

AWS: an execution ends ``SUCCEEDED`` (``ExecutionSucceeded`` with the last state's output),
``FAILED`` (``ExecutionFailed`` with the unhandled error and cause) or ``TIMED_OUT``
(``ExecutionTimedOut``, when the top-level "TimeoutSeconds ... the maximum number of seconds
an execution of the state machine can run" elapses).

The coroutine is driven by :class:`orchestrator.asl.runtime.Scheduler`; the in-process
runner and the durable engine are two drivers of the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .document import Doc
from .errors import REDRIVE_ATTEMPT, TIMEOUT, StatesError
from .model import StateMachine
from .runtime import EXECUTION_TIMEOUT, Cancelled, Scheduler, Sleep, Task, spawn
from .states.base import Env, Frame, run_program

__all__ = ["ExecutionResult", "run_execution", "start_execution"]


@dataclass
class ExecutionResult:
    """How an execution ended. ``output`` is the parsed value, ``output_text`` AWS's text."""

    status: str  # SUCCEEDED | FAILED | TIMED_OUT
    output: Any = None
    output_text: str | None = None
    error: str | None = None
    cause: str | None = None
    history: list = field(default_factory=list)


async def run_execution(machine: StateMachine, input_text: str, env: Env) -> ExecutionResult:
    """Run ``machine`` on ``input_text`` recording every event in ``env.history``."""
    history = env.history
    history.execution_started(input_text, env.info.role_arn, env.info.qualifiers)
    # AWS links the first state's entered event to 0, not to ExecutionStarted.
    frame = Frame(env, 0)
    doc = Doc(env.info.input, input_text)

    program = await spawn(run_program(machine.program, doc, frame))
    watchdog = None
    timed_out = []
    if machine.timeout_seconds is not None:
        deadline = env.info.start_time + timedelta(seconds=machine.timeout_seconds)

        async def watch() -> None:
            timeout = machine.timeout_seconds or 0
            when = deadline
            while True:
                try:
                    await Sleep(when, EXECUTION_TIMEOUT)
                    break
                except StatesError as err:
                    if err.error != REDRIVE_ATTEMPT:
                        raise
                    # RedriveExecution of a TIMED_OUT execution: the whole timeout again.
                    when = env.now() + timedelta(seconds=timeout)
            timed_out.append(True)
            program.cancel()

        watchdog = await spawn(watch())
    try:
        out = await program
    except StatesError as err:
        history.failure("ExecutionFailed", err.error, err.cause, frame.prev)
        return ExecutionResult("FAILED", error=err.error, cause=err.cause, history=history.events)
    except Cancelled:
        if not timed_out:
            raise
        history.add("ExecutionTimedOut", frame.prev, {"error": TIMEOUT})
        return ExecutionResult("TIMED_OUT", error=TIMEOUT, history=history.events)
    finally:
        if watchdog is not None:
            watchdog.cancel()
    history.execution_succeeded(out.text, frame.prev)
    return ExecutionResult(
        "SUCCEEDED", output=out.value, output_text=out.text, history=history.events
    )


def start_execution(machine: StateMachine, input_text: str, env: Env) -> tuple[Scheduler, Task]:
    """Create a scheduler running one execution and advance it until it first blocks.

    The driver (runner, durable engine) then loops: read ``scheduler.outstanding()``,
    complete or fail commands (``Invoke`` results, elapsed ``Sleep`` deadlines), call
    ``scheduler.run()``; ``task.done`` / ``task.result`` (an :class:`ExecutionResult`) say
    when it is over. Feeding the same results in the same order, with the same clock
    readings and effects, replays the same history (that is how a restart resumes)."""
    scheduler = Scheduler()
    task = scheduler.spawn(run_execution(machine, input_text, env), "execution")
    scheduler.run()
    return scheduler, task
