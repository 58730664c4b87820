"""The JSONata data-flow pipeline (``QueryLanguage: JSONata``), registered beside JSONPath.

AWS developer guide, "Transforming data with JSONata in Step Functions": *"JSONata states
use Arguments and Output instead of InputPath, Parameters, ResultSelector, ResultPath and
OutputPath"*. ``$states.input`` is the original state input everywhere; ``Arguments``
(Task, Parallel) builds what the state works on; ``$states.result`` (Task, Parallel, Map)
is visible in ``Output`` and ``Assign``; a catcher's ``Output``/``Assign`` see
``$states.errorOutput``; ``$states.context`` is the Context object (with ``Map.Item`` in a
Map's ``ItemSelector``). Without ``Output`` the state output is the result (Task, Parallel,
Map) or the input (Pass, Choice, Wait, Succeed). ``Assign`` and ``Output`` both see the
variable values from before the state.

Errors are ``States.QueryEvaluationError`` with AWS's causes (see :mod:`..jsonata`).
"""
from __future__ import annotations

from typing import Any

from ..document import Doc, dumps
from ..errors import QUERY_EVALUATION_ERROR, StatesError
from ..jsonata import (JsonataValue, compile_value, evaluate_bindings, expression_error,
                       is_expression, run_expression)
from ..jsontext import json_type_name
from .pipeline import error_output_value, register_pipeline

__all__ = ["Scope", "JsonataIO", "JsonataCatchIO", "JsonataPipeline", "EXPRESSION_FIELDS"]

# Scalar fields that may hold one ``{% %}`` expression (the state types read them via
# :meth:`JsonataIO.field`).
EXPRESSION_FIELDS = ("MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage",
                     "Seconds", "Timestamp", "Error", "Cause", "TimeoutSeconds",
                     "HeartbeatSeconds")


class Scope:
    """What the expressions of one evaluation see: ``$states`` and the variables."""

    __slots__ = ("run", "states", "_bindings", "_context")

    def __init__(self, run, states: dict, context: dict | None = None) -> None:
        self.run = run
        self.states = states
        self._bindings = None
        self._context = context

    def run_expression(self, expr, field: str) -> Any:
        bindings = self._bindings
        if bindings is None:
            bindings = self._bindings = evaluate_bindings(self.run.frame.variables, self.states)
        if expr.uses_context and "context" not in self.states:
            self.states["context"] = self._context if self._context is not None \
                else self.run.context()
        try:
            return run_expression(expr, field, bindings, self.run.frame.env.effects)
        except StatesError as err:
            raise _prefixed(err, self.run, field) from None


def _prefixed(err: StatesError, run, location: str | None = None) -> StatesError:
    if err.error == QUERY_EVALUATION_ERROR and err.cause and not err.cause.startswith(
            "An error occurred while executing the state "):
        err = StatesError(err.error, run.prefix(err.cause))
        evaluation_failed(err, run, location)
    return err


def query_error(run, cause: str, location: str | None = None) -> StatesError:
    err = StatesError(QUERY_EVALUATION_ERROR, run.prefix(cause))
    evaluation_failed(err, run, location)
    return err


def evaluation_failed(err: StatesError, run, location: str | None) -> None:
    """Record ``EvaluationFailed`` as AWS does when a JSONata state cannot evaluate a field
    (recorded: ``cause``, ``error``, ``location`` = the field, ``state``). It links to the
    event before the state was entered (a Wait state: to its entered event); the state's
    failure events then follow it."""
    history = run.frame.env.history
    if run.state.type == "Wait":
        prev = run.entered_id
    else:
        prev = run.entered_prev
    details = {"cause": err.cause, "error": err.error}
    if location:
        details["location"] = location
    details["state"] = run.state.name
    run.frame.prev = history.add("EvaluationFailed", prev, details)
    err.evaluation_failed = True


def _optional(raw: dict, key: str) -> JsonataValue | None:
    return compile_value(raw[key], key) if key in raw else None


