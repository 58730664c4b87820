"""The data-flow pipeline, one strategy object per query language.

AWS developer guide, "Processing input and output": InputPath -> Parameters -> (the state's
work) -> ResultSelector -> ResultPath -> OutputPath. The model asks the state's query
language (:func:`pipeline_for`) to compile its data-flow fields into an ``io`` object and
its Choice rules into rule objects; the state types only call ``io`` and rule methods,
never naming a query language, and JSONata (:mod:`.jsonata_io`) registers the second
strategy with :func:`register_pipeline`.

The ``io`` interface (this module's :class:`JsonPathIO`, ``JsonataIO``): the data flow
(``effective_input``, ``selected_input``, ``state_output``, ``passthrough``), Pass
(``pass_output``), Fail (``fail_error``), Wait (``wait_until``), Task
(``timeout_seconds``, ``heartbeat_seconds``) and Map (``map_items``, ``item_selector`` /
``select_item``, ``max_concurrency``, ``tolerated_failure_count``,
``tolerated_failure_percentage``); a catcher's ``error_output``. A Choice rule has
``test`` (does it match) and ``finish`` (its Assign, and the state output). In JSONPath a
field's value comes from its literal or its ``...Path`` field; the causes for bad
``...Path`` values are AWS's recorded texts.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from ..document import Doc, dumps
from ..errors import RESULT_PATH_MATCH_FAILURE, RUNTIME, StatesError, cause_text
from ..intrinsics import path_not_found_cause
from ..jsontext import is_integer, is_number
from ..model import JSONPATH
from ..paths import JsonPath, PathNotFound, assign, compile_path, compile_reference_path
from ..timestamps import parse_timestamp

__all__ = [
    "IDENTITY",
    "JsonPathIO",
    "JsonPathCatchIO",
    "JsonPathRule",
    "JsonPathPipeline",
    "pipeline_for",
    "register_pipeline",
    "error_output_value",
]


class _Identity:
    """Marker for an absent InputPath/ResultPath/OutputPath (defaults to ``$``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "IDENTITY"


IDENTITY = _Identity()


def _compile_optional_path(raw: dict, key: str, reference: bool = False):
    if key not in raw:
        return IDENTITY
    text = raw[key]
    if text is None:
        return None
    path = compile_reference_path(text) if reference else compile_path(text)
    if path.keys == () and not path.is_context and path.variable is None:  # "$" is the identity
        return IDENTITY
    return path


_NO_CONTEXT: dict = {}


def _mentions_context(value: Any) -> bool:
    """Whether a template can read ``$$`` (any string in it containing ``$$``)."""
    if isinstance(value, str):
        return "$$" in value
    if isinstance(value, dict):
        return any(_mentions_context(k) or _mentions_context(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_mentions_context(v) for v in value)
    return False


def _template(raw: dict, key: str):
    if key not in raw:
        return None
    from ..payload import compile_template

    return compile_template(raw[key], key)


class JsonPathIO:
    """The compiled JSONPath data-flow fields of one state."""

    __slots__ = (
        "input_path",
        "parameters",
        "result_selector",
        "result_path",
        "output_path",
        "item_selector",
        "assign",
        "map_s3",
        "_parameters_use_context",
        "_selector_uses_context",
        "_assign_uses_context",
    )

    def __init__(self, raw: dict, kind: str | None) -> None:
        from ..variables import compile_jsonpath_assign

        self.assign = compile_jsonpath_assign(raw)
        self._assign_uses_context = _mentions_context(raw.get("Assign"))
        self.input_path = _compile_optional_path(raw, "InputPath")
        self.output_path = _compile_optional_path(raw, "OutputPath")
        self.result_path = _compile_optional_path(raw, "ResultPath", reference=True)
        self.result_selector = _template(raw, "ResultSelector")
        if kind == "Map":
            # Map's legacy ``Parameters`` is its ItemSelector (applied to each item).
            self.parameters = None
            self.item_selector = _template(raw, "ItemSelector") or _template(raw, "Parameters")
            self.map_s3: _MapS3 | None = _MapS3(raw)
        else:
            self.parameters = _template(raw, "Parameters")
            self.item_selector = None
            self.map_s3 = None
        # Building $$ costs a few microseconds: skip it for templates that never read it.
        self._parameters_use_context = _mentions_context(raw.get("Parameters"))
        self._selector_uses_context = _mentions_context(raw.get("ResultSelector"))

    # InputPath, then Parameters ------------------------------------------------------
    def effective_input(self, doc: Doc, run) -> Doc:
        path = self.input_path
        if path is not IDENTITY:
            if path is None:
                doc = Doc({})
            else:
                doc = doc.derive(run.path_value(path, doc.value))
        inspector = run.frame.env.inspector
        if inspector is not None:
            inspector.step(run, "afterInputPath", doc)
        if self.parameters is not None:
            ctx = run.context() if self._parameters_use_context else _NO_CONTEXT
            doc = Doc(
                self.parameters.evaluate(doc.value, ctx, run.frame.env.effects, run.frame.variables)
            )
        if inspector is not None:
            inspector.step(run, "afterParameters", doc)
        return doc

    def selected_input(self, doc: Doc, run) -> Doc:
        """InputPath only (Map applies ItemSelector per item, not to the whole input)."""
        doc = _select(self.input_path, doc, run)
        inspector = run.frame.env.inspector
        if inspector is not None:
            inspector.step(run, "afterInputPath", doc)
        return doc

    # ResultSelector, ResultPath, OutputPath ---------------------------------------------
    def state_output(self, raw: Doc, result: Doc, run) -> Doc:
        if self.result_selector is not None:
            ctx = run.context() if self._selector_uses_context else _NO_CONTEXT
            result = Doc(
                self.result_selector.evaluate(
                    result.value, ctx, run.frame.env.effects, run.frame.variables
                )
            )
        inspector = run.frame.env.inspector
        if inspector is not None:
            inspector.step(run, "afterResultSelector", result)
        if self.assign is not None:
            self.run_assign(result, run)
        merged = self.merge(raw, result, run)
        if inspector is not None:
            inspector.step(run, "afterResultPath", merged)
        return self.output(merged, run)

    def run_assign(self, doc: Doc, run) -> None:
        """Assign with ``$`` = ``doc`` (the result, or the input for Choice/Wait)."""
        ctx = run.context() if self._assign_uses_context else _NO_CONTEXT
        run.assign(self.assign.evaluate(doc.value, ctx, run.frame.env.effects, run.frame.variables))

    def merge(self, raw: Doc, result: Doc, run) -> Doc:
        """ResultPath: "$" replaces the input with the result, null keeps the input."""
        return _merge(self.result_path, raw, result, run)

    def output(self, doc: Doc, run) -> Doc:
        return _select(self.output_path, doc, run)

    def passthrough(self, doc: Doc, run) -> Doc:
        """Choice/Wait/Succeed: output = OutputPath(InputPath(input))."""
        selected = self.selected_input(doc, run)
        if self.assign is not None:
            self.run_assign(selected, run)
        return self.output(selected, run)

    # The state types' own fields -----------------------------------------------------
    def pass_output(self, doc: Doc, run) -> Doc:
        """Pass: ``Result`` (else the effective input) is the result of the pipeline."""
        state = run.state
        if state.has_result:
            result = Doc(state.result)
            inspector = run.frame.env.inspector
            if inspector is not None:
                inspector.step(run, "result", result)
        else:
            result = self.effective_input(doc, run)
        return self.state_output(doc, result, run)

    def fail_error(self, doc: Doc, run) -> tuple[str | None, str | None]:
        """Fail: ``Error``/``Cause``, or ``ErrorPath``/``CausePath`` (a path or an
        intrinsic function) evaluated against the input."""
        state = run.state
        inspector = run.frame.env.inspector
        if inspector is not None:
            inspector.step(run, "afterInputPath", doc)  # (a Fail state has no InputPath)
        error = (
            state.error
            if state.error_path is None
            else _dynamic(state.error_path, "ErrorPath", doc, run)
        )
        cause = (
            state.cause
            if state.cause_path is None
            else _dynamic(state.cause_path, "CausePath", doc, run)
        )
        return error, cause

    def wait_until(self, doc: Doc, run) -> datetime | None:
        """Wait: ``Seconds``/``SecondsPath`` from the state's entry, or the moment
        ``Timestamp``/``TimestampPath`` gives (paths against the InputPath-selected input;
        conformance ``base/test_wait``, ``scenarios/test_wait_timestamp_path``)."""
        state = run.state
        value = self.selected_input(doc, run).value
        if state.seconds is not None:
            return run.entered_time + timedelta(seconds=state.seconds)
        if state.timestamp is not None:
            return parse_timestamp(state.timestamp)
        if state.seconds_path is not None:
            path = state.seconds_path
            seconds = _required(path, "SecondsPath", value, run)
            if not is_number(seconds) or (isinstance(seconds, float) and not seconds.is_integer()):
                raise run.runtime_error(
                    f"The SecondsPath parameter cannot be parsed as a long value: {path.text} "
                    f"== {cause_text(seconds)}"
                )
            if seconds < 0:
                raise run.runtime_error(
                    f"The SecondsPath parameter references a negative value: {path.text} == "
                    f"{cause_text(seconds)}"
                )
            return run.entered_time + timedelta(seconds=int(seconds))
        path = state.timestamp_path
        text = _required(path, "TimestampPath", value, run)
        moment = parse_timestamp(text) if isinstance(text, str) else None
        if moment is None:
            raise run.runtime_error(
                "The TimestampPath parameter does not reference a valid ISO-8601 extended "
                f"offset date-time format string: {path.text} == {cause_text(text)}"
            )
        return moment

    def timeout_seconds(self, doc: Doc, run) -> int | None:
        state = run.state
        return _seconds(
            "TimeoutSeconds", state.timeout_seconds, state.timeout_seconds_path, doc, run
        )

    def heartbeat_seconds(self, doc: Doc, run) -> int | None:
        state = run.state
        return _seconds(
            "HeartbeatSeconds", state.heartbeat_seconds, state.heartbeat_seconds_path, doc, run
        )

    def map_items(self, doc: Doc, run) -> list:
        """Map: the array ``ItemsPath`` selects (default: the whole input)."""
        path = run.state.items_path
        items = doc.value if path is None else run.path_value(path, doc.value)
        if not isinstance(items, list):
            if path is not None and path.text.startswith("$$"):
                # An ItemsPath into the context: AWS's own text, with no state prefix
                # (test_state/test_state_map_context_object_*).
                raise StatesError(
                    RUNTIME, f'Reference path "{path.text[1:]}" must point to array.', bare=True
                )
            # AWS's recorded text (scenarios/test_map_state_items_input_types_*).
            raise run.runtime_error(f"Map state input must be an array but was: {dumps(items)}")
        inspector = run.frame.env.inspector
        if inspector is not None and path is not None:
            inspector.step(run, "afterItemsPath", Doc(items))
        return items

    def select_item(self, doc: Doc, context: dict, run) -> Any:
        """Map: ``ItemSelector`` (legacy ``Parameters``) with ``$$.Map.Item`` in ``context``."""
        return self.item_selector.evaluate(
            doc.value, context, run.frame.env.effects, run.frame.variables
        )

    def max_concurrency(self, doc: Doc, run) -> int:
        state = run.state
        path = state.max_concurrency_path
        if path is None:
            return state.max_concurrency
        limit = _number_at("MaxConcurrencyPath", path, doc.value, run, integer=True)
        if limit < 0:
            # AWS leaves such an execution RUNNING forever (recorded:
            # scenarios/test_max_concurrency_path_negative); failing clearly is kinder.
            raise run.runtime_error("MaxConcurrency cannot be negative.")
        return limit

    def tolerated_failure_count(self, doc: Doc, run) -> int | None:
        state = run.state
        path = state.tolerated_failure_count_path
        if path is None:
            return state.tolerated_failure_count
        return _number_at("ToleratedFailureCountPath", path, doc.value, run, integer=True)

    def tolerated_failure_percentage(self, doc: Doc, run) -> float | None:
        state = run.state
        path = state.tolerated_failure_percentage_path
        if path is None:
            return state.tolerated_failure_percentage
        return _number_at("ToleratedFailurePercentagePath", path, doc.value, run, integer=False)

    # Distributed Map over S3 (ItemReader, ItemBatcher, ResultWriter) ---------------------
    # (map.py calls these on a Map state only: map_s3 is set)
    def reader_arguments(self, doc: Doc, run) -> Any:
        """The ItemReader's ``Parameters``, evaluated on the state input."""
        assert self.map_s3 is not None
        return _evaluated(self.map_s3.reader, doc, run)

    def writer_arguments(self, doc: Doc, run) -> Any:
        """The ResultWriter's ``Parameters``."""
        assert self.map_s3 is not None
        return _evaluated(self.map_s3.writer, doc, run)

    def batch_input(self, doc: Doc, run) -> Any:
        """The ItemBatcher's ``BatchInput`` (None: not set)."""
        assert self.map_s3 is not None
        template = self.map_s3.batch_input
        return None if template is None else _evaluated(template, doc, run)

    def map_number(self, field: str, doc: Doc, run) -> int | None:
        """``ReaderConfig.MaxItems`` / ``ItemBatcher.MaxItemsPerBatch`` /
        ``MaxInputBytesPerBatch``: the literal, or the integer at its ``...Path``."""
        assert self.map_s3 is not None
        literal, path = self.map_s3.numbers[field]
        if path is None:
            return literal
        return _number_at(field + "Path", path, doc.value, run, integer=True)


class _MapS3:
    """A Distributed Map's compiled ItemReader / ItemBatcher / ResultWriter fields."""

    __slots__ = ("reader", "writer", "batch_input", "numbers")

    def __init__(self, raw: dict) -> None:
        reader = _part(raw, "ItemReader")
        batcher = _part(raw, "ItemBatcher")
        config = _part(reader, "ReaderConfig")
        self.reader = _template(reader, "Parameters")
        self.writer = _template(_part(raw, "ResultWriter"), "Parameters")
        self.batch_input = _template(batcher, "BatchInput")
        self.numbers = {
            field: (
                where.get(field),
                compile_reference_path(where[field + "Path"]) if field + "Path" in where else None,
            )
            for field, where in (
                ("MaxItems", config),
                ("MaxItemsPerBatch", batcher),
                ("MaxInputBytesPerBatch", batcher),
            )
        }


def _part(raw: dict, key: str) -> dict:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _evaluated(template, doc: Doc, run) -> Any:
    if template is None:
        return {}
    env = run.frame.env
    return template.evaluate(doc.value, run.context(), env.effects, run.frame.variables)


def _required(path: JsonPath, field: str, value: Any, run) -> Any:
    """A Wait or Task ``...Path`` field's value (AWS: "The SecondsPath parameter does not
    reference an input value: $.x" when it matches nothing)."""
    try:
        return run.find(path, value)
    except PathNotFound:
        raise run.runtime_error(
            f"The {field} parameter does not reference an input value: {path.text}"
        ) from None


def _seconds(field: str, seconds: int | None, path: JsonPath | None, doc: Doc, run) -> int | None:
    """Task ``TimeoutSeconds``/``HeartbeatSeconds``, or the positive integer at their
    ``...Path`` (read from the state input)."""
    if path is None:
        return seconds
    seconds = _required(path, field + "Path", doc.value, run)
    if not is_integer(seconds) or seconds <= 0:
        raise run.runtime_error(
            f"The {field}Path parameter references an invalid value: "
            f"{path.text} == {cause_text(seconds)}"
        )
    return seconds


_INTEGER_TEXT = re.compile(r"-?\d+")
_NUMBER_TEXT = re.compile(r"-?\d+(\.\d+)?")


def _number_at(field: str, path: JsonPath, value: Any, run, integer: bool):
    """A Map ``MaxConcurrencyPath`` / ``ToleratedFailure...Path`` value: an integer (or a
    number for the percentage). A variable holding the number as text ("1") is accepted
    (conformance assign/test_assign_reference_variables MAP_STATE_REFERENCE_IN_MAX_
    CONCURRENCY_PATH, ..._TOLERATED_FAILURE_PATH)."""
    found = run.path_value(path, value)
    if (
        path.variable is not None
        and isinstance(found, str)
        and (_INTEGER_TEXT if integer else _NUMBER_TEXT).fullmatch(found)
    ):
        return int(found) if integer else float(found)
    if not (is_integer(found) if integer else is_number(found)):
        raise run.runtime_error(
            f'The {field} field refers to value "{cause_text(found)}" which is not a valid '
            f"{'integer' if integer else 'float'}: {path.text}"
        )
    return found


def _dynamic(expr, field: str, doc: Doc, run) -> str:
    """Fail's ``ErrorPath``/``CausePath``: a path or an intrinsic, rendered as text."""
    if isinstance(expr, JsonPath):
        try:
            value = run.find(expr, doc.value)
        except PathNotFound:
            raise run.runtime_error(path_not_found_cause(expr.text, field, doc.value)) from None
    else:
        value = expr.evaluate(doc.value, run.context(), run.frame.env.effects, run.frame.variables)
    return cause_text(value)


class JsonPathCatchIO:
    """A catcher's ``ResultPath`` (default ``$``): where the error output goes."""

    __slots__ = ("result_path", "assign", "_assign_uses_context")

    def __init__(self, raw: dict) -> None:
        from ..variables import compile_jsonpath_assign

        self.result_path = _compile_optional_path(raw, "ResultPath", reference=True)
        self.assign = compile_jsonpath_assign(raw)
        self._assign_uses_context = _mentions_context(raw.get("Assign"))

    def error_output(self, raw: Doc, error: StatesError, run) -> Doc:
        error_doc = Doc(error_output_value(error))
        run.assign(None)  # a failed attempt's assignments never apply
        if self.assign is not None:
            ctx = run.context() if self._assign_uses_context else _NO_CONTEXT
            run.assign(
                self.assign.evaluate(
                    error_doc.value, ctx, run.frame.env.effects, run.frame.variables
                )
            )
        return _merge(self.result_path, raw, error_doc, run)


def error_output_value(error: StatesError) -> dict:
    """The error output a Catch passes on: ``{"Error": ..., "Cause": ...}``. AWS gives an
    empty ``Cause`` when there is none (recorded: a caught ``States.Timeout`` has
    ``"Cause": ""``)."""
    return {"Error": error.error, "Cause": error.cause if error.cause is not None else ""}


def _select(path: JsonPath | None, doc: Doc, run) -> Doc:
    """InputPath / OutputPath: ``$`` keeps the document (and its text), null gives ``{}``."""
    if path is IDENTITY:
        return doc
    if path is None:
        return Doc({})
    return doc.derive(run.path_value(path, doc.value))


def _merge(path: JsonPath | None, raw: Doc, result: Doc, run) -> Doc:
    """ResultPath (a state's, or a Catcher's): ``$`` gives the result, null the input."""
    if path is IDENTITY:
        return result
    if path is None:
        return raw
    return Doc(_assign(raw.value, path, result.value, run))


def _assign(value: Any, path: JsonPath, result: Any, run) -> Any:
    try:
        return assign(value, path, result)
    except (PathNotFound, TypeError):
        raise StatesError(
            RESULT_PATH_MATCH_FAILURE,
            f"Unable to apply ReferencePath {path.text} to input '{dumps(value)}'",
        ) from None


class JsonPathPipeline:
    """Compiles JSONPath-mode data-flow fields (the model calls this while parsing)."""

    name = JSONPATH

    def compile_state(self, kind: str | None, raw: dict) -> JsonPathIO:
        return JsonPathIO(raw, kind)

    def compile_catcher(self, raw: dict) -> JsonPathCatchIO:
        return JsonPathCatchIO(raw)

    def compile_choice_rule(self, raw: dict) -> JsonPathRule:
        """A Choices[] entry (JSONPath: ``Variable`` + comparator, And/Or/Not, and its own
        ``Assign``); JSONata compiles its ``Condition`` expression instead."""
        from ..choice import compile_choice_rule
        from ..variables import compile_jsonpath_assign

        return JsonPathRule(compile_choice_rule(raw), compile_jsonpath_assign(raw))


class JsonPathRule:
    """A JSONPath Choice rule (:mod:`orchestrator.asl.choice`) and its own ``Assign``."""

    __slots__ = ("rule", "assign")

    def __init__(self, rule, assign) -> None:
        self.rule = rule
        self.assign = assign

    def test(self, doc: Doc, run) -> bool:
        # Building $$ costs a few microseconds: only when a rule of the state reads it.
        context = run.context() if run.state.uses_context else _NO_CONTEXT
        return self.rule.evaluate(doc.value, context, run.frame.variables)

    def finish(self, doc: Doc, run) -> Doc:
        """The rule matched: its ``Assign`` (``$`` = the selected input), then OutputPath."""
        if self.assign is not None:
            run.assign(
                self.assign.evaluate(
                    doc.value, run.context(), run.frame.env.effects, run.frame.variables
                )
            )
        return run.state.io.output(doc, run)


_PIPELINES: dict[str, Any] = {JSONPATH: JsonPathPipeline()}


def register_pipeline(name: str, pipeline: Any) -> None:
    """Add a query language (JSONata registers itself here)."""
    _PIPELINES[name] = pipeline


def pipeline_for(query_language: str):
    try:
        return _PIPELINES[query_language]
    except KeyError:
        raise ValueError(f"unsupported QueryLanguage {query_language!r}") from None
