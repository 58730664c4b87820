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

Errors are ``States.QueryEvaluationError`` with AWS's causes (see :mod:`..jsonata`),
carrying the field that failed (``location``); :meth:`StateRun.failure` prefixes them and
records ``EvaluationFailed``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..document import Doc, dumps
from ..errors import QUERY_EVALUATION_ERROR, StatesError, cause_text
from ..jsonata import (
    JsonataValue,
    compile_expression,
    compile_value,
    evaluate_bindings,
    expression_error,
    is_expression,
    run_expression,
)
from ..jsontext import is_integer, is_number, json_type_name
from ..model import JSONATA
from ..timestamps import parse_timestamp
from .pipeline import error_output_value, register_pipeline

__all__ = [
    "Scope",
    "JsonataIO",
    "JsonataCatchIO",
    "JsonataRule",
    "JsonataPipeline",
    "EXPRESSION_FIELDS",
    "query_error",
]

# Scalar fields that may hold one ``{% %}`` expression (the ``io`` methods below read them).
EXPRESSION_FIELDS = (
    "MaxConcurrency",
    "ToleratedFailureCount",
    "ToleratedFailurePercentage",
    "Seconds",
    "Timestamp",
    "Error",
    "Cause",
    "TimeoutSeconds",
    "HeartbeatSeconds",
)


class Scope:
    """What the expressions of one evaluation see: ``$states`` and the variables."""

    __slots__ = ("run", "states", "_bindings", "_context")

    def __init__(self, run, states: dict, context: dict | None = None) -> None:
        self.run = run
        self.states = states
        self._bindings: dict | None = None
        self._context = context

    def run_expression(self, expr, field: str) -> Any:
        bindings = self._bindings
        if bindings is None:
            bindings = self._bindings = evaluate_bindings(self.run.frame.variables, self.states)
        if expr.uses_context and "context" not in self.states:
            self.states["context"] = (
                self._context if self._context is not None else self.run.context()
            )
        try:
            return run_expression(expr, field, bindings, self.run.frame.env.effects)
        except StatesError as err:
            if err.location is not None:
                raise
            raise err.replace(location=field) from None


def query_error(cause: str, location: str | None = None) -> StatesError:
    """A JSONata state's ``States.QueryEvaluationError`` (``location``: the field)."""
    return StatesError(QUERY_EVALUATION_ERROR, cause, location=location)


def _unexpected_type(source: str, field: str, expected: str, result: Any) -> StatesError:
    """A field whose expression ``source`` evaluated to the wrong JSON type."""
    return expression_error(
        compile_expression(source),
        field,
        f"returned an unexpected result type. Expected '{expected}', but was "
        f"'{json_type_name(result)}' for value: {dumps(result)}",
    ).replace(location=field)


def _part(raw: dict, key: str) -> dict:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _optional(raw: dict, key: str) -> JsonataValue | None:
    return compile_value(raw[key], key) if key in raw else None


