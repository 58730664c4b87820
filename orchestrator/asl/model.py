"""Parse an ASL definition once into a typed tree of frozen dataclasses.

Parse once, evaluate many times: ``json.loads`` plus a dispatch on ``"Type"`` building
frozen dataclasses, with paths, templates and intrinsics compiled once. :func:`parse` first
runs the validator (:mod:`.validator`, which reports every problem with its location) and
raises :class:`DefinitionError` on any ERROR; what is left here is building the tree:
compiled paths, Parameters templates, Choice rules, retriers.

Also the home of two facts every reader of a raw definition shares: the query language
names (:data:`JSONPATH`, :data:`JSONATA`) and the walk into nested state machines
(:func:`children`: Parallel branches, a Map's ItemProcessor/Iterator), used by the
validator and the console (:mod:`orchestrator.console.graph`, ``.summary``).

Query languages: each state carries an ``io`` object built by the pipeline of its query
language (:mod:`orchestrator.asl.states.pipeline`), so JSONata can add its own ``io`` kind
(Arguments/Output/Assign) beside the JSONPath one without touching the state types.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .choice import ChoiceRule
from .errors import DefinitionError, Diagnostic
from .paths import JsonPath, PathSyntaxError, compile_path
from .retry import (
    DEFAULT_BACKOFF_RATE,
    DEFAULT_INTERVAL_SECONDS,
    DEFAULT_JITTER_STRATEGY,
    DEFAULT_MAX_ATTEMPTS,
)

__all__ = [
    "StateMachine",
    "Program",
    "State",
    "Retrier",
    "Catcher",
    "PassState",
    "TaskState",
    "ChoiceState",
    "WaitState",
    "SucceedState",
    "FailState",
    "ParallelState",
    "MapState",
    "parse",
    "children",
    "JSONPATH",
    "JSONATA",
    "QUERY_LANGUAGES",
]

# QueryLanguage values (developer guide, "Transforming data with JSONata in Step Functions").
JSONPATH = "JSONPath"
JSONATA = "JSONata"
QUERY_LANGUAGES = (JSONPATH, JSONATA)


def children(state: Any) -> Iterator[tuple[str, int | None, Any]]:
    """The state machines nested in a raw state, as written: ``("Branches", i, branch)`` for
    each item of a Parallel state's ``Branches`` array, and ``(field, None, processor)`` for a
    Map state's ``ItemProcessor`` and/or its older name ``Iterator``. Items come whatever
    their JSON type (the validator reports those that are not objects; the other readers skip
    them)."""
    if not isinstance(state, dict):
        return
    kind = state.get("Type")
    if kind == "Parallel":
        branches = state.get("Branches")
        if isinstance(branches, list):
            for index, branch in enumerate(branches):
                yield "Branches", index, branch
    elif kind == "Map":
        for field in ("ItemProcessor", "Iterator"):
            if field in state:
                yield field, None, state[field]


def all_states(machine: Any) -> Iterator[tuple[str, dict]]:
    """Every ``(name, raw state)`` of a raw state machine, the nested ones (Parallel
    branches, Map processors) after their parent; non-objects are skipped."""
    states = machine.get("States") if isinstance(machine, dict) else None
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if isinstance(state, dict):
            yield name, state
            for _, _, nested in children(state):
                yield from all_states(nested)


@dataclass(frozen=True, slots=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: float = DEFAULT_INTERVAL_SECONDS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_rate: float = DEFAULT_BACKOFF_RATE
    max_delay_seconds: float | None = None
    jitter: str = DEFAULT_JITTER_STRATEGY


@dataclass(frozen=True, slots=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    io: Any  # the query language's error-output spec (JSONPath: ResultPath)


@dataclass(frozen=True, slots=True, kw_only=True)
class State:
    """Fields every state has. ``io`` is the query language's data-flow spec."""

    name: str
    type: str
    next: str | None = None
    end: bool = False
    comment: str | None = None
    query_language: str = JSONPATH
    io: Any = None

    # Type names used in history events (``PassStateEntered``); same as ``type``.
    @property
    def event_prefix(self) -> str:
        return self.type


@dataclass(frozen=True, slots=True, kw_only=True)
class PassState(State):
    result: Any = None
    has_result: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskState(State):
    resource: str = ""
    timeout_seconds: int | None = None
    timeout_seconds_path: JsonPath | None = None
    heartbeat_seconds: int | None = None
    heartbeat_seconds_path: JsonPath | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    credentials: Any = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChoiceState(State):
    choices: tuple[tuple[ChoiceRule, str], ...] = ()
    default: str | None = None
    uses_context: bool = True  # False when no rule reads $$ (skips building it)


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitState(State):
    seconds: Any = None
    seconds_path: JsonPath | None = None
    timestamp: str | None = None
    timestamp_path: JsonPath | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SucceedState(State):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class FailState(State):
    error: str | None = None
    cause: str | None = None
    error_path: Any = None  # JsonPath or an intrinsic
    cause_path: Any = None


