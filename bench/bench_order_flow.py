"""End-to-end latency and throughput of the order flow, and the orchestrator's own overhead.

It prints the order flow's end-to-end latency and throughput and the ratio of its latency
to the three service calls made directly (the orchestrator's own overhead).

Starts the three services and the orchestrator as real processes on free 127.0.0.1 ports
(gunicorn, as ``make run`` does; every process in its own process group, all stopped at the
end, Ctrl-C included), registers ``statemachines/order_flow.asl.json`` and measures:

1. **order flow, sequential**: ``--runs`` executions one after another. Latency = from
   sending ``POST /executions`` (REST facade) until ``GET /executions/<arn>?wait=`` returns
   the finished execution - the client's view, two HTTP round trips to the orchestrator
   included. ``engine`` is the execution's own ``stopDate - startDate``.
2. **three direct calls, sequential**: the same ``POST /users``, ``POST /orders``,
   ``POST /notifications`` (same bodies, ``Idempotency-Key`` headers) made with ``requests``
   one after another, ``--runs`` times.
3. **both again with ``--concurrency`` clients** (``--concurrent-runs`` flows in total):
   throughput in flows per second and the latency under load.

The overhead line is ``p50(order flow) / p50(direct calls)`` and their difference: what the
orchestrator adds (journal commits, interpreter steps, HTTP Task plumbing, the REST
round trips) to the work the services do. Every execution must succeed; a failure is
printed and makes the exit status 1. Timing never fails the run.

Usage: ``python bench/bench_order_flow.py [--runs N] [--concurrency C]
[--concurrent-runs M] [--service-workers W] [--budget S] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The integration tests' process helpers: free ports, process groups, bounded readiness.
from tests.support.processes import free_port, kill_group, spawn_group, wait_ready  # noqa: E402

SERVICES = ("users", "orders", "notifications")
START_TIMEOUT_S = 60


class Process:
    """One server in its own process group (so gunicorn's workers are stopped with it)."""

    def __init__(self, name: str, command: list[str], env: dict, port: int, log: Path) -> None:
        self.name, self.command, self.env, self.port, self.log = name, command, env, port, log
        self.popen: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.popen = spawn_group(self.command, cwd=ROOT, env=self.env, log_path=self.log)

    def wait_ready(self, path: str) -> None:
        probe = lambda: requests.get(self.url + path, timeout=1).status_code == 200  # noqa: E731
        if not wait_ready(self.popen, probe, START_TIMEOUT_S):
            raise RuntimeError(
                f"{self.name} did not start:\n{self.log.read_text(errors='replace')[-3000:]}"
            )

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)  # graceful: gunicorn stops its workers
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill_group(self.popen)
        except ProcessLookupError:
            pass


class Stack:
    """users, orders, notifications and the orchestrator, in a temporary directory."""

    def __init__(self, service_workers: int) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="bench-order-flow-"))
        self.processes: dict[str, Process] = {}
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ORCHESTRATOR_", "AWS_"))
            and not k.endswith(("_DB", "_URL"))
            and k != "CHAOS_ENABLED"
        }
        base.update({"PYTHONUNBUFFERED": "1", "GUNICORN_LOGLEVEL": "warning"})
        ports = {name: free_port() for name in (*SERVICES, "orchestrator")}
        for name in SERVICES:
            env = dict(base, DATA_DIR=str(self.dir), WEB_CONCURRENCY=str(service_workers))
            if name == "orders":
                env["USERS_URL"] = f"http://127.0.0.1:{ports['users']}"
            command = [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "services" / "gunicorn_conf.py"),
                "--bind",
                f"127.0.0.1:{ports[name]}",
                f"services.{name}:create_app()",
            ]
            self.processes[name] = Process(
                name, command, env, ports[name], self.dir / f"{name}.log"
            )
        config = json.loads((ROOT / "statemachines" / "endpoints.json").read_text())
        config["endpoints"] = {
            f"{name}:{8001 + i}": f"127.0.0.1:{ports[name]}" for i, name in enumerate(SERVICES)
        }
        config["allowlist"] = [f"127.0.0.1:{ports[name]}" for name in SERVICES]
        (self.dir / "endpoints.json").write_text(json.dumps(config))
        machines = self.dir / "statemachines"
        machines.mkdir()
        shutil.copy(ROOT / "statemachines" / "order_flow.asl.json", machines)
        env = dict(
            base,
            ORCHESTRATOR_DATA_DIR=str(self.dir / "data"),
            ORCHESTRATOR_CONFIG=str(self.dir / "endpoints.json"),
            ORCHESTRATOR_STATEMACHINES_DIR=str(machines),
            GUNICORN_LOGLEVEL="warning",
            ORCHESTRATOR_LOG_LEVEL="WARNING",
        )
        command = [
            sys.executable,
            "-m",
            "orchestrator",
            "serve",
            "--port",
            str(ports["orchestrator"]),
        ]
        self.processes["orchestrator"] = Process(
            "orchestrator", command, env, ports["orchestrator"], self.dir / "orchestrator.log"
        )

    def url(self, name: str) -> str:
        return self.processes[name].url

    def start(self) -> Stack:
        for process in self.processes.values():
            process.start()
        for process in self.processes.values():
            process.wait_ready("/ready")
        return self

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# -- one flow, two ways ---------------------------------------------------------------------

