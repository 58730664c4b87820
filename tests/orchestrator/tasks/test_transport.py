"""orchestrator/tasks/transport.py: one loop thread and one HTTP client per process."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.tasks import TaskInvoker, TasksConfig, transport
from orchestrator.tasks.transport import Deadline, header_safe

HTTP = "arn:aws:states:::http:invoke"


def on_loop(invoker: TaskInvoker, coro_fn):
    """Run ``coro_fn(state)`` on the invoker's loop and return its result."""
    state = invoker._io._current()
    return asyncio.run_coroutine_threadsafe(coro_fn(state), state.loop).result(10)


def tasks_io_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "tasks-io"]


def test_one_loop_thread_started_lazily_and_again_after_a_fork(monkeypatch, srv, make_invoke):
    before = len(tasks_io_threads())
    invoker = TaskInvoker(TasksConfig(allowlist=("127.0.0.1",)))
    assert len(tasks_io_threads()) == before  # nothing started yet
    params = {"ApiEndpoint": f"{srv.base}/echo", "Method": "GET"}
    invoker(make_invoke(HTTP, params))
    first = invoker._io._current()
    assert first.thread.name == "tasks-io" and first.thread.daemon
    invoker(make_invoke(HTTP, params))
    assert invoker._io._current() is first
    monkeypatch.setattr(transport.os, "getpid", lambda: -1)  # as seen in a forked child
    assert invoker(make_invoke(HTTP, params))["StatusCode"] == 200
    second = invoker._io._current()
    assert second is not first and second.loop is not first.loop
    assert first.thread.is_alive()  # the "parent's" loop is left alone
    invoker.close()
    monkeypatch.undo()
    asyncio.run_coroutine_threadsafe(transport.IO._shutdown(first), first.loop)
    first.thread.join(10)


def test_the_session_keeps_no_cookies_uses_no_proxies_and_is_sized_per_destination():
    invoker = TaskInvoker(TasksConfig(max_connections=100, max_connections_per_host=7))

    async def inspect(state):
        session = state.session
        return (
            type(session.cookie_jar),
            session.trust_env,
            session.connector.limit,
            session.connector.limit_per_host,
        )

    assert on_loop(invoker, inspect) == (aiohttp.DummyCookieJar, False, 100, 7)
    invoker.close()


def test_concurrent_blocking_calls_from_many_threads_keep_their_own_keys(srv, make_invoke):
    invoker = TaskInvoker(TasksConfig(allowlist=("127.0.0.1",)))
    params = {"ApiEndpoint": f"{srv.base}/echo", "Method": "POST", "RequestBody": {}}
    keys = [f"exec-{i}#2" for i in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda key: invoker(make_invoke(HTTP, params, key=key)), keys))
    assert all(result["StatusCode"] == 200 for result in results)
    assert sorted(r["headers"]["Idempotency-Key"] for r in srv.requests) == sorted(keys)
    invoker.close()


@pytest.mark.parametrize("size, fails", [(1000, False), (1001, True), (5_000_000, True)])
def test_response_bodies_are_capped(gate, make_invoke, size, fails):
    invoker = TaskInvoker(TasksConfig(allowlist=("127.0.0.1",), max_response_bytes=1000))
    params = {"ApiEndpoint": f"{gate.base}/big?n={size}", "Method": "GET"}
    if not fails:
        assert invoker(make_invoke(HTTP, params))["ResponseBody"] == "x" * size
    else:
        with pytest.raises(StatesError) as info:
            invoker(make_invoke(HTTP, params))
        assert info.value.error == "States.DataLimitExceeded"
        assert f"{gate.base}/big is larger than the 1000 bytes allowed" in info.value.cause
    invoker.close()


def test_the_default_cap_is_one_mebibyte():
    assert TasksConfig().max_response_bytes == 1024 * 1024


def test_deadline_is_the_earlier_of_the_state_deadline_and_the_cap():
    import time

    now = time.time()
    assert Deadline.of(now + 5, 60).by_state and Deadline.of(now + 5, 60).at == now + 5
    capped = Deadline.of(now + 100, 60)
    assert not capped.by_state and now + 59 < capped.at <= time.time() + 60
    assert not Deadline.of(None, 60).by_state
    assert Deadline(1700000000.1234, True, 60).header() == "1700000000123"


def test_requests_is_no_longer_used_by_the_task_resources():
    import pathlib

    package = pathlib.Path(transport.__file__).parent
    assert not [p.name for p in package.glob("*.py") if "import requests" in p.read_text()]


def test_header_safe():
    assert header_safe("arn:aws:states:x#1") == "arn:aws:states:x#1"
    assert header_safe("é") == "%C3%A9"
