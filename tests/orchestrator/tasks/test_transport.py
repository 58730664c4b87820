"""orchestrator/tasks/transport.py: one pooled session per process, shared by threads."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from orchestrator.tasks import TaskInvoker, TasksConfig, transport
from orchestrator.tasks.transport import SessionHolder, header_safe, is_timeout


def test_one_session_per_process_recreated_after_a_fork(monkeypatch):
    holder = SessionHolder(pool_size=4)
    first = holder.get()
    assert holder.get() is first
    monkeypatch.setattr(transport.os, "getpid", lambda: -1)  # as seen in a forked child
    second = holder.get()
    assert second is not first and holder.get() is second
    assert second.get_adapter("http://x/")._pool_maxsize == 4
    assert second.trust_env is False
    holder.close()


def test_concurrent_calls_share_the_pool_and_keep_their_own_keys(srv, make_invoke):
    invoker = TaskInvoker(TasksConfig(allowlist=("127.0.0.1",), pool_size=8))
    params = {"ApiEndpoint": f"{srv.base}/echo", "Method": "POST", "RequestBody": {}}
    keys = [f"exec-{i}#2" for i in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda key: invoker(make_invoke(
            "arn:aws:states:::http:invoke", params, key=key)), keys))
    assert all(result["StatusCode"] == 200 for result in results)
    assert sorted(r["headers"]["Idempotency-Key"] for r in srv.requests) == sorted(keys)
    invoker.close()


def test_is_timeout_recognises_body_read_timeouts():
    from urllib3.exceptions import ReadTimeoutError
    assert is_timeout(requests.ReadTimeout())
    assert is_timeout(requests.ConnectionError(ReadTimeoutError(None, "/", "read timed out")))
    assert not is_timeout(requests.ConnectionError("refused"))


def test_header_safe():
    assert header_safe("arn:aws:states:x#1") == "arn:aws:states:x#1"
    assert header_safe("é") == "%C3%A9"
