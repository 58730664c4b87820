"""bench/bench_aws_calls.py runs (small) and prints its figures, so it cannot rot unnoticed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration  # starts moto's server mode


def test_the_bench_prints_the_three_figures_and_their_ratios():
    result = subprocess.run(
        [sys.executable, "bench/bench_aws_calls.py", "--calls", "5", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["calls"] == 5
    assert all(figures[key] > 0 for key in ("boto3_us", "task_us", "execution_us"))
    assert figures["task_over_boto3"] > 0 and figures["execution_over_boto3"] > 0
