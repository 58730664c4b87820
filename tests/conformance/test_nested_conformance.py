"""The nested-workflow cases of ``../shared/conformance-more`` (``states:startExecution``,
``.sync``, ``.sync:2``, recorded against AWS), run on the durable engine: the case's child
state machines are created from its ``setup``, the parent runs with the recorded input, and
the history is compared event for event with the harness's masking (:mod:`.harness`).

Real names stand in for the recording's placeholders at the boundary (the child machine's
ARN, the role), as in :mod:`.test_aws_services`; the HTTP headers StartExecution's response
carries in ``SdkHttpMetadata`` are this engine's, so their values are masked on both sides.
The two ``.sync`` cases of ``local_mocking`` are AWS recordings of real runs: here they run
for real too (no mock)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from orchestrator.asl.execution import ExecutionResult
from orchestrator.engine import Engine, EngineConfig
from tests.conformance.harness import compare, mask_sdk_headers
from tests.corpus import CORPUS
from tests.support.aws_setup import substitute, unsubstitute

CASES_DIR = CORPUS.parent / "conformance-more" / "cases"
CASES = [
    CASES_DIR / "services" / "test_sfn_task_service.test_start_execution.json",
    CASES_DIR / "services" / "test_sfn_task_service.test_start_execution_input_json.json",
    CASES_DIR / "callback" / "test_callback.test_start_execution_sync.json",
    CASES_DIR / "callback" / "test_callback.test_start_execution_sync2.json",
    CASES_DIR / "callback" / "test_callback.test_start_execution_sync_delegate_failure.json",
    CASES_DIR / "local_mocking" / "test_base_callbacks.test_sfn_start_execution_sync_SFN_SYNC.json",
    CASES_DIR
    / "local_mocking"
    / "test_base_callbacks.test_sfn_start_execution_sync_SFN_SYNC2.json",
]
ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
_BEFORE_REDRIVE = (
    "recorded in 2023, before AWS added RedriveCount, RedriveStatus and "
    "RedriveStatusReason to DescribeExecution (Nov 2023); the .sync result carries them "
    "now (the 2025 recordings of local_mocking), which we follow"
)
# Cases that differ from the recording, why, and a text the differences must show.
KNOWN = {
    "test_callback.test_start_execution_sync": (_BEFORE_REDRIVE, "RedriveCount"),
    "test_callback.test_start_execution_sync2": (_BEFORE_REDRIVE, "RedriveCount"),
    "test_callback.test_start_execution_sync_delegate_failure": (_BEFORE_REDRIVE, "Redrive"),
}


def test_the_cases_are_here():
    assert all(path.exists() for path in CASES)


def _run_on(engine: Engine, case: dict) -> tuple[ExecutionResult, dict[str, str]]:
    """Run ``case`` on ``engine``; the result, and the real -> recorded names."""
    mapping: dict[str, str] = {}  # placeholder -> real
    for index, entry in enumerate(e for e in case["setup"] if e["resource"] == "state-machine"):
        arn = engine.create_state_machine(
            {
                "name": f"child{index}",
                "definition": json.dumps(entry["definition"]),
                "roleArn": ROLE,
                "type": entry.get("type", "STANDARD"),
            }
        )["stateMachineArn"]
        mapping[entry["arn_as_recorded"]] = arn
        # The execution ARNs of its children, as the recording spells them.
        mapping[entry["arn_as_recorded"].replace(":stateMachine:", ":execution:") + ":"] = (
            arn.replace(":stateMachine:", ":execution:") + ":"
        )
    if "state-machine-arn" in json.dumps(case["input"]):  # a placeholder of its own
        mapping["state-machine-arn"] = next(iter(mapping.values()))
    parent = engine.create_state_machine(
        {"name": "parent", "definition": json.dumps(case["definition"]), "roleArn": ROLE}
    )["stateMachineArn"]
    started = engine.start_execution(
        {"stateMachineArn": parent, "input": json.dumps(substitute(case["input"], mapping))}
    )
    done = engine.wait_for(started["executionArn"], 30)
    events = engine.get_execution_history(
        {"executionArn": started["executionArn"], "maxResults": 1000}
    )["events"]
    real_to_recorded = {real: recorded for recorded, real in mapping.items()}
    real_to_recorded[ROLE] = "snf_role_arn"
    real_to_recorded["us-east-1"] = "<region>"  # the engine's region (TaskScheduled)
    history = unsubstitute(mask_sdk_headers(events), _inverse(real_to_recorded))
    output_text = done.get("output")
    if output_text is not None:
        output_text = json.dumps(
            unsubstitute(mask_sdk_headers(json.loads(output_text)), _inverse(real_to_recorded)),
            separators=(",", ":"),
        )
    cause = done.get("cause")
    if cause is not None:
        cause = unsubstitute(cause, _inverse(real_to_recorded))
    result = ExecutionResult(
        done["status"],
        output=None if output_text is None else json.loads(output_text),
        output_text=output_text,
        error=done.get("error"),
        cause=cause,
        history=history,
    )
    return result, real_to_recorded


def _inverse(real_to_recorded: dict[str, str]) -> dict[str, str]:
    """The mapping :func:`unsubstitute` reads (placeholder -> real)."""
    return {recorded: real for real, recorded in real_to_recorded.items()}


@pytest.mark.parametrize("path", CASES, ids=lambda p: Path(p).stem)
def test_case(path, tmp_path):
    case = json.loads(Path(path).read_text())
    judged = copy.deepcopy(case)
    judged["expected"] = mask_sdk_headers(judged["expected"])
    judged["history"] = mask_sdk_headers(judged["history"])
    config = EngineConfig(db_path=str(tmp_path / "journal.db"), log_to_stdout=False)
    with Engine(config) as engine:
        result, _ = _run_on(engine, case)
    problems = compare(judged, execute=lambda _case: result)
    stem = Path(path).stem
    if stem in KNOWN:
        reason, shows = KNOWN[stem]
        assert problems and shows in "\n".join(problems), reason
    else:
        assert not problems, "\n".join(problems)
