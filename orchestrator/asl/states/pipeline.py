"""The data-flow pipeline, one strategy object per query language.

AWS developer guide, "Processing input and output": InputPath -> Parameters -> (the state's
work) -> ResultSelector -> ResultPath -> OutputPath. The model asks the state's query
language (:func:`pipeline_for`) to compile its data-flow fields into an ``io`` object, and
states only call ``io`` methods, so JSONata (Arguments/Output/Assign) registers a second
pipeline with :func:`register_pipeline` without touching the state types.
"""
from __future__ import annotations

from typing import Any

from ..document import Doc
from ..errors import RESULT_PATH_MATCH_FAILURE, StatesError
from ..paths import JsonPath, PathNotFound, assign, compile_path, compile_reference_path

__all__ = ["IDENTITY", "JsonPathIO", "JsonPathCatchIO", "JsonPathPipeline", "pipeline_for",
           "register_pipeline", "error_output_value"]


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

    __slots__ = ("input_path", "parameters", "result_selector", "result_path", "output_path",
                 "item_selector", "assign", "_parameters_use_context", "_selector_uses_context",
                 "_assign_uses_context")

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
        else:
            self.parameters = _template(raw, "Parameters")
            self.item_selector = None
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
                doc = doc.derive(_find(path, doc.value, run))
        if self.parameters is not None:
            ctx = run.context() if self._parameters_use_context else _NO_CONTEXT
            doc = Doc(self.parameters.evaluate(doc.value, ctx, run.frame.env.effects,
                                               run.frame.variables))
        return doc

    def selected_input(self, doc: Doc, run) -> Doc:
        """InputPath only (Map applies ItemSelector per item, not to the whole input)."""
        return _select(self.input_path, doc, run)

    # ResultSelector, ResultPath, OutputPath ---------------------------------------------
    def state_output(self, raw: Doc, result: Doc, run) -> Doc:
        if self.result_selector is not None:
            ctx = run.context() if self._selector_uses_context else _NO_CONTEXT
            result = Doc(self.result_selector.evaluate(result.value, ctx, run.frame.env.effects,
                                                       run.frame.variables))
        if self.assign is not None:
            self.run_assign(result, run)
        return self.output(self.merge(raw, result, run), run)

    def run_assign(self, doc: Doc, run) -> None:
        """Assign with ``$`` = ``doc`` (the result, or the input for Choice/Wait)."""
        ctx = run.context() if self._assign_uses_context else _NO_CONTEXT
        run.assign(self.assign.evaluate(doc.value, ctx, run.frame.env.effects,
                                        run.frame.variables))

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
            run.assign(self.assign.evaluate(error_doc.value, ctx, run.frame.env.effects,
                                            run.frame.variables))
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
    return doc.derive(_find(path, doc.value, run))


def _merge(path: JsonPath | None, raw: Doc, result: Doc, run) -> Doc:
    """ResultPath (a state's, or a Catcher's): ``$`` gives the result, null the input."""
    if path is IDENTITY:
        return result
    if path is None:
        return raw
    return Doc(_assign(raw.value, path, result.value, run))


def _find(path: JsonPath, value: Any, run) -> Any:
    try:
        return run.find(path, value)
    except PathNotFound as exc:
        raise run.runtime_error(f"Invalid path '{path.text}' : {exc}") from None


def _assign(value: Any, path: JsonPath, result: Any, run) -> Any:
    try:
        return assign(value, path, result)
    except (PathNotFound, TypeError):
        from ..document import dumps
        raise StatesError(RESULT_PATH_MATCH_FAILURE,
                          f"Unable to apply ReferencePath {path.text} to input "
                          f"'{dumps(value)}'") from None


class JsonPathPipeline:
    """Compiles JSONPath-mode data-flow fields (the model calls this while parsing)."""

    name = "JSONPath"

    def compile_state(self, kind: str | None, raw: dict) -> JsonPathIO:
        return JsonPathIO(raw, kind)

    def compile_catcher(self, raw: dict) -> JsonPathCatchIO:
        return JsonPathCatchIO(raw)

    def compile_choice_rule(self, raw: dict):
        """A Choices[] entry (JSONPath: ``Variable`` + comparator, And/Or/Not); JSONata
        compiles its ``Condition`` expression here instead."""
        from ..choice import compile_choice_rule
        rule = compile_choice_rule(raw)
        if "Assign" in raw:
            from ..variables import compile_jsonpath_assign
            return _RuleWithAssign(rule, compile_jsonpath_assign(raw))
        return rule


class _RuleWithAssign:
    """A JSONPath Choice rule with its own ``Assign`` (applied when the rule matches)."""

    __slots__ = ("rule", "assign")

    def __init__(self, rule, assign) -> None:
        self.rule = rule
        self.assign = assign

    def evaluate(self, input, context, variables=None) -> bool:
        return self.rule.evaluate(input, context, variables)


_PIPELINES: dict[str, Any] = {"JSONPath": JsonPathPipeline()}


def register_pipeline(name: str, pipeline: Any) -> None:
    """Add a query language (JSONata registers itself here)."""
    _PIPELINES[name] = pipeline


def pipeline_for(query_language: str):
    try:
        return _PIPELINES[query_language]
    except KeyError:
        raise ValueError(f"unsupported QueryLanguage {query_language!r}") from None