@dataclass(frozen=True, slots=True)
class Program:
    """A ``StartAt`` + ``States`` pair: the whole machine, a Parallel branch or a Map
    iteration's processor."""

    start_at: str
    states: dict[str, State]


@dataclass(frozen=True, slots=True, kw_only=True)
class ParallelState(State):
    branches: tuple[Program, ...] = ()
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class MapState(State):
    processor: Program | None = None
    mode: str = "INLINE"  # INLINE | DISTRIBUTED
    execution_type: str | None = None
    items_path: JsonPath | None = None
    max_concurrency: int = 0
    max_concurrency_path: JsonPath | None = None
    tolerated_failure_count: int | None = None
    tolerated_failure_count_path: JsonPath | None = None
    tolerated_failure_percentage: float | None = None
    tolerated_failure_percentage_path: JsonPath | None = None
    label: str | None = None
    # Distributed Map over S3 (:mod:`.states.item_reader`, :mod:`.states.result_writer`):
    # the raw fields; the query language's ``io`` compiles what they evaluate.
    item_reader: dict | None = None
    item_batcher: dict | None = None
    result_writer: dict | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()


@dataclass(frozen=True, slots=True)
class StateMachine:
    program: Program
    timeout_seconds: int | None = None
    query_language: str = JSONPATH
    comment: str | None = None
    definition: dict = field(default_factory=dict, compare=False, repr=False)


# --- parsing -------------------------------------------------------------------------


def _object(value: Any) -> dict | None:
    return value if isinstance(value, dict) else None


