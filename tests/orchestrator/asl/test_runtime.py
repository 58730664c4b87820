"""The deterministic scheduler: commands, FIFO order, spawn/join, races, cancellation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestrator.asl.runtime import (
    Cancelled,
    Invoke,
    Scheduler,
    Signal,
    Sleep,
    first_of,
    gather,
    spawn,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def invoke(name: str) -> Invoke:
    return Invoke(resource=name, parameters={}, state_name=name, key=name)


def test_a_coroutine_blocks_on_a_command_until_the_driver_completes_it():
    async def body():
        return await invoke("a") + 1

    s = Scheduler()
    task = s.spawn(body())
    s.run()
    (cmd,) = s.outstanding()
    assert cmd.resource == "a" and not task.done
    s.complete(cmd, 41)
    s.run()
    assert task.done and task.result == 42


def test_a_failed_command_raises_inside_the_coroutine():
    async def body():
        try:
            await invoke("a")
        except ValueError as exc:
            return f"caught {exc}"

    s = Scheduler()
    task = s.spawn(body())
    s.run()
    s.fail(s.outstanding()[0], ValueError("boom"))
    s.run()
    assert task.result == "caught boom"


def test_concurrent_children_hand_over_all_their_commands_at_once_in_fifo_order():
    async def child(name):
        return await invoke(name)

    async def parent():
        return await gather([child("x"), child("y"), child("z")])

    s = Scheduler()
    task = s.spawn(parent())
    s.run()
    pending = s.outstanding()
    assert [c.resource for c in pending] == ["x", "y", "z"]
    for cmd in reversed(pending):  # completion order does not change the result order
        s.complete(cmd, cmd.resource.upper())
    s.run()
    assert task.result == ["X", "Y", "Z"]


def test_gather_stops_the_others_as_soon_as_one_fails_and_joins_them_before_raising():
    ended = []

    async def child(name):
        try:
            return await invoke(name)
        except Cancelled:
            ended.append(f"{name} cancelled")  # cleanup runs before gather raises
            raise

    async def parent():
        try:
            await gather([child("slow"), child("bad"), child("other")])
        except ValueError as exc:
            ended.append(f"gather raised {exc}")
            return "failed"

    s = Scheduler()
    task = s.spawn(parent())
    s.run()
    slow, bad, other = s.outstanding()
    s.fail(bad, ValueError("bad"))
    s.run()
    # The first task in order was still waiting: it was not joined first, it was stopped.
    assert s.outstanding() == [] and not s.is_outstanding(slow)
    assert ended == ["slow cancelled", "other cancelled", "gather raised bad"]
    assert task.result == "failed"


def test_a_cancelled_gather_cancels_and_joins_its_children_then_raises_cancelled():
    ended = []

    async def child(name):
        try:
            return await invoke(name)
        except Cancelled:
            ended.append(name)
            raise

    async def parent():
        try:
            return await gather([child("a"), child("b")])
        except Cancelled:
            ended.append("parent")
            raise

    s = Scheduler()
    task = s.spawn(parent())
    s.run()
    task.cancel()
    s.run()
    assert ended == ["a", "b", "parent"] and isinstance(task.error, Cancelled)
    assert s.outstanding() == []


@pytest.mark.parametrize("winner, expected", [(0, (0, "done")), (1, (1, None))])
def test_first_of_returns_the_winner_and_withdraws_the_losers(winner, expected):
    async def body():
        return await first_of(invoke("work"), Sleep(T0))

    s = Scheduler()
    task = s.spawn(body())
    s.run()
    pending = s.outstanding()
    assert len(pending) == 2
    s.complete(pending[winner], "done" if winner == 0 else None)
    assert s.outstanding() == []
    assert not s.is_outstanding(pending[1 - winner])  # a late result is to be dropped
    s.run()
    assert task.result == expected


def test_cancel_throws_cancelled_at_the_await_point_and_withdraws_the_command():
    seen = []

    async def victim():
        try:
            await invoke("slow")
        except Cancelled:
            seen.append("cancelled")
            raise

    async def parent():
        child = await spawn(victim())
        await Sleep(T0)
        child.cancel()
        with pytest.raises(Cancelled):
            await child
        return "parent survived"

    s = Scheduler()
    task = s.spawn(parent())
    s.run()
    sleep = next(c for c in s.outstanding() if isinstance(c, Sleep))
    s.complete(sleep)
    s.run()
    assert seen == ["cancelled"]
    assert s.outstanding() == []
    assert task.result == "parent survived"


def test_joining_a_finished_task_does_not_block():
    async def quick():
        return 7

    async def parent():
        child = await spawn(quick())
        await Sleep(T0)  # let the child finish first
        return await child

    s = Scheduler()
    task = s.spawn(parent())
    s.run()
    s.complete(s.outstanding()[0])
    s.run()
    assert task.result == 7


def test_completing_an_unknown_command_is_an_error():
    with pytest.raises(KeyError):
        Scheduler().complete(invoke("nope"), None)


def test_awaiting_something_that_is_not_a_command_fails_the_coroutine():
    class Odd:
        def __await__(self):
            return (yield "not a command")

    async def body():
        await Odd()

    s = Scheduler()
    task = s.spawn(body())
    s.run()
    assert isinstance(task.error, TypeError)


def test_a_signal_wakes_its_waiter_from_outside_the_scheduler_and_is_never_lost():
    signal = Signal()
    woken = []

    async def waiter():
        for round in range(3):
            await signal.wait()
            woken.append(round)

    s = Scheduler()
    task = s.spawn(waiter())
    s.run()
    assert woken == [] and s.outstanding() == []  # parked: nothing for the driver
    assert not s.has_ready()
    signal.set()  # e.g. the engine applying UpdateMapRun between activations
    assert s.has_ready()
    signal.set()  # raised while the waiter is ready, not parked: remembered ...
    signal.set()  # ... once, however often
    s.run()
    assert woken == [0, 1] and not task.done  # the remembered one let the second wait through
    s.run()
    assert woken == [0, 1]
    signal.set()
    s.run()
    assert woken == [0, 1, 2] and task.done


def test_a_cancelled_waiter_leaves_the_signal_and_sees_cancelled():
    signal = Signal()

    async def waiter():
        try:
            await signal.wait()
        except Cancelled:
            return "cancelled"

    s = Scheduler()
    task = s.spawn(waiter())
    s.run()
    task.cancel()
    s.run()
    assert task.result == "cancelled"
    signal.set()  # nobody waits any more: only remembered
    assert signal.raised and not s.has_ready()
