"""Request bodies are checked against the same JSON Schemas the OpenAPI document publishes.

Missing fields, wrong types, unknown fields, empty strings, negative or non-integer
quantities, bodies over the limit: each a 400 (413 for size) with a JSON error naming the
field, never a 500 (README.md, "Services"). The schemas are JSON Schema 2020-12, which is
also the schema dialect of OpenAPI 3.1, so one dict serves both purposes.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .errors import ApiError

_validators: dict[int, Draft202012Validator] = {}


MAX_DEPTH = 32  # arrays/objects inside one another; the services' bodies need 3
_MAX_INT_CHARS = 4300  # Python's int() refuses longer digit strings (sys.get_int_max_str_digits)
_STRUCTURE = re.compile(r'[][{},"\\]')
_SURROGATE = re.compile("[\ud800-\udfff]")


class _NotJSON:
    """What the NaN/Infinity/-Infinity tokens parse to, so that the walk can name their field."""

    def __init__(self, token: str):
        self.token = token


def _parse_int(text: str):
    # Too many digits for int(): parsed as a float, i.e. infinity, which the walk reports.
    return int(text) if len(text) <= _MAX_INT_CHARS else float(text)


def _decode(raw: bytes) -> tuple[str, bool]:
    """The body as text, and whether it was valid UTF-8 (or the UTF-16/32 json also accepts).

    Invalid bytes become lone surrogates (U+DC80-U+DCFF), reported by the walk in the field
    that holds them. ``json.loads(bytes)`` itself would decode with ``surrogatepass``."""
    encoding = json.detect_encoding(raw)
    try:
        return raw.decode(encoding), True
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode(encoding, "surrogateescape"), False
    except UnicodeDecodeError as exc:
        raise ApiError(
            400, "INVALID_JSON", "The request body is not UTF-8 text: %s" % exc, field="body"
        ) from None


def _key(token: str) -> str:
    try:
        return json.loads(token)
    except ValueError:
        return token[1:-1]


def _too_deep(text: str) -> list | None:
    """The path of the first array or object nested deeper than MAX_DEPTH, else None.

    A string-aware scan of the text, without recursion, made before ``json.loads`` so that a
    10,000-deep body is refused in one pass instead of recursing 10,000 levels."""
    # Per open container: [index, or the (start, end) of the key's text; expecting a key: True/False, None in arrays]
    containers: list[list] = []
    string_start, escaped = -1, -1
    for match in _STRUCTURE.finditer(text):
        char, at = match.group(), match.start()
        if string_start >= 0:
            if at == escaped:
                continue
            if char == "\\":
                escaped = at + 1
            elif char == '"':
                if containers and containers[-1][1]:  # the string was an object's key
                    containers[-1][0:2] = [(string_start, at + 1), False]
                string_start = -1
        elif char == '"':
            string_start = at
        elif char in "[{":
            if len(containers) == MAX_DEPTH:
                return [
                    _key(text[c[0][0] : c[0][1]]) if isinstance(c[0], tuple) else c[0]
                    for c in containers
                ]
            containers.append([(0, 0), True] if char == "{" else [0, None])
        elif char in "]}":
            if containers:
                containers.pop()
        elif char == "," and containers:
            if containers[-1][1] is None:
                containers[-1][0] += 1
            else:
                containers[-1][1] = True
    return None


def _name(path, utf8: bool = True) -> str:
    """The field's path; a key may itself be the bad text, shown escaped (\\ud800, or \\xff for
    a byte that is not UTF-8) so that the error stays valid UTF-8."""
    name = field_path(path) or "body"
    if not utf8:
        try:
            return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a lone surrogate that was written as an escape
            pass
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def _lone_surrogate(text: str):
    return None if text.isascii() else _SURROGATE.search(text)


def _path(entry) -> list:
    parts = []
    while entry[0] is not None:
        parts.append(entry[1])
        entry = entry[0]
    return parts[::-1]


def _check_values(body: Any, utf8: bool) -> None:
    """One iterative walk of the parsed body, in document order: the first key or string that
    is not Unicode text and the first number that is not finite are a 400 naming the field."""
    pending: list[tuple[Any, Any, Any]] = [
        (None, None, body)
    ]  # (parent's entry, key or index, value): paths are rebuilt for errors only
    while pending:
        entry = pending.pop()
        _, key, value = entry
        bad = (_lone_surrogate(key) if isinstance(key, str) else None) or (
            _lone_surrogate(value) if isinstance(value, str) else None
        )
        if bad is not None and not utf8:
            name = _name(_path(entry), utf8)
            raise ApiError(
                400,
                "INVALID_JSON",
                "The request body is not valid UTF-8 (first bad text in %s)." % name,
                field=name,
            )
        if bad is not None:
            name = _name(_path(entry))
            raise ApiError(
                400,
                "VALIDATION_ERROR",
                "%s contains a lone UTF-16 surrogate (\\u%04x): text must be "
                "valid Unicode" % (name, ord(bad.group())),
                field=name,
            )
        if isinstance(value, _NotJSON):
            name = _name(_path(entry))
            raise ApiError(
                400,
                "INVALID_JSON",
                "%s is %s, which is not JSON: send a finite number" % (name, value.token),
                field=name,
            )
        if isinstance(value, float) and not math.isfinite(value):
            name = _name(_path(entry))
            raise ApiError(
                400,
                "VALIDATION_ERROR",
                "%s is out of range: numbers must be finite (at most about 1.8e308)" % name,
                field=name,
            )
        if isinstance(value, dict):
            pending.extend(reversed([(entry, k, v) for k, v in value.items()]))
        elif isinstance(value, list):
            pending.extend(reversed([(entry, i, v) for i, v in enumerate(value)]))
    if (
        not utf8
    ):  # no bad text in any string, so it was outside one: json.loads refused it first (kept safe)
        raise ApiError(400, "INVALID_JSON", "The request body is not valid UTF-8.", field="body")


def json_body() -> Any:
    """The request body parsed as JSON, whatever the Content-Type (curl-friendly).

    Besides text that is not JSON, refused with a 400 naming the field: bytes that are not
    UTF-8 and lone UTF-16 surrogates (in values and keys), NaN/Infinity and numbers that
    overflow to infinity (1e400), and nesting deeper than MAX_DEPTH."""
    raw = request.get_data(cache=True)  # raises 413 beyond MAX_CONTENT_LENGTH
    if not raw.strip():
        raise ApiError(400, "INVALID_JSON", "The request body must be a JSON object; it is empty.")
    text, utf8 = _decode(raw)
    deep = _too_deep(text)
    if deep is not None:
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            "%s is nested too deeply: at most %d levels of arrays and objects"
            % (_name(deep), MAX_DEPTH),
            field=_name(deep),
        )
    try:
        body = json.loads(text, parse_constant=_NotJSON, parse_int=_parse_int)
    except (ValueError, RecursionError) as exc:
        raise ApiError(
            400, "INVALID_JSON", "The request body is not valid JSON: %s" % exc
        ) from None
    _check_values(body, utf8)
    return body


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
        return name, "%s must be of type %s" % (
            name,
            expected if isinstance(expected, str) else " or ".join(expected),
        )
    if validator == "minLength" and error.validator_value == 1:
        return name, "%s must not be empty" % name
    if validator == "pattern":
        return name, "%s is not valid: %s" % (
            name,
            schema.get("x-pattern-message", "must match %s" % schema["pattern"]),
        )
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
    errors = sorted(
        validator.iter_errors(instance),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path)), str(e.validator)),
    )
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