_local = threading.local()


def _session() -> requests.Session:
    # One keep-alive session per client thread, as a real client would hold.
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def flow_input() -> dict:
    tag = uuid.uuid4().hex[:12]
    return {
        "user": {"name": f"Bench {tag}", "email": f"bench-{tag}@example.com"},
        "items": [{"sku": "BOOK-1", "quantity": 2, "unitPrice": 12.5}],
        "channel": "email",
    }


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def run_flow(stack: Stack) -> tuple[float, float]:
    """One order flow through the orchestrator: (client latency s, engine start->stop s)."""
    session, url = _session(), stack.url("orchestrator")
    started = time.perf_counter()
    response = session.post(
        url + "/executions", json={"stateMachine": "order_flow", "input": flow_input()}, timeout=60
    )
    response.raise_for_status()
    arn = response.json()["executionArn"]
    done = session.get(
        f"{url}/executions/{quote(arn, safe='')}", params={"wait": 60}, timeout=90
    ).json()
    elapsed = time.perf_counter() - started
    if done.get("status") != "SUCCEEDED" or "notificationId" not in (done.get("output") or {}):
        raise RuntimeError(f"execution did not succeed: {json.dumps(done)[:2000]}")
    return elapsed, (_iso(done["stopDate"]) - _iso(done["startDate"])).total_seconds()


def run_direct(stack: Stack) -> float:
    """The same three calls made directly, one after another: latency s."""
    session, data, key = _session(), flow_input(), uuid.uuid4().hex
    started = time.perf_counter()
    user = session.post(
        stack.url("users") + "/users",
        json=data["user"],
        timeout=60,
        headers={"Idempotency-Key": f"{key}-create-user"},
    )
    user.raise_for_status()
    user_id = user.json()["userId"]
    order = session.post(
        stack.url("orders") + "/orders",
        json={"userId": user_id, "items": data["items"]},
        timeout=60,
        headers={"Idempotency-Key": f"{key}-place-order"},
    )
    order.raise_for_status()
    body = order.json()
    note = session.post(
        stack.url("notifications") + "/notifications",
        timeout=60,
        headers={"Idempotency-Key": f"{key}-send-notification"},
        json={
            "userId": user_id,
            "orderId": body["orderId"],
            "channel": data["channel"],
            "message": f"Your order {body['orderId']} is confirmed. Total: {body['total']}",
        },
    )
    note.raise_for_status()
    return time.perf_counter() - started


# -- measuring ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def sequential(fn, runs: int, deadline: float) -> list:
    results = []
    for _ in range(runs):
        if results and time.monotonic() > deadline:
            break  # out of budget: report what was measured
        results.append(fn())
    return results


def concurrent(fn, total: int, clients: int, deadline: float) -> tuple[list, float]:
    results, lock = [], threading.Lock()
    remaining = iter(range(total))

    def client() -> None:
        for _ in remaining:  # shared iterator: the clients split the total between them
            if time.monotonic() > deadline:
                return
            value = fn()
            with lock:
                results.append(value)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    return results, time.perf_counter() - started


def summary(latencies: list[float]) -> dict:
    return {
        "runs": len(latencies),
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
    }


