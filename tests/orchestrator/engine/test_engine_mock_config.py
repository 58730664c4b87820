"""Mock configurations in the engine: ``Machine#Case`` runs a test case's mocked
responses (journaled like real outcomes: a restart replays them), states the case does
not name run for real, and bad requests or files are refused clearly."""

from __future__ import annotations

import json

import pytest
from engine_helpers import SM_PREFIX, create, definition, event_types, finish_after_restart

from orchestrator.asl.mock_config import MockConfigError
from orchestrator.engine.errors import ApiError

CALL = "arn:aws:lambda:us-east-1:123456789012:function:call"
REAL = "arn:aws:lambda:us-east-1:123456789012:function:real"
FLOW = definition(
    {
        "Call": {
            "Type": "Task",
            "Resource": CALL,
            "Retry": [{"ErrorEquals": ["Busy"], "MaxAttempts": 3, "IntervalSeconds": 1}],
            "Next": "Nap",
        },
        "Nap": {"Type": "Wait", "Seconds": 5, "Next": "Real"},
        "Real": {"Type": "Task", "Resource": REAL, "End": True},
    }
)
MOCKS = {
    "StateMachines": {"flow": {"TestCases": {"Retried": {"Call": "BusyOnce"}}}},
    "MockedResponses": {
        "BusyOnce": {
            "0": {"Throw": {"Error": "Busy", "Cause": "try again"}},
            "1": {"Return": {"mocked": True}},
        }
    },
}


@pytest.fixture
def mocks_file(tmp_path):
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps(MOCKS))
    return str(path)


def test_a_test_case_runs_its_mocks_and_the_rest_for_real(make_engine, invoker, mocks_file):
    engine = make_engine(mock_config=mocks_file)
    invoker.handlers[REAL] = lambda invoke: {"real": invoke.parameters}
    sm = create(engine, "flow", FLOW)
    arn = engine.start_execution({"stateMachineArn": sm + "#Retried", "input": "{}"})[
        "executionArn"
    ]
    assert arn.startswith("arn:aws:states:us-east-1:123456789012:execution:flow:")
    out, before, _ = finish_after_restart(engine, make_engine, arn, mock_config=mocks_file)
    assert out["status"] == "SUCCEEDED"
    assert json.loads(out["output"]) == {"real": {"mocked": True}}
    assert [c.resource for c in invoker.calls] == [REAL]  # the mocked Task called nothing
    types = event_types(make_engine(mock_config=mocks_file), arn)
    assert types.count("LambdaFunctionFailed") == 1 and types.count("LambdaFunctionSucceeded") == 2


def test_requests_for_cases_are_checked(make_engine, mocks_file):
    engine = make_engine(mock_config=mocks_file)
    sm = create(engine, "flow", FLOW)
    with pytest.raises(ApiError) as unknown:
        engine.start_execution({"stateMachineArn": sm + "#Nope"})
    assert unknown.value.code == "ValidationException" and "Retried" in str(unknown.value)
    other = create(engine, "other", FLOW)
    with pytest.raises(ApiError) as elsewhere:
        engine.start_execution({"stateMachineArn": other + "#Retried"})
    assert "'other'" in str(elsewhere.value)


def test_without_a_mock_configuration_a_case_is_refused(engine):
    sm = create(engine, "flow", FLOW)
    with pytest.raises(ApiError) as refused:
        engine.start_execution({"stateMachineArn": sm + "#Retried"})
    assert "SFN_MOCK_CONFIG" in str(refused.value)


def test_a_bad_file_stops_the_engine_saying_why(make_engine, tmp_path):
    bad = tmp_path / "mocks.json"
    bad.write_text(json.dumps({"StateMachines": {"flow": {"TestCases": {"C": {"S": "R"}}}}}))
    with pytest.raises(MockConfigError, match="MockedResponses does not define"):
        make_engine(mock_config=str(bad))


def test_an_express_sync_execution_runs_a_case(make_engine, invoker, mocks_file):
    engine = make_engine(mock_config=mocks_file)
    invoker.handlers[REAL] = lambda invoke: "real"
    sm = create(engine, "flow", FLOW, type="EXPRESS")
    out = engine.start_sync_execution({"stateMachineArn": sm + "#Retried", "input": "{}"})
    assert out["status"] == "SUCCEEDED" and out["output"] == '"real"'
    assert SM_PREFIX + "flow" == out["stateMachineArn"]