class JsonataIO:
    """The compiled JSONata fields of one state."""

    __slots__ = (
        "arguments",
        "output",
        "assign",
        "items",
        "item_selector",
        "fields",
        "reader_args",
        "writer_args",
        "batch",
        "numbers",
    )

    def __init__(self, raw: dict, kind: str | None) -> None:
        self.arguments = _optional(raw, "Arguments")
        self.output = _optional(raw, "Output")
        self.assign = _optional(raw, "Assign")
        self.items = _optional(raw, "Items") if kind == "Map" else None
        self.item_selector = _optional(raw, "ItemSelector") if kind == "Map" else None
        self.fields = {
            key: compile_value(raw[key], key)
            for key in EXPRESSION_FIELDS
            if is_expression(raw.get(key))
        }
        # Distributed Map over S3: ItemReader / ResultWriter ``Arguments``, ItemBatcher's
        # ``BatchInput``, and the number fields (literal or expression).
        reader, batcher = _part(raw, "ItemReader"), _part(raw, "ItemBatcher")
        self.reader_args = _optional(reader, "Arguments")
        self.writer_args = _optional(_part(raw, "ResultWriter"), "Arguments")
        self.batch = _optional(batcher, "BatchInput")
        self.numbers = {}
        for key, where in (
            ("MaxItems", _part(reader, "ReaderConfig")),
            ("MaxItemsPerBatch", batcher),
            ("MaxInputBytesPerBatch", batcher),
        ):
            self.numbers[key] = where.get(key)
            if is_expression(where.get(key)):
                self.fields[key] = compile_value(where[key], key)

    def _field(self, key: str, literal: Any, doc: Doc, run) -> Any:
        """A scalar field: its expression's value (``$states.input`` = ``doc``), else the
        literal the definition gives."""
        expr = self.fields.get(key)
        if expr is None:
            return literal
        return expr.evaluate(Scope(run, {"input": doc.value}))

    # The data flow ---------------------------------------------------------------------
    def effective_input(self, doc: Doc, run) -> Doc:
        """``Arguments`` (Task, Parallel): what the state works on; default the input."""
        if self.arguments is not None:
            doc = Doc(self.arguments.evaluate(Scope(run, {"input": doc.value})))
        inspector = run.frame.env.inspector
        if inspector is not None:
            inspector.step(run, "afterArguments", doc)
        return doc

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

    # The state types' own fields -------------------------------------------------------
    def pass_output(self, doc: Doc, run) -> Doc:
        """Pass: ``Output`` (default: the input); a Pass state has no ``$states.result``."""
        return self.passthrough(doc, run)

    def fail_error(self, doc: Doc, run) -> tuple[str | None, str | None]:
        """Fail: ``Error``/``Cause``, each a string or an expression (rendered as text)."""
        state = run.state
        error, cause = state.error, state.cause
        if "Error" in self.fields:
            error = cause_text(self._field("Error", error, doc, run))
        if "Cause" in self.fields:
            cause = cause_text(self._field("Cause", cause, doc, run))
        return error, cause

    def wait_until(self, doc: Doc, run) -> datetime:
        """Wait: ``Seconds``/``Timestamp``, a number/timestamp or an expression giving one."""
        state = run.state
        if state.seconds is not None:
            seconds = self._field("Seconds", state.seconds, doc, run)
            if (
                not is_number(seconds)
                or (isinstance(seconds, float) and not seconds.is_integer())
                or seconds < 0
            ):
                raise query_error(
                    f"The Seconds field must be a non-negative integer, but was: "
                    f"{cause_text(seconds)}",
                    "Seconds",
                )
            return run.entered_time + timedelta(seconds=int(seconds))
        text = self._field("Timestamp", state.timestamp, doc, run)
        moment = parse_timestamp(text) if isinstance(text, str) else None
        if moment is None:
            raise query_error(
                "The Timestamp field cannot be parsed as an ISO-8601 extended "
                f"offset date-time format string: {cause_text(text)}",
                "Timestamp",
            )
        return moment

    def timeout_seconds(self, doc: Doc, run) -> int | None:
        return self._seconds("TimeoutSeconds", run.state.timeout_seconds, doc, run)

    def heartbeat_seconds(self, doc: Doc, run) -> int | None:
        return self._seconds("HeartbeatSeconds", run.state.heartbeat_seconds, doc, run)

    def _seconds(self, key: str, literal: int | None, doc: Doc, run) -> int | None:
        if key not in self.fields:
            return literal
        seconds = self._field(key, literal, doc, run)
        if not is_integer(seconds) or seconds <= 0:
            raise query_error(
                f"The {key} field must be a positive integer, but was: {dumps(seconds)}", key
            )
        return seconds

    def map_items(self, doc: Doc, run) -> list:
        """Map: ``Items`` (a JSON array, or an expression giving one); default the input."""
        if self.items is None:
            items = doc.value
            if not isinstance(items, list):
                raise query_error(f"Map state input must be an array but was: {dumps(items)}")
            return items
        items = self.items.evaluate(Scope(run, {"input": doc.value}))
        if not isinstance(items, list):
            source = self.items.source
            if is_expression(source):
                raise _unexpected_type(source, "Items", "array", items)
            raise query_error(f"Map state input must be an array but was: {dumps(items)}")
        return items

    def select_item(self, doc: Doc, context: dict, run) -> Any:
        """Map: ``ItemSelector``; ``$states.context.Map.Item`` is this item."""
        assert self.item_selector is not None  # map.py calls this only when one is set
        return self.item_selector.evaluate(Scope(run, {"input": doc.value}, context))

    def max_concurrency(self, doc: Doc, run) -> int:
        return self._number("MaxConcurrency", run.state.max_concurrency, doc, run, True)

    def tolerated_failure_count(self, doc: Doc, run) -> int | None:
        return self._number(
            "ToleratedFailureCount", run.state.tolerated_failure_count, doc, run, True
        )

    def tolerated_failure_percentage(self, doc: Doc, run) -> float | None:
        return self._number(
            "ToleratedFailurePercentage", run.state.tolerated_failure_percentage, doc, run, False
        )

    # Distributed Map over S3 (ItemReader, ItemBatcher, ResultWriter) ---------------------
    def reader_arguments(self, doc: Doc, run) -> Any:
        return (
            {}
            if self.reader_args is None
            else self.reader_args.evaluate(Scope(run, {"input": doc.value}))
        )

    def writer_arguments(self, doc: Doc, run) -> Any:
        return (
            {}
            if self.writer_args is None
            else self.writer_args.evaluate(Scope(run, {"input": doc.value}))
        )

    def batch_input(self, doc: Doc, run) -> Any:
        return None if self.batch is None else self.batch.evaluate(Scope(run, {"input": doc.value}))

    def map_number(self, field: str, doc: Doc, run) -> int | None:
        """``ReaderConfig.MaxItems`` / ``ItemBatcher.MaxItemsPerBatch`` /
        ``MaxInputBytesPerBatch``: the literal or its expression's integer."""
        return self._number(field, self.numbers[field], doc, run, True)

    def _number(self, key: str, literal, doc: Doc, run, integer: bool):
        """A Map number field holding an expression (MaxConcurrency, Tolerated*)."""
        if key not in self.fields:
            return literal
        value = self._field(key, literal, doc, run)
        if not is_number(value) or (integer and not float(value).is_integer()):
            raise query_error(
                f"The {key} field must be a {'integer' if integer else 'number'}"
                f", but was: {cause_text(value)}"
            )
        return int(value) if integer else float(value)


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
        if not isinstance(value, bool) and is_expression(self.condition.source):
            raise _unexpected_type(self.condition.source, "Condition", "boolean", value)
        return value is True

    def finish(self, doc: Doc, run) -> Doc:
        scope = Scope(run, {"input": doc.value})
        if self.assign is not None:
            run.assign(self.assign.evaluate(scope))
        if self.output is None:
            return doc
        return Doc(self.output.evaluate(scope))


class JsonataPipeline:
    name = JSONATA

    def compile_state(self, kind: str | None, raw: dict) -> JsonataIO:
        return JsonataIO(raw, kind)

    def compile_catcher(self, raw: dict) -> JsonataCatchIO:
        return JsonataCatchIO(raw)

    def compile_choice_rule(self, raw: dict) -> JsonataRule:
        return JsonataRule(raw)


register_pipeline(JSONATA, JsonataPipeline())
