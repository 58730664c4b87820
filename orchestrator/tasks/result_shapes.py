"""Is a mocked Task result shaped like what its resource returns? (TestState's
``mock.fieldValidationMode``.)

AWS API reference, MockInput: "fieldValidationMode: Determines the level of strictness
when validating mocked results against their respective API models. Values include:
STRICT: All required fields must be present, and all present fields must conform to the
API's schema. PRESENT: All present fields must conform to the API's schema. NONE: No
validation is performed." The API models are botocore's (already a dependency): an AWS SDK
integration ``aws-sdk:<service>:<action>`` returns the output shape of that operation, an
optimized one (``lambda:invoke``, ``dynamodb:putItem``, ``events:putEvents``, ...) the
output of the operation it calls. AWS's messages (conformance-more ``test_state/
test_field_validation_mode*``): "Mock result schema validation error: Field 'X' must be a
string" / "must be a number" / "must be an array" / "is not an expected value" / "is
smaller than the minimum length" / "is less than the minimum value" / "exceeds the maximum
value". Fields the model does not have are let through; so is a Lambda ``Payload`` (Step
Functions returns it as JSON, not as the model's blob).

Required output members: botocore's output shapes mark almost none required, and the
recorded STRICT cases accept ``{}``: STRICT checks what the model requires (rarely
anything) and then what is present, as PRESENT does.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from orchestrator.asl import resources

__all__ = ["check_mocked_result", "MockShapeError"]

# aws-sdk service names that are not botocore's (developer guide, "AWS SDK service
# integrations": the service name is the SDK client's, in lower case).
_SDK_TO_BOTOCORE = {"sfn": "stepfunctions", "eventbridge": "events"}
# Members Step Functions returns differently from the model (JSON instead of a blob).
_AS_JSON = {("lambda", "Invoke"): frozenset({"Payload"})}


class MockShapeError(ValueError):
    """The mocked result does not fit the resource's output shape (AWS's message)."""


def check_mocked_result(resource: str, value: Any, mode: str | None) -> None:
    """Raise MockShapeError when ``value`` does not fit ``resource``'s output under
    ``mode`` (STRICT by default); unknown resources and services are not checked."""
    if (mode or "STRICT") == "NONE":
        return
    found = _operation(resource)
    if found is None:
        return
    shape, skipped = found
    if (mode or "STRICT") == "STRICT" and isinstance(value, dict):
        for name in getattr(shape, "required_members", ()):
            if name not in value:
                raise MockShapeError(_message(name, "is required"))
    _check(shape, value, shape.name, skipped)


@lru_cache(maxsize=256)
def _operation(resource: str):
    parsed = resources.parse(resource)
    if parsed is None or parsed.kind != resources.SERVICE:
        return None
    service = parsed.service
    if service.startswith("aws-sdk:"):
        service = service.split(":", 1)[1]
    service = _SDK_TO_BOTOCORE.get(service, service)
    operation = parsed.action[:1].upper() + parsed.action[1:]
    try:
        model = _session().get_service_model(service)
        output = model.operation_model(operation).output_shape
    except Exception:  # not a botocore service or operation: nothing to check against
        return None
    if output is None:
        return None
    return output, _AS_JSON.get((service, operation), frozenset())


@lru_cache(maxsize=1)
def _session():
    import botocore.session

    return botocore.session.get_session()


def _message(field: str, problem: str) -> str:
    return f"Mock result schema validation error: Field '{field}' {problem}"


def _check(shape, value: Any, field: str, skipped: frozenset = frozenset()) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            raise MockShapeError(_message(field, "must be an object"))
        for name, member in shape.members.items():
            if name in value and name not in skipped:
                _check(member, value[name], name)
    elif kind == "list":
        if not isinstance(value, list):
            raise MockShapeError(_message(field, "must be an array"))
        for item in value:
            _check(shape.member, item, field)
    elif kind == "map":
        if not isinstance(value, dict):
            raise MockShapeError(_message(field, "must be an object"))
        for item in value.values():
            _check(shape.value, item, field)
    elif kind in ("string", "blob"):
        if not isinstance(value, str):
            raise MockShapeError(_message(field, "must be a string"))
        if "enum" in meta and value not in meta["enum"]:
            raise MockShapeError(_message(field, "is not an expected value"))
        if "min" in meta and len(value) < meta["min"]:
            raise MockShapeError(_message(field, "is smaller than the minimum length"))
        if "max" in meta and len(value) > meta["max"]:
            raise MockShapeError(_message(field, "is larger than the maximum length"))
    elif kind in ("integer", "long", "float", "double"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise MockShapeError(_message(field, "must be a number"))
        if "min" in meta and value < meta["min"]:
            raise MockShapeError(_message(field, "is less than the minimum value"))
        if "max" in meta and value > meta["max"]:
            raise MockShapeError(_message(field, "exceeds the maximum value"))
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise MockShapeError(_message(field, "must be a boolean"))
