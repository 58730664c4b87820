"""Choice Rules (JSONPath mode): compiled once, evaluated many times.

AWS developer guide, "Choice workflow state" / "Choice Rules":

* "A Choice state must have a Choices field whose value is a non-empty array, and whose
  every element is an object called a Choice Rule." A rule is either a *data-test
  expression* (``Variable`` plus exactly one comparison operator) or a *Boolean
  expression* (``And`` / ``Or`` with a non-empty array of rules, ``Not`` with one rule).
* "Within a Choice Rule, the value of variable can be compared with another value from
  the state input by appending Path to name of supported comparison operators."
* "For each of these operators, the corresponding value must be of the appropriate type:
  string, number, Boolean, or timestamp. Step Functions doesn't attempt to match a numeric
  field to a string value." -- a value of the wrong type makes the comparison false (the
  conformance corpus shows this for every operator, e.g. ``NumericEquals`` on ``"1"``,
  ``true`` or ``null``), it is not an error.
* "To understand the behavior of string comparisons, see the Java compareTo
  documentation" -- ordering is by UTF-16 code unit, which differs from Python's code-point
  order only for characters above U+FFFF.
* ``StringMatches``: "String comparison against patterns with one or more wildcards ("*")
  ... The wildcard character is escaped by using the standard \\\\ (Ex: "\\\\*"). No
  characters other than "*" have any special meaning during matching."
* ``IsPresent`` tests whether the Variable path matches anything; every other operator on
  a Variable (or ``...Path`` operand) that matches nothing fails the execution with
  ``States.Runtime``: "Invalid path '<path>': The choice state's condition path references
  an invalid value."
* "The IsPresent choice rule ... StringEquals rule is only evaluated if
  $.keyThatMightNotExist exists because of the preceding IsPresent choice rule" -- so
  ``And`` / ``Or`` short-circuit, left to right.

``Variable`` (and ``...Path`` operands) may be an input path (``$.a``), a context path
(``$$.Execution.Input.x``) or a variable reference (``$name`` / ``$name.a``, set by
``Assign``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from .errors import RUNTIME, DefinitionError, Diagnostic, StatesError
from .jsontext import is_number
from .paths import PathNotFound, compile_path
from .timestamps import timestamp_nanos

__all__ = [
    "ChoiceRule",
    "compile_choice_rule",
    "COMPARATORS",
    "TYPE_TESTS",
    "missing_path_cause",
    "string_matches",
]

_MISSING: Any = object()
_BAD: Any = object()  # a value of the wrong type for the operator: the comparison is false

# Keys a Choice Rule may carry besides its expression; the state (not the rule) uses them.
_RULE_EXTRA_KEYS = frozenset({"Next", "Comment", "Assign", "Output"})


def missing_path_cause(path: str) -> str:
    """AWS's cause text when a Choice condition path matches nothing."""
    return f"Invalid path '{path}': The choice state's condition path references an invalid value."


def _definition_error(message: str, location: str) -> DefinitionError:
    return DefinitionError([Diagnostic("ERROR", "SCHEMA_VALIDATION_FAILED", message, location)])


# --------------------------------------------------------------------------- operands


class _Ref:
    """A compiled ``Variable`` / ``...Path`` operand: input path, context path or variable
    (resolved against its root by :meth:`JsonPath.resolve`)."""

    __slots__ = ("text", "_path")

    def __init__(self, text: str, location: str) -> None:
        if not isinstance(text, str):
            raise _definition_error(f"Expected a path string, got {text!r}", location)
        self.text = text
        try:
            self._path = compile_path(text)
        except ValueError as exc:  # PathSyntaxError is a ValueError
            raise _definition_error(f"Invalid JSONPath {text!r}: {exc}", location) from None

    def get(self, input: Any, context: Any, variables: Mapping[str, Any] | None) -> Any:
        """The value the path selects, or ``_MISSING`` when it selects nothing (an
        undefined variable included)."""
        path = self._path
        try:
            value = path.resolve(input, context, variables)
        except PathNotFound:
            return _MISSING
        # An indefinite path (wildcard, filter, ...) that matches nothing selects nothing,
        # as JsonPath.exists() has it.
        if not path.is_definite and not value:
            return _MISSING
        return value

    def require(self, input: Any, context: Any, variables: Mapping[str, Any] | None) -> Any:
        value = self.get(input, context, variables)
        if value is _MISSING:
            raise StatesError(RUNTIME, missing_path_cause(self.text))
        return value


