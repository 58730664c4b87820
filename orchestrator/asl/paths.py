"""JSONPath for ASL: Paths, Reference Paths and ``assign`` (ResultPath).

AWS developer guide, "Paths": *"In Amazon States Language, a path is a string
beginning with ``$`` that you can use to identify components within JSON
text. Paths follow JsonPath syntax."*  Step Functions evaluates them with the
Jayway JsonPath library, so this module follows Jayway's semantics:

* a **definite** path (only names and single indexes) yields one value, or
  fails with Jayway's messages (``No results for path: $['a']``,
  ``Missing property in path $['a']``), which AWS quotes in its causes;
* an **indefinite** path (wildcards, ``..``, slices, several indexes or names,
  filters) yields the list of matches; branches that do not match drop out
  and it never fails (recorded: ``$.items[*]`` over ``{}`` gives ``[]``);
* ``$$`` paths address the Context object (the caller passes it as ``doc``).

"Reference Paths": *"A reference path is a path whose syntax is limited in
such a way that it can identify only a single node in a JSON structure"* --
``compile_reference_path`` accepts only ``$``, dotted names, bracket names
and single integer indexes.

Speed.  Every state transition evaluates several paths (InputPath,
Parameters, ResultPath, OutputPath), so the hot path must cost a few
dictionary lookups: a definite path is compiled once (cached) into a tuple of
keys/indexes and ``find`` walks it in a plain loop -- no tokenising, no
library call and no intermediate match objects (a general JSONPath library
costs tens of microseconds per evaluation, which alone would eat the whole
per-transition budget of the ">20x faster than moto" target).

Copy policy.  JSON values flowing through the interpreter are treated as
immutable: no module mutates a value it did not itself create.  ``find``
therefore returns references into the document (no copy), and ``assign``
never mutates: it returns a new document, copying only the containers along
the assigned path and sharing every unchanged subtree with the input.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .budget import BudgetedPattern, PatternError, compile_pattern
from .document import compact
from .jsontext import is_number, json_type_name

__all__ = [
    "PathSyntaxError",
    "PathNotFound",
    "JsonPath",
    "compile_path",
    "compile_reference_path",
    "assign",
    "jayway_path",
]

_MISSING = object()


class PathSyntaxError(ValueError):
    """The text is not a valid (reference) path; ``path`` is the text."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"Invalid path '{path}': {message}")
        self.path = path
        self.reason = message


class PathNotFound(LookupError):
    """A definite path matched nothing.

    ``str(exc)`` is Jayway's message (``No results for path: $['a']`` or
    ``Missing property in path $['a']``), which AWS embeds in causes such as
    ``Invalid path '$.a' : No results for path: $['a']``.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message

    def __str__(self) -> str:  # LookupError would repr() a single argument
        return self.message


# --------------------------------------------------------------------------
# Steps.  A compiled path is a tuple of steps; each is a small tuple whose
# first item says what it is.  Plain tuples keep evaluation cheap.
#   ("key", name)            ['name']            definite
#   ("index", i)             [i]                 definite
#   ("keys", (n1, n2, ...))  ['a','b']
#   ("indexes", (i, j, ...)) [0,2]
#   ("wild",)                .* / [*]
#   ("slice", start, stop)   [1:3] [:2] [-2:]
#   ("deep", step)           ..name ..* ..[0] ..[?()]
#   ("filter", pred, src)    [?(...)]
#   ("func", name)           .length() etc., only last
# --------------------------------------------------------------------------

_DEFINITE_KINDS = frozenset(("key", "index"))
_FUNCTIONS = ("length", "size", "min", "max", "avg", "stddev", "sum", "keys", "first", "last")
_FILTER_STOP = set(" \t\n)=<>!&|,")


def _step_text(step: tuple) -> str:
    """Jayway's canonical rendering of one step (used in its messages)."""
    kind = step[0]
    if kind == "key":
        return f"['{step[1]}']"
    if kind == "index":
        return f"[{step[1]}]"
    if kind == "keys":
        return "[" + ",".join(f"'{k}'" for k in step[1]) + "]"
    if kind == "indexes":
        return "[" + ",".join(str(i) for i in step[1]) + "]"
    if kind == "wild":
        return "[*]"
    if kind == "slice":
        start = "" if step[1] is None else str(step[1])
        stop = "" if step[2] is None else str(step[2])
        return f"[{start}:{stop}]"
    if kind == "deep":
        return ".." + _step_text(step[1])
    if kind == "filter":
        return "[?]"
    if kind == "func":
        return f".{step[1]}()"
    raise AssertionError(kind)


