"""What ListExecutions costs as a function of how many executions the journal holds.

For each ``--sizes`` count (default 10,000, 100,000 and 1,000,000), builds a SQLite journal
in a temporary folder holding that many closed executions of one state machine (written
through the store in batches; one in 10,000 FAILED, the rest SUCCEEDED), opens an
``Engine`` on it and prints, best of ``--repeat`` (default 3): the first 100-execution page
(``first``), the first page of ``statusFilter=FAILED`` (``failed``: the rare status), and
100 pages of 100 followed by their tokens (``100 pages``). ListExecutions pages by keyset
on the row order (the token holds the last row's position), so each figure should stay
about flat as the journal grows: the last line prints the ratios between sizes. Figures,
not pass/fail: the exit status is 1 only when a page comes back wrong.

Usage: ``python bench/bench_list_executions.py [--sizes 10000,100000,1000000] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orchestrator.engine import Engine, EngineConfig  # noqa: E402
from orchestrator.engine.clock import real_us  # noqa: E402
from orchestrator.engine.store import SqliteStore, Write  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/bench"
PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
BATCH = 10_000


def build(path: str, count: int) -> str:
    """A journal of ``count`` closed executions of one state machine; its ARN."""
    engine = Engine(EngineConfig(db_path=path, log_to_stdout=False)).start()
    machine = engine.create_state_machine({"name": "many", "definition": PASS, "roleArn": ROLE})
    engine.close()
    sm_arn = machine["stateMachineArn"]
    prefix = sm_arn.replace(":stateMachine:", ":execution:")
    store = SqliteStore(path)
    now = real_us() - count  # recent: retention (90 days) keeps them all
    for start in range(0, count, BATCH):
        writes = []
        for i in range(start, min(count, start + BATCH)):
            status = "FAILED" if i % 10_000 == min(5_000, count // 2) else "SUCCEEDED"
            row = {
                "arn": f"{prefix}:e{i}",
                "sm_arn": sm_arn,
                "name": f"e{i}",
                "status": status,
                "start_us": now + i,
                "stop_us": now + i + 1,
                "input": "{}",
                "role_arn": ROLE,
                "type": "STANDARD",
            }
            writes.append(Write(row["arn"], insert=row))
        store.commit(writes)
    store.close()
    return sm_arn


def best(repeat: int, once) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        once()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(engine: Engine, sm_arn: str, count: int, repeat: int, wrong: list[str]) -> dict:
    def first() -> None:
        page = engine.list_executions({"stateMachineArn": sm_arn, "maxResults": 100})
        if page["executions"][0]["name"] != f"e{count - 1}":
            wrong.append(f"{count}: the first page does not start with the newest")

    def failed() -> None:
        page = engine.list_executions(
            {"stateMachineArn": sm_arn, "maxResults": 100, "statusFilter": "FAILED"}
        )
        if not page["executions"] or page["executions"][0]["status"] != "FAILED":
            wrong.append(f"{count}: statusFilter=FAILED returned no FAILED execution")

    def hundred_pages() -> None:
        token, names = None, []
        for _ in range(100):
            request: dict = {"stateMachineArn": sm_arn, "maxResults": 100}
            if token:
                request["nextToken"] = token
            page = engine.list_executions(request)
            names += [e["name"] for e in page["executions"]]
            token = page.get("nextToken")
            if not token:  # a journal of fewer than 10,000: all of it
                break
        if names != [f"e{i}" for i in range(count - 1, count - 1 - len(names), -1)]:
            wrong.append(f"{count}: paging lost or repeated executions")

    return {
        "executions": count,
        "first_s": best(repeat, first),
        "failed_s": best(repeat, failed),
        "pages_s": best(repeat, hundred_pages),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows, wrong = [], []
    for count in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            path = f"{folder}/journal.db"
            started = time.perf_counter()
            sm_arn = build(path, count)
            built = time.perf_counter() - started
            engine = Engine(EngineConfig(db_path=path, log_to_stdout=False)).start()
            try:
                row = measure(engine, sm_arn, count, args.repeat, wrong)
            finally:
                engine.close()
            row["build_s"] = built
            rows.append(row)
            print(
                f"{count:>9} executions (built in {built:.1f} s): first page "
                f"{row['first_s'] * 1000:.2f} ms, statusFilter=FAILED "
                f"{row['failed_s'] * 1000:.2f} ms, 100 pages {row['pages_s'] * 1000:.1f} ms",
                flush=True,
            )
    for a, b in zip(rows, rows[1:], strict=False):
        ratio = b["executions"] / a["executions"]
        parts = [f"{k} {b[k] / a[k]:.2f}x" for k in ("first_s", "failed_s", "pages_s")]
        print(f"{a['executions']} -> {b['executions']} ({ratio:.0f}x): " + ", ".join(parts))
    if args.json:
        print(json.dumps(rows, indent=2))
    for line in wrong:
        print(f"!!! {line}", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
