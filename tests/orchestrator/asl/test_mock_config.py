"""Step Functions Local's mock configuration format: parsing, attempts, errors."""

from __future__ import annotations

import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.asl.mock_config import MockConfig, MockConfigError, split_case

RESPONSES = {
    "Flaky": {
        "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "not ready"}},
        "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "timed out"}},
        "3": {"Return": {"StatusCode": 200}},
    },
    "Ok": {"0": {"Return": "fine"}},
}


def config(**machines) -> MockConfig:
    return MockConfig({"StateMachines": machines, "MockedResponses": RESPONSES})


def test_attempts_and_ranges_pick_the_response():
    case = config(sm={"TestCases": {"Retry": {"Call": "Flaky", "Other": "Ok"}}}).case("sm", "Retry")
    assert case is not None
    errors = []
    for attempt in range(5):
        outcome = case.outcome("Call", attempt)
        try:
            errors.append(outcome.raise_or_return())
        except StatesError as err:
            errors.append(err.error)
    assert errors == [
        "Lambda.ResourceNotReadyException",
        "Lambda.TimeoutException",
        "Lambda.TimeoutException",
        {"StatusCode": 200},
        {"StatusCode": 200},  # past the last key: the last response again
    ]
    assert case.outcome("Other", 0).value == "fine"
    assert case.outcome("NotMocked", 0) is None


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "must be a JSON object"),
        ({"StateMachines": {"sm": {}}}, "TestCases must be a JSON object"),
        ({"StateMachines": {"sm": {"TestCases": {"C": {"S": "Missing"}}}}}, "'Missing'"),
        ({"MockedResponses": {"R": {"first": {"Return": 1}}}}, "is not an attempt"),
        ({"MockedResponses": {"R": {"2-1": {"Return": 1}}}}, "runs backwards"),
        ({"MockedResponses": {"R": {"0-2": {"Return": 1}, "1": {"Return": 2}}}}, "overlap"),
        ({"MockedResponses": {"R": {"0": {"Return": 1, "Throw": {}}}}}, "Return"),
        ({"MockedResponses": {"R": {"0": {"Throw": {"Cause": "no error"}}}}}, "Throw must be"),
    ],
)
def test_a_file_not_in_the_format_is_refused_saying_where(data, message):
    with pytest.raises(MockConfigError) as raised:
        MockConfig(data, "mocks.json")
    assert message in str(raised.value) and "mocks.json" in str(raised.value)


def test_load_reports_unreadable_and_non_json_files(tmp_path):
    with pytest.raises(MockConfigError, match="cannot read"):
        MockConfig.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(MockConfigError, match="is not JSON"):
        MockConfig.load(bad)


def test_the_case_rides_on_the_state_machine_arn():
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:sm"
    assert split_case(arn + "#HappyPath") == (arn, "HappyPath")
    assert split_case(arn) == (arn, None)