def jayway_path(root: str, steps: tuple) -> str:
    """``$['a']['b'][0]`` -- the normalised form Jayway prints in errors."""
    return root + "".join(_step_text(s) for s in steps)


class JsonPath:
    """A compiled path.  ``find(doc)`` returns the value (definite) or the list
    of matches (indefinite); ``doc`` is the Context object for ``$$`` paths."""

    __slots__ = (
        "text",
        "is_context",
        "is_definite",
        "variable",
        "steps",
        "_keys",
        "_func",
        "_root",
        "_merge",
        "_prefix",
    )

    def __init__(
        self, text: str, is_context: bool, steps: tuple, variable: str | None = None
    ) -> None:
        self.text = text
        self.is_context = is_context
        # ``$name.a.b`` addresses the workflow variable ``name`` (Assign);
        # ``find`` then takes the variable's value as ``doc``.
        self.variable = variable
        self._root = "$" if variable is None else "$" + variable
        func = None
        if steps and steps[-1][0] == "func":
            func = steps[-1][1]
            steps = steps[:-1]
        self.steps = steps
        self._func = func
        # Jayway: several names in one bracket at the end of an otherwise
        # definite path (``$.a['b','c']``) select ONE object holding those keys.
        self._merge = self._prefix = None
        body = steps
        if steps and steps[-1][0] == "keys" and all(s[0] in _DEFINITE_KINDS for s in steps[:-1]):
            self._merge = steps[-1][1]
            body = steps[:-1]
            self._prefix = JsonPath(text, is_context, body, variable)
        simple = all(s[0] in _DEFINITE_KINDS for s in body)
        # A trailing function (``.length()``) returns one value, so the path
        # is definite as a whole even when its prefix is not.
        self.is_definite = simple or func is not None
        # Hot path: a definite path is just a tuple of dict keys / list indexes.
        self._keys = tuple(s[1] for s in steps) if simple and self._merge is None else None

    def __repr__(self) -> str:
        return f"JsonPath({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JsonPath) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    @property
    def normalized(self) -> str:
        """Jayway's form of the path, e.g. ``$['a'][0]``."""
        return jayway_path(self._root, self.steps) + (f".{self._func}()" if self._func else "")

    @property
    def keys(self) -> tuple | None:
        """The key/index tuple of a simple definite path (no function), else None."""
        return self._keys if self._func is None else None

    def resolve(self, input: Any, context: Any, variables: Any = None) -> Any:
        """Evaluate against the right root: the Context object for ``$$``, the
        named variable for ``$name``, else the state input."""
        if self.is_context:
            return self.find(context)
        if self.variable is not None:
            if variables is None or self.variable not in variables:
                raise PathNotFound(self.text, f"Variable '{self.variable}' is not defined")
            return self.find(variables[self.variable])
        return self.find(input)

    def find(self, doc: Any) -> Any:
        if self._keys is not None:
            value = self._find_definite(doc)
        elif self._merge is not None:
            assert self._prefix is not None  # __init__ sets _prefix together with _merge
            node = self._prefix.find(doc)
            if type(node) is not dict:
                raise PathNotFound(self.text, "No results for path: " + self.normalized)
            value = {k: node[k] for k in self._merge if k in node}
        else:
            matches = _evaluate(self.steps, doc, self)
            if self._func is None:
                return matches
            value = matches
        if self._func is not None:
            return _apply_function(self._func, value, self)
        return value

    def exists(self, doc: Any) -> bool:
        """True when a definite path resolves (``IsPresent``); for an indefinite
        path, when it has at least one match."""
        try:
            value = self.find(doc)
        except PathNotFound:
            return False
        return True if self.is_definite else bool(value)

    def _find_definite(self, doc: Any) -> Any:
        keys = self._keys
        assert keys is not None  # only called when _keys is set (see find)
        node = doc
        for key in keys:
            if type(key) is str:
                if type(node) is dict:
                    node = node.get(key, _MISSING)
                    if node is not _MISSING:
                        continue
            elif type(node) is list and -len(node) <= key < len(node):
                node = node[key]
                continue
            raise self._not_found(doc)
        return node

    def _not_found(self, doc: Any) -> PathNotFound:
        """Re-walk a failed definite path (off the hot path) to build Jayway's message."""
        node, steps = doc, self.steps
        for i, (kind, key) in enumerate(steps):
            upstream = jayway_path(self._root, steps[:i])
            if kind == "key":
                if type(node) is not dict:
                    found = _java_class(node)
                    return PathNotFound(
                        self.text,
                        f"Expected to find an object with property ['{key}'] in path {upstream} but "
                        f"found '{found}'. This is not a json object according to the JsonProvider: "
                        "'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.",
                    )
                if key not in node:
                    if i < len(steps) - 1:
                        return PathNotFound(
                            self.text,
                            "Missing property in path " + jayway_path(self._root, steps[: i + 1]),
                        )
                    break
                node = node[key]
            else:
                if type(node) is not list:
                    return PathNotFound(
                        self.text,
                        f"Filter: [{key}] can only be applied to arrays. "
                        f"Current context is: {_java_str(node)}",
                    )
                if not -len(node) <= key < len(node):
                    break  # Jayway: an index outside the array selects nothing
                node = node[key]
        return PathNotFound(self.text, "No results for path: " + self.normalized)


