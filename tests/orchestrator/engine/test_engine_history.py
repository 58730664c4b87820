"""GetExecutionHistory paging/reverse/includeExecutionData, and execution logging."""

import json
import logging

import pytest
from engine_helpers import create, definition, run_to_end

from orchestrator.engine.errors import ApiError
from orchestrator.engine.logs import is_logged

THREE_PASSES = definition(
    {
        "A": {"Type": "Pass", "Result": {"a": 1}, "Next": "B"},
        "B": {"Type": "Pass", "Next": "C"},
        "C": {"Type": "Pass", "End": True},
    }
)
FAILING = definition(
    {"P": {"Type": "Pass", "Next": "F"}, "F": {"Type": "Fail", "Error": "Bad", "Cause": "why"}}
)


def all_pages(engine, arn, **request):
    events, token, pages = [], None, 0
    while True:
        call = {"executionArn": arn, **request}
        if token:
            call["nextToken"] = token
        out = engine.get_execution_history(call)
        events += out["events"]
        pages += 1
        token = out.get("nextToken")
        if not token:
            return events, pages


def test_history_paging_and_reverse_order(engine):
    out = run_to_end(engine, create(engine, defn=THREE_PASSES))
    arn = out["executionArn"]
    whole = engine.get_execution_history({"executionArn": arn})["events"]
    assert [e["id"] for e in whole] == list(range(1, 9))
    assert whole[-1]["type"] == "ExecutionSucceeded"
    paged, pages = all_pages(engine, arn, maxResults=3)
    assert (paged, pages) == (whole, 3)
    reverse, _ = all_pages(engine, arn, maxResults=5, reverseOrder=True)
    assert reverse == whole[::-1]
    with pytest.raises(ApiError) as err:
        engine.get_execution_history({"executionArn": arn, "nextToken": "x"})
    assert err.value.code == "InvalidToken"


def test_history_without_execution_data(engine):
    out = run_to_end(engine, create(engine, defn=THREE_PASSES), '{"secret": 1}')
    events = engine.get_execution_history(
        {"executionArn": out["executionArn"], "includeExecutionData": False}
    )["events"]
    text = json.dumps(events, default=str)
    assert "secret" not in text and '"a"' not in text
    assert events[0]["executionStartedEventDetails"] == {
        "inputDetails": {"truncated": False},
        "roleArn": "arn:aws:iam::123456789012:role/StepFunctionsRole",
    }


@pytest.mark.parametrize(
    "level,include,expected",
    [
        (
            "ALL",
            True,
            [
                "ExecutionStarted",
                "PassStateEntered",
                "PassStateExited",
                "FailStateEntered",
                "ExecutionFailed",
            ],
        ),
        ("ERROR", True, ["ExecutionFailed"]),
        ("FATAL", False, ["ExecutionFailed"]),
        ("OFF", True, []),
    ],
)
def test_execution_logs_follow_the_logging_configuration(engine, level, include, expected):
    sm = create(
        engine, defn=FAILING, loggingConfiguration={"level": level, "includeExecutionData": include}
    )
    out = run_to_end(engine, sm, '{"in": 1}')
    records = engine.execution_logs(out["executionArn"])
    assert [r["type"] for r in records] == expected
    for r in records:
        assert r["execution_arn"] == out["executionArn"] and r["redrive_count"] == "0"
        assert r["id"].isdigit() and r["event_timestamp"].isdigit()
    if level == "ALL":
        assert records[0]["details"]["input"] == '{"in": 1}'
        assert records[-1]["details"] == {"cause": "why", "error": "Bad"}
        assert records[-1]["previous_event_id"] == "4"


def test_logging_without_data_strips_input(engine):
    sm = create(
        engine, defn=FAILING, loggingConfiguration={"level": "ALL", "includeExecutionData": False}
    )
    out = run_to_end(engine, sm, '{"in": 1}')
    first = engine.execution_logs(out["executionArn"])[0]
    assert "input" not in first["details"]


def test_log_lines_are_printed_as_json(make_engine, caplog):
    engine = make_engine(log_to_stdout=True)
    logger = logging.getLogger("orchestrator.executions")
    logger.addHandler(caplog.handler)
    try:
        sm = create(engine, defn=FAILING, loggingConfiguration={"level": "ERROR"})
        out = run_to_end(engine, sm)
    finally:
        logger.removeHandler(caplog.handler)
    lines = [
        json.loads(r.getMessage()) for r in caplog.records if r.name == "orchestrator.executions"
    ]
    assert [(line["type"], line["execution_arn"]) for line in lines] == [
        ("ExecutionFailed", out["executionArn"])
    ]


@pytest.mark.parametrize(
    "level,event_type,logged",
    [
        ("ALL", "PassStateEntered", True),
        ("ERROR", "PassStateEntered", False),
        ("ERROR", "TaskFailed", True),
        ("ERROR", "TaskTimedOut", True),
        ("ERROR", "ExecutionAborted", True),
        ("FATAL", "TaskFailed", False),
        ("FATAL", "ExecutionTimedOut", True),
        ("OFF", "ExecutionFailed", False),
    ],
)
def test_log_levels(level, event_type, logged):
    assert is_logged(level, event_type) is logged