class _Parser:
    def __init__(self) -> None:
        self.problems: list[Diagnostic] = []

    def error(self, location: str, message: str) -> None:
        self.problems.append(Diagnostic("ERROR", "SCHEMA_VALIDATION_FAILED", message, location))

    def path(self, raw: dict, key: str, location: str) -> JsonPath | None:
        text = raw.get(key)
        if text is None:
            return None
        try:
            return compile_path(text)
        except PathSyntaxError as exc:
            self.error(f"{location}/{key}", f"invalid path in {key}: {exc}")
            return None

    def program(self, raw: dict, location: str, query_language: str) -> Program:
        states = {}
        for name, state_raw in (raw.get("States") or {}).items():
            states[name] = self.state(name, state_raw, f"{location}/States/{name}", query_language)
        return Program(start_at=raw.get("StartAt", ""), states=states)

    def retriers(self, raw: dict, location: str) -> tuple[Retrier, ...]:
        out = []
        for r in raw.get("Retry") or ():
            out.append(
                Retrier(
                    error_equals=tuple(r.get("ErrorEquals") or ()),
                    interval_seconds=r.get("IntervalSeconds", DEFAULT_INTERVAL_SECONDS),
                    max_attempts=r.get("MaxAttempts", DEFAULT_MAX_ATTEMPTS),
                    backoff_rate=r.get("BackoffRate", DEFAULT_BACKOFF_RATE),
                    max_delay_seconds=r.get("MaxDelaySeconds"),
                    jitter=r.get("JitterStrategy", DEFAULT_JITTER_STRATEGY),
                )
            )
        return tuple(out)

    def catchers(self, raw: dict, location: str, query_language: str) -> tuple[Catcher, ...]:
        from .states.pipeline import pipeline_for

        pipe = pipeline_for(query_language)
        out = []
        for i, c in enumerate(raw.get("Catch") or ()):
            try:
                io = pipe.compile_catcher(c)
            except (PathSyntaxError, ValueError) as exc:
                self.error(f"{location}/Catch/{i}", str(exc))
                io = None
            out.append(
                Catcher(
                    error_equals=tuple(c.get("ErrorEquals") or ()), next=c.get("Next", ""), io=io
                )
            )
        return tuple(out)

    def state(self, name: str, raw: dict, location: str, inherited_ql: str) -> State:
        from .states.pipeline import pipeline_for

        kind = raw.get("Type")
        ql = raw.get("QueryLanguage", inherited_ql)
        try:
            io = pipeline_for(ql).compile_state(kind, raw)
        except (PathSyntaxError, ValueError) as exc:
            self.error(location, str(exc))
            # A placeholder (``Type`` may be absent or not a string): the error just
            # recorded makes parse() raise, so this tree is never used.
            return State(name=name, type=str(kind), query_language=ql)
        common = dict(
            name=name,
            type=kind,
            next=raw.get("Next"),
            end=bool(raw.get("End")),
            comment=raw.get("Comment"),
            query_language=ql,
            io=io,
        )
        if kind == "Pass":
            return PassState(result=raw.get("Result"), has_result="Result" in raw, **common)
        if kind == "Task":
            return TaskState(
                resource=raw.get("Resource", ""),
                timeout_seconds=raw.get("TimeoutSeconds"),
                timeout_seconds_path=self.path(raw, "TimeoutSecondsPath", location),
                heartbeat_seconds=raw.get("HeartbeatSeconds"),
                heartbeat_seconds_path=self.path(raw, "HeartbeatSecondsPath", location),
                retry=self.retriers(raw, location),
                catch=self.catchers(raw, location, ql),
                credentials=raw.get("Credentials"),
                **common,
            )
        if kind == "Choice":
            choices = []
            pipe = pipeline_for(ql)
            for i, rule in enumerate(raw.get("Choices") or ()):
                try:
                    choices.append((pipe.compile_choice_rule(rule), rule.get("Next", "")))
                except (PathSyntaxError, ValueError) as exc:
                    self.error(f"{location}/Choices/{i}", str(exc))
            return ChoiceState(
                choices=tuple(choices),
                default=raw.get("Default"),
                uses_context="$$" in json.dumps(raw.get("Choices")),
                **common,
            )
        if kind == "Wait":
            return WaitState(
                seconds=raw.get("Seconds"),
                seconds_path=self.path(raw, "SecondsPath", location),
                timestamp=raw.get("Timestamp"),
                timestamp_path=self.path(raw, "TimestampPath", location),
                **common,
            )
        if kind == "Succeed":
            return SucceedState(**common)
        if kind == "Fail":
            return FailState(
                error=raw.get("Error"),
                cause=raw.get("Cause"),
                error_path=self.dynamic(raw, "ErrorPath", location),
                cause_path=self.dynamic(raw, "CausePath", location),
                **common,
            )
        if kind == "Parallel":
            branches = tuple(
                self.program(b, f"{location}/{field}/{i}", ql) for field, i, b in children(raw)
            )
            return ParallelState(
                branches=branches,
                retry=self.retriers(raw, location),
                catch=self.catchers(raw, location, ql),
                **common,
            )
        if kind == "Map":
            field, _, proc_raw = next(children(raw), ("Iterator", None, None))
            proc_raw = proc_raw or {}
            config = proc_raw.get("ProcessorConfig") or {}
            processor = self.program(
                proc_raw, f"{location}/{field}", proc_raw.get("QueryLanguage", ql)
            )
            return MapState(
                processor=processor,
                mode=config.get("Mode", "INLINE"),
                execution_type=config.get("ExecutionType"),
                items_path=self.path(raw, "ItemsPath", location),
                max_concurrency=raw.get("MaxConcurrency", 0),
                max_concurrency_path=self.path(raw, "MaxConcurrencyPath", location),
                tolerated_failure_count=raw.get("ToleratedFailureCount"),
                tolerated_failure_count_path=self.path(raw, "ToleratedFailureCountPath", location),
                tolerated_failure_percentage=raw.get("ToleratedFailurePercentage"),
                tolerated_failure_percentage_path=self.path(
                    raw, "ToleratedFailurePercentagePath", location
                ),
                label=raw.get("Label"),
                item_reader=_object(raw.get("ItemReader")),
                item_batcher=_object(raw.get("ItemBatcher")),
                result_writer=_object(raw.get("ResultWriter")),
                retry=self.retriers(raw, location),
                catch=self.catchers(raw, location, ql),
                **common,
            )
        self.error(location, f"unknown state type {kind!r}")
        return State(**common)

    def dynamic(self, raw: dict, key: str, location: str) -> Any:
        """ErrorPath/CausePath: a path, a context path or an intrinsic function."""
        text = raw.get(key)
        if text is None:
            return None
        from .intrinsics import compile_intrinsic, is_intrinsic

        try:
            if is_intrinsic(text):
                return compile_intrinsic(text)
            return compile_path(text)
        except (PathSyntaxError, ValueError) as exc:
            self.error(f"{location}/{key}", f"invalid {key}: {exc}")
            return None


def _validate(definition: dict | str) -> None:
    from .validator import validate

    errors = [d for d in validate(definition) if d.severity == "ERROR"]
    if errors:
        try:
            from .validator import format_invalid_definition

            message = format_invalid_definition(errors)
        except Exception:  # the message is a nicety; the diagnostics are what matter
            message = None
        raise DefinitionError(errors, message)


def parse(definition: dict | str, *, validate: bool = True) -> StateMachine:
    """Validate ``definition`` (a dict or JSON text) and build the typed tree.

    Raises :class:`DefinitionError` with every ERROR diagnostic when it is invalid."""
    if validate:
        _validate(definition)
    if isinstance(definition, str):
        try:
            definition = json.loads(definition)
        except ValueError as exc:
            raise DefinitionError(
                [Diagnostic("ERROR", "INVALID_JSON_DESCRIPTION", str(exc))]
            ) from None
    if not isinstance(definition, dict):
        raise DefinitionError(
            [Diagnostic("ERROR", "SCHEMA_VALIDATION_FAILED", "a definition must be a JSON object")]
        )
    parser = _Parser()
    ql = definition.get("QueryLanguage", JSONPATH)
    program = parser.program(definition, "", ql)
    if parser.problems:
        raise DefinitionError(parser.problems)
    return StateMachine(
        program=program,
        timeout_seconds=definition.get("TimeoutSeconds"),
        query_language=ql,
        comment=definition.get("Comment"),
        definition=definition,
    )