# The class json-smart (Jayway's JSON provider) parses each JSON type into; a null is "null".
_JAVA_CLASS = {
    "null": "null",
    "boolean": "java.lang.Boolean",
    "string": "java.lang.String",
    "integer": "java.lang.Integer",
    "number": "java.lang.Double",
    "array": "net.minidev.json.JSONArray",
    "object": "java.util.LinkedHashMap",
}


def _java_class(value: Any) -> str:
    return _JAVA_CLASS[json_type_name(value, integer=True)]


def _java_str(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return compact(value)
    return str(value)


# --------------------------------------------------------------------------
# Evaluation of indefinite paths (Jayway semantics: non-matching branches are
# skipped silently).
# --------------------------------------------------------------------------


def _evaluate(steps: tuple, doc: Any, path: JsonPath) -> list:
    # AWS (recorded): an indefinite path never fails -- "$.items[*]" or
    # "$.item.items[1:]" over {} give [] -- so missing keys and values of the
    # wrong kind just drop out of the match list, at every step.
    nodes = [doc]
    last = len(steps) - 1
    for i, step in enumerate(steps):
        kind = step[0]
        out: list = []
        if kind == "key":
            key = step[1]
            for n in nodes:
                if type(n) is dict:
                    v = n.get(key, _MISSING)
                    if v is not _MISSING:
                        out.append(v)
        elif kind == "index":
            idx = step[1]
            for n in nodes:
                if type(n) is list and -len(n) <= idx < len(n):
                    out.append(n[idx])
        elif kind == "keys":
            for n in nodes:
                if type(n) is dict:
                    if i == last:  # Jayway merges the names into one object per match
                        out.append({k: n[k] for k in step[1] if k in n})
                    else:
                        out.extend(n[k] for k in step[1] if k in n)
        elif kind == "indexes":
            for n in nodes:
                if type(n) is list:
                    size = len(n)
                    out.extend(n[j] for j in step[1] if -size <= j < size)
        elif kind == "wild":
            for n in nodes:
                if type(n) is dict:
                    out.extend(n.values())
                elif type(n) is list:
                    out.extend(n)
        elif kind == "slice":
            start, stop = step[1], step[2]
            for n in nodes:
                if type(n) is list:
                    out.extend(n[start:stop])
        elif kind == "filter":
            pred = step[1]
            for n in nodes:
                if type(n) is list:
                    out.extend(e for e in n if pred(e, doc))
                elif type(n) is dict and pred(n, doc):
                    # Jayway applies a filter on an object to the object itself.
                    out.append(n)
        elif kind == "deep":
            inner = step[1]
            for n in nodes:
                _scan(inner, n, out, doc)
        else:  # pragma: no cover - the parser produces no other kinds
            raise AssertionError(kind)
        nodes = out
    return nodes


def _scan(step: tuple, node: Any, out: list, root: Any) -> None:
    """Recursive descent (``..``): apply ``step`` to ``node`` and to every
    descendant, in document pre-order (as Jayway's ScanPathToken walks)."""
    kind = step[0]
    if type(node) is dict:
        if kind == "key":
            v = node.get(step[1], _MISSING)
            if v is not _MISSING:
                out.append(v)
        elif kind == "keys":
            out.extend(node[k] for k in step[1] if k in node)
        elif kind == "wild":
            out.extend(node.values())
        elif kind == "filter":
            if step[1](node, root):
                out.append(node)
        for v in node.values():
            if type(v) is dict or type(v) is list:
                _scan(step, v, out, root)
    elif type(node) is list:
        if kind == "wild":
            out.extend(node)
        elif kind == "index":
            if -len(node) <= step[1] < len(node):
                out.append(node[step[1]])
        elif kind == "indexes":
            out.extend(node[j] for j in step[1] if -len(node) <= j < len(node))
        elif kind == "slice":
            out.extend(node[step[1] : step[2]])
        elif kind == "filter":
            out.extend(e for e in node if step[1](e, root))
        for v in node:
            if type(v) is dict or type(v) is list:
                _scan(step, v, out, root)


def _numbers(value: Any, path: JsonPath) -> list:
    items = value if isinstance(value, list) else [value]
    nums = [v for v in items if is_number(v)]
    if not nums:
        raise PathNotFound(
            path.text, "Aggregation function attempted to calculate value using empty array"
        )
    return nums


def _apply_function(name: str, value: Any, path: JsonPath) -> Any:
    """Jayway's tail functions (``$.items.length()``)."""
    if name in ("length", "size"):
        if isinstance(value, (list, dict, str)):
            return len(value)
        raise PathNotFound(path.text, f"Function {name}() can not be applied to {_java_str(value)}")
    if name == "keys":
        if isinstance(value, dict):
            return list(value)
        raise PathNotFound(path.text, "Function keys() can only be applied to objects")
    if name in ("first", "last"):
        if isinstance(value, list) and value:
            return value[0] if name == "first" else value[-1]
        raise PathNotFound(path.text, f"Function {name}() can only be applied to non-empty arrays")
    nums = _numbers(value, path)
    if name == "min":
        return float(min(nums))
    if name == "max":
        return float(max(nums))
    if name == "sum":
        return float(sum(nums))
    avg = sum(nums) / len(nums)
    if name == "avg":
        return float(avg)
    return math.sqrt(sum((x - avg) ** 2 for x in nums) / len(nums))  # stddev


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

_INT_RE = re.compile(r"\s*(-?\d+)\s*")
# ``$name``: a variable reference (Assign); names are identifiers.
_VARIABLE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Parser:
    """Hand-written recursive descent over the path text (no parser generator)."""

    def __init__(self, text: str, pos: int, in_filter: bool) -> None:
        self.text = text
        self.pos = pos
        self.in_filter = in_filter

    def error(self, message: str) -> PathSyntaxError:
        return PathSyntaxError(self.text, f"{message} at position {self.pos}")

    def parse_steps(self) -> tuple:
        text = self.text
        steps: list[tuple] = []
        n = len(text)
        while self.pos < n:
            c = text[self.pos]
            if c == ".":
                if text.startswith("..", self.pos):
                    self.pos += 2
                    if self.pos >= n:
                        raise self.error("path must not end with '..'")
                    if text[self.pos] == "[":
                        inner = self.parse_bracket()
                    elif text[self.pos] == "*":
                        self.pos += 1
                        inner = ("wild",)
                    else:
                        inner = self.parse_name()
                        if inner[0] == "func":
                            raise self.error("a function cannot follow '..'")
                    steps.append(("deep", inner))
                else:
                    self.pos += 1
                    if self.pos >= n:
                        raise self.error("path must not end with '.'")
                    if text[self.pos] == "*":
                        self.pos += 1
                        steps.append(("wild",))
                    elif text[self.pos] == "[":
                        raise self.error("unexpected '[' after '.'")
                    else:
                        steps.append(self.parse_name())
            elif c == "[":
                steps.append(self.parse_bracket())
            elif self.in_filter:
                break
            else:
                raise self.error(f"unexpected character {c!r}")
            if steps and steps[-1][0] == "func":
                if self.pos < n and not (self.in_filter and text[self.pos] in _FILTER_STOP):
                    raise self.error("a function must be the last element of a path")
                break
        return tuple(steps)

    def parse_name(self) -> tuple:
        text, start = self.text, self.pos
        n = len(text)
        while self.pos < n:
            c = text[self.pos]
            if c in ".[":
                break
            if c == "(":
                name = text[start : self.pos]
                if not text.startswith("()", self.pos):
                    raise self.error("function arguments are not supported")
                if name not in _FUNCTIONS:
                    raise self.error(f"unknown function {name}()")
                self.pos += 2
                return ("func", name)
            if self.in_filter and c in _FILTER_STOP:
                break
            if c in " \t\n":
                raise self.error("use bracket notation ['my prop'] for names with blanks")
            if c in "]'\")":
                raise self.error(f"unexpected character {c!r}")
            self.pos += 1
        if self.pos == start:
            raise self.error("empty property name")
        return ("key", text[start : self.pos])

    def parse_bracket(self) -> tuple:
        text = self.text
        end_of_text = len(text)
        self.pos += 1  # '['
        self.skip_ws()
        if self.pos >= end_of_text:
            raise self.error("unterminated '['")
        c = text[self.pos]
        if c == "?":
            return self.parse_filter()
        if c == "*":
            self.pos += 1
            self.expect("]")
            return ("wild",)
        if c in "'\"":
            names = [self.parse_quoted()]
            self.skip_ws()
            while self.peek() == ",":
                self.pos += 1
                self.skip_ws()
                if self.peek() not in ("'", '"'):
                    raise self.error("expected a quoted property name")
                names.append(self.parse_quoted())
                self.skip_ws()
            self.expect("]")
            return ("key", names[0]) if len(names) == 1 else ("keys", tuple(names))
        close = text.find("]", self.pos)
        if close < 0:
            raise self.error("unterminated '['")
        body = text[self.pos : close]
        self.pos = close + 1
        if ":" in body:
            parts = body.split(":")
            if len(parts) != 2:
                raise self.error(f"invalid array slice [{body}]")
            bounds: list[int | None] = []
            for part in parts:
                part = part.strip()
                if part == "":
                    bounds.append(None)
                elif re.fullmatch(r"-?\d+", part):
                    bounds.append(int(part))
                else:
                    raise self.error(f"invalid array slice [{body}]")
            return ("slice", bounds[0], bounds[1])
        items = body.split(",")
        idx = []
        for item in items:
            m = _INT_RE.fullmatch(item)
            if not m:
                raise self.error(f"invalid array index [{body}]")
            idx.append(int(m.group(1)))
        return ("index", idx[0]) if len(idx) == 1 else ("indexes", tuple(idx))

    def parse_quoted(self) -> str:
        # A backslash stops the next character from closing the name but, as
        # in the Jayway version AWS runs (recorded: $['Test\\""Name"'] reads
        # the key Test\\""Name"), both characters stay in the name.
        text, quote = self.text, self.text[self.pos]
        self.pos += 1
        out = []
        while self.pos < len(text):
            c = text[self.pos]
            if c == "\\" and self.pos + 1 < len(text):
                out.append(text[self.pos : self.pos + 2])
                self.pos += 2
                continue
            if c == quote:
                self.pos += 1
                return "".join(out)
            out.append(c)
            self.pos += 1
        raise self.error("unterminated quoted name")

    def parse_filter(self) -> tuple:
        start = self.pos
        self.pos += 1  # '?'
        self.skip_ws()
        self.expect("(")
        pred = _FilterParser(self).parse_or()
        self.skip_ws()
        self.expect(")")
        self.skip_ws()
        self.expect("]")
        return ("filter", pred, self.text[start : self.pos - 1])

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\n":
            self.pos += 1

    def expect(self, char: str) -> None:
        self.skip_ws()
        if self.peek() != char:
            raise self.error(f"expected {char!r}")
        self.pos += 1


# --- filter expressions ----------------------------------------------------

_ABSENT = object()  # an operand path that matched nothing


def _equal(a: Any, b: Any) -> bool:
    if is_number(a) and is_number(b):
        return a == b
    if type(a) is not type(b) and not (is_number(a) and is_number(b)):
        return False
    return a == b


def _order(op: str) -> Callable[[Any, Any], bool]:
    cmp = {
        "<": lambda x, y: x < y,
        "<=": lambda x, y: x <= y,
        ">": lambda x, y: x > y,
        ">=": lambda x, y: x >= y,
    }[op]

    def compare(a: Any, b: Any) -> bool:
        if is_number(a) and is_number(b):
            return cmp(a, b)
        if isinstance(a, str) and isinstance(b, str):
            return cmp(a, b)
        return False

    return compare


def _regex_match(a: Any, b: Any) -> bool:
    if isinstance(b, BudgetedPattern) and isinstance(a, str):
        return b.fullmatch(a) is not None
    return False


def _contains(container: Any, item: Any) -> bool:
    return isinstance(container, list) and any(_equal(item, c) for c in container)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": _equal,
    "!=": lambda a, b: not _equal(a, b),
    "<": _order("<"),
    "<=": _order("<="),
    ">": _order(">"),
    ">=": _order(">="),
    "=~": _regex_match,
    "in": lambda a, b: _contains(b, a),
    "nin": lambda a, b: isinstance(b, list) and not _contains(b, a),
    "subsetof": lambda a, b: (
        isinstance(a, list) and isinstance(b, list) and all(_contains(b, x) for x in a)
    ),
    "anyof": lambda a, b: (
        isinstance(a, list) and isinstance(b, list) and any(_contains(b, x) for x in a)
    ),
    "noneof": lambda a, b: (
        isinstance(a, list) and isinstance(b, list) and not any(_contains(b, x) for x in a)
    ),
    "size": lambda a, b: isinstance(a, (list, str)) and is_number(b) and len(a) == b,
    "empty": lambda a, b: isinstance(a, (list, str)) and isinstance(b, bool) and (len(a) == 0) == b,
}
_WORD_OPS = ("subsetof", "anyof", "noneof", "size", "empty", "nin", "in")