# ------------------------------------------------------------------ value normalisers


def _as_number(value: Any) -> Any:
    return value if is_number(value) else _BAD


def _as_string(value: Any) -> Any:
    return value if type(value) is str else _BAD


def _as_boolean(value: Any) -> Any:
    return value if type(value) is bool else _BAD


def _as_timestamp(value: Any) -> Any:
    nanos = timestamp_nanos(value)
    return _BAD if nanos is None else nanos


def _utf16(text: str) -> bytes:
    # Big-endian UTF-16 bytes sort exactly like Java's compareTo (UTF-16 code units).
    return text.encode("utf-16-be", "surrogatepass")


def _string_order(compare: Callable[[Any, Any], bool]) -> Callable[[str, str], bool]:
    def ordered(left: str, right: str) -> bool:
        if left.isascii() and right.isascii():
            return compare(left, right)
        return compare(_utf16(left), _utf16(right))

    return ordered


# name -> (normaliser applied to both operands, predicate on normalised operands)
COMPARATORS: dict[str, tuple[Callable[[Any], Any], Callable[[Any, Any], bool]]] = {
    "NumericEquals": (_as_number, operator.eq),
    "NumericGreaterThan": (_as_number, operator.gt),
    "NumericGreaterThanEquals": (_as_number, operator.ge),
    "NumericLessThan": (_as_number, operator.lt),
    "NumericLessThanEquals": (_as_number, operator.le),
    "StringEquals": (_as_string, operator.eq),
    "StringGreaterThan": (_as_string, _string_order(operator.gt)),
    "StringGreaterThanEquals": (_as_string, _string_order(operator.ge)),
    "StringLessThan": (_as_string, _string_order(operator.lt)),
    "StringLessThanEquals": (_as_string, _string_order(operator.le)),
    "BooleanEquals": (_as_boolean, operator.eq),
    "TimestampEquals": (_as_timestamp, operator.eq),
    "TimestampGreaterThan": (_as_timestamp, operator.gt),
    "TimestampGreaterThanEquals": (_as_timestamp, operator.ge),
    "TimestampLessThan": (_as_timestamp, operator.lt),
    "TimestampLessThanEquals": (_as_timestamp, operator.le),
}

# Operators whose literal operand has the wrong type are rejected at compile time, with
# the JSON type the operand must have.
_OPERAND_TYPE: dict[Callable[[Any], Any], str] = {
    _as_number: "a number",
    _as_string: "a string",
    _as_boolean: "a boolean",
    _as_timestamp: "an RFC3339 timestamp string",
}


TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda value: value is None,
    "IsBoolean": lambda value: type(value) is bool,
    "IsNumeric": is_number,
    "IsString": lambda value: type(value) is str,
    "IsTimestamp": lambda value: timestamp_nanos(value) is not None,
}

_PATH_COMPARATORS = {name + "Path": name for name in COMPARATORS}
_DATA_TEST_KEYS = (
    frozenset(COMPARATORS)
    | frozenset(_PATH_COMPARATORS)
    | frozenset(TYPE_TESTS)
    | {"IsPresent", "StringMatches"}
)
_BOOLEAN_KEYS = frozenset({"And", "Or", "Not"})


# ---------------------------------------------------------------------- StringMatches


def _glob_segments(pattern: str) -> list[str]:
    """Split a StringMatches pattern at its unescaped ``*``: literal segments in order.

    ``\\*`` is a literal star and ``\\\\`` a literal backslash; a backslash before any
    other character (or at the end) stands for itself, since "no characters other than
    '*' have any special meaning"."""
    segments: list[str] = []
    current: list[str] = []
    index, length = 0, len(pattern)
    while index < length:
        char = pattern[index]
        if char == "\\" and index + 1 < length and pattern[index + 1] in "*\\":
            current.append(pattern[index + 1])
            index += 2
            continue
        if char == "*":
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    segments.append("".join(current))
    return segments


