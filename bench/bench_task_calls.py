"""Task calls in flight at once, and isolation between destinations (orchestrator/tasks).

Issue (isolation): "Slow services starve healthy ones: Task calls run on 8 engine threads,
so with one service answering in 11 s, calls to healthy services waited 8-9 s for a
thread. Required: calls to a slow service never hold back calls to others, and thousands of
calls can be in flight without a thread each."

A loopback aiohttp server (a child process, so its threads and sockets are not counted)
listens on two ports - two destinations - and answers ``GET /delay?ms=N`` after N ms. Every
call is an HTTP Task (``arn:aws:states:::http:invoke``) submitted through
``TaskInvoker.submit`` - the engine's entry point - and timed from submit to ``done``.

1. **1 call**, then **--calls at once** (default 1,000) to the fast destination
   (``--delay-ms``, default 200): wall time, calls per second, and the overhead - wall time
   minus the server's delay. A destination gets at most ``maxConnectionsPerHost`` (512)
   sockets, so N calls need ``ceil(N / 512)`` rounds of the delay; the overhead per call is
   (wall - rounds x delay) / N. Also the peak number of threads in this process during the
   run (sampled every 2 ms).
2. **isolation**: ``--isolation-calls`` (200) calls to the fast destination alone, then the
   same again while as many calls to the slow destination (``--slow-delay-ms``, 5 s) are in
   flight: the fast calls' p50/p99 latency both ways and their ratio (1.0x = no effect).

Figures, not pass/fail: every call must succeed (a failure is printed and makes the exit
status 1); timings never fail the run. About 10 s with the defaults.

Usage: ``python bench/bench_task_calls.py [--calls N] [--delay-ms MS] [--isolation-calls N]
[--slow-delay-ms MS] [--json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from orchestrator.asl.runtime import Invoke  # noqa: E402
from orchestrator.tasks import TaskInvoker, TasksConfig  # noqa: E402

HTTP = "arn:aws:states:::http:invoke"


# --- the server (child process) ------------------------------------------------------------


def serve() -> None:
    from aiohttp import web

    async def delay(request: web.Request) -> web.Response:
        await asyncio.sleep(int(request.query.get("ms", "0")) / 1000)
        return web.json_response({"ok": True})

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/delay", delay)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        ports = []
        for _ in range(2):  # two destinations
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            await web.SockSite(runner, sock, backlog=4096).start()
            ports.append(sock.getsockname()[1])
        print(json.dumps(ports), flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def start_server() -> tuple[subprocess.Popen, list[int]]:
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    line = child.stdout.readline()
    if not line:
        raise RuntimeError("the benchmark server did not start")
    return child, json.loads(line)


def stop_server(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    child.wait(10)


# --- measuring -----------------------------------------------------------------------------


class ThreadPeak:
    """Samples threading.active_count() every 2 ms (itself not counted)."""

    def __init__(self) -> None:
        self.peak = 0
        self.names: Counter = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True, name="bench-sampler")

    def _sample(self) -> None:
        while not self._stop.wait(0.002):
            count = threading.active_count() - 1
            if count > self.peak:
                self.peak = count
                self.names = Counter(
                    _kind(t.name) for t in threading.enumerate() if t is not self._thread
                )

    def __enter__(self) -> ThreadPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _kind(name: str) -> str:
    return name.rsplit("_", 1)[0] if name.startswith("ThreadPoolExecutor") else name


def run_calls(invoker: TaskInvoker, urls: list[str]) -> tuple[float, list[float], list[str]]:
    """Submit one HTTP Task per URL at once; (wall seconds, latencies, errors)."""
    latencies: list[float] = [0.0] * len(urls)
    errors: list[str] = []
    left = [len(urls)]
    finished = threading.Event()
    lock = threading.Lock()

    def done_for(index: int, started: float):
        def done(result, error) -> None:  # on the loop thread: quick
            latencies[index] = time.perf_counter() - started
            with lock:
                if error is not None:
                    errors.append(f"{error.error}: {error.cause}")
                left[0] -= 1
                if left[0] == 0:
                    finished.set()

        return done

    begin = time.perf_counter()
    for index, url in enumerate(urls):
        invoke = Invoke(HTTP, {"ApiEndpoint": url, "Method": "GET"}, "Call", f"bench#{index}")
        invoker.submit(invoke, done_for(index, time.perf_counter()))
    finished.wait(120)
    return time.perf_counter() - begin, latencies, errors


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--delay-ms", type=int, default=200)
    parser.add_argument("--isolation-calls", type=int, default=200)
    parser.add_argument("--slow-delay-ms", type=int, default=5000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return 0

    child, (fast_port, slow_port) = start_server()
    config = TasksConfig(allowlist=("127.0.0.1",))
    invoker = TaskInvoker(config)
    fast = f"http://127.0.0.1:{fast_port}/delay?ms={args.delay_ms}"
    slow = f"http://127.0.0.1:{slow_port}/delay?ms={args.slow_delay_ms}"
    delay = args.delay_ms / 1000
    failures: list[str] = []
    try:
        run_calls(invoker, [f"http://127.0.0.1:{fast_port}/delay?ms=0"] * 20)  # warm-up
        rows = []
        for n in (1, args.calls):
            threads_before = threading.active_count()
            with ThreadPeak() as peak:
                wall, latencies, errors = run_calls(invoker, [fast] * n)
            failures += errors
            rounds = math.ceil(n / config.max_connections_per_host)
            rows.append(
                {
                    "calls": n,
                    "wall_s": wall,
                    "calls_per_s": n / wall,
                    "rounds": rounds,
                    "overhead_per_call_ms": (wall - rounds * delay) / n * 1000,
                    "p50_ms": pct(latencies, 0.5) * 1000,
                    "p99_ms": pct(latencies, 0.99) * 1000,
                    "threads_before": threads_before,
                    "peak_threads": peak.peak,
                    "peak_thread_kinds": dict(peak.names),
                }
            )

        n = args.isolation_calls
        _, alone, errors = run_calls(invoker, [fast] * n)
        failures += errors
        slow_result: dict = {}

        def slow_traffic() -> None:
            slow_result["wall"], _, slow_result["errors"] = run_calls(invoker, [slow] * n)

        background = threading.Thread(target=slow_traffic)
        background.start()
        time.sleep(0.5)  # the slow calls are in flight (they take --slow-delay-ms)
        _, beside, errors = run_calls(invoker, [fast] * n)
        failures += errors
        background.join()
        failures += slow_result.get("errors", [])
        isolation = {
            "calls": n,
            "slow_delay_ms": args.slow_delay_ms,
            "alone_p50_ms": pct(alone, 0.5) * 1000,
            "alone_p99_ms": pct(alone, 0.99) * 1000,
            "beside_p50_ms": pct(beside, 0.5) * 1000,
            "beside_p99_ms": pct(beside, 0.99) * 1000,
        }
    finally:
        invoker.close()
        stop_server(child)

    if args.json:
        print(json.dumps({"runs": rows, "isolation": isolation, "failures": failures}, indent=2))
    else:
        print(
            f"HTTP Task calls through TaskInvoker.submit; server delay {args.delay_ms} ms, "
            f"per-destination cap {config.max_connections_per_host} sockets, "
            f"{os.cpu_count()} CPUs"
        )
        print()
        print(
            f"{'calls':>6} {'wall s':>8} {'calls/s':>9} {'rounds':>6} {'overhead/call':>14} "
            f"{'p50 ms':>8} {'p99 ms':>8} {'peak threads':>13}"
        )
        for row in rows:
            print(
                f"{row['calls']:>6} {row['wall_s']:>8.3f} {row['calls_per_s']:>9.1f} "
                f"{row['rounds']:>6} {row['overhead_per_call_ms']:>11.3f} ms "
                f"{row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['peak_threads']:>13}"
            )
        one, many = rows[0], rows[-1]
        print(
            f"\npeak threads during {many['calls']} calls: "
            + ", ".join(f"{k} x{v}" for k, v in sorted(many["peak_thread_kinds"].items()))
        )
        print(
            f"{many['calls']} calls at once took {many['wall_s'] / one['wall_s']:.2f}x the "
            f"wall time of 1 call; {many['calls']} x {args.delay_ms} ms on 8 blocking "
            f"threads would take >= {many['calls'] * delay / 8:.1f} s (computed, not measured)"
        )
        print(
            f"\nisolation: {n} fast calls ({args.delay_ms} ms), alone vs. beside {n} slow "
            f"calls ({args.slow_delay_ms} ms) to another destination"
        )
        print(
            f"  alone:  p50 {isolation['alone_p50_ms']:8.1f} ms   "
            f"p99 {isolation['alone_p99_ms']:8.1f} ms"
        )
        print(
            f"  beside: p50 {isolation['beside_p50_ms']:8.1f} ms   "
            f"p99 {isolation['beside_p99_ms']:8.1f} ms"
        )
        print(
            f"  ratio beside/alone: p50 "
            f"{isolation['beside_p50_ms'] / isolation['alone_p50_ms']:.2f}x, p99 "
            f"{isolation['beside_p99_ms'] / isolation['alone_p99_ms']:.2f}x (1.00x = the slow "
            f"destination costs the fast one nothing)"
        )
    for failure in failures[:10]:
        print(f"!!! call failed: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
