"""The README's "Testing workflows" section, executed: its pytest file is saved and run with
pytest (the project's plugin installed), and the coverage report it prints is the one the
README shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.readme import console_examples, readme_section

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_the_sections_test_file_runs_and_reports_its_coverage(tmp_path):
    section = readme_section((ROOT / "README.md").read_text(), "Testing workflows")
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    (test_file := tmp_path / "test_my_flow.py").write_text(code)
    ((command, shown),) = console_examples(section)
    assert command.startswith("python -m pytest -q test_my_flow.py")
    # The README's command, with the file where the test saved it and no cache left behind.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(test_file),
            f"--sfn-coverage={tmp_path / 'coverage.json'}",
        ],
        cwd=ROOT,  # the file names statemachines/order_flow.asl.json from the checkout
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for line in shown.splitlines():
        assert line in result.stdout, (line, result.stdout)
    assert (tmp_path / "coverage.json").exists()