def _compile_glob(pattern: str) -> Callable[[str], bool]:
    segments = _glob_segments(pattern)
    if len(segments) == 1:
        literal = segments[0]
        return lambda value: value == literal
    head, middle, tail = segments[0], [s for s in segments[1:-1] if s], segments[-1]
    fixed = len(head) + len(tail)

    def matches(value: str) -> bool:
        # Anchored head and tail, then each middle segment at its leftmost place: greedy
        # leftmost matching is exact for "*"-only globs and runs in linear time (no regex
        # backtracking on patterns like "*a*a*a*a").
        if len(value) < fixed or not value.startswith(head) or not value.endswith(tail):
            return False
        position, end = len(head), len(value) - len(tail)
        for segment in middle:
            found = value.find(segment, position, end)
            if found < 0:
                return False
            position = found + len(segment)
        return True

    return matches


def string_matches(value: Any, pattern: str) -> bool:
    """``StringMatches`` semantics for one value (uncached; rules compile the pattern once)."""
    return type(value) is str and _compile_glob(pattern)(value)


# ---------------------------------------------------------------------------- rules


class ChoiceRule:
    """A compiled Choice Rule; :meth:`evaluate` says whether it matches."""

    __slots__ = ()

    def evaluate(
        self, input: Any, context: Any, variables: Mapping[str, Any] | None = None
    ) -> bool:
        """True if the rule matches ``input`` (``context`` is the ``$$`` object,
        ``variables`` the workflow variables). Raises ``StatesError("States.Runtime")``
        when a compared path matches nothing."""
        raise NotImplementedError


class _And(ChoiceRule):
    __slots__ = ("rules",)

    def __init__(self, rules: tuple[ChoiceRule, ...]) -> None:
        self.rules = rules

    def evaluate(self, input, context, variables=None):
        for rule in self.rules:
            if not rule.evaluate(input, context, variables):
                return False
        return True


class _Or(ChoiceRule):
    __slots__ = ("rules",)

    def __init__(self, rules: tuple[ChoiceRule, ...]) -> None:
        self.rules = rules

    def evaluate(self, input, context, variables=None):
        for rule in self.rules:
            if rule.evaluate(input, context, variables):
                return True
        return False


class _Not(ChoiceRule):
    __slots__ = ("rule",)

    def __init__(self, rule: ChoiceRule) -> None:
        self.rule = rule

    def evaluate(self, input, context, variables=None):
        return not self.rule.evaluate(input, context, variables)


class _IsPresent(ChoiceRule):
    __slots__ = ("variable", "expected")

    def __init__(self, variable: _Ref, expected: bool) -> None:
        self.variable, self.expected = variable, expected

    def evaluate(self, input, context, variables=None):
        present = self.variable.get(input, context, variables) is not _MISSING
        return present is self.expected


class _TypeTest(ChoiceRule):
    __slots__ = ("variable", "test", "expected")

    def __init__(self, variable: _Ref, test: Callable[[Any], bool], expected: bool) -> None:
        self.variable, self.test, self.expected = variable, test, expected

    def evaluate(self, input, context, variables=None):
        value = self.variable.require(input, context, variables)
        return self.test(value) is self.expected


class _Compare(ChoiceRule):
    """``Variable`` <op> literal (the literal normalised once, at compile time)."""

    __slots__ = ("variable", "normalise", "predicate", "operand")

    def __init__(self, variable: _Ref, normalise, predicate, operand: Any) -> None:
        self.variable, self.normalise, self.predicate = variable, normalise, predicate
        self.operand = operand

    def evaluate(self, input, context, variables=None):
        value = self.normalise(self.variable.require(input, context, variables))
        return value is not _BAD and self.predicate(value, self.operand)


