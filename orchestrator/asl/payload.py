"""Payload templates: ``Parameters``, ``ResultSelector``, ``ItemSelector`` and
the Map state's legacy ``Parameters``.

AWS developer guide, "Parameters": *"For key-value pairs where the value is
selected using a path, the key name must end in ``.$``"*; the value is then a
Path, a context path (``$$``) or an intrinsic function call, and the key
appears in the output without its ``.$`` suffix.  Other values are copied as
they are, at any depth (objects and arrays alike).

The template is compiled once into a tree of small node objects; each
evaluation walks it and builds new containers.  Constant subtrees are shared
between evaluations rather than copied: JSON values are never mutated in the
interpreter (see ``paths`` for the copy policy), so sharing is safe and cheap.

A path that matches nothing at run time is ``States.Runtime`` with AWS's
cause (recorded in the conformance corpus)::

    The JSONPath '$.x' specified for the field 'value.$' could not be found in the input '{"a":1}'

The caller prefixes it with ``An error occurred while executing the state
'<name>' (entered at the event id #<n>). ``.
"""

from __future__ import annotations

from typing import Any

from .errors import RUNTIME, StatesError
from .intrinsics import (
    Intrinsic,
    IntrinsicSyntaxError,
    compile_intrinsic,
    is_intrinsic,
    path_not_found_cause,
)
from .paths import JsonPath, PathNotFound, PathSyntaxError, compile_path

__all__ = ["Template", "TemplateError", "compile_template", "compile_dynamic_value"]


class TemplateError(ValueError):
    """A ``.$`` field whose value is not a valid path or intrinsic call.

    ``str(exc)`` is AWS's validation message; ``field`` the key (``'x.$'``),
    ``location`` the keys/indexes from the template root to the object holding
    it (AWS reports the location of that object, e.g. ``/States/S/Parameters``),
    ``detail`` what exactly is wrong with the value."""

    def __init__(self, field: str, detail: str, location: tuple = ()) -> None:
        super().__init__(
            f"The value for the field '{field}' must be a valid JSONPath "
            "or a valid intrinsic function call"
        )
        self.field = field
        self.detail = detail
        self.location = location


class _Const:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def evaluate(self, input: Any, context: Any, effects: Any, variables: Any) -> Any:
        return self.value


class _Path:
    __slots__ = ("path", "field")

    def __init__(self, path: JsonPath, field: str) -> None:
        self.path = path
        self.field = field

    def evaluate(self, input: Any, context: Any, effects: Any, variables: Any) -> Any:
        path = self.path
        try:
            return path.resolve(input, context, variables)
        except PathNotFound:
            raise StatesError(RUNTIME, path_not_found_cause(path.text, self.field, input)) from None


class _Call:
    __slots__ = ("call", "field")

    def __init__(self, call: Intrinsic, field: str) -> None:
        self.call = call
        self.field = field

    def evaluate(self, input: Any, context: Any, effects: Any, variables: Any) -> Any:
        return self.call.evaluate(input, context, effects, variables, self.field)


class _Object:
    __slots__ = ("items",)

    def __init__(self, items: tuple) -> None:
        self.items = items  # ((output key, node), ...)

    def evaluate(self, input: Any, context: Any, effects: Any, variables: Any) -> dict:
        return {key: node.evaluate(input, context, effects, variables) for key, node in self.items}


class _Array:
    __slots__ = ("items",)

    def __init__(self, items: tuple) -> None:
        self.items = items

    def evaluate(self, input: Any, context: Any, effects: Any, variables: Any) -> list:
        return [node.evaluate(input, context, effects, variables) for node in self.items]


class Template:
    """A compiled payload template; ``evaluate`` builds the payload."""

    __slots__ = ("field", "source", "_root")

    def __init__(self, field: str, source: Any, root: Any) -> None:
        self.field = field
        self.source = source
        self._root = root

    def __repr__(self) -> str:
        return f"Template({self.field})"

    @property
    def is_constant(self) -> bool:
        """True when the template has no ``.$`` field at any depth."""
        return isinstance(self._root, _Const)

    def evaluate(self, input: Any, context: Any, effects: Any, variables: Any = None) -> Any:
        """Build the payload from the state input, the Context object (``$$``),
        the effects (UUID / random for intrinsics) and, for ``$name``
        references, the workflow variables."""
        return self._root.evaluate(input, context, effects, variables)


def compile_dynamic_value(value: Any, field: str) -> Any:
    """Compile the value of one ``.$`` field: a path, context path or
    intrinsic call.  Raises ValueError with AWS's validation message."""
    # AWS (CreateStateMachine, SCHEMA_VALIDATION_FAILED): "The value for the field
    # 'parsed.$' must be a valid JSONPath or a valid intrinsic function call"
    if isinstance(value, str):
        try:
            if is_intrinsic(value):
                return _Call(compile_intrinsic(value), field)
            if value.startswith("$"):
                return _Path(compile_path(value), field)
        except (IntrinsicSyntaxError, PathSyntaxError) as exc:
            raise TemplateError(field, str(exc)) from None
        raise TemplateError(
            field,
            f"'{value}' is neither a path (starting with '$') "
            "nor an intrinsic function call (States.Name(...))",
        )
    raise TemplateError(field, f"the value must be a string, not {type(value).__name__}")


def _compile(value: Any, location: tuple = ()) -> Any:
    if isinstance(value, dict):
        items = []
        dynamic = False
        for key, item in value.items():
            if isinstance(key, str) and key.endswith(".$"):
                try:
                    items.append((key[:-2], compile_dynamic_value(item, key)))
                except TemplateError as exc:
                    exc.location = location
                    raise
                dynamic = True
            else:
                node = _compile(item, location + (key,))
                dynamic = dynamic or not isinstance(node, _Const)
                items.append((key, node))
        if not dynamic:
            return _Const(value)
        return _Object(tuple(items))
    if isinstance(value, list):
        nodes = [_compile(item, location + (i,)) for i, item in enumerate(value)]
        if all(isinstance(n, _Const) for n in nodes):
            return _Const(value)
        return _Array(tuple(nodes))
    return _Const(value)


def compile_template(value: Any, field: str = "Parameters") -> Template:
    """Compile a payload template; ``field`` names it (Parameters,
    ResultSelector, ItemSelector) for messages.  A ``.$`` key whose value is
    not a valid path or intrinsic call raises TemplateError (a ValueError)."""
    return Template(field, value, _compile(value))
