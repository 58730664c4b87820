"""Static validation of a state machine definition, as ValidateStateMachineDefinition does it.

AWS API reference, ValidateStateMachineDefinition: *"Validation will look for problems in your
state machine definition and return a result and a list of diagnostic elements."* -- and
CreateStateMachine rejects the same definitions with ``InvalidDefinition``.

The validator walks the **raw JSON** (before the typed tree is built) the way ``ast.NodeVisitor``
walks a syntax tree: one ``visit_<Type>`` method per state type, a table of the fields each state
type allows in each query language, and one small checker per field kind. It never stops at the
first problem: every diagnostic carries a JSON-pointer-like location (``/States/PlaceOrder/Retry/0``)
as AWS prints it (state names are not ``~``-escaped, exactly as AWS shows them).

Why no JSON-schema library: the rules that matter are not schema rules -- per-state query
language (inherited from the enclosing state, never JSONPath under a JSONata machine),
transitions between sibling states, reachability, ``States.ALL`` ordering, "exactly one of"
groups, path and intrinsic syntax -- and AWS's messages (``These fields are required: [States,
StartAt]``) name fields the way a hand-written walker does. A schema would cover only the easy
half and produce messages we would have to rewrite anyway.

Codes are AWS's (API reference, ValidateStateMachineDefinitionDiagnostic):
``SCHEMA_VALIDATION_FAILED``, ``MISSING_TRANSITION_TARGET``, ``MISSING_END_STATE``,
``DUPLICATE_STATE_NAME``, ``INVALID_STATE_NAME``, ``DUPLICATE_LABEL_NAME``, ``INVALID_LABEL_NAME``,
``INVALID_JSON_DESCRIPTION``, ``TOO_DEEPLY_NESTED`` and the warnings ``NO_DOLLAR``, ``NO_PATH`` and
``PASS_RESULT_IS_STATIC``. Messages recorded from AWS in the conformance corpus are reproduced to
the letter; the others follow the same phrasing.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from typing import Any

from orchestrator.asl import resources
from orchestrator.asl.errors import RETRY_CATCH_STATE_TYPES, Diagnostic
from orchestrator.asl.intrinsics import IntrinsicSyntaxError, compile_intrinsic
from orchestrator.asl.jsonata import JsonataSyntaxError, compile_expression, is_expression
from orchestrator.asl.jsontext import is_integer, is_number, json_type_name
from orchestrator.asl.model import JSONATA, JSONPATH, QUERY_LANGUAGES, children
from orchestrator.asl.paths import PathSyntaxError, compile_path, compile_reference_path
from orchestrator.asl.timestamps import is_timestamp

__all__ = ["validate", "format_invalid_definition", "validation_response"]

ERROR, WARNING = "ERROR", "WARNING"
SCHEMA = "SCHEMA_VALIDATION_FAILED"
MISSING_TARGET = "MISSING_TRANSITION_TARGET"
MISSING_END_STATE = "MISSING_END_STATE"
DUPLICATE_STATE_NAME = "DUPLICATE_STATE_NAME"
INVALID_STATE_NAME = "INVALID_STATE_NAME"
DUPLICATE_LABEL_NAME = "DUPLICATE_LABEL_NAME"
INVALID_LABEL_NAME = "INVALID_LABEL_NAME"
INVALID_JSON = "INVALID_JSON_DESCRIPTION"
TOO_DEEPLY_NESTED = "TOO_DEEPLY_NESTED"
NO_DOLLAR = "NO_DOLLAR"
NO_PATH = "NO_PATH"
PASS_RESULT_IS_STATIC = "PASS_RESULT_IS_STATIC"

STATE_TYPES = ("Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map")
# Service quotas: "Maximum ... 99999999" for TimeoutSeconds/HeartbeatSeconds/Wait Seconds/retry
# fields; MaxDelaySeconds is capped at one year (31622400 s) in the Retry documentation.
_MAX_SECONDS = 99999999
_MAX_DELAY_SECONDS = 31622400
_MAX_NAME_LENGTH = 80  # "State names ... must be 1-80 characters" (States)
_MAX_LABEL_LENGTH = 40  # Map "Label": "up to 40 characters"
_MAX_NESTING = 100  # defensive bound; AWS reports TOO_DEEPLY_NESTED past its own limit

# --------------------------------------------------------------------------------------------
# Field tables.  For every state type: fields allowed in both query languages, JSONPath-only
# fields and JSONata-only fields (developer guide, each state's page and "Transforming data with
# JSONata": "Arguments and Output fields replace ... InputPath, Parameters, ResultSelector,
# ResultPath, and OutputPath", "Path versions of fields are not supported").
# --------------------------------------------------------------------------------------------
_COMMON = frozenset({"Type", "Comment", "QueryLanguage"})
_FLOW = frozenset({"Next", "End"})
_IO = frozenset({"InputPath", "OutputPath"})

_STATE_FIELDS: dict[str, tuple[frozenset, frozenset, frozenset]] = {
    # type: (both languages, JSONPath only, JSONata only)
    "Pass": (
        _COMMON | _FLOW | {"Assign"},
        _IO | {"Parameters", "ResultPath", "Result"},
        frozenset({"Output"}),
    ),
    "Task": (
        _COMMON
        | _FLOW
        | {
            "Assign",
            "Resource",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "HeartbeatSeconds",
            "Credentials",
        },
        _IO
        | {
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "TimeoutSecondsPath",
            "HeartbeatSecondsPath",
        },
        frozenset({"Arguments", "Output"}),
    ),
    "Choice": (_COMMON | {"Choices", "Default", "Assign"}, _IO, frozenset({"Output"})),
    "Wait": (
        _COMMON | _FLOW | {"Assign", "Seconds", "Timestamp"},
        _IO | {"SecondsPath", "TimestampPath"},
        frozenset({"Output"}),
    ),
    "Succeed": (_COMMON, _IO, frozenset({"Output"})),
    "Fail": (_COMMON | {"Error", "Cause"}, frozenset({"ErrorPath", "CausePath"}), frozenset()),
    "Parallel": (
        _COMMON | _FLOW | {"Assign", "Branches", "Retry", "Catch"},
        _IO | {"Parameters", "ResultSelector", "ResultPath"},
        frozenset({"Arguments", "Output"}),
    ),
    "Map": (
        _COMMON
        | _FLOW
        | {
            "Assign",
            "ItemProcessor",
            "Iterator",
            "ItemSelector",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "ToleratedFailureCount",
            "ToleratedFailurePercentage",
            "Label",
            "Retry",
            "Catch",
        },
        _IO
        | {
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "ItemsPath",
            "MaxConcurrencyPath",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentagePath",
        },
        frozenset({"Items", "Output"}),
    ),
}

# Pairs where a literal and its ...Path form exclude each other ("only one of").
_EXCLUSIVE = (
    ("TimeoutSeconds", "TimeoutSecondsPath"),
    ("HeartbeatSeconds", "HeartbeatSecondsPath"),
    ("Error", "ErrorPath"),
    ("Cause", "CausePath"),
    ("MaxConcurrency", "MaxConcurrencyPath"),
    ("ToleratedFailureCount", "ToleratedFailureCountPath"),
    ("ToleratedFailurePercentage", "ToleratedFailurePercentagePath"),
)

_RETRIER_FIELDS = frozenset(
    {
        "ErrorEquals",
        "IntervalSeconds",
        "MaxAttempts",
        "BackoffRate",
        "MaxDelaySeconds",
        "JitterStrategy",
        "Comment",
    }
)
_CATCHER_FIELDS = {
    JSONPATH: frozenset({"ErrorEquals", "Next", "ResultPath", "Assign", "Comment"}),
    JSONATA: frozenset({"ErrorEquals", "Next", "Output", "Assign", "Comment"}),
}

# Choice comparators and the JSON type of their literal operand.
_COMPARATORS: dict[str, str] = {}
for _op in ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"):
    _COMPARATORS["String" + _op] = "string"
    _COMPARATORS["Numeric" + _op] = "number"
    _COMPARATORS["Timestamp" + _op] = "timestamp"
    for _family in ("String", "Numeric", "Timestamp"):
        _COMPARATORS[_family + _op + "Path"] = "path"
_COMPARATORS.update(
    {
        "BooleanEquals": "boolean",
        "BooleanEqualsPath": "path",
        "StringMatches": "string",
        "IsNull": "boolean",
        "IsPresent": "boolean",
        "IsNumeric": "boolean",
        "IsString": "boolean",
        "IsBoolean": "boolean",
        "IsTimestamp": "boolean",
    }
)
_LOGICAL = ("And", "Or", "Not")

_VARIABLE_PATH = re.compile(r"\$(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<rest>.*)\Z", re.S)
_LABEL_FORBIDDEN = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")
_SEVERITY_RANK = {ERROR: 0, WARNING: 1}


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def validate(definition: dict | str, *, machine_type: str = "STANDARD") -> list[Diagnostic]:
    """Every problem of ``definition`` (a parsed dict or the JSON text), ERRORs and WARNINGs,
    in document order. ``machine_type`` is ``STANDARD`` or ``EXPRESS`` (ValidateStateMachineDefinition
    ``type``): *"Express state machine does not support '.sync' service integration"*."""
    try:
        if isinstance(definition, str):
            definition, diags = _parse_text(definition)
            if definition is None:
                return diags
        else:
            diags = []
        if not isinstance(definition, dict):
            return diags + [Diagnostic(ERROR, SCHEMA, "Definition must be a valid JSON object")]
        walker = _Validator(machine_type)
        walker.diags.extend(diags)
        walker.visit_root(definition)
        return walker.diags
    except RecursionError:
        # JSON nested deeper than Python's stack (json.loads and the walk both recurse).
        return [Diagnostic(ERROR, TOO_DEEPLY_NESTED, "The states are too deeply nested")]


def format_invalid_definition(diags: list[Diagnostic]) -> str:
    """The CreateStateMachine ``InvalidDefinition`` message: every ERROR as ``CODE: message at
    location``, joined by ``", "``, e.g. ``Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET:
    Missing 'Next' target: pass3 at /States/pass1/Next, MISSING_TRANSITION_TARGET: State "pass2"
    is not reachable. at /States/pass2'``."""
    parts = [
        f"{d.code}: {d.message}" + (f" at {d.location}" if d.location else "")
        for d in diags
        if d.severity == ERROR
    ]
    return "Invalid State Machine Definition: '" + ", ".join(parts) + "'"


