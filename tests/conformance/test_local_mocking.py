"""The ``local_mocking`` cases of ``../shared/conformance-more`` (AWS recordings of
executions that call SQS, SNS, DynamoDB, EventBridge, nested state machines and callbacks),
run with every Task answered by a Step Functions Local mock configuration built from the
recording: each Task state's recorded outcome becomes its mocked response. The mocked run
must record the history AWS recorded, event for event."""

from __future__ import annotations

import json

import pytest

from orchestrator.asl.mock_config import MockConfig
from tests.conformance.harness import compare
from tests.corpus import CORPUS

CASES = sorted((CORPUS.parent / "conformance-more" / "cases" / "local_mocking").glob("*.json"))
MACHINE, CASE = "Recorded", "AsRecorded"
# Cases where the mocked run differs from AWS's recording, and why (each must still differ).
_SUBMITTED = (
    "AWS records TaskSubmitted, the response of the request the Task made (SQS SendMessage's, "
    "StartExecution's), which a mocked run cannot know: no request is made. The same "
    "recordings run for real, and match, in test_callback_conformance (SQS, against moto) "
    "and test_nested_conformance (.sync children)"
)
KNOWN = {
    "test_base_callbacks.test_sfn_start_execution_sync_SFN_SYNC": _SUBMITTED,
    "test_base_callbacks.test_sfn_start_execution_sync_SFN_SYNC2": _SUBMITTED,
    "test_base_callbacks.test_sqs_wait_for_task_token": _SUBMITTED,
    "test_base_callbacks.test_sqs_wait_for_task_token_task_failure": _SUBMITTED,
}


def mock_config_of(case: dict) -> dict:
    """A MockConfigFile.json answering each Task state as the recording did, by attempt."""
    responses: dict = {}
    states: dict = {}
    current = None
    attempts: dict[str, int] = {}
    for event in case["history"]:
        kind = event["type"]
        if kind == "TaskStateEntered":
            current = event["stateEnteredEventDetails"]["name"]
            attempts[current] = 0
        elif kind == "TaskSucceeded" and current is not None:
            output = event["taskSucceededEventDetails"]["output"]
            value = json.loads(output) if isinstance(output, str) else output
            responses.setdefault(current, {})[str(attempts[current])] = {"Return": value}
            attempts[current] += 1
        elif kind == "TaskFailed" and current is not None:
            details = event["taskFailedEventDetails"]
            thrown = {"Error": details.get("error"), "Cause": details.get("cause", "")}
            responses.setdefault(current, {})[str(attempts[current])] = {"Throw": thrown}
            attempts[current] += 1
    for state in responses:
        states[state] = state
    return {
        "StateMachines": {MACHINE: {"TestCases": {CASE: states}}},
        "MockedResponses": responses,
    }


def test_the_cases_are_here():
    assert len(CASES) == 8


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case(path):
    case = json.loads(path.read_text())
    mocks = MockConfig(mock_config_of(case)).case(MACHINE, CASE)
    assert mocks is not None

    def invoke(command):
        outcome = mocks.outcome(command.state_name, command.attempt)
        assert outcome is not None, f"no mocked response for {command.state_name}"
        return outcome.raise_or_return()

    problems = compare(case, invoke)
    if path.stem in KNOWN:
        assert problems and "tasksubmitted" in " ".join(problems).lower(), KNOWN[path.stem]
    else:
        assert problems == []