def measure(stack: Stack, args) -> dict:
    deadline = time.monotonic() + args.budget
    for _ in range(args.warmup):  # connections, imports and caches warm on both paths
        run_flow(stack)
        run_direct(stack)
    flows = sequential(lambda: run_flow(stack), args.runs, deadline)
    direct = sequential(lambda: run_direct(stack), args.runs, deadline)
    flows_c, flows_wall = concurrent(
        lambda: run_flow(stack), args.concurrent_runs, args.concurrency, deadline
    )
    direct_c, direct_wall = concurrent(
        lambda: run_direct(stack), args.concurrent_runs, args.concurrency, deadline
    )
    out = {
        "flow_sequential": summary([f[0] for f in flows]),
        "flow_engine": summary([f[1] for f in flows]),
        "direct_sequential": summary(direct),
        "flow_concurrent": dict(
            summary([f[0] for f in flows_c]), throughput_per_s=len(flows_c) / flows_wall
        ),
        "direct_concurrent": dict(summary(direct_c), throughput_per_s=len(direct_c) / direct_wall),
    }
    flow_p50, direct_p50 = out["flow_sequential"]["p50_ms"], out["direct_sequential"]["p50_ms"]
    out["overhead"] = {
        "ratio_p50": flow_p50 / direct_p50,
        "added_ms_p50": flow_p50 - direct_p50,
        "engine_ratio_p50": out["flow_engine"]["p50_ms"] / direct_p50,
    }
    return out


def table(results: dict, args) -> str:
    rows = [
        ("order flow, sequential (client: POST + wait)", results["flow_sequential"], None),
        ("order flow, sequential (engine start->stop)", results["flow_engine"], None),
        ("3 direct service calls, sequential", results["direct_sequential"], None),
        (
            f"order flow, {args.concurrency} concurrent clients",
            results["flow_concurrent"],
            results["flow_concurrent"]["throughput_per_s"],
        ),
        (
            f"3 direct calls, {args.concurrency} concurrent clients",
            results["direct_concurrent"],
            results["direct_concurrent"]["throughput_per_s"],
        ),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{'measurement':<{width}}  {'runs':>5}  {'p50 ms':>8}  {'p95 ms':>8}  {'flows/s':>8}"]
    for label, stats, throughput in rows:
        lines.append(
            f"{label:<{width}}  {stats['runs']:>5}  {stats['p50_ms']:>8.2f}  {stats['p95_ms']:>8.2f}  "
            f"{'' if throughput is None else format(throughput, '8.1f'):>8}"
        )
    o = results["overhead"]
    lines.append("")
    lines.append(
        f"orchestrator overhead: order flow p50 / direct calls p50 = {o['ratio_p50']:.2f}x "
        f"(+{o['added_ms_p50']:.2f} ms per execution; engine start->stop alone "
        f"{o['engine_ratio_p50']:.2f}x)"
    )
    return "\n".join(lines)


def start_stack(service_workers: int, attempts: int = 2) -> Stack:
    """A started Stack; on fresh ports once more if a server did not start (another program
    may bind a port between our probe and the server's bind)."""
    for attempt in range(attempts):
        stack = Stack(service_workers)
        try:
            return stack.start()
        except BaseException:
            stack.stop()
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, default=100, help="sequential runs of each path (default 100)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument(
        "--concurrent-runs",
        type=int,
        default=400,
        help="flows in total with concurrent clients, per path (default 400)",
    )
    parser.add_argument(
        "--service-workers",
        type=int,
        default=4,
        help="gunicorn sync workers per service (default 4)",
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="unmeasured runs of each path (default 3)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="seconds of measuring; past it each phase stops early (default 60)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead")
    args = parser.parse_args(argv)

    stack = None
    try:
        stack = start_stack(args.service_workers)
        ports = ", ".join(f"{name}=127.0.0.1:{p.port}" for name, p in stack.processes.items())
        print(
            f"# order flow benchmark: Python {platform.python_version()}, {os.cpu_count()} CPUs; "
            f"services with {args.service_workers} sync workers each; {ports}",
            flush=True,
            file=sys.stderr if args.json else sys.stdout,
        )  # --json: stdout is JSON only
        results = measure(stack, args)
    except RuntimeError as exc:
        print(f"!!! {exc}", file=sys.stderr)
        return 1
    finally:
        if stack is not None:
            stack.stop()
    print(json.dumps(results, indent=2) if args.json else table(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