def validation_response(
    definition: dict | str,
    *,
    machine_type: str = "STANDARD",
    severity: str = ERROR,
    max_results: int = 100,
) -> dict:
    """The ValidateStateMachineDefinition response: ``result`` is ``FAIL`` when any ERROR exists;
    ``diagnostics`` holds those at least as severe as ``severity`` (the API's default is ERROR),
    at most ``max_results`` of them (0 means the API default, 100), with ``truncated`` set when
    some were left out."""
    diags = validate(definition, machine_type=machine_type)
    limit = _SEVERITY_RANK.get(severity, 0)
    shown = [d for d in diags if _SEVERITY_RANK.get(d.severity, 0) <= limit]
    max_results = max_results or 100
    return {
        "result": "FAIL" if any(d.severity == ERROR for d in diags) else "OK",
        "diagnostics": [_diag_dict(d) for d in shown[:max_results]],
        "truncated": len(shown) > max_results,
    }


def _diag_dict(d: Diagnostic) -> dict:
    out = {"severity": d.severity, "code": d.code, "message": d.message}
    if d.location:
        out["location"] = d.location
    return out


# --------------------------------------------------------------------------------------------
# JSON text
# --------------------------------------------------------------------------------------------
class _Object(dict):
    """A parsed JSON object that remembers keys it saw twice (json.loads keeps the last)."""

    duplicates: tuple = ()


def _pairs(pairs: list) -> dict:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen, dups = set(), []
        for key, _ in pairs:
            if key in seen and key not in dups:
                dups.append(key)
            seen.add(key)
        obj.duplicates = tuple(dups)
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Non-standard token '{name}'")


def _parse_text(text: str) -> tuple[Any, list[Diagnostic]]:
    """json.loads with AWS's (Jackson's) diagnostics: blank text is "not a valid JSON object",
    a bad token is reported as Jackson reports it, with its ``[Source: ...]`` location."""
    if not text.strip():
        return None, [Diagnostic(ERROR, SCHEMA, "Definition must be a valid JSON object")]
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_reject_constant), []
    except json.JSONDecodeError as exc:
        message, end = _jackson_message(text, exc.pos, exc.msg)
    except ValueError as exc:  # NaN / Infinity: JSON has no such tokens
        message, end = str(exc), len(text)
    where = _jackson_location(text, end)
    return None, [Diagnostic(ERROR, INVALID_JSON, f"{message}\n at {where}", where)]


_VALUE_EXPECTED = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
# Python's json messages -> the text Jackson (which AWS parses definitions with) prints after
# "Unexpected character ('x' (code N)): ".
_JACKSON_EXPECTING = {
    "Expecting ':' delimiter": "was expecting a colon to separate field name and value",
    "Expecting property name enclosed in double quotes": "was expecting double-quote to start field name",
    "Expecting value": "expected a valid value " + _VALUE_EXPECTED,
}


def _jackson_message(text: str, pos: int, python_msg: str) -> tuple[str, int]:
    """Jackson's wording for the first syntax error, and the offset just after what it read
    (Jackson's column points there: ``not a definition`` fails at column 4)."""
    if python_msg.startswith("Unterminated string"):
        return (
            "Unexpected end-of-input: was expecting closing quote for a string value",
            len(text),
        )
    if python_msg.startswith("Invalid control character"):
        return (
            f"Illegal unquoted character ((CTRL-CHAR, code {ord(text[pos])})): has to be "
            "escaped using backslash to be included in string value"
        ), pos + 1
    if pos < len(text) and (text[pos].isalpha() or text[pos] in "_$"):
        # A bare word is read as one token ("not", "tru") and named whole.
        end = pos
        while end < len(text) and (text[end].isalnum() or text[end] in "_$") and end - pos < 256:
            end += 1
        return f"Unrecognized token '{text[pos:end]}': was expecting {_VALUE_EXPECTED}", end
    open_kind, open_at = _innermost_container(text, pos)
    if pos >= len(text) or not text[pos:].strip():
        if open_kind is None:
            return "No content to map due to end-of-input", len(text)
        return (
            f"Unexpected end-of-input: expected close marker for {open_kind} (start marker at "
            f"{_jackson_location(text, open_at + 1)})"
        ), len(text)
    expecting = _JACKSON_EXPECTING.get(python_msg)
    if python_msg == "Expecting ',' delimiter":
        expecting = f"was expecting comma to separate {open_kind or 'Object'} entries"
    return (
        f"Unexpected character ('{text[pos]}' (code {ord(text[pos])})): {expecting or python_msg}"
    ), pos + 1


def _innermost_container(text: str, pos: int) -> tuple[str | None, int]:
    """("Object" | "Array" | None, offset of its opening bracket) enclosing ``pos``."""
    stack: list[tuple[str, int]] = []
    in_string = escaped = False
    for i, c in enumerate(text[:pos]):
        if in_string:
            escaped, in_string = (False, True) if escaped else (c == "\\", c != '"')
        elif c == '"':
            in_string = True
        elif c in "{[":
            stack.append(("Object" if c == "{" else "Array", i))
        elif c in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else (None, 0)


def _jackson_location(text: str, end: int) -> str:
    """Jackson's ``[Source: (String)"..."; line: L, column: C]`` (source cut at 500 chars)."""
    line = text.count("\n", 0, end) + 1
    column = end - (text.rfind("\n", 0, end) + 1) + 1
    source = (
        f'"{text}"' if len(text) <= 500 else f'"{text[:500]}"[truncated {len(text) - 500} chars]'
    )
    return f"[Source: (String){source}; line: {line}, column: {column}]"


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------
def _kind(value: Any) -> str:
    """Jackson's node type, as AWS's messages spell it (``INTEGER``, ``OBJECT``, ...)."""
    return json_type_name(value, integer=True).upper()


def _join(location: str, field: str | int) -> str:
    return f"{location}/{field}" if location != "/" else f"/{field}"


def _fields(names) -> str:
    return "[" + ", ".join(names) + "]"


def _is_variable_name(name: str) -> bool:
    """Variables: *"names must start with a letter or underscore, contain letters, digits and
    underscores, up to 80 characters"*; ``states`` is reserved for JSONata's ``$states``."""
    return name.isidentifier() and len(name) <= _MAX_NAME_LENGTH and name != "states"


