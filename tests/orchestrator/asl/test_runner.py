"""The in-process runner: virtual clock, identifiers, input text, driver loop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orchestrator.asl.model import parse
from orchestrator.asl.runner import run

START = datetime(2024, 1, 1, tzinfo=UTC)
CONTEXT = {
    "StartAt": "P",
    "States": {
        "P": {
            "Type": "Pass",
            "Parameters": {
                "id.$": "$$.Execution.Id",
                "sm.$": "$$.StateMachine.Id",
                "role.$": "$$.Execution.RoleArn",
                "start.$": "$$.Execution.StartTime",
                "input.$": "$$.Execution.Input",
            },
            "End": True,
        }
    },
}


def test_identifiers_come_from_the_arguments():
    result = run(
        CONTEXT,
        {"a": 1},
        execution_name="ex",
        state_machine_name="sm",
        account="111111111111",
        region="eu-west-1",
        role_arn="role",
        start_time=START,
    )
    assert result.output == {
        "id": "arn:aws:states:eu-west-1:111111111111:execution:sm:ex",
        "sm": "arn:aws:states:eu-west-1:111111111111:stateMachine:sm",
        "role": "role",
        "start": "2024-01-01T00:00:00.000Z",
        "input": {"a": 1},
    }


def test_input_text_is_recorded_verbatim():
    result = run({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}, input_text='{"a":  1}')
    assert result.history[0]["executionStartedEventDetails"]["input"] == '{"a":  1}'
    assert result.output_text == '{"a":  1}'


def test_a_parsed_machine_can_be_run_many_times():
    machine = parse({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}})
    assert [run(machine, {"n": n}).output for n in range(3)] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_long_waits_take_no_real_time_and_move_the_virtual_clock():
    definition = {
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 86400 * 365, "End": True}},
    }
    result = run(definition, {}, start_time=START)
    assert result.history[-1]["timestamp"] - START == timedelta(days=365)


def test_event_timestamps_are_clock_readings():
    result = run(CONTEXT, {}, start_time=START)
    assert all(e["timestamp"] == START for e in result.history)
