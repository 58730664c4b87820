"""Smoke test for bench/bench_order_flow.py: with a handful of runs it starts the four real
processes, prints its table with the overhead line, exits 0 (every execution succeeded) and
leaves no server behind. Not a timing test: nothing here depends on how fast anything is.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

BENCH_FILE = Path(__file__).resolve().parents[2] / "bench" / "bench_order_flow.py"
ROWS = [
    "order flow, sequential (client: POST + wait)",
    "order flow, sequential (engine start->stop)",
    "3 direct service calls, sequential",
    "order flow, 2 concurrent clients",
    "3 direct calls, 2 concurrent clients",
]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_bench_prints_the_table_and_stops_every_process():
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH_FILE),
            "--runs",
            "3",
            "--concurrent-runs",
            "4",
            "--concurrency",
            "2",
            "--warmup",
            "1",
            "--service-workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=BENCH_FILE.parents[1],
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for label in ROWS:
        row = next((line for line in lines if line.startswith(label)), None)
        assert row is not None, done.stdout
        runs = int(row[len(label) :].split()[0])
        assert runs == (3 if "sequential" in label else 4)
    assert re.search(
        r"orchestrator overhead: order flow p50 / direct calls p50 = \d+\.\d\dx", done.stdout
    )
    ports = [int(p) for p in re.findall(r"=127\.0\.0\.1:(\d+)", lines[0])]
    assert len(ports) == 4
    assert not [port for port in ports if _listening(port)]
