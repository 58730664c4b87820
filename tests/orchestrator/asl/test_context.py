"""The Context object ($$): AWS field names, order and formats."""

from __future__ import annotations

from datetime import UTC, datetime

from orchestrator.asl.context import ExecutionInfo, format_time, map_item_context, state_context

START = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def info(**overrides):
    fields = dict(
        execution_arn="arn:aws:states:r:1:execution:sm:ex",
        execution_name="ex",
        state_machine_arn="arn:aws:states:r:1:stateMachine:sm",
        state_machine_name="sm",
        role_arn="role",
        start_time=START,
        input={"a": 1},
    )
    fields.update(overrides)
    return ExecutionInfo(**fields)


def test_times_are_iso_with_milliseconds_and_z():
    assert format_time(START) == "2024-05-06T07:08:09.123Z"


def test_context_has_aws_members_in_aws_order():
    ctx = info().context(state_context("S", START))
    assert list(ctx) == ["Execution", "StateMachine", "State"]
    assert ctx["Execution"] == {
        "Id": "arn:aws:states:r:1:execution:sm:ex",
        "Input": {"a": 1},
        "StartTime": "2024-05-06T07:08:09.123Z",
        "Name": "ex",
        "RoleArn": "role",
        "RedriveCount": 0,
    }
    assert ctx["StateMachine"] == {"Id": "arn:aws:states:r:1:stateMachine:sm", "Name": "sm"}
    assert ctx["State"] == {"Name": "S", "EnteredTime": "2024-05-06T07:08:09.123Z"}


def test_retry_count_task_token_and_map_item_appear_only_when_given():
    ctx = info().context(
        state_context("T", START, 2), task_token="tok", map_item=map_item_context(3, "v")
    )
    assert ctx["State"]["RetryCount"] == 2
    assert ctx["Task"] == {"Token": "tok"}
    assert ctx["Map"] == {"Item": {"Index": 3, "Value": "v"}}


def test_sync_express_executions_have_no_redrive_count():
    ctx = info(redrive_count=None).context(state_context("S", START))
    assert "RedriveCount" not in ctx["Execution"]
