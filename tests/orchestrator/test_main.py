"""The command line: ``run`` and ``validate`` subcommands."""
from __future__ import annotations

import json

import pytest

from orchestrator.__main__ import main

GOOD = {"StartAt": "A", "States": {
    "A": {"Type": "Pass", "Parameters": {"x.$": "$.a"}, "Next": "B"},
    "B": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "Ok"}],
          "Default": "Bad"},
    "Ok": {"Type": "Succeed"},
    "Bad": {"Type": "Fail", "Error": "Wrong", "Cause": "x was not 1"}}}


@pytest.fixture
def machine_file(tmp_path):
    def write(definition):
        path = tmp_path / "machine.asl.json"
        path.write_text(definition if isinstance(definition, str) else json.dumps(definition))
        return str(path)
    return write


def test_run_prints_the_output(machine_file, capsys):
    assert main(["run", machine_file(GOOD), "--input", '{"a": 1}']) == 0
    assert json.loads(capsys.readouterr().out) == {"x": 1}


def test_run_failure_exits_non_zero_with_error_and_cause_on_stderr(machine_file, capsys):
    assert main(["run", machine_file(GOOD), "--input", '{"a": 2}']) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Error: Wrong" in captured.err and "Cause: x was not 1" in captured.err


def test_run_rejects_bad_input_json(machine_file, capsys):
    assert main(["run", machine_file(GOOD), "--input", "{nope"]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_run_reports_an_invalid_definition(machine_file, capsys):
    assert main(["run", machine_file({"StartAt": "X", "States": {}})]) == 2
    assert "Invalid definition" in capsys.readouterr().err


def test_run_can_print_the_history(machine_file, capsys):
    main(["run", machine_file(GOOD), "--input", '{"a": 1}', "--history"])
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert events[0]["type"] == "ExecutionStarted" and events[-1]["type"] == "ExecutionSucceeded"


@pytest.mark.parametrize("definition, code, text", [
    (GOOD, 0, "OK"),
    ({"StartAt": "X", "States": {"A": {"Type": "Pass", "End": True}}}, 1, "ERROR"),
])
def test_validate_prints_diagnostics(machine_file, capsys, definition, code, text):
    assert main(["validate", machine_file(definition)]) == code
    assert text in capsys.readouterr().out