class _ComparePath(ChoiceRule):
    """``Variable`` <op> the value another path selects (both normalised at run time)."""

    __slots__ = ("variable", "normalise", "predicate", "other")

    def __init__(self, variable: _Ref, normalise, predicate, other: _Ref) -> None:
        self.variable, self.normalise, self.predicate = variable, normalise, predicate
        self.other = other

    def evaluate(self, input, context, variables=None):
        value = self.variable.require(input, context, variables)
        other = self.other.require(input, context, variables)
        value, other = self.normalise(value), self.normalise(other)
        return value is not _BAD and other is not _BAD and self.predicate(value, other)


class _Matches(ChoiceRule):
    __slots__ = ("variable", "matcher")

    def __init__(self, variable: _Ref, matcher: Callable[[str], bool]) -> None:
        self.variable, self.matcher = variable, matcher

    def evaluate(self, input, context, variables=None):
        value = self.variable.require(input, context, variables)
        return type(value) is str and self.matcher(value)


# ------------------------------------------------------------------------- compiler


def compile_choice_rule(rule: dict, location: str = "") -> ChoiceRule:
    """Compile one ``Choices[]`` entry (its ``Next`` is ignored) or a nested rule.

    ``location`` (a JSON pointer such as ``/States/Check/Choices/0``) is only used in the
    :class:`DefinitionError` raised for a malformed rule; the validator reports such
    problems with AWS's wording before this ever runs."""
    if not isinstance(rule, dict):
        raise _definition_error(f"A Choice Rule must be an object, got {rule!r}", location)
    boolean = [key for key in rule if key in _BOOLEAN_KEYS]
    tests = [key for key in rule if key in _DATA_TEST_KEYS]
    unknown = [
        key
        for key in rule
        if key not in _BOOLEAN_KEYS
        and key not in _DATA_TEST_KEYS
        and key not in _RULE_EXTRA_KEYS
        and key != "Variable"
    ]
    if unknown:
        raise _definition_error(f"Unknown field(s) in Choice Rule: {', '.join(unknown)}", location)
    if len(boolean) + len(tests) != 1:
        raise _definition_error(
            "A Choice Rule must have exactly one of And, Or, Not or a comparison operator, "
            f"found {boolean + tests or 'none'}",
            location,
        )
    if boolean:
        if "Variable" in rule:
            raise _definition_error(f"Variable is not allowed with {boolean[0]}", location)
        return _compile_boolean(boolean[0], rule[boolean[0]], location)
    if "Variable" not in rule:
        raise _definition_error(f"{tests[0]} needs a Variable", location)
    return _compile_data_test(
        tests[0], rule[tests[0]], _Ref(rule["Variable"], location + "/Variable"), location
    )


def _compile_boolean(key: str, value: Any, location: str) -> ChoiceRule:
    where = f"{location}/{key}"
    if key == "Not":
        if not isinstance(value, dict):
            raise _definition_error("Not must be a single Choice Rule object", where)
        return _Not(compile_choice_rule(value, where))
    if not isinstance(value, list) or not value:
        raise _definition_error(f"{key} must be a non-empty array of Choice Rules", where)
    rules = tuple(compile_choice_rule(item, f"{where}/{index}") for index, item in enumerate(value))
    return _And(rules) if key == "And" else _Or(rules)


def _compile_data_test(key: str, operand: Any, variable: _Ref, location: str) -> ChoiceRule:
    where = f"{location}/{key}"
    if key == "IsPresent" or key in TYPE_TESTS:
        if type(operand) is not bool:
            raise _definition_error(f"{key} must be true or false", where)
        if key == "IsPresent":
            return _IsPresent(variable, operand)
        return _TypeTest(variable, TYPE_TESTS[key], operand)
    if key == "StringMatches":
        if type(operand) is not str:
            raise _definition_error("StringMatches must be a string", where)
        return _Matches(variable, _compile_glob(operand))
    if key in _PATH_COMPARATORS:
        normalise, predicate = COMPARATORS[_PATH_COMPARATORS[key]]
        return _ComparePath(variable, normalise, predicate, _Ref(operand, where))
    normalise, predicate = COMPARATORS[key]
    literal = normalise(operand)
    if literal is _BAD:
        raise _definition_error(f"{key} must be {_OPERAND_TYPE[normalise]}, got {operand!r}", where)
    return _Compare(variable, normalise, predicate, literal)
