"""The TestState cases recorded against AWS (``../shared/conformance-more/cases/test_state``):
every case runs; each must match its recording, except the few listed in :data:`KNOWN`,
which must still differ (so that a fix, or a new difference, shows here)."""

from __future__ import annotations

import pytest

from tests.conformance.state_cases import cases, compare, load, run

# Case file -> why this engine answers differently from the recording.
_LAMBDA = (
    "calls a real AWS Lambda function (the LocalStack handler files return_bytes_str.py / "
    "id_function.py) that has no stand-in here"
)
_MODEL = (
    "validated by AWS against Lambda's old MemorySize maximum (10240); botocore's current "
    "model allows 32768, so 10241 passes here"
)
_CONTEXT_SPACING = (
    "afterItemsPath of an ItemsPath into the given context ($$.Execution.Input.values): AWS "
    "shows the value with the spacing of the context text as it was sent; we show it as "
    "compact JSON (the same value)"
)
KNOWN = {
    "test_test_state_scenarios.test_base_lambda_service_task_state_DEBUG.json": _LAMBDA,
    "test_test_state_scenarios.test_base_lambda_service_task_state_INFO.json": _LAMBDA,
    "test_test_state_scenarios.test_base_lambda_service_task_state_TRACE.json": _LAMBDA,
    "test_test_state_scenarios.test_base_lambda_task_state_DEBUG.json": _LAMBDA,
    "test_test_state_scenarios.test_base_lambda_task_state_INFO.json": _LAMBDA,
    "test_test_state_scenarios.test_base_lambda_task_state_TRACE.json": _LAMBDA,
    "test_field_validation_mode.test_strict_mode_aws_sdk_lambda_get_function_task_"
    "integer_more_than_maximum_allowed.json": _MODEL,
    "test_field_validation_mode_present.test_present_mode_aws_sdk_lambda_get_function_task_"
    "integer_more_than_maximum_allowed.json": _MODEL,
    "test_state_context_object.test_state_map_context_object_EXECUTION_INPUT_VALUES.json": (
        _CONTEXT_SPACING
    ),
}

CASES = cases()


def test_the_corpus_is_here():
    assert len(CASES) >= 170, "../shared/conformance-more/cases/test_state is missing"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case(path):
    case = load(path)
    problems = compare(case, run(case))
    if path.name in KNOWN:
        assert problems, f"now matches AWS: remove it from KNOWN ({KNOWN[path.name]})"
    else:
        assert problems == [], "\n".join(problems)


def test_known_differences_name_existing_cases():
    names = {p.name for p in CASES}
    assert set(KNOWN) <= names
