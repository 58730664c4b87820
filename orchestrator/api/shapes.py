"""Request validation and response serialisation driven by botocore's Step Functions model.

botocore's service model for Step Functions (``service-2.json``, what boto3 and the AWS CLI
build their requests and parse their responses from) describes every operation: request
and response shapes, error codes, timestamp formats. So nothing here lists members by hand:
every constraint checked and every member written out comes from the model as botocore
loads it.

Messages follow the AWS (Coral) validation format, e.g.
``1 validation error detected: Value '2000' at 'maxResults' failed to satisfy constraint:
Member must have value less than or equal to 1000``.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.model import OperationModel, OperationNotFoundError, Shape

from ..asl.jsontext import is_integer, is_number

SERVICE_NAME = "stepfunctions"

# Java regex classes used by the model that Python's ``re`` spells differently.
_JAVA_CLASSES = {r"\p{ASCII}": r"\x00-\x7f"}


@functools.lru_cache(maxsize=1)
def service_model():
    """botocore's Step Functions service model (loaded once; it is immutable)."""
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


@functools.cache
def operation(name: str) -> OperationModel | None:
    """The operation model for ``name`` (``StartExecution``), or None if the model has none."""
    try:
        return service_model().operation_model(name)
    except OperationNotFoundError:
        return None


def method_name(operation_name: str) -> str:
    """``StartSyncExecution`` -> ``start_sync_execution`` (the Engine's method names)."""
    return xform_name(operation_name)


@functools.cache
def _compile(pattern: str) -> re.Pattern | None:
    translated = pattern
    for java, python in _JAVA_CLASSES.items():
        translated = translated.replace(java, "[%s]" % python)
    try:
        return re.compile(translated, re.DOTALL)
    except re.error:  # a Java-only construct: better unchecked than wrongly rejected
        return None


def _java_length(text: str) -> int:
    # AWS counts String.length(), i.e. UTF-16 code units (an emoji counts 2).
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# Members whose text the engine checks itself, with AWS's own errors for it
# (InvalidExecutionInput, InvalidOutput, InvalidDefinition, InvalidName).
_ENGINE_CHECKED = frozenset({"input", "output", "definition", "name"})


def _valid_unicode(text: str) -> bool:
    """False for a string holding a lone UTF-16 surrogate (not a character: it cannot be
    stored or answered as UTF-8)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str) -> str:
    """``text`` for a message: a lone surrogate is shown as its ``\\uXXXX`` escape."""
    return text if _valid_unicode(text) else text.encode("utf-8", "backslashreplace").decode()


def _render(value: Any) -> str:
    if isinstance(value, str):
        return "'%s'" % printable(value)
    if isinstance(value, bool):
        return "'%s'" % str(value).lower()
    if isinstance(value, (int, float)):
        return "'%s'" % value
    return "'%s'" % json.dumps(value, separators=(",", ":"), default=str)


class _Validator:
    """Walks one request against its input shape, collecting every violation."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, value: Any, shape: Shape, constraint: str) -> None:
        # Sensitive members (definition, input, output, ...) never echo their value.
        shown = "" if shape.metadata.get("sensitive") else " " + _render(value)
        self.problems.append(
            "Value%s at '%s' failed to satisfy constraint: %s" % (shown, path, constraint)
        )

    def check(self, shape: Shape, value: Any, path: str) -> Any:
        """Returns the value cleaned for the engine (unknown structure members dropped)."""
        kind = shape.type_name
        handler = getattr(self, "_" + kind, None)
        if handler is None:
            return value
        return handler(shape, value, path)

    def _structure(self, shape, value, path):
        if not isinstance(value, dict):
            self.fail(path, value, shape, "Member must be a structure")
            return value
        clean = {}
        for name in shape.required_members:
            if value.get(name) is None:
                where = "%s.%s" % (path, name) if path else name
                self.problems.append(
                    "Value null at '%s' failed to satisfy constraint: Member must not be null"
                    % where
                )
        for name, member in shape.members.items():
            if value.get(name) is None:
                continue  # JSON null means "absent", as in AWS's JSON protocol
            where = "%s.%s" % (path, name) if path else name
            clean[name] = self.check(member, value[name], where)
        return clean

    def _list(self, shape, value, path):
        if not isinstance(value, list):
            self.fail(path, value, shape, "Member must be a list")
            return value
        self._length(shape, value, len(value), path)
        return [
            self.check(shape.member, item, "%s.%d.member" % (path, i))
            for i, item in enumerate(value, 1)
        ]

    def _map(self, shape, value, path):
        if not isinstance(value, dict):
            self.fail(path, value, shape, "Member must be a map")
            return value
        self._length(shape, value, len(value), path)
        return {
            self.check(shape.key, k, "%s.key" % path): self.check(
                shape.value, v, "%s.%s" % (path, k)
            )
            for k, v in value.items()
        }

    def _string(self, shape, value, path):
        if not isinstance(value, str):
            self.fail(path, value, shape, "Member must be a string")
            return value
        if not _valid_unicode(value) and path.rpartition(".")[2] not in _ENGINE_CHECKED:
            self.fail(path, value, shape, "Member must contain only valid Unicode characters")
            return value
        enum = shape.enum
        if enum and value not in enum:
            self.fail(
                path, value, shape, "Member must satisfy enum value set: [%s]" % ", ".join(enum)
            )
        self._length(shape, value, _java_length(value), path)
        pattern = shape.metadata.get("pattern")
        if pattern is not None:
            compiled = _compile(pattern)
            if compiled is not None and not compiled.fullmatch(value):
                self.fail(
                    path,
                    value,
                    shape,
                    "Member must satisfy regular expression pattern: %s" % pattern,
                )
        return value

    def _integer(self, shape, value, path):
        if not is_integer(value):
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # 10.0 is what some JSON encoders send for 10
            else:
                self.fail(path, value, shape, "Member must be an integer")
                return value
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            self.fail(
                path, value, shape, "Member must have value greater than or equal to %s" % low
            )
        if high is not None and value > high:
            self.fail(path, value, shape, "Member must have value less than or equal to %s" % high)
        return value

    _long = _integer

    def _boolean(self, shape, value, path):
        if not isinstance(value, bool):
            self.fail(path, value, shape, "Member must be a boolean")
        return value

    def _float(self, shape, value, path):
        if not is_number(value):
            self.fail(path, value, shape, "Member must be a number")
        return value

    _double = _float

    def _timestamp(self, shape, value, path):
        # The JSON protocol sends epoch seconds; ISO 8601 is accepted for curl users.
        if is_number(value):
            return datetime.fromtimestamp(value, tz=UTC)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
            else:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        self.fail(path, value, shape, "Member must be a timestamp")
        return value

    def _blob(self, shape, value, path):
        if isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except ValueError:
                pass
        self.fail(path, value, shape, "Member must be base64-encoded binary data")
        return value

    def _length(self, shape, value, length, path):
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and length < low:
            self.fail(
                path, value, shape, "Member must have length greater than or equal to %s" % low
            )
        if high is not None and length > high:
            self.fail(path, value, shape, "Member must have length less than or equal to %s" % high)


