"""The designer's model (orchestrator/console/static/designer-model.js) is plain JavaScript:
its tests (designer_model.test.js) run under node's own test runner (node is installed with
npm, which ``make console`` needs)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
TESTS = "tests/orchestrator/console/designer_model.test.js"


def test_designer_model_under_node():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: apt-get install -y nodejs npm (make console needs it)")
    done = subprocess.run(
        [node, "--test", TESTS],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    if done.returncode != 0:
        print(done.stdout)
        print(done.stderr)
    assert done.returncode == 0, f"node --test {TESTS} failed:\n{done.stdout}{done.stderr}"
