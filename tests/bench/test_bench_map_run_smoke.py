"""bench/bench_map_run.py runs (small) and prints its figures, so it cannot rot unnoticed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_bench_prints_both_figures_and_their_ratio():
    result = subprocess.run(
        [sys.executable, "bench/bench_map_run.py", "--items", "20", "--repeat", "1", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["items"] == 20
    assert (
        figures["runner_ms"] > 0 and figures["engine_ms"] > 0 and figures["engine_over_runner"] > 0
    )
