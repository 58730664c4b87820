"""bench/bench_history.py, bench_list_executions.py and bench_stores.py run (small) and print their
figures, so they cannot rot unnoticed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def bench(*argv: str) -> str:
    """Run a bench script (``argv``: its path and options) and return what it printed (it must exit 0)."""
    result = subprocess.run(
        [sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.integration
def test_the_history_bench_prints_each_size_and_their_ratios():
    lines = bench("bench/bench_history.py", "--sizes", "200,400", "--repeat", "1").splitlines()
    assert lines[0].split()[:2] == ["events", "page100"]
    assert [line.split()[0] for line in lines[1:3]] == ["196", "396"]
    assert lines[3].startswith("196 -> 396 events (2.0x): page100_s ")


def test_the_list_executions_bench_prints_each_size_and_their_ratios():
    out = bench("bench/bench_list_executions.py", "--sizes", "300,600", "--repeat", "1", "--json")
    figures = json.loads(out[out.index("[") :])
    assert [f["executions"] for f in figures] == [300, 600]
    assert all(f["first_s"] > 0 and f["pages_s"] > 0 for f in figures)


@pytest.mark.integration
def test_the_stores_bench_runs_on_both_stores():
    out = bench(
        "bench/bench_stores.py", "--executions", "3", "--rounds", "5", "--no-fsync", "--json"
    )
    figures = json.loads(out)
    assert figures["transitions"] == 33 and set(figures["per_second"]) == {"sqlite", "postgresql"}
