"""orchestrator.testing itself: virtual time, mock kinds, visits, and the coverage report's
numbers on a workflow with a known unexercised branch."""

from __future__ import annotations

import json

import pytest

from orchestrator.testing import Throw, coverage, run_workflow

WORKFLOW = {
    "Comment": "coverage-demo",
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"},
                {"Variable": "$.n", "NumericLessThan": 0, "Next": "Negative"},
            ],
            "Default": "Small",
        },
        "Big": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:big",
            "Retry": [{"ErrorEquals": ["Busy"], "MaxAttempts": 2}],
            "Catch": [
                {"ErrorEquals": ["Broken"], "Next": "Fallback"},
                {"ErrorEquals": ["States.ALL"], "Next": "Fallback"},
            ],
            "Next": "Nap",
        },
        "Nap": {"Type": "Wait", "Seconds": 86400, "Next": "Done"},
        "Small": {"Type": "Pass", "Next": "Done"},
        "Negative": {"Type": "Fail", "Error": "Negative"},
        "Fallback": {"Type": "Pass", "Result": "fallback", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


@pytest.fixture(autouse=True)
def fresh_coverage():
    saved = coverage.export()
    coverage.reset()
    yield
    coverage.reset()
    coverage.merge(saved)  # the session's report keeps the other tests' runs


def test_a_day_long_wait_takes_no_time_and_visits_are_recorded():
    result = run_workflow(WORKFLOW, {"n": 11}, mocks={"Big": [Throw("Busy"), {"ok": 1}]})
    assert result.status == "SUCCEEDED"
    assert result.states == ["Check", "Big", "Nap", "Done"]
    assert result.retries("Big") == 1 and result.state("Big").output == {"ok": 1}
    stamps = [e["timestamp"] for e in result.history]
    assert (stamps[-1] - stamps[0]).total_seconds() >= 86400  # virtual: instantly


def test_the_coverage_report_counts_what_was_and_was_not_reached(tmp_path):
    run_workflow(WORKFLOW, {"n": 11}, mocks={"Big": [Throw("Busy"), {"ok": 1}]})
    run_workflow(WORKFLOW, {"n": 11}, mocks={"Big": Throw("Broken", "boom")})
    run_workflow(WORKFLOW, {"n": 1})
    data = coverage.report()["coverage-demo"]
    assert data["runs"] == 3
    assert data["states"] == {"covered": 6, "total": 7, "missing": ["Negative"]}
    assert data["choiceBranches"] == {
        "covered": 2,
        "total": 3,
        "missing": ["Check -> Negative"],
    }
    assert data["catches"] == {"covered": 1, "total": 2, "missing": ["Big#catch[1]"]}
    assert data["retries"] == {"covered": 1, "total": 1, "missing": []}
    lines = coverage.summary_lines()
    assert lines[0] == (
        "coverage-demo (3 runs): states 6/7, choice branches 2/3, catches 1/2, retries 1/1"
    )
    out = tmp_path / "coverage.json"
    coverage.write_json(out)
    assert json.loads(out.read_text())["coverage-demo"]["states"]["missing"] == ["Negative"]


def test_workers_reports_merge():
    run_workflow(WORKFLOW, {"n": -1})
    exported = coverage.export()
    coverage.reset()
    run_workflow(WORKFLOW, {"n": 1})
    coverage.merge(exported)
    data = coverage.report()["coverage-demo"]
    assert data["runs"] == 2 and "Check -> Negative" not in data["choiceBranches"]["missing"]
