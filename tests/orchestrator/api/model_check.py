"""Check every raw response body a boto3 client receives against botocore's model.

botocore's parser keeps the members of the output shape it knows and drops the rest, so a
test that reads parsed responses cannot see an extra, misspelt or mistyped member. The
``after-call`` hook below reads the raw JSON instead: every member must be one the output
(or, for an error, the operation's error shape) declares, with the declared type, and every
required member must be there. ``checked(client)`` installs it and counts what it checked and what failed.
"""

from __future__ import annotations

import json

from botocore.model import OperationModel, Shape

_SCALARS = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "timestamp": (int, float),
    "float": (int, float),
    "double": (int, float),
    "blob": (str,),
}


def problems(shape: Shape, value, path: str = "") -> list[str]:
    """What in ``value`` does not fit ``shape`` (an empty list when it all does)."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path or '.'}: expected an object, got {value!r}"]
        out = [
            f"{path}.{name}: required member missing"
            for name in shape.required_members
            if name not in value
        ]
        for name, member in value.items():
            if name not in shape.members:
                out.append(f"{path}.{name}: not a member of {shape.name}")
            else:
                out += problems(shape.members[name], member, f"{path}.{name}")
        return out
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {value!r}"]
        return [
            p for i, item in enumerate(value) for p in problems(shape.member, item, f"{path}[{i}]")
        ]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected a map, got {value!r}"]
        return [p for k, v in value.items() for p in problems(shape.value, v, f"{path}[{k}]")]
    types = _SCALARS.get(kind, (object,))
    if not isinstance(value, types) or (kind != "boolean" and isinstance(value, bool)):
        return [f"{path}: expected {kind}, got {value!r}"]
    if kind == "string" and shape.enum and value not in shape.enum:
        return [f"{path}: {value!r} is not one of {shape.enum}"]
    return []


# AWS's common errors ("Common Errors" in the API reference), which any operation may
# return although the model lists them for few: a message only.
COMMON_ERRORS = {
    "ValidationException",
    "InternalFailure",
    "ServiceUnavailable",
    "ThrottlingException",
    "UnknownOperationException",
    "SerializationException",
}


def response_problems(model: OperationModel, status: int, body: bytes) -> list[str]:
    data = json.loads(body or b"{}")
    if status < 300:
        return problems(model.output_shape, data) if model.output_shape else []
    code = str(data.get("__type", "")).rsplit("#", 1)[-1]
    shapes = {s.name: s for s in model.error_shapes}
    rest = {k: v for k, v in data.items() if k != "__type"}
    if code in shapes:
        return problems(shapes[code], rest)
    if code in COMMON_ERRORS:
        return [] if set(rest) <= {"message"} else [f"{code}: members {sorted(rest)}"]
    return [f"error {code!r} is not listed for {model.name}"]


class Checks:
    """What the hook saw: ``responses`` checked, ``problems`` found (``operation: problem``)."""

    def __init__(self) -> None:
        self.responses = 0
        self.problems: list[str] = []


def checked(client) -> Checks:
    """Install the check on ``client``."""
    checks = Checks()

    def after_call(http_response, model, **_kwargs):
        checks.responses += 1
        for problem in response_problems(model, http_response.status_code, http_response.content):
            checks.problems.append(f"{model.name}: {problem}")

    client.meta.events.register("after-call", after_call)
    return checks
