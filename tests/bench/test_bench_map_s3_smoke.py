"""bench/bench_map_s3.py runs (small) and prints its figures, so it cannot rot unnoticed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration  # starts moto's server mode


def test_the_bench_prints_time_and_memory_per_size_and_their_ratios():
    result = subprocess.run(
        [sys.executable, "bench/bench_map_s3.py", "--rows", "2000,4000", "--batch", "500"]
        + ["--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert [size["rows"] for size in figures["sizes"]] == [2000, 4000]
    assert all(size["status"] == "SUCCEEDED" and size["seconds"] > 0 for size in figures["sizes"])
    assert figures["rows_ratio"] == 2 and figures["time_ratio"] > 0 and figures["memory_ratio"] > 0
