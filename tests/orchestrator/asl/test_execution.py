"""Executions driven command by command, as the durable engine drives them, and replayed.

Everything non-deterministic (clock readings, UUIDs, random numbers, jitter) enters through
the same door and is recorded, so replaying a journal rebuilds exactly the same state
(docs/architecture.md, "How the core and the engine meet"). This test journals clock
readings and command completions of a live run, replays them into a fresh execution and
expects the very same history and result.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orchestrator.asl.effects import SeededEffects
from orchestrator.asl.errors import StatesError
from orchestrator.asl.execution import start_execution
from orchestrator.asl.model import parse
from orchestrator.asl.runner import make_env
from orchestrator.asl.runtime import Invoke, Sleep

FN = "arn:aws:lambda:us-east-1:123456789012:function:"
DEFINITION = {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Parallel",
            "Next": "Each",
            "Branches": [
                {
                    "StartAt": "A",
                    "States": {"A": {"Type": "Task", "Resource": FN + "a", "End": True}},
                },
                {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 5, "End": True}}},
            ],
        },
        "Each": {
            "Type": "Map",
            "ItemsPath": "$[0].items",
            "MaxConcurrency": 2,
            "End": True,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "T",
                "States": {
                    "T": {
                        "Type": "Task",
                        "Resource": FN + "t",
                        "End": True,
                        "Retry": [{"ErrorEquals": ["Flaky"], "JitterStrategy": "FULL"}],
                    }
                },
            },
        },
    },
}
START = datetime(2024, 1, 1, tzinfo=UTC)


def live_run():
    """Drive with a ticking clock and a flaky resource; journal everything."""
    journal = {"clock": [], "steps": []}
    tick = [START]

    def now():
        tick[0] += timedelta(milliseconds=1)
        journal["clock"].append(tick[0])
        return tick[0]

    calls = {"n": 0}

    def outcome(command: Invoke):
        calls["n"] += 1
        if command.resource.endswith("a"):
            return ("ok", {"items": [1, 2, 3]})
        if calls["n"] % 2 == 0:
            return ("error", ("Flaky", "try again"))
        return ("ok", command.parameters * 10)

    scheduler, task = start_execution(parse(DEFINITION), "{}", env(now))
    while not task.done:
        pending = scheduler.outstanding()
        invokes = [i for i, c in enumerate(pending) if isinstance(c, Invoke)]
        index = invokes[-1] if invokes else min(range(len(pending)), key=lambda i: pending[i].until)
        command = pending[index]
        if isinstance(command, Sleep):
            tick[0] = max(tick[0], command.until)
            step = ("ok", None)
        else:
            step = outcome(command)
        journal["steps"].append((index, step))
        apply(scheduler, command, step)
        scheduler.run()
    return task.result, journal


def replay(journal):
    readings = iter(journal["clock"])
    scheduler, task = start_execution(parse(DEFINITION), "{}", env(lambda: next(readings)))
    for index, step in journal["steps"]:
        apply(scheduler, scheduler.outstanding()[index], step)
        scheduler.run()
    assert task.done
    return task.result


def env(now):
    return make_env(
        "{}", now=now, effects=SeededEffects(7), execution_name="e", state_machine_name="sm"
    )


def apply(scheduler, command, step):
    kind, value = step
    if kind == "ok":
        scheduler.complete(command, value)
    else:
        scheduler.fail(command, StatesError(*value))


def test_the_live_run_uses_concurrency_retries_and_timers():
    result, journal = live_run()
    assert result.status == "SUCCEEDED" and result.output == [10, 20, 30]
    types = [e["type"] for e in result.history]
    assert types.count("LambdaFunctionFailed") >= 1 and "WaitStateExited" in types
    # Several commands were outstanding at once (branches, iterations, retry timers).
    assert max(index for index, _ in journal["steps"]) >= 1


def test_replaying_the_journal_rebuilds_the_same_history():
    result, journal = live_run()
    again = replay(journal)
    assert again.history == result.history
    assert (again.status, again.output) == (result.status, result.output)