def _split_variable(text: str) -> tuple[str | None, str]:
    """``$order.total`` -> (``order``, ``$.total``); a JSONPath (``$``, ``$.x``, ``$[0]``, ``$$..``)
    -> (None, text). Variables are referenced from JSONPath as ``$name`` (developer guide,
    "Passing data between states with variables")."""
    match = _VARIABLE_PATH.match(text)
    if match is None:
        return None, text
    return match["name"], "$" + match["rest"]


def _path_error(
    text: Any, *, reference: bool, context: bool = True, variables: bool = True
) -> str | None:
    """None when ``text`` is a valid Path (``reference``: Reference Path), else the reason."""
    if not isinstance(text, str):
        return f"must be a STRING but was {_kind(text)}"
    variable, path_text = _split_variable(text)
    if variable is not None and not variables:
        return "cannot reference a variable"
    if path_text.startswith("$$") and not context:
        return "cannot address the context object"
    try:
        if reference:
            compile_reference_path(path_text, allow_context=context)
        else:
            compile_path(path_text)
    except PathSyntaxError as exc:
        return getattr(exc, "reason", str(exc))
    return None


# --------------------------------------------------------------------------------------------
# The walker
# --------------------------------------------------------------------------------------------
class _Validator:
    """Collects diagnostics while visiting the definition; one instance per validate() call."""

    def __init__(self, machine_type: str) -> None:
        self.diags: list[Diagnostic] = []
        self.express = str(machine_type).upper() == "EXPRESS"
        self.top_language = JSONPATH
        self.state_names: set[str] = set()
        self.labels: set[str] = set()
        # The $states fields beyond input/context that the field being visited may read (see
        # _STATES_SCOPED); set only around the Output/Assign fields that allow one.
        self.states_scope: frozenset = frozenset()

    # -- reporting --------------------------------------------------------------------------
    def error(self, message: str, location: str, code: str = SCHEMA) -> None:
        self.diags.append(Diagnostic(ERROR, code, message, location))

    def warning(self, code: str, message: str, location: str) -> None:
        self.diags.append(Diagnostic(WARNING, code, message, location))

    def wrong_type(self, field: str, expected: str, value: Any, location: str) -> None:
        self.error(
            f"The value for the field '{field}' must be {expected} but was {_kind(value)}", location
        )

    def no_path(self, field: str, location: str) -> None:
        self.warning(
            NO_PATH,
            f"The value of the field '{field}' looks like a path, but the field "
            "name does not end with 'Path'",
            location,
        )

    def duplicates(self, obj: dict, location: str) -> None:
        for key in getattr(obj, "duplicates", ()):
            self.error(f"Duplicate field '{key}'", _join(location, key))

    # -- machine and scopes -----------------------------------------------------------------
    def visit_root(self, machine: dict) -> None:
        language = machine.get("QueryLanguage", JSONPATH)
        if language in QUERY_LANGUAGES:
            self.top_language = language
        self.visit_machine(machine, "/", self.top_language, root=True, depth=0)

    def visit_machine(
        self,
        machine: dict,
        location: str,
        language: str,
        *,
        root: bool,
        depth: int,
        extra: frozenset = frozenset(),
    ) -> None:
        """A state machine or a nested one (Parallel branch, Map ItemProcessor/Iterator).

        "Structure": *"StartAt (Required) ... States (Required) ... Comment, QueryLanguage,
        TimeoutSeconds, Version (Optional)"*; branches and processors hold StartAt, States, Comment."""
        if depth > _MAX_NESTING:
            self.error("The states are too deeply nested", location, TOO_DEEPLY_NESTED)
            return
        self.duplicates(machine, location)
        missing = [f for f in ("States", "StartAt") if f not in machine]
        if missing:
            self.error(f"These fields are required: {_fields(missing)}", location)
        allowed = {"StartAt", "States", "Comment"} | extra
        if root:
            allowed |= {"QueryLanguage", "TimeoutSeconds", "Version"}
        for key in machine:
            if key not in allowed:
                self.error(
                    f"The field '{key}' is not supported by Step Functions", _join(location, key)
                )
        self.optional_string(machine, "Comment", location)
        self.optional_string(machine, "StartAt", location)
        if root:
            self.optional_string(machine, "Version", location)
            if "QueryLanguage" in machine:
                self.query_language(machine["QueryLanguage"], _join(location, "QueryLanguage"))
            if "TimeoutSeconds" in machine:
                self.integer(
                    machine["TimeoutSeconds"],
                    "TimeoutSeconds",
                    _join(location, "TimeoutSeconds"),
                    1,
                    _MAX_SECONDS,
                    JSONPATH,
                )
        states = machine.get("States")
        if "States" in machine and not isinstance(states, dict):
            self.wrong_type("States", "an OBJECT", states, _join(location, "States"))
            return
        if states is None:
            return
        states_location = _join(location, "States")
        self.duplicates_in_states(states, states_location)
        if not states:
            self.error("The field 'States' should be non-empty", states_location)
        for name, state in states.items():
            self.visit_state(name, state, _join(states_location, name), language, depth)
        self.check_transitions(machine, states, location)

    def duplicates_in_states(self, states: dict, location: str) -> None:
        for key in getattr(states, "duplicates", ()):
            self.error(f"Duplicate State name: '{key}'", _join(location, key), DUPLICATE_STATE_NAME)

    def check_transitions(self, machine: dict, states: dict, location: str) -> None:
        """Next targets exist in the same scope, every state is reachable from StartAt and the
        scope can end. (Error codes MISSING_TRANSITION_TARGET, MISSING_END_STATE.)"""
        edges: dict[str, list[str]] = {}
        for name, state in states.items():
            if not isinstance(state, dict):
                continue
            state_location = _join(_join(location, "States"), name)
            targets = edges.setdefault(name, [])
            for field_location, field, target in _transitions(state, state_location):
                if not isinstance(target, str):
                    continue
                if target in states:
                    targets.append(target)
                else:
                    self.error(
                        f"Missing '{field}' target: {target}", field_location, MISSING_TARGET
                    )
        start = machine.get("StartAt")
        if not isinstance(start, str) or not states:
            return
        if start not in states:
            self.error(
                f"Missing 'StartAt' target: {start}", _join(location, "StartAt"), MISSING_TARGET
            )
            return
        reached, todo = {start}, [start]
        while todo:
            for target in edges.get(todo.pop(), ()):
                if target not in reached:
                    reached.add(target)
                    todo.append(target)
        for name in states:
            if name not in reached:
                self.error(
                    f'State "{name}" is not reachable.',
                    _join(_join(location, "States"), name),
                    MISSING_TARGET,
                )
        # Judged only when every state has a known shape; a malformed state already has its error.
        typed = all(isinstance(s, dict) and s.get("Type") in STATE_TYPES for s in states.values())
        if typed and not any(_is_terminal(s) for s in states.values()):
            self.error("The workflow does not have a terminal state", location, MISSING_END_STATE)

    # -- states -----------------------------------------------------------------------------
    def visit_state(self, name: str, state: Any, location: str, inherited: str, depth: int) -> None:
        if not 1 <= len(name) <= _MAX_NAME_LENGTH:
            self.error(
                f"State name '{name}' must be between 1 and {_MAX_NAME_LENGTH} characters long",
                location,
                INVALID_STATE_NAME,
            )
        if name in self.state_names:
            self.error(f"Duplicate State name: '{name}'", location, DUPLICATE_STATE_NAME)
        self.state_names.add(name)
        if not isinstance(state, dict):
            self.wrong_type(name, "an OBJECT", state, location)
            return
        self.duplicates(state, location)
        state_type = state.get("Type")
        if "Type" not in state:
            self.error("These fields are required: [Type]", location)
            return
        if state_type not in STATE_TYPES:
            self.error(
                f"The field 'Type' should have one of these values: {_fields(STATE_TYPES)}",
                _join(location, "Type"),
            )
            return
        language = inherited
        if "QueryLanguage" in state:
            declared = state["QueryLanguage"]
            if self.query_language(declared, _join(location, "QueryLanguage")):
                # "You cannot revert a top-level JSONata-based state machine to a mix of JSONata
                # and JSONPath states."
                if self.top_language == JSONATA and declared == JSONPATH:
                    self.error(
                        "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for "
                        "whole state machine",
                        location,
                    )
                language = declared
        both, path_only, jsonata_only = _STATE_FIELDS[state_type]
        own, other = (
            (path_only, jsonata_only) if language == JSONPATH else (jsonata_only, path_only)
        )
        self.unknown_fields(state, both | own, location, other=other, language=language)
        self.optional_string(state, "Comment", location)
        for literal, path in _EXCLUSIVE:
            if literal in state and path in state:
                self.error(f"Only one of these fields may be set: [{literal}, {path}]", location)
        if state_type not in ("Choice", "Succeed", "Fail"):
            self.check_next_end(state, location)
        if language == JSONPATH:
            for field in ("InputPath", "OutputPath"):
                if field in state and state[field] is not None:
                    self.path_field(state[field], field, _join(location, field), reference=False)
            if "ResultPath" in state and state["ResultPath"] is not None:
                self.path_field(
                    state["ResultPath"],
                    "ResultPath",
                    _join(location, "ResultPath"),
                    reference=True,
                    context=False,
                    variables=False,
                )
            for field in ("Parameters", "ResultSelector"):
                if field in state and (state_type != "Map" or field == "ResultSelector"):
                    self.template(state[field], field, _join(location, field), object_only=True)
        else:
            if "Arguments" in state:
                self.jsonata_value(state["Arguments"], _join(location, "Arguments"))
            if "Output" in state:
                with self.scoped(_RESULT_SCOPE if state_type in _RESULT_STATES else frozenset()):
                    self.jsonata_value(state["Output"], _join(location, "Output"))
        if "Assign" in state:
            with self.scoped(_RESULT_SCOPE if state_type in _RESULT_STATES else frozenset()):
                self.assign(state["Assign"], _join(location, "Assign"), language)
        getattr(self, "visit_" + state_type)(state, location, language, depth)

    def check_next_end(self, state: dict, location: str) -> None:
        """Common state fields: *"Only one of Next or End can be used in a state"*, and a
        non-terminal state needs one of them."""
        has_next, end = "Next" in state, state.get("End")
        if "Next" in state:
            self.optional_string(state, "Next", location)
        if "End" in state and not isinstance(end, bool):
            self.wrong_type("End", "a BOOLEAN", end, _join(location, "End"))
        if has_next and "End" in state:
            self.error("Only one of these fields may be set: [Next, End]", location)
        elif not has_next and end is not True:
            self.error("One of these fields is required: [Next, End]", location)

    def visit_Pass(self, state: dict, location: str, language: str, depth: int) -> None:
        result = state.get("Result")
        if language == JSONPATH and "Result" in state and _result_looks_dynamic(result):
            self.warning(
                PASS_RESULT_IS_STATIC,
                "Attempt to use a path in the result of a pass state.",
                _join(location, "Result"),
            )

    def visit_Task(self, state: dict, location: str, language: str, depth: int) -> None:
        if "Resource" not in state:
            self.error("These fields are required: [Resource]", location)
        else:
            self.resource(state["Resource"], _join(location, "Resource"), language)
        timeout = self.seconds_field(state, "TimeoutSeconds", location, language, 1)
        heartbeat = self.seconds_field(state, "HeartbeatSeconds", location, language, 1)
        if is_integer(timeout) and is_integer(heartbeat) and heartbeat >= timeout:
            self.error(
                "The value for the field 'HeartbeatSeconds' must be smaller than the value "
                "for the field 'TimeoutSeconds'",
                _join(location, "HeartbeatSeconds"),
            )
        if "Credentials" in state:
            self.credentials(state["Credentials"], _join(location, "Credentials"), language)
        self.retry_catch(state, location, language)

    def visit_Choice(self, state: dict, location: str, language: str, depth: int) -> None:
        """Choice: *"Choices (Required) ... must be a non-empty array"*; *"Choice states don't
        support the End field. In addition, they use Next only inside their Choices field."*"""
        self.optional_string(state, "Default", location)
        choices, where = self.required_array(state, "Choices", location)
        for i, rule in enumerate(choices):
            self.choice_rule(rule, _join(where, i), language, top=True)

    def visit_Wait(self, state: dict, location: str, language: str, depth: int) -> None:
        """Wait: exactly one of Seconds, SecondsPath, Timestamp, TimestampPath."""
        present = [
            f for f in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if f in state
        ]
        if len(present) != 1:
            self.error(
                "Exactly one of these fields must be set: "
                "[Seconds, SecondsPath, Timestamp, TimestampPath]",
                location,
            )
        self.seconds_field(state, "Seconds", location, language, 0)
        if "Timestamp" in state:
            value, where = state["Timestamp"], _join(location, "Timestamp")
            if language == JSONATA and is_expression(value):
                self.jsonata_value(value, where)
            elif not isinstance(value, str):
                self.wrong_type("Timestamp", "a STRING", value, where)
            elif not is_timestamp(value):
                self.error("String does not match RFC3339 timestamp", where)
        if "TimestampPath" in state:
            self.path_field(
                state["TimestampPath"],
                "TimestampPath",
                _join(location, "TimestampPath"),
                reference=True,
            )

    def visit_Succeed(self, state: dict, location: str, language: str, depth: int) -> None:
        """Succeed: a terminal state with no Next/End (the field table rejects them)."""

    def visit_Fail(self, state: dict, location: str, language: str, depth: int) -> None:
        """Fail: Error/ErrorPath and Cause/CausePath are each mutually exclusive (checked with the
        other pairs); the ...Path forms take a reference path or an intrinsic function."""
        for field in ("Error", "Cause"):
            if field in state:
                value, where = state[field], _join(location, field)
                if not isinstance(value, str):
                    self.wrong_type(field, "a STRING", value, where)
                elif language == JSONATA:
                    self.jsonata_value(value, where)
                elif _looks_dynamic(value):
                    self.no_path(field, where)
            path_field = field + "Path"
            if path_field in state:
                value = state[path_field]
                if isinstance(value, str) and value.startswith("States."):
                    self.intrinsic(value, path_field, _join(location, path_field))
                else:
                    self.path_field(value, path_field, _join(location, path_field), reference=True)

    def visit_Parallel(self, state: dict, location: str, language: str, depth: int) -> None:
        """Parallel: *"Branches (Required): An array of objects that specifies state machines to
        execute in parallel."*"""
        self.required_array(state, "Branches", location)
        for field, index, branch in children(state):
            self.nested_machine(branch, field, f"{_join(location, field)}/{index}", language, depth)
        self.retry_catch(state, location, language)

    def visit_Map(self, state: dict, location: str, language: str, depth: int) -> None:
        """Map: ItemProcessor (or the older Iterator), ProcessorConfig Mode INLINE|DISTRIBUTED,
        ItemsPath/Items, ItemSelector (or the older Parameters), MaxConcurrency(Path),
        ToleratedFailureCount/Percentage(Path), Label, ItemReader, ItemBatcher, ResultWriter."""
        processor_fields = [f for f in ("ItemProcessor", "Iterator") if f in state]
        mode = "INLINE"
        if not processor_fields:
            self.error("These fields are required: [ItemProcessor]", location)
        elif len(processor_fields) == 2:
            self.error("Only one of these fields may be set: [ItemProcessor, Iterator]", location)
        for field, _, processor in children(state):
            where = _join(location, field)
            if isinstance(processor, dict) and "ProcessorConfig" in processor:
                mode = (
                    self.processor_config(
                        processor["ProcessorConfig"], _join(where, "ProcessorConfig")
                    )
                    or mode
                )
            self.nested_machine(
                processor, field, where, language, depth, extra=frozenset({"ProcessorConfig"})
            )
        if "ItemSelector" in state and "Parameters" in state:
            self.error("Only one of these fields may be set: [ItemSelector, Parameters]", location)
        if language == JSONPATH:
            for field in ("ItemSelector", "Parameters"):
                if field in state:
                    self.template(state[field], field, _join(location, field), object_only=True)
            if "ItemsPath" in state:
                self.path_field(
                    state["ItemsPath"], "ItemsPath", _join(location, "ItemsPath"), reference=True
                )
            for field in (
                "MaxConcurrencyPath",
                "ToleratedFailureCountPath",
                "ToleratedFailurePercentagePath",
            ):
                if field in state:
                    self.path_field(state[field], field, _join(location, field), reference=True)
        else:
            if "ItemSelector" in state:
                value, where = state["ItemSelector"], _join(location, "ItemSelector")
                if not isinstance(value, dict) and not is_expression(value):
                    self.wrong_type("ItemSelector", "an OBJECT", value, where)
                self.jsonata_value(value, where)
            if "Items" in state:
                value, where = state["Items"], _join(location, "Items")
                if not isinstance(value, list) and not is_expression(value):
                    self.wrong_type("Items", "an ARRAY or a JSONata expression", value, where)
                self.jsonata_value(value, where)
        self.int_or_expression(state, "MaxConcurrency", location, language, 0, None)
        self.int_or_expression(state, "ToleratedFailureCount", location, language, 0, None)
        if "ToleratedFailurePercentage" in state:
            value, where = (
                state["ToleratedFailurePercentage"],
                _join(location, "ToleratedFailurePercentage"),
            )
            if language == JSONATA and is_expression(value):
                pass
            elif not is_number(value):
                self.wrong_type(
                    "ToleratedFailurePercentage",
                    "a NUMBER" if language == JSONPATH else "a NUMBER or a JSONata expression",
                    value,
                    where,
                )
            elif not 0 <= value <= 100:
                self.error(
                    "The value for the field 'ToleratedFailurePercentage' must be between "
                    "0 and 100",
                    where,
                )
        if "Label" in state:
            self.label(state["Label"], _join(location, "Label"))
        distributed_only = [f for f in ("ItemReader", "ItemBatcher", "ResultWriter") if f in state]
        if mode != "DISTRIBUTED":
            for field in distributed_only:
                self.error(
                    f"The field '{field}' is only supported when 'Mode' is 'DISTRIBUTED'",
                    _join(location, field),
                )
        if "ItemReader" in state:
            self.item_reader(state["ItemReader"], _join(location, "ItemReader"), language)
        if "ItemBatcher" in state:
            self.item_batcher(state["ItemBatcher"], _join(location, "ItemBatcher"), language)
        if "ResultWriter" in state:
            self.result_writer(state["ResultWriter"], _join(location, "ResultWriter"), language)
        self.retry_catch(state, location, language)

    def nested_machine(
        self,
        machine: Any,
        field: str,
        location: str,
        language: str,
        depth: int,
        extra: frozenset = frozenset(),
    ) -> None:
        if not isinstance(machine, dict):
            self.wrong_type(field, "an OBJECT", machine, location)
            return
        self.visit_machine(machine, location, language, root=False, depth=depth + 1, extra=extra)

    # -- Map parts --------------------------------------------------------------------------
    def processor_config(self, config: Any, location: str) -> str | None:
        """ProcessorConfig: *"Mode: INLINE | DISTRIBUTED ... ExecutionType (required for
        DISTRIBUTED): STANDARD | EXPRESS"*. Returns the mode."""
        if not isinstance(config, dict):
            self.wrong_type("ProcessorConfig", "an OBJECT", config, location)
            return None
        self.unknown_fields(config, {"Mode", "ExecutionType"}, location)
        mode = config.get("Mode", "INLINE")
        if mode not in ("INLINE", "DISTRIBUTED"):
            self.error(
                "The field 'Mode' should have one of these values: [INLINE, DISTRIBUTED]",
                _join(location, "Mode"),
            )
            return None
        if "ExecutionType" in config:
            if config["ExecutionType"] not in ("STANDARD", "EXPRESS"):
                self.error(
                    "The field 'ExecutionType' should have one of these values: "
                    "[STANDARD, EXPRESS]",
                    _join(location, "ExecutionType"),
                )
        elif mode == "DISTRIBUTED":
            self.error("The field 'ExecutionType' is required but was missing", location)
        return mode

    def label(self, label: Any, location: str) -> None:
        """Map Label: *"up to 40 characters ... unique across all Map states"*, no whitespace or
        special characters (the same set as state machine names)."""
        if not isinstance(label, str):
            self.wrong_type("Label", "a STRING", label, location)
            return
        if not 1 <= len(label) <= _MAX_LABEL_LENGTH or _LABEL_FORBIDDEN.search(label):
            self.error(f"Label '{label}' is not a valid label name", location, INVALID_LABEL_NAME)
        if label in self.labels:
            self.error(f"Duplicate label name: '{label}'", location, DUPLICATE_LABEL_NAME)
        self.labels.add(label)

    def item_reader(self, reader: Any, location: str, language: str) -> None:
        """ItemReader: Resource (required), Parameters/Arguments, ReaderConfig {InputType,
        CSVHeaderLocation, CSVHeaders, CSVDelimiter, MaxItems, MaxItemsPath, ...}."""
        if not isinstance(reader, dict):
            self.wrong_type("ItemReader", "an OBJECT", reader, location)
            return
        args = "Parameters" if language == JSONPATH else "Arguments"
        self.unknown_fields(reader, {"Resource", args, "ReaderConfig"}, location)
        self.required_string(reader, "Resource", location)
        self.payload(reader, args, location, language)
        if "ReaderConfig" in reader:
            config, where = reader["ReaderConfig"], _join(location, "ReaderConfig")
            if not isinstance(config, dict):
                self.wrong_type("ReaderConfig", "an OBJECT", config, where)
                return
            allowed = {
                "InputType",
                "CSVHeaderLocation",
                "CSVHeaders",
                "CSVDelimiter",
                "MaxItems",
                "ManifestType",
                "Transformation",
            }
            if language == JSONPATH:
                allowed.add("MaxItemsPath")
            self.unknown_fields(config, allowed, where)
            self.enum(config, "InputType", ("CSV", "JSON", "JSONL", "MANIFEST", "PARQUET"), where)
            self.enum(config, "CSVHeaderLocation", ("FIRST_ROW", "GIVEN"), where)
            self.enum(config, "CSVDelimiter", ("COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"), where)
            if "CSVHeaders" in config:
                headers = config["CSVHeaders"]
                if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
                    self.wrong_type(
                        "CSVHeaders", "an ARRAY of STRING", headers, _join(where, "CSVHeaders")
                    )
            if config.get("CSVHeaderLocation") == "GIVEN" and "CSVHeaders" not in config:
                self.error("The field 'CSVHeaders' is required but was missing", where)
            self.int_or_expression(config, "MaxItems", where, language, 0, 100_000_000)
            if "MaxItemsPath" in config:
                self.path_field(
                    config["MaxItemsPath"],
                    "MaxItemsPath",
                    _join(where, "MaxItemsPath"),
                    reference=True,
                )

    def item_batcher(self, batcher: Any, location: str, language: str) -> None:
        """ItemBatcher: MaxItemsPerBatch(Path), MaxInputBytesPerBatch(Path) (at most 256 KiB),
        BatchInput."""
        if not isinstance(batcher, dict):
            self.wrong_type("ItemBatcher", "an OBJECT", batcher, location)
            return
        allowed = {"MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"}
        if language == JSONPATH:
            allowed |= {"MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"}
        self.unknown_fields(batcher, allowed, location)
        self.int_or_expression(batcher, "MaxItemsPerBatch", location, language, 1, None)
        self.int_or_expression(batcher, "MaxInputBytesPerBatch", location, language, 1, 262144)
        for field in ("MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"):
            if field in batcher:
                self.path_field(batcher[field], field, _join(location, field), reference=True)
        for literal in ("MaxItemsPerBatch", "MaxInputBytesPerBatch"):
            if literal in batcher and literal + "Path" in batcher:
                self.error(
                    f"Only one of these fields may be set: [{literal}, {literal}Path]", location
                )
        if "BatchInput" in batcher:
            if language == JSONPATH:
                self.template(
                    batcher["BatchInput"],
                    "BatchInput",
                    _join(location, "BatchInput"),
                    object_only=True,
                )
            else:
                self.jsonata_value(batcher["BatchInput"], _join(location, "BatchInput"))

    def result_writer(self, writer: Any, location: str, language: str) -> None:
        """ResultWriter: Resource, Parameters/Arguments, WriterConfig {OutputType, Transformation}."""
        if not isinstance(writer, dict):
            self.wrong_type("ResultWriter", "an OBJECT", writer, location)
            return
        args = "Parameters" if language == JSONPATH else "Arguments"
        self.unknown_fields(writer, {"Resource", args, "WriterConfig"}, location)
        if "Resource" in writer:
            self.required_string(writer, "Resource", location)
        self.payload(writer, args, location, language)
        if "WriterConfig" in writer:
            config, where = writer["WriterConfig"], _join(location, "WriterConfig")
            if not isinstance(config, dict):
                self.wrong_type("WriterConfig", "an OBJECT", config, where)
                return
            self.unknown_fields(config, {"OutputType", "Transformation"}, where)
            self.enum(config, "OutputType", ("JSON", "JSONL"), where)
            self.enum(config, "Transformation", ("NONE", "COMPACT", "FLATTEN"), where)
        elif "Resource" not in writer:
            self.error("These fields are required: [Resource]", location)

    # -- Retry / Catch ----------------------------------------------------------------------
    def retry_catch(self, state: dict, location: str, language: str) -> None:
        """Error handling: Retry and Catch are arrays of Retriers / Catchers."""
        for field in ("Retry", "Catch"):
            if field not in state:
                continue
            items, where = state[field], _join(location, field)
            if not isinstance(items, list):
                self.wrong_type(field, "an ARRAY", items, where)
                continue
            for i, item in enumerate(items):
                item_location = _join(where, i)
                if not isinstance(item, dict):
                    self.wrong_type(f"{field}[{i}]", "an OBJECT", item, item_location)
                    continue
                self.duplicates(item, item_location)
                if field == "Retry":
                    self.retrier(item, item_location, language)
                else:
                    self.catcher(item, item_location, language)
                errors = item.get("ErrorEquals")
                # "States.ALL ... must appear alone in the ErrorEquals array and must appear in the
                # last Retrier/Catcher."
                if isinstance(errors, list) and "States.ALL" in errors and i != len(items) - 1:
                    self.error(
                        f"The {'Retrier' if field == 'Retry' else 'Catcher'} with "
                        f"'States.ALL' must be the last one in '{field}'",
                        item_location,
                    )

    def error_equals(self, item: dict, location: str) -> None:
        errors, where = self.required_array(item, "ErrorEquals", location)
        for i, name in enumerate(errors):
            if not isinstance(name, str):
                self.wrong_type(f"ErrorEquals[{i}]", "a STRING", name, _join(where, i))
        if "States.ALL" in errors and len(errors) > 1:
            self.error("'States.ALL' must appear alone in 'ErrorEquals'", where)

    def retrier(self, retrier: dict, location: str, language: str) -> None:
        """Retriers: IntervalSeconds (integer >= 1), MaxAttempts (integer >= 0), BackoffRate
        (number >= 1.0), MaxDelaySeconds (integer > 0), JitterStrategy (FULL | NONE)."""
        self.unknown_fields(retrier, _RETRIER_FIELDS, location)
        self.error_equals(retrier, location)
        self.optional_string(retrier, "Comment", location)
        if "IntervalSeconds" in retrier:
            self.integer(
                retrier["IntervalSeconds"],
                "IntervalSeconds",
                _join(location, "IntervalSeconds"),
                1,
                _MAX_SECONDS,
                JSONPATH,
            )
        if "MaxAttempts" in retrier:
            self.integer(
                retrier["MaxAttempts"],
                "MaxAttempts",
                _join(location, "MaxAttempts"),
                0,
                _MAX_SECONDS,
                JSONPATH,
            )
        if "MaxDelaySeconds" in retrier:
            self.integer(
                retrier["MaxDelaySeconds"],
                "MaxDelaySeconds",
                _join(location, "MaxDelaySeconds"),
                1,
                _MAX_DELAY_SECONDS,
                JSONPATH,
            )
        if "BackoffRate" in retrier:
            rate, where = retrier["BackoffRate"], _join(location, "BackoffRate")
            if not is_number(rate):
                self.wrong_type("BackoffRate", "a NUMBER", rate, where)
            elif rate < 1.0:
                self.error(
                    "The value for the field 'BackoffRate' must be greater than or equal to 1.0",
                    where,
                )
        self.enum(retrier, "JitterStrategy", ("FULL", "NONE"), location)

    def catcher(self, catcher: dict, location: str, language: str) -> None:
        """Catchers: ErrorEquals and Next (required), ResultPath (JSONPath) or Output (JSONata),
        Assign."""
        other = _CATCHER_FIELDS[JSONATA if language == JSONPATH else JSONPATH]
        self.unknown_fields(
            catcher, _CATCHER_FIELDS[language], location, other=other, language=language
        )
        self.error_equals(catcher, location)
        self.optional_string(catcher, "Comment", location)
        if "Next" not in catcher:
            self.error("These fields are required: [Next]", location)
        else:
            self.optional_string(catcher, "Next", location)
        if language == JSONPATH and "ResultPath" in catcher and catcher["ResultPath"] is not None:
            self.path_field(
                catcher["ResultPath"],
                "ResultPath",
                _join(location, "ResultPath"),
                reference=True,
                context=False,
                variables=False,
            )
        with self.scoped(_ERROR_OUTPUT_SCOPE):
            if language == JSONATA and "Output" in catcher:
                self.jsonata_value(catcher["Output"], _join(location, "Output"))
            if "Assign" in catcher:
                self.assign(catcher["Assign"], _join(location, "Assign"), language)

    # -- Choice rules -----------------------------------------------------------------------
    def choice_rule(self, rule: Any, location: str, language: str, *, top: bool) -> None:
        """Choice Rules: a top-level rule has Next; a data-test rule has Variable and exactly one
        comparison operator; And/Or take a non-empty array of rules, Not one rule. In JSONata a
        rule is ``Condition`` + ``Next`` (+ Output, Assign)."""
        if not isinstance(rule, dict):
            self.wrong_type("Choices" if top else "rule", "an OBJECT", rule, location)
            return
        self.duplicates(rule, location)
        if language == JSONATA:
            self.unknown_fields(
                rule,
                {"Condition", "Next", "Comment", "Output", "Assign"},
                location,
                other={"Variable", *_LOGICAL, *_COMPARATORS},
                language=language,
            )
            missing = [f for f in ("Condition", "Next") if f not in rule]
            if missing:
                self.error(f"These fields are required: {_fields(missing)}", location)
            if "Condition" in rule:
                condition = rule["Condition"]
                if not isinstance(condition, bool) and not is_expression(condition):
                    self.error(
                        "The value for the field 'Condition' must be a BOOLEAN or a JSONata "
                        "expression",
                        _join(location, "Condition"),
                    )
                elif is_expression(condition):
                    self.jsonata_value(condition, _join(location, "Condition"))
            self.optional_string(rule, "Next", location)
            if "Output" in rule:
                self.jsonata_value(rule["Output"], _join(location, "Output"))
            if "Assign" in rule:
                self.assign(rule["Assign"], _join(location, "Assign"), language)
            return
        logical = [f for f in _LOGICAL if f in rule]
        comparators = [f for f in rule if f in _COMPARATORS]
        allowed = {"Variable", *_LOGICAL, *_COMPARATORS, "Comment"}
        if top:
            allowed |= {"Next", "Assign"}
            if "Next" not in rule:
                self.error("These fields are required: [Next]", location)
            self.optional_string(rule, "Next", location)
            if "Assign" in rule:
                self.assign(rule["Assign"], _join(location, "Assign"), language)
        elif "Next" in rule:
            self.error(
                "The field 'Next' is only supported in a top-level Choice Rule",
                _join(location, "Next"),
            )
        self.unknown_fields(
            {k: v for k, v in rule.items() if k != "Next"},
            allowed,
            location,
            other={"Condition", "Output"},
            language=language,
        )
        self.optional_string(rule, "Comment", location)
        if logical:
            if len(logical) > 1 or comparators or "Variable" in rule:
                self.error(
                    "A Choice Rule must contain exactly one of a comparison, 'And', 'Or' or 'Not'",
                    location,
                )
            for op in logical:
                operand, where = rule[op], _join(location, op)
                if op == "Not":
                    if not isinstance(operand, dict):
                        self.wrong_type("Not", "an OBJECT", operand, where)
                    else:
                        self.choice_rule(operand, where, language, top=False)
                elif not isinstance(operand, list):
                    self.wrong_type(op, "an ARRAY", operand, where)
                else:
                    if not operand:
                        self.error(f"The field '{op}' should be non-empty", where)
                    for i, sub in enumerate(operand):
                        self.choice_rule(sub, _join(where, i), language, top=False)
            return
        if "Variable" not in rule:
            self.error("These fields are required: [Variable]", location)
        else:
            self.path_field(
                rule["Variable"], "Variable", _join(location, "Variable"), reference=True
            )
        if len(comparators) != 1:
            self.error("A Choice Rule must contain exactly one comparison operator", location)
        for op in comparators:
            self.comparison(op, rule[op], _join(location, op))

    def comparison(self, op: str, value: Any, location: str) -> None:
        expected = _COMPARATORS[op]
        if expected == "path":
            self.path_field(value, op, location, reference=True)
        elif expected == "string":
            if not isinstance(value, str):
                self.wrong_type(op, "a STRING", value, location)
            elif _looks_dynamic(value) and op != "StringMatches":
                self.no_path(op, location)
        elif expected == "number":
            if not is_number(value):
                self.wrong_type(op, "a NUMBER", value, location)
        elif expected == "boolean":
            if not isinstance(value, bool):
                self.wrong_type(op, "a BOOLEAN", value, location)
        elif not isinstance(value, str):
            self.wrong_type(op, "a STRING", value, location)
        elif not is_timestamp(value):
            self.error("String does not match RFC3339 timestamp", location)

    # -- Task parts -------------------------------------------------------------------------
    def resource(self, resource: Any, location: str, language: str) -> None:
        """Task Resource: a Lambda/activity ARN or an optimized or AWS SDK integration
        ``arn:aws:states:::service:action[.sync|.sync:2|.waitForTaskToken]``
        (:mod:`orchestrator.asl.resources`)."""
        if not isinstance(resource, str):
            self.wrong_type("Resource", "a STRING", resource, location)
            return
        parsed = resources.parse(resource)
        if parsed is not None and parsed.kind == resources.ACTIVITY and self.express:
            # Recorded: "SCHEMA_VALIDATION_FAILED: Express state machine does not support
            # Activity ARN at /States/ActivityTask/Resource".
            self.error("Express state machine does not support Activity ARN", location)
            return
        if parsed is None or parsed.kind != resources.SERVICE:  # a function, activity, other ARN
            if not resources.is_arn(resource):
                self.error(_unrecognized(resource), location)
            return
        if not parsed.recognized():
            self.error(_unrecognized(resource), location)
        elif self.express and parsed.is_sync:
            self.error(
                "Express state machine does not support '.sync' service integration", location
            )
        elif self.express and parsed.is_callback:
            # AWS's text ends with a space, and so does ours (conformance corpus).
            self.error(
                "Express state machine does not support '.waitForTaskToken' service integration ",
                location,
            )

    def credentials(self, credentials: Any, location: str, language: str) -> None:
        """Task Credentials: an object with RoleArn (or, in JSONPath, RoleArn.$). AWS reports only
        the missing RoleArn, not other keys (conformance corpus, INVALID_CREDENTIALS_FIELD)."""
        if not isinstance(credentials, dict):
            self.wrong_type("Credentials", "an OBJECT", credentials, location)
            return
        if "RoleArn" in credentials:
            role = credentials["RoleArn"]
            if not isinstance(role, str):
                self.wrong_type("RoleArn", "a STRING", role, _join(location, "RoleArn"))
            elif language == JSONATA:
                self.jsonata_value(role, _join(location, "RoleArn"))
        elif language == JSONPATH and "RoleArn.$" in credentials:
            self.template({"RoleArn.$": credentials["RoleArn.$"]}, "Credentials", location)
        else:
            self.error("The field 'RoleArn' is required but was missing", location)

    # -- value checkers ---------------------------------------------------------------------
    def query_language(self, value: Any, location: str) -> bool:
        if value in QUERY_LANGUAGES:
            return True
        self.error(
            "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]",
            location,
        )
        return False

    def optional_string(self, obj: dict, field: str, location: str) -> None:
        if field in obj and not isinstance(obj[field], str):
            self.wrong_type(field, "a STRING", obj[field], _join(location, field))

    def required_string(self, obj: dict, field: str, location: str) -> None:
        if field not in obj:
            self.error(f"These fields are required: [{field}]", location)
        else:
            self.optional_string(obj, field, location)

    def required_array(self, obj: dict, field: str, location: str) -> tuple[list, str]:
        """A required, non-empty array field: its items (none when it is missing or not an
        array, both reported) and its location."""
        where = _join(location, field)
        if field not in obj:
            self.error(f"These fields are required: [{field}]", location)
            return [], where
        items = obj[field]
        if not isinstance(items, list):
            self.wrong_type(field, "an ARRAY", items, where)
            return [], where
        if not items:
            # AWS's text for empty Branches (conformance-more test_state/
            # test_state_mock_validation.test_parallel_state_empty_branches).
            message = (
                "Value cannot be empty"
                if field == "Branches"
                else f"The field '{field}' should be non-empty"
            )
            self.error(message, where)
        return items, where

    def enum(self, obj: dict, field: str, values: tuple, location: str) -> None:
        if field in obj and obj[field] not in values:
            self.error(
                f"The field '{field}' should have one of these values: {_fields(values)}",
                _join(location, field),
            )

    def unknown_fields(
        self, obj: dict, allowed, location: str, *, other=frozenset(), language: str = JSONPATH
    ) -> None:
        """Report keys outside ``allowed``; keys in ``other`` belong to the other query language."""
        for key in obj:
            if key in allowed:
                continue
            if key in other:
                self.error(
                    f"The field '{key}' is not supported when 'QueryLanguage' is '{language}'",
                    _join(location, key),
                )
            else:
                self.error(
                    f"The field '{key}' is not supported by Step Functions", _join(location, key)
                )

    def integer(
        self, value: Any, field: str, location: str, low: int, high: int | None, language: str
    ) -> None:
        if language == JSONATA and is_expression(value):
            self.jsonata_value(value, location)
            return
        if not is_integer(value):
            expected = (
                "an INTEGER" if language == JSONPATH else "an INTEGER or a JSONata expression"
            )
            self.wrong_type(field, expected, value, location)
        elif value < low or (high is not None and value > high):
            bound = (
                f"between {low} and {high}"
                if high is not None
                else f"greater than or equal to {low}"
            )
            self.error(f"The value for the field '{field}' must be {bound}", location)

    def int_or_expression(
        self, obj: dict, field: str, location: str, language: str, low: int, high: int | None
    ) -> None:
        if field in obj:
            self.integer(obj[field], field, _join(location, field), low, high, language)

    def seconds_field(self, state: dict, field: str, location: str, language: str, low: int) -> Any:
        """TimeoutSeconds / HeartbeatSeconds / Seconds: a positive (Seconds: non-negative) integer,
        a JSONata expression in JSONata states, and the JSONPath-only ``...Path`` form."""
        if field in state:
            self.integer(state[field], field, _join(location, field), low, _MAX_SECONDS, language)
        path = field + "Path"
        if path in state:
            self.path_field(state[path], path, _join(location, path), reference=True)
        return state.get(field)

    def path_field(
        self,
        value: Any,
        field: str,
        location: str,
        *,
        reference: bool,
        context: bool = True,
        variables: bool = True,
    ) -> None:
        """Paths: *"a path is a string beginning with $"*; Reference Paths (ResultPath, ...Path
        fields, Choice Variable) identify a single node. ``$$`` addresses the Context object,
        ``$name`` a variable."""
        reason = _path_error(value, reference=reference, context=context, variables=variables)
        if reason is not None:
            kind = "a valid ReferencePath" if reference else "a valid JSONPath"
            self.error(f"The value for the field '{field}' must be {kind}", location)

    def intrinsic(self, text: str, field: str, location: str) -> bool:
        try:
            compile_intrinsic(text)
        except IntrinsicSyntaxError:
            self.error(
                f"The value for the field '{field}' must be a valid JSONPath or a valid "
                "intrinsic function call",
                location,
            )
            return False
        return True

    def template(self, value: Any, field: str, location: str, *, object_only: bool = False) -> None:
        """Payload templates (Parameters, ResultSelector, ItemSelector, ...): *"For key-value pairs
        where the value is selected using a path, the key name must end in .$"* and the value must
        be a path, a context path or an intrinsic function. Reported at the template's field, as
        AWS does (conformance corpus: ``... 'parsed.$' ... at /States/IntrinsicEscape/Parameters``)."""
        if object_only and not isinstance(value, dict):
            self.wrong_type(field, "an OBJECT", value, location)
            return
        self._template_node(value, location)

    def _template_node(self, node: Any, location: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and key.endswith(".$"):
                    self._dynamic_value(key, value, location)
                else:
                    if isinstance(value, str) and _looks_dynamic(value):
                        self.warning(
                            NO_DOLLAR,
                            f"The field '{key}' looks like a JSONPath or an "
                            "intrinsic function but its name does not end with '.$'",
                            location,
                        )
                    self._template_node(value, location)
        elif isinstance(node, list):
            for item in node:
                self._template_node(item, location)

    def _dynamic_value(self, key: str, value: Any, location: str) -> None:
        if not isinstance(value, str):
            self.error(
                f"The value for the field '{key}' must be a STRING that contains a JSONPath "
                f"but was {_kind(value)}",
                location,
            )
        elif value.startswith("States."):
            self.intrinsic(value, key, location)
        elif value.startswith("$"):
            if _path_error(value, reference=False) is not None:
                self.error(f"The value for the field '{key}' must be a valid JSONPath", location)
        else:
            self.error(
                f"The value for the field '{key}' must be a valid JSONPath or a valid "
                "intrinsic function call",
                location,
            )

    def payload(self, obj: dict, field: str, location: str, language: str) -> None:
        if field not in obj:
            return
        if language == JSONPATH:
            self.template(obj[field], field, _join(location, field), object_only=True)
        else:
            self.jsonata_value(obj[field], _join(location, field))

    def assign(self, value: Any, location: str, language: str) -> None:
        """Assign: *"an object with variable names as keys"*; names follow identifier rules and
        ``states`` is reserved; in JSONPath, keys ending ``.$`` take a path or intrinsic."""
        if not isinstance(value, dict):
            self.wrong_type("Assign", "an OBJECT", value, location)
            return
        for key, item in value.items():
            name = key[:-2] if language == JSONPATH and key.endswith(".$") else key
            if not _is_variable_name(name):
                self.error(f"The variable name '{name}' is not valid", _join(location, key))
            if language == JSONPATH:
                if key.endswith(".$"):
                    self._dynamic_value(key, item, location)
                else:
                    self._template_node(item, location)
            else:
                self.jsonata_value(item, _join(location, key))

    def jsonata_syntax(self, value: str, location: str) -> None:
        """Compile the expression now (it is compiled once per definition anyway): a syntax
        error is reported at definition time with its position in the expression."""
        try:
            expression = compile_expression(value)
        except JsonataSyntaxError as exc:
            self.error(str(exc), location)
            return
        self.states_fields(expression, location)

    def states_fields(self, expression: Any, location: str) -> None:
        """*"$states.result: API or sub-workflow's result (if successful)"* and
        *"$states.errorOutput: Error Output (only available in Catch)"* (developer guide,
        "Transforming data with JSONata", reserved variable ``$states``): outside the fields
        where the value exists the reference can only ever be undefined, so it is reported at
        definition time instead of silently evaluating to nothing at run time."""
        for field in sorted(_states_references(expression) - self.states_scope):
            # A WARNING, not an ERROR: the developer guide says where these values are
            # *available*, and no recording shows AWS rejecting a definition that reads them
            # elsewhere (at run time they are simply undefined there, as here).
            self.warning("STATES_FIELD_UNAVAILABLE", _STATES_SCOPED[field], location)

    @contextmanager
    def scoped(self, fields: frozenset):
        """Let the JSONata values visited inside the block read the given ``$states`` fields;
        restored afterwards so nested states (Parallel branches, Map processors) start clean."""
        saved, self.states_scope = self.states_scope, fields
        try:
            yield
        finally:
            self.states_scope = saved

    def jsonata_value(self, value: Any, location: str) -> None:
        """JSONata fields: any JSON value; *"Any string value, including those inside objects or
        arrays, will be evaluated as JSONata if surrounded by {% %} characters."* A string that
        opens ``{%`` must close with ``%}`` and hold an expression."""
        if isinstance(value, str):
            if value.startswith("{%"):
                if not value.endswith("%}") or len(value) < 4:
                    self.error("The JSONata expression must end with '%}'", location)
                elif not value[2:-2].strip():
                    self.error("The JSONata expression must not be empty", location)
                else:
                    self.jsonata_syntax(value, location)
        elif isinstance(value, dict):
            for key, item in value.items():
                self.jsonata_value(item, _join(location, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.jsonata_value(item, _join(location, i))


# --------------------------------------------------------------------------------------------
# $states.result / $states.errorOutput placement
# --------------------------------------------------------------------------------------------
# Where AWS makes each scoped $states field exist (developer guide, "Transforming data with
# JSONata", reserved variable $states): "result" - the API or sub-workflow's result, so only the
# Output and Assign of the states that have one (Task, Parallel, Map), evaluated after it
# succeeded; "errorOutput" - "only available in Catch", i.e. a catcher's Output and Assign.
# $states.input and $states.context exist in every JSONata field and are never checked.
_RESULT_STATES = frozenset({"Task", "Parallel", "Map"})
_RESULT_SCOPE = frozenset({"result"})
_ERROR_OUTPUT_SCOPE = frozenset({"errorOutput"})
_STATES_SCOPED = {
    "result": "The JSONata expression references '$states.result', which is only available in "
    "the Output and Assign fields of Task, Parallel and Map states",
    "errorOutput": "The JSONata expression references '$states.errorOutput', which is only "
    "available in the Output and Assign fields of a Catch",
}


def _states_references(expression: Any) -> set[str]:
    """The scoped ``$states`` fields (``result``, ``errorOutput``) an expression reads.

    Walks the parsed JSONata tree rather than scanning the text: a path whose first step is the
    variable ``$states`` and whose second step names the field.  A token scan would have to
    re-implement JSONata's lexer (string literals in both quote styles, backquoted names,
    comments) to avoid flagging ``"$states.result"`` inside a string; the tree already has.
    Indirect reads (``$lookup($states, "result")``, ``$s := $states; $s.result``) are not
    seen - they are rare and are then simply undefined at run time, as before."""
    found: set[str] = set()
    ast = getattr(getattr(expression, "_compiled", None), "ast", None)
    seen: set[int] = set()
    stack: list[Any] = [ast]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
            continue
        if node is None or not hasattr(node, "__dict__") or id(node) in seen:
            continue
        if not hasattr(node, "type") or not hasattr(node, "position"):  # not a parser Symbol
            continue
        seen.add(id(node))
        steps = getattr(node, "steps", None)
        if node.type == "path" and isinstance(steps, list) and len(steps) >= 2:
            first, second = steps[0], steps[1]
            if (
                getattr(first, "type", None) == "variable"
                and first.value == "states"
                and getattr(second, "type", None) == "name"
                and second.value in _STATES_SCOPED
            ):
                found.add(second.value)
        for key, child in vars(node).items():
            if (
                key != "_outer_instance"
                and child is not None
                and not isinstance(child, (str, int, float, bool))
            ):
                stack.append(child)
    return found


# --------------------------------------------------------------------------------------------
# Graph helpers
# --------------------------------------------------------------------------------------------
def _transitions(state: dict, location: str):
    """(location, field name, target) of every transition out of ``state``: Next, each Choice
    rule's Next, Default, each Catcher's Next."""
    if "Next" in state and state.get("Type") not in ("Choice", "Succeed", "Fail"):
        yield _join(location, "Next"), "Next", state["Next"]
    if state.get("Type") == "Choice":
        choices = state.get("Choices")
        if isinstance(choices, list):
            for i, rule in enumerate(choices):
                if isinstance(rule, dict) and "Next" in rule:
                    yield f"{location}/Choices/{i}/Next", "Next", rule["Next"]
        if "Default" in state:
            yield _join(location, "Default"), "Default", state["Default"]
    catchers = state.get("Catch")
    if isinstance(catchers, list) and state.get("Type") in RETRY_CATCH_STATE_TYPES:
        for i, catcher in enumerate(catchers):
            if isinstance(catcher, dict) and "Next" in catcher:
                yield f"{location}/Catch/{i}/Next", "Next", catcher["Next"]


def _is_terminal(state: Any) -> bool:
    return isinstance(state, dict) and (
        state.get("Type") in ("Succeed", "Fail") or state.get("End") is True
    )


def _looks_dynamic(value: Any) -> bool:
    """A string that reads like a path or an intrinsic call (NO_DOLLAR / PASS_RESULT_IS_STATIC)."""
    if not isinstance(value, str):
        return False
    if value.startswith("$.") or value.startswith("$$.") or value.startswith("$["):
        return True
    return value.startswith("States.") and value.endswith(")") and "(" in value


def _result_looks_dynamic(value: Any) -> bool:
    """A Pass Result holding ``.$`` keys or path-like strings: it is static, never evaluated."""
    if isinstance(value, dict):
        return any(
            (isinstance(k, str) and k.endswith(".$")) or _result_looks_dynamic(v)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_result_looks_dynamic(v) for v in value)
    return _looks_dynamic(value)


def _unrecognized(resource: str) -> str:
    return (
        f"The resource provided {resource} is not recognized. The value is not a valid "
        "resource ARN, or the resource is not available in this region."
    )
