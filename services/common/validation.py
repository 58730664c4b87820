"""Request bodies are checked against the same JSON Schemas the OpenAPI document publishes.

Issue 2: "missing fields, wrong types, unknown fields, empty strings, negative or
non-integer quantities, absurdly large bodies (limit them) — each a 400 with a JSON error
naming the field. Never a 500 for bad input". The schemas are JSON Schema 2020-12, which is
also the schema dialect of OpenAPI 3.1, so one dict serves both purposes.
"""
from __future__ import annotations

import json
from typing import Any

from flask import request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .errors import ApiError

_validators: dict[int, Draft202012Validator] = {}


def _reject_constant(name: str) -> None:
    # Python's json accepts NaN/Infinity, which are not JSON and would poison totals.
    raise ValueError("%s is not valid JSON" % name)


def json_body() -> Any:
    """The request body parsed as JSON, whatever the Content-Type (curl-friendly)."""
    raw = request.get_data(cache=True)  # raises 413 beyond MAX_CONTENT_LENGTH
    if not raw.strip():
        raise ApiError(400, "INVALID_JSON", "The request body must be a JSON object; it is empty.")
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "INVALID_JSON", "The request body is not valid JSON: %s" % exc) from None


def field_path(path) -> str:
    """``["items", 0, "quantity"]`` → ``items[0].quantity``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += "[%d]" % part
        else:
            text += ("." if text else "") + str(part)
    return text


def _describe(error: ValidationError, root: str) -> tuple[str, str]:
    """A message naming the field, in words a client developer can act on."""
    where = list(error.absolute_path)
    validator = error.validator
    if validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        name = field_path(where + [missing[0]])
        return name, "%s is required" % name
    if validator == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        name = field_path(where + [extra[0]])
        return name, "%s is not an allowed field" % name
    name = field_path(where) or root
    schema = error.schema
    if validator == "type":
        expected = error.validator_value
        if name == "body":
            return name, "the request body must be a JSON %s" % expected
        return name, "%s must be of type %s" % (name, expected if isinstance(expected, str) else " or ".join(expected))
    if validator == "minLength" and error.validator_value == 1:
        return name, "%s must not be empty" % name
    if validator == "pattern":
        return name, "%s is not valid: %s" % (name, schema.get("x-pattern-message", "must match %s" % schema["pattern"]))
    if validator == "minItems":
        return name, "%s must have at least %d item(s)" % (name, error.validator_value)
    if validator == "maxItems":
        return name, "%s must have at most %d items" % (name, error.validator_value)
    if validator == "maxLength":
        return name, "%s must be at most %d characters long" % (name, error.validator_value)
    if validator == "enum":
        return name, "%s must be one of %s" % (name, ", ".join(map(str, error.validator_value)))
    if validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
        return name, "%s must be %s %s" % (name, words[validator], error.validator_value)
    return name, "%s: %s" % (name, error.message)


def validate(instance: Any, schema: dict, root: str = "body") -> Any:
    """Raise a 400 ``VALIDATION_ERROR`` naming the first offending field (deterministic order).

    ``root`` names the instance itself (``body``, or a query parameter's name)."""
    validator = _validators.get(id(schema))
    if validator is None:
        validator = _validators[id(schema)] = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path)), str(e.validator)))
    if errors:
        field, message = _describe(errors[0], root)
        raise ApiError(400, "VALIDATION_ERROR", message, field=field)
    return instance


def required_query(name: str, schema: dict) -> str:
    """The query parameter ``name`` of this GET, required and checked against ``schema``."""
    value = request.args.get(name)
    if value is None:
        message = "%s is required (GET %s?%s=...)" % (name, request.path, name)
        raise ApiError(400, "VALIDATION_ERROR", message, field=name)
    return validate(value, schema, root=name)


def validated_body(schema: dict) -> dict:
    return validate(json_body(), schema)
