"""GetExecutionHistory paging/reverse/includeExecutionData, and execution logging."""

import base64
import json
import logging
import threading

import pytest
from engine_helpers import create, definition, run_to_end, wait_until_waiting

from orchestrator.engine.errors import ApiError
from orchestrator.engine.logs import is_logged
from tests.support.definitions import counting_loop

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


def all_pages(engine, arn, nextToken=None, **request):
    events, token, pages = [], nextToken, 0
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


LOOP = json.dumps(counting_loop(50))


class _CountingStore:
    """Wraps the real store: counts the events each history read returns."""

    def __init__(self, real) -> None:
        self.real = real
        self.read = 0
        self.whole = 0

    def events_page(self, arn, after, size, reverse):
        page = self.real.events_page(arn, after, size, reverse)
        self.read += len(page)
        return page

    def events(self, arn):
        self.whole += 1
        return self.real.events(arn)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.mark.parametrize(
    "rounds, page_size, reverse",
    [(50, 10, False), (50, 10, True), (6224, 100, False), (6224, 1000, True)],
    ids=["204-events", "204-events-reverse", "24900-events", "24900-events-reverse"],
)
def test_paging_a_history_reads_each_page_only(make_engine, rounds, page_size, reverse):
    """Up to AWS's 25,000-event limit: every page reads its own events (and one more, to
    know whether a next page exists), so paging the whole history costs O(history)."""
    counted: list[_CountingStore] = []

    def wrap(real):
        counted.append(_CountingStore(real))
        return counted[0]

    engine = make_engine(wrap_store=wrap)
    defn = LOOP if rounds == 50 else json.dumps(counting_loop(rounds))
    out = run_to_end(engine, create(engine, defn=defn), '{"n": 0}')
    assert out["status"] == "SUCCEEDED"
    total = 4 * rounds + 4  # started, 4 a round, Done entered and exited, succeeded
    store = counted[0]
    store.read = 0
    paged, pages = all_pages(
        engine, out["executionArn"], maxResults=page_size, reverseOrder=reverse
    )
    ids = [e["id"] for e in paged]
    assert ids == (list(range(total, 0, -1)) if reverse else list(range(1, total + 1)))
    assert pages == -(-total // page_size)
    assert store.read == total + pages - 1 and store.whole == 0


def test_paging_a_growing_history_loses_and_repeats_nothing(engine, invoker):
    """The token names the last event returned, not an offset: events added between two
    pages (a running execution) do not shift the next page, in either order."""
    gate = threading.Event()
    invoker.handlers["arn:aws:lambda:us-east-1:123456789012:function:hold"] = lambda _: (
        gate.wait(30) and {}
    )
    held = definition(
        {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Pass", "Next": "Hold"},
            "Hold": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:hold",
                "Next": "C",
            },
            "C": {"Type": "Pass", "Next": "D"},
            "D": {"Type": "Pass", "End": True},
        }
    )
    arn = engine.start_execution({"stateMachineArn": create(engine, defn=held)})["executionArn"]
    wait_until_waiting(engine, arn, "TaskStateEntered")
    first = {}
    for reverse in (False, True):
        request = {"executionArn": arn, "maxResults": 3, "reverseOrder": reverse}
        first[reverse] = engine.get_execution_history(request)
    gate.set()
    assert engine.wait_for(arn, 30)["status"] == "SUCCEEDED"
    whole = engine.get_execution_history({"executionArn": arn})["events"]
    for reverse, page in first.items():
        rest, _ = all_pages(
            engine, arn, maxResults=3, reverseOrder=reverse, nextToken=page["nextToken"]
        )
        ids = [e["id"] for e in page["events"] + rest]
        if reverse:  # the newest events when the first page was read, then the older ones
            assert ids == list(range(ids[0], 0, -1))
        else:
            assert ids == [e["id"] for e in whole]


def test_history_paging_of_an_express_execution(engine):
    sm = create(engine, "fast", THREE_PASSES, type="EXPRESS")
    arn = engine.start_execution({"stateMachineArn": sm})["executionArn"]
    engine.wait_for(arn, 30)
    whole = engine.get_execution_history({"executionArn": arn})["events"]
    assert [e["id"] for e in whole] == list(range(1, 9))
    assert all_pages(engine, arn, maxResults=3) == (whole, 3)
    assert all_pages(engine, arn, maxResults=3, reverseOrder=True) == (whole[::-1], 3)


@pytest.mark.parametrize("value", [-1, "3", None, 1.5])
def test_a_history_token_that_is_not_an_event_id_is_refused(engine, value):
    out = run_to_end(engine, create(engine, defn=THREE_PASSES))
    token = base64.urlsafe_b64encode(json.dumps({"k": "h", "v": value}).encode()).decode()
    if value is None:  # no position: the first page, as without a token
        assert (
            engine.get_execution_history({"executionArn": out["executionArn"], "nextToken": token})[
                "events"
            ][0]["id"]
            == 1
        )
        return
    with pytest.raises(ApiError) as err:
        engine.get_execution_history({"executionArn": out["executionArn"], "nextToken": token})
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
