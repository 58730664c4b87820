"""Run the TestState cases of ``../shared/conformance-more`` (recorded against AWS) through
:func:`orchestrator.asl.test_state.test_state` and compare with the recorded response
(``tests/conformance/test_teststate_conformance.py`` runs them all).

The request is sent as the case says (``input``, ``variables``, ``context`` re-serialised
with ``json.dumps``); the response is compared after the corpus's masking: strings that
start with ``{`` parsed (the recorder did), dates masked, and the identifiers AWS generates
for a TestState run (``$$.Execution.Id`` / ``Name``, ``$$.StateMachine``) replaced by the
recorder's placeholders. An ``API_ERROR`` case expects :class:`TestStateInvalid` with its
code and message.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from orchestrator.asl import test_state as teststate
from orchestrator.tasks.result_shapes import check_mocked_result
from tests.conformance.harness import _mask, _parse_json_strings

MORE = Path(__file__).resolve().parents[3] / "shared" / "conformance-more"
CASES = MORE / "cases" / "test_state"

# The recorded requests name their role by its placeholder: send a role ARN (masked back).
_ROLE_ARN = "arn:aws:iam::111111111111:role/snf_role"


def cases() -> list[Path]:
    return sorted(CASES.glob("*.json")) if CASES.is_dir() else []


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def request_of(case: dict) -> dict:
    request = dict(case["request"])
    out: dict = {"definition": json.dumps(request.pop("definition"))}
    request.pop("input_is_json_text", None)
    for key in ("input", "variables", "context"):
        if key in request:
            value = request.pop(key)
            out[key] = value if isinstance(value, str) and key != "input" else json.dumps(value)
    out.update(request)
    return out


def run(case: dict, invoke=None) -> dict:
    request = request_of(case)
    if request.get("roleArn"):
        request["roleArn"] = _ROLE_ARN
    try:
        return teststate.test_state_request(
            request,
            invoke=invoke,
            check_result=check_mocked_result,
            account="111111111111",
            region="<region>",
            partition="<partition>",
        )
    except teststate.TestStateInvalid as exc:
        return {"API_ERROR": exc.code, "message": exc.message}


def _placeholders(value: Any) -> Any:
    """Our generated identifiers, as the recorder masked AWS's."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out[k] = _placeholders(v)
        execution = out.get("Execution")
        if isinstance(execution, dict) and "Id" in execution and "RoleArn" in execution:
            machine = out.get("StateMachine") or {}
            if ":express:" in str(execution.get("Id")):
                execution["Id"] = (
                    "arn:<partition>:states:<region>:111111111111:express:<resource:3>:<resource:1>"
                )
                execution["Name"] = "<resource:1>"
                if execution["RoleArn"] is not None:
                    execution["RoleArn"] = "arn:<partition>:iam::111111111111:role/<resource:2>"
                machine["Id"] = (
                    "arn:<partition>:states:<region>:111111111111:stateMachine:<resource:3>"
                )
                machine["Name"] = "<resource:3>"
        return out
    if isinstance(value, list):
        return [_placeholders(v) for v in value]
    return value


_RESOURCE = re.compile(r"<resource:\d+>")


def _numbered(value: Any) -> Any:
    """The recorder numbered the generated names of each test run: compare them as one
    (and it wrote every ``arn:aws:`` as ``arn:<partition>:``)."""
    text = _RESOURCE.sub("<resource>", json.dumps(value))
    return json.loads(text.replace("arn:aws:", "arn:<partition>:"))


def compare(case: dict, response: dict) -> list[str]:
    """The differences between ``response`` and the recorded one (empty: it matches)."""
    expected = case["expected"]
    if expected["status"] == "API_ERROR":
        if "API_ERROR" not in response:
            return [f"expected the API error {expected.get('error')}, got {response}"]
        problems = []
        if response["API_ERROR"] != (expected.get("error") or "ValidationException"):
            problems.append(f"error code {response['API_ERROR']} != {expected.get('error')}")
        cause = expected.get("cause")
        if cause is not None and response["message"] != cause:
            problems.append(f"message {response['message']!r} != {cause!r}")
        return problems
    if "API_ERROR" in response:
        return [f"unexpected API error {response}"]
    recorded = _numbered(expected["response"])
    ours = _numbered(_placeholders(_parse_json_strings(_mask(response))))
    ours = {k: v for k, v in ours.items() if k in recorded or k not in ("inspectionData",)}
    if ours != recorded:
        return [
            f"response differs:\n ours {json.dumps(ours, sort_keys=True)}\n AWS  "
            f"{json.dumps(recorded, sort_keys=True)}"
        ]
    return []
