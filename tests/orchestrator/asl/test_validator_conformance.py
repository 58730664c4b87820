"""The validator against the conformance corpus recorded on real AWS.

* ``validate-definition`` cases: ValidateStateMachineDefinition's response, compared whole.
* ``create-state-machine-error`` cases: CreateStateMachine's ``InvalidDefinition`` message, compared
  after the corpus' own masking (``arn:aws:`` -> ``arn:<partition>:``, see its README).
* every other case whose definition AWS accepted (executions, io-pairs, ...): no ERROR diagnostic,
  since a false positive would refuse a workflow that runs on AWS.
"""

from __future__ import annotations

import json

import pytest

from orchestrator.asl.validator import (
    ERROR,
    format_invalid_definition,
    validate,
    validation_response,
)
from tests.corpus import CORPUS


def _cases() -> list[dict]:
    index = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))["cases"]
    return [json.loads((CORPUS / entry["file"]).read_text(encoding="utf-8")) for entry in index]


CASES = _cases()
VALIDATE = [c for c in CASES if c["kind"] == "validate-definition"]
CREATE_ERRORS = [c for c in CASES if c["kind"] == "create-state-machine-error"]
ACCEPTED = [
    c
    for c in CASES
    if c["kind"] not in ("validate-definition", "create-state-machine-error")
    and c["expected"]["status"] != "CREATE_FAILED"
]


def _mask(text: str) -> str:
    """The snapshot library's masking of ARNs (corpus README, "Placeholders and masking")."""
    return text.replace("arn:aws:", "arn:<partition>:")


def test_corpus_counts():
    assert (len(VALIDATE), len(CREATE_ERRORS)) == (12, 14)
    assert len(ACCEPTED) > 1000


@pytest.mark.parametrize("case", VALIDATE, ids=[c["id"] for c in VALIDATE])
def test_validate_state_machine_definition(case):
    response = validation_response(case["definition"], machine_type=case["state_machine_type"])
    assert response == case["expected"]["validation_response"]


@pytest.mark.parametrize("case", CREATE_ERRORS, ids=[c["id"] for c in CREATE_ERRORS])
def test_create_state_machine_invalid_definition(case):
    assert case["expected"]["error"] == "InvalidDefinition"
    diags = validate(case["definition"], machine_type=case["state_machine_type"])
    assert _mask(format_invalid_definition(diags)) == case["expected"]["cause"]


@pytest.mark.parametrize("case", ACCEPTED, ids=[c["id"] for c in ACCEPTED])
def test_accepted_definition_has_no_error(case):
    errors = [
        d
        for d in validate(case["definition"], machine_type=case["state_machine_type"])
        if d.severity == ERROR
    ]
    assert errors == []
