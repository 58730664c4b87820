"""What reading a long history costs, as a function of its size, through the real server.

Starts ``python -m orchestrator serve`` on a free 127.0.0.1 port (SQLite journal in a
temporary folder), runs a Pass/Choice counting loop long enough for each ``--sizes``
history (default 1,000, 10,000 and 24,900 events: AWS's limit is 25,000), and for each
prints, best of ``--repeat`` (default 3):

- ``page100`` / ``page1000``: the seconds boto3's ``get_execution_history`` paginator takes
  over the whole history at 100 and at 1,000 events a page, and the microseconds per event;
- ``first``: the seconds for one 100-event page (``reverseOrder`` too: the newest events);
- ``open`` / ``poll``: the seconds of the console's execution view
  (``GET /console/api/executions/<arn>``) the first time it is read and then again (each
  poll of the page), and its size;

and the ratio of each figure between consecutive sizes next to the ratio of the sizes:
a cost that grows linearly with the history has a ratio close to the sizes' ratio (and a
one-page read a ratio close to 1). Figures, not pass/fail: the exit status is 1 only when
a history comes back wrong (missing, repeated or out-of-order events).

Usage: ``python bench/bench_history.py [--sizes 1000,10000,24900] [--repeat N] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import requests
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The integration tests' process helpers: free ports, process groups, bounded readiness.
from tests.support.processes import free_port, kill_group, spawn_group, wait_ready  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/bench"
# Each round: Pass (2 events) and Choice (2 events); the start and the end add 6.
LOOP = {
    "StartAt": "Count",
    "States": {
        "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "More"},
        "More": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.n",
                    "NumericLessThanPath": "$$.Execution.Input.rounds",
                    "Next": "Count",
                }
            ],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def rounds_for(events: int) -> int:
    return max(1, (events - 6) // 4)


class Server:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCHESTRATOR_", "AWS_"))}
        env.update(
            PYTHONUNBUFFERED="1",
            GUNICORN_LOGLEVEL="warning",
            ORCHESTRATOR_LOG_LEVEL="WARNING",
            ORCHESTRATOR_DATA_DIR=str(folder / "data"),
            ORCHESTRATOR_STATEMACHINES_DIR=str(folder / "none"),
        )
        (folder / "none").mkdir()
        command = [sys.executable, "-m", "orchestrator", "serve", "--port", str(self.port)]
        self.process = spawn_group(command, cwd=ROOT, env=env, log_path=folder / "server.log")
        url = f"http://127.0.0.1:{self.port}"
        self.url = url

        def ready() -> bool:
            try:
                return requests.get(f"{url}/ready", timeout=1).ok
            except requests.RequestException:
                return False

        if not wait_ready(self.process, ready, 60):
            raise SystemExit(f"the server did not start: see {folder / 'server.log'}")

    def stop(self) -> None:
        kill_group(self.process)


def measure(sfn, url: str, arn: str, size: int, repeat: int, wrong: list[str]) -> dict:
    """The figures of one finished execution's history."""
    row: dict = {"size": size}

    def page_all(page_size: int) -> list[int]:
        paginator = sfn.get_paginator("get_execution_history")
        ids = []
        for page in paginator.paginate(executionArn=arn, PaginationConfig={"PageSize": page_size}):
            ids.extend(e["id"] for e in page["events"])
        return ids

    for page_size in (100, 1000):
        seconds, ids = best(repeat, lambda: page_all(page_size))  # noqa: B023 (called here)
        row["events"] = len(ids)
        if ids != list(range(1, len(ids) + 1)):
            wrong.append(f"{size}: page size {page_size} gave a wrong history")
        row[f"page{page_size}_s"] = seconds
    row["first_s"], _ = best(
        repeat, lambda: sfn.get_execution_history(executionArn=arn, maxResults=100)
    )
    row["first_reverse_s"], _ = best(
        repeat,
        lambda: sfn.get_execution_history(executionArn=arn, maxResults=100, reverseOrder=True),
    )
    view = f"{url}/console/api/executions/{quote(arn, safe='')}"
    row["console_open_s"], body = best(1, lambda: requests.get(view, timeout=600))
    row["console_bytes"] = len(body.content)
    row["console_poll_s"], _ = best(repeat, lambda: requests.get(view, timeout=600))
    return row


def best(repeat: int, once) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = once()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,24900")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="bench-history-"))
    server = Server(folder)
    wrong: list[str] = []
    rows = []
    try:
        sfn = boto3.client(
            "stepfunctions",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            config=Config(retries={"max_attempts": 1}),
        )
        machine = sfn.create_state_machine(name="loop", definition=json.dumps(LOOP), roleArn=ROLE)[
            "stateMachineArn"
        ]
        for size in sizes:
            rounds = rounds_for(size)
            arn = sfn.start_execution(
                stateMachineArn=machine, input=json.dumps({"n": 0, "rounds": rounds})
            )["executionArn"]
            while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
                time.sleep(0.05)
            rows.append(measure(sfn, server.url, arn, size, args.repeat, wrong))
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)

    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(
            f"{'events':>8} {'page100 s':>10} {'us/event':>9} {'page1000 s':>11} "
            f"{'first s':>8} {'reverse s':>10} {'open s':>7} {'poll s':>7} {'view KB':>8}"
        )
        for row in rows:
            print(
                f"{row['events']:>8} {row['page100_s']:>10.3f} "
                f"{row['page100_s'] / row['events'] * 1e6:>9.1f} {row['page1000_s']:>11.3f} "
                f"{row['first_s']:>8.4f} {row['first_reverse_s']:>10.4f} "
                f"{row['console_open_s']:>7.3f} {row['console_poll_s']:>7.3f} "
                f"{row['console_bytes'] / 1024:>8.0f}"
            )
        for a, b in zip(rows, rows[1:], strict=False):
            ratio = b["events"] / a["events"]
            parts = [
                f"{key} {b[key] / a[key]:.1f}x"
                for key in (
                    "page100_s",
                    "page1000_s",
                    "first_s",
                    "console_open_s",
                    "console_poll_s",
                )
            ]
            print(f"{a['events']} -> {b['events']} events ({ratio:.1f}x): " + ", ".join(parts))
    for line in wrong:
        print(f"!!! {line}", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