class _FilterParser:
    """``[?( <expr> )]``: ``||``, ``&&``, ``!``, parentheses, comparisons
    (``== != < <= > >= =~ in nin subsetof anyof noneof size empty``) and bare
    paths as existence tests, over ``@`` (current item) and ``$`` (root)."""

    def __init__(self, outer: _Parser) -> None:
        self.p = outer
        self.text = outer.text

    def parse_or(self) -> Callable[[Any, Any], bool]:
        terms = [self.parse_and()]
        while self.match("||"):
            terms.append(self.parse_and())
        if len(terms) == 1:
            return terms[0]
        return lambda item, root: any(t(item, root) for t in terms)

    def parse_and(self) -> Callable[[Any, Any], bool]:
        terms = [self.parse_unary()]
        while self.match("&&"):
            terms.append(self.parse_unary())
        if len(terms) == 1:
            return terms[0]
        return lambda item, root: all(t(item, root) for t in terms)

    def parse_unary(self) -> Callable[[Any, Any], bool]:
        self.p.skip_ws()
        if self.p.peek() == "!" and not self.text.startswith("!=", self.p.pos):
            self.p.pos += 1
            inner = self.parse_unary()
            return lambda item, root: not inner(item, root)
        if self.p.peek() == "(":
            self.p.pos += 1
            inner = self.parse_or()
            self.p.expect(")")
            return inner
        return self.parse_comparison()

    def parse_comparison(self) -> Callable[[Any, Any], bool]:
        left, left_is_path = self.parse_operand()
        self.p.skip_ws()
        op = self.parse_operator()
        if op is None:
            if not left_is_path:
                raise self.p.error("a filter term must be a path or a comparison")
            return lambda item, root: left(item, root) is not _ABSENT
        right, _ = self.parse_operand()
        fn = _OPERATORS[op]

        def compare(item: Any, root: Any) -> bool:
            a, b = left(item, root), right(item, root)
            if a is _ABSENT or b is _ABSENT:
                return False
            return fn(a, b)

        return compare

    def parse_operator(self) -> str | None:
        for op in ("==", "!=", "<=", ">=", "=~", "<", ">"):
            if self.text.startswith(op, self.p.pos):
                self.p.pos += len(op)
                return op
        for op in _WORD_OPS:
            end = self.p.pos + len(op)
            if self.text.startswith(op, self.p.pos) and (
                end >= len(self.text) or not self.text[end].isalnum()
            ):
                self.p.pos = end
                return op
        return None

    def parse_operand(self) -> tuple[Callable[[Any, Any], Any], bool]:
        p = self.p
        p.skip_ws()
        c = p.peek()
        if c in ("@", "$"):
            p.pos += 1
            sub = _Parser(self.text, p.pos, in_filter=True)
            steps = sub.parse_steps()
            p.pos = sub.pos
            inner = JsonPath(c, False, steps)
            if c == "$":
                return _RootRef(inner), True

            def value(item: Any, root: Any) -> Any:
                return _find_or_absent(inner, item)

            return value, True
        if c in ("'", '"'):
            s = p.parse_quoted()
            return (lambda item, root: s), False
        if c == "/":
            end = self.text.find("/", p.pos + 1)
            if end < 0:
                raise p.error("unterminated regular expression")
            pattern = self.text[p.pos + 1 : end]
            p.pos = end + 1
            flags = ""
            while p.peek() in ("i", "m", "s", "x"):
                flags += p.peek()
                p.pos += 1
            try:
                # A user pattern: matched within a time budget (see .budget).
                rx = compile_pattern(pattern, flags)
            except PatternError as exc:
                raise p.error(f"invalid regular expression /{pattern}/: {exc}") from None
            return (lambda item, root: rx), False
        if c in ("[", "{"):
            depth, start = 0, p.pos
            while p.pos < len(self.text):
                ch = self.text[p.pos]
                if ch in "[{":
                    depth += 1
                elif ch in "]}":
                    depth -= 1
                    if depth == 0:
                        p.pos += 1
                        break
                p.pos += 1
            raw = self.text[start : p.pos].replace("'", '"')
            try:
                literal = json.loads(raw)
            except ValueError:
                raise p.error(f"invalid JSON literal {raw}") from None
            return (lambda item, root: literal), False
        m = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null").match(self.text, p.pos)
        if m:
            p.pos = m.end()
            literal = json.loads(m.group(0))
            return (lambda item, root: literal), False
        raise p.error("expected a filter operand")

    def match(self, token: str) -> bool:
        self.p.skip_ws()
        if self.text.startswith(token, self.p.pos):
            self.p.pos += len(token)
            return True
        return False