class JsonataIO:
    """The compiled JSONata fields of one state."""

    __slots__ = ("arguments", "output", "assign", "items", "item_selector", "fields")

    def __init__(self, raw: dict, kind: str | None) -> None:
        self.arguments = _optional(raw, "Arguments")
        self.output = _optional(raw, "Output")
        self.assign = _optional(raw, "Assign")
        self.items = _optional(raw, "Items") if kind == "Map" else None
        self.item_selector = _optional(raw, "ItemSelector") if kind == "Map" else None
        self.fields = {key: compile_value(raw[key], key) for key in EXPRESSION_FIELDS
                       if is_expression(raw.get(key))}

    # The state's own fields ------------------------------------------------------------
    def field(self, key: str, doc: Doc, run) -> Any:
        """Evaluate a scalar field that holds an expression (``$states.input`` = ``doc``)."""
        return self.fields[key].evaluate(Scope(run, {"input": doc.value}))

    def effective_input(self, doc: Doc, run) -> Doc:
        """``Arguments`` (Task, Parallel): what the state works on; default the input."""
        if self.arguments is None:
            return doc
        return Doc(self.arguments.evaluate(Scope(run, {"input": doc.value})))

    def selected_input(self, doc: Doc, run) -> Doc:
        return doc

    def state_output(self, raw: Doc, result: Doc, run, has_result: bool = True) -> Doc:
        """``Assign`` then ``Output`` (default: the result), both with ``$states.input`` the
        state input and ``$states.result`` the result."""
        states = {"input": raw.value}
        if has_result:
            states["result"] = result.value
        scope = Scope(run, states)
        if self.assign is not None:
            run.assign(self.assign.evaluate(scope))
        if self.output is None:
            return result
        return Doc(self.output.evaluate(scope))

    def passthrough(self, doc: Doc, run) -> Doc:
        """Choice (Default), Wait, Succeed, Pass: ``Output`` defaults to the input."""
        return self.state_output(doc, doc, run, has_result=False)

    # Map -------------------------------------------------------------------------------
    def map_items(self, doc: Doc, run) -> list:
        """``Items`` (a JSON array, or an expression giving one); default the input."""
        if self.items is None:
            items = doc.value
            if not isinstance(items, list):
                raise query_error(run, f"Map state input must be an array but was: "
                                       f"{dumps(items)}")
            return items
        items = self.items.evaluate(Scope(run, {"input": doc.value}))
        if not isinstance(items, list):
            source = self.items.source
            if is_expression(source):
                from ..jsonata import compile_expression
                err = expression_error(
                    compile_expression(source), "Items",
                    f"returned an unexpected result type. Expected 'array', but was "
                    f"'{json_type_name(items)}' for value: {dumps(items)}")
                raise _prefixed(err, run, "Items")
            raise query_error(run, f"Map state input must be an array but was: {dumps(items)}")
        return items

    def select_item(self, doc: Doc, context: dict, run) -> Any:
        """``ItemSelector``: ``$states.context.Map.Item`` is this item."""
        return self.item_selector.evaluate(Scope(run, {"input": doc.value}, context))


class JsonataCatchIO:
    """A catcher's ``Output`` (default: the error output) and ``Assign``."""

    __slots__ = ("output", "assign")

    def __init__(self, raw: dict) -> None:
        self.output = _optional(raw, "Output")
        self.assign = _optional(raw, "Assign")

    def error_output(self, raw: Doc, error: StatesError, run) -> Doc:
        error_value = error_output_value(error)
        run.assign(None)  # a failed attempt's assignments never apply
        scope = Scope(run, {"input": raw.value, "errorOutput": error_value})
        if self.assign is not None:
            run.assign(self.assign.evaluate(scope))
        if self.output is None:
            return Doc(error_value)
        return Doc(self.output.evaluate(scope))


class JsonataRule:
    """A JSONata Choice rule: ``Condition`` (+ its own ``Output``/``Assign``)."""

    __slots__ = ("condition", "output", "assign")

    def __init__(self, raw: dict) -> None:
        self.condition = compile_value(raw.get("Condition"), "Condition")
        self.output = _optional(raw, "Output")
        self.assign = _optional(raw, "Assign")

    def test(self, doc: Doc, run) -> bool:
        value = self.condition.evaluate(Scope(run, {"input": doc.value}))
        if not isinstance(value, bool):
            source = self.condition.source
            if is_expression(source):
                from ..jsonata import compile_expression
                raise _prefixed(expression_error(
                    compile_expression(source), "Condition",
                    f"returned an unexpected result type. Expected 'boolean', but was "
                    f"'{json_type_name(value)}' for value: {dumps(value)}"), run, "Condition")
        return value is True

    def finish(self, doc: Doc, run) -> Doc:
        scope = Scope(run, {"input": doc.value})
        if self.assign is not None:
            run.assign(self.assign.evaluate(scope))
        if self.output is None:
            return doc
        return Doc(self.output.evaluate(scope))


class JsonataPipeline:
    name = "JSONata"

    def compile_state(self, kind: str | None, raw: dict) -> JsonataIO:
        return JsonataIO(raw, kind)

    def compile_catcher(self, raw: dict) -> JsonataCatchIO:
        return JsonataCatchIO(raw)

    def compile_choice_rule(self, raw: dict) -> JsonataRule:
        return JsonataRule(raw)


register_pipeline("JSONata", JsonataPipeline())
