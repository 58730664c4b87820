"""Smoke test for bench/bench_interpreter.py: its case definitions, run once through OUR
interpreter with small sizes, give the outputs and transition counts the benchmark expects.

Not a timing test: it only keeps the benchmark from rotting (a definition our interpreter
rejects, or an expected output that drifted, would show up here rather than in `make bench`).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH_FILE = Path(__file__).resolve().parents[2] / "bench" / "bench_interpreter.py"


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_interpreter", BENCH_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


bench = _load_bench()

# (case, size): small sizes, plus the smallest each case allows.
SMALL_RUNS = [
    ("counting_loop", 0),
    ("counting_loop", 4),
    ("counting_loop_jsonata", 0),
    ("counting_loop_jsonata", 4),
    ("intrinsics_loop", 1),
    ("intrinsics_loop", 3),
    ("map_1000", 0),
    ("map_1000", 7),
    ("parallel_10", 1),
    ("parallel_10", 2),
]


@pytest.mark.parametrize(("case_name", "size"), SMALL_RUNS, ids=[f"{c}-{n}" for c, n in SMALL_RUNS])
def test_case_runs_on_our_interpreter(case_name, size):
    case = bench.CASES_BY_NAME[case_name]
    run = bench.OursEngine().execute(case.definition(), case.make_input(size))
    assert (run.status, run.error, run.cause) == ("SUCCEEDED", None, None)
    assert run.output == case.expected_output(size)
    assert run.transitions == case.expected_transitions(size)


def test_every_case_is_smoke_tested():
    assert {name for name, _ in SMALL_RUNS} == set(bench.CASES_BY_NAME)


def _result(output, transitions, status="SUCCEEDED"):
    return {
        "status": status,
        "output": output,
        "transitions": transitions,
        "error": None,
        "cause": None,
        "consistent": True,
    }


CHECKS = [
    ("both right", _result({"i": 2, "n": 2}, 7), _result({"i": 2, "n": 2}, 7), []),
    (
        "ours wrong output",
        _result({"i": 2, "n": 2}, 7),
        _result({"i": 3, "n": 2}, 7),
        ["ours: output differs from expected", "moto and ours produced different results"],
    ),
    (
        "moto miscounts",
        _result({"i": 2, "n": 2}, 6),
        _result({"i": 2, "n": 2}, 7),
        ["moto: 6 transitions, expected 7"],
    ),
    (
        "ours failed",
        _result({"i": 2, "n": 2}, 7),
        _result(None, 7, status="FAILED"),
        ["ours: status FAILED", "moto and ours produced different results"],
    ),
]


@pytest.mark.parametrize(
    ("moto", "ours", "expected"), [c[1:] for c in CHECKS], ids=[c[0] for c in CHECKS]
)
def test_check_reports_every_disagreement(moto, ours, expected):
    problems = bench.check(bench.CASES_BY_NAME["counting_loop"], 2, {"moto": moto, "ours": ours})
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected):
        assert problem.startswith(start)