def _find_or_absent(path: JsonPath, doc: Any) -> Any:
    try:
        found = path.find(doc)
    except PathNotFound:
        return _ABSENT
    if not path.is_definite and not found:
        return _ABSENT
    return found


class _RootRef:
    """A ``$...`` operand inside a filter: Jayway evaluates it against the
    root document, which every predicate receives beside the current item."""

    __slots__ = ("path",)

    def __init__(self, path: JsonPath) -> None:
        self.path = path

    def __call__(self, item: Any, root: Any) -> Any:
        return _find_or_absent(self.path, root)


@lru_cache(maxsize=4096)
def compile_path(text: str) -> JsonPath:
    """Compile a Path (``$...``) or a context path (``$$...``); cached."""
    if not isinstance(text, str):
        raise PathSyntaxError(str(text), "a path must be a string")
    variable = None
    if text.startswith("$$"):
        is_context, pos = True, 2
    elif text.startswith("$"):
        is_context, pos = False, 1
        m = _VARIABLE_RE.match(text, 1)
        if m:
            variable, pos = m.group(0), m.end()
    else:
        raise PathSyntaxError(text, "a path must begin with '$'")
    parser = _Parser(text, pos, in_filter=False)
    steps = parser.parse_steps()
    return JsonPath(text, is_context, steps, variable)


