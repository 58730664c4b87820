import threading

from orchestrator.engine.clock import from_us, real_us, to_us
from orchestrator.engine.timers import Timers


def test_timers_fire_in_deadline_order_and_skip_cancelled():
    timers = Timers()
    fired: list = []
    all_done = threading.Event()
    now = real_us()

    def mark(name):
        def callback():
            fired.append(name)
            if name == "last":
                all_done.set()

        return callback

    timers.schedule(now + 30_000, mark("last"))
    timers.schedule(now + 10_000, mark("second"))
    cancelled = timers.schedule(now + 5_000, mark("cancelled"))
    timers.schedule(now - 1_000, mark("overdue"))
    cancelled.cancel()
    timers.start()
    try:
        assert all_done.wait(10)
    finally:
        timers.stop()
    assert fired == ["overdue", "second", "last"]


def test_a_failing_callback_does_not_stop_the_others():
    timers = Timers()
    done = threading.Event()
    now = real_us()
    timers.schedule(now, lambda: 1 / 0)
    timers.schedule(now + 1000, done.set)
    timers.start()
    try:
        assert done.wait(10)
    finally:
        timers.stop()


def test_microsecond_clock_round_trips_exactly():
    for us in (0, 1, 1_700_000_000_123_456, real_us()):
        assert to_us(from_us(us)) == us