class RequestInvalid(ValueError):
    """The request does not satisfy the input shape; ``message`` is AWS's summary text."""

    def __init__(self, problems: list[str]) -> None:
        count = len(problems)
        self.problems = problems
        self.message = "%d validation error%s detected: %s" % (
            count,
            "" if count == 1 else "s",
            "; ".join(problems),
        )
        super().__init__(self.message)


def validate_request(op: OperationModel, params: dict) -> dict:
    """Checks ``params`` against the operation's input shape — required members, types,
    string length / pattern / enum, integer range — and returns them with unknown members
    dropped. Raises RequestInvalid listing every violation."""
    shape = op.input_shape
    if shape is None:
        return {}
    validator = _Validator()
    clean = validator.check(shape, params, "")
    if validator.problems:
        raise RequestInvalid(validator.problems)
    return clean


def call(engine: Any, operation_name: str, params: dict) -> dict:
    """Run one AWS operation on ``engine`` with the AWS protocol's own request validation
    (every front - AWS protocol, REST, console - checks requests the same way); raises
    RequestInvalid or the engine's ApiError."""
    op = operation(operation_name)
    clean = validate_request(op, params)
    return getattr(engine, method_name(operation_name))(clean) or {}


def epoch_seconds(value: datetime) -> float:
    """The JSON protocol's timestamp format: seconds since the epoch, as a number."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def iso_8601(value: datetime) -> str:
    """Timestamps for the REST facade: ISO 8601 in UTC with milliseconds."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def serialise(
    shape: Shape | None, value: Any, timestamp: Callable[[datetime], Any] = epoch_seconds
) -> Any:
    """Renders an engine response in the output shape: only the shape's members, no nulls,
    timestamps through ``timestamp`` (epoch seconds for the AWS protocol)."""
    if shape is None:
        return {}
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return {}
        out = {}
        for name, member in shape.members.items():
            item = value.get(name)
            if item is not None:
                out[member.serialization.get("name", name)] = serialise(member, item, timestamp)
        return out
    if kind == "list":
        return [serialise(shape.member, item, timestamp) for item in value]
    if kind == "map":
        return {k: serialise(shape.value, v, timestamp) for k, v in value.items()}
    if kind == "timestamp":
        if isinstance(value, datetime):
            return timestamp(value)
        return value
    if kind == "blob" and isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return value