@lru_cache(maxsize=4096)
def compile_reference_path(text: str, allow_context: bool = False) -> JsonPath:
    """Compile a Reference Path: *"a path whose syntax is limited in such a way
    that it can identify only a single node in a JSON structure"* -- ``$``,
    dotted or bracket names and single integer indexes, no operators.

    ResultPath cannot address the Context object, hence ``allow_context``
    defaults to False; callers of other reference-path fields may allow it.
    """
    path = compile_path(text)
    if path.variable is not None:
        raise PathSyntaxError(text, "a reference path cannot address a variable")
    if path.is_context and not allow_context:
        raise PathSyntaxError(text, "a reference path cannot address the context object ($$)")
    if path._func is not None or path._keys is None:
        raise PathSyntaxError(
            text,
            "a reference path can identify only a single node "
            "(no wildcards, filters, slices, '..' or functions)",
        )
    return path


def assign(doc: Any, ref: JsonPath, value: Any) -> Any:
    """Return a new document with ``value`` placed at ``ref`` (ResultPath).

    "ResultPath": *"If the ResultPath matches an item in the state's input,
    only that input item is overwritten"*; missing intermediate objects are
    created.  The input is not mutated: containers along the path are copied
    and every other subtree is shared.  Raises ``TypeError`` when a step meets
    a value of the wrong kind (e.g. ``$.a.b`` where ``a`` is a string) and
    ``PathNotFound`` when an index is out of range -- the caller reports both
    as ``States.ResultPathMatchFailure``.
    """
    keys = ref.keys
    if keys is None:
        raise TypeError(f"{ref.text} is not a reference path")
    if not keys:
        return value
    return _assign(doc, keys, 0, value, ref)


def _assign(node: Any, keys: tuple, i: int, value: Any, ref: JsonPath) -> Any:
    key = keys[i]
    last = i == len(keys) - 1
    if type(key) is str:
        if type(node) is not dict:
            raise TypeError(f"cannot set property '{key}' of {json_type_name(node)} at {ref.text}")
        new = dict(node)
        if last:
            new[key] = value
        else:
            child = node.get(key, _MISSING)
            new[key] = _assign({} if child is _MISSING else child, keys, i + 1, value, ref)
        return new
    if type(node) is not list:
        raise TypeError(f"cannot set index [{key}] of {json_type_name(node)} at {ref.text}")
    size = len(node)
    if not -size <= key < size:
        raise PathNotFound(ref.text, f"Index {key} out of bounds for length {size}")
    new_list = list(node)
    new_list[key] = value if last else _assign(node[key], keys, i + 1, value, ref)
    return new_list
