"""TestState: run one state once, in isolation, and report what it did.

AWS API reference, TestState: "Accepts the definition of a single state and executes it.
You can test a state without creating a state machine or updating an existing state
machine." The definition is one state (``{"Type": ...}``) or a whole state machine with
``stateName`` naming the state to test (nested ones too: a Parallel branch's, a Map's
ItemProcessor's). The state runs ONE attempt on this interpreter (the same code as an
execution, on a virtual clock: a Wait takes no time), with the request's ``input``,
``variables`` and ``context`` (``$$`` is then exactly that object); a ``mock`` replaces the
work of a Task (its result, or its ``errorOutput``) or of a Map / Parallel (the whole
result), else a Task really calls its resource through ``invoke``. The response:

- ``status`` ``SUCCEEDED`` (``output``, ``nextState`` when the state has a Next),
  ``FAILED`` (``error``, ``cause``), ``RETRIABLE`` (a retrier matches and has attempts left
  after ``stateConfiguration.retrierRetryCount``; ``errorDetails`` says which and the
  backoff) or ``CAUGHT_ERROR`` (a catcher matches: its ``nextState`` and error output);
- ``inspectionData`` at ``DEBUG`` and ``TRACE``: the state's input and the data after each
  step of its pipeline (:mod:`.inspection`), its variables when it assigned any.

Request errors (a bad definition, input or context; a mock on a state that cannot have
one) raise :class:`TestStateInvalid` with AWS's error code and message.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from . import budget, resources
from .context import ExecutionInfo
from .document import Doc, compact
from .effects import SeededEffects
from .errors import DefinitionError, StatesError
from .history import History
from .inspection import Inspector
from .model import Program, StateMachine, all_states, parse
from .runner import DEFAULT_START_TIME, VirtualClock, drive
from .runtime import Invoke, Scheduler
from .states.base import Env, Frame, StateRun

__all__ = [
    "test_state",
    "test_state_request",
    "TestStateInvalid",
    "SINGLE_STATE_NAME",
    "MOCKABLE_TYPES",
]

# The name a lone state runs under (``$$.State.Name``), as AWS reports it.
SINGLE_STATE_NAME = "StateName"
MOCKABLE_TYPES = frozenset({"Task", "Map", "Parallel"})
_TRANSITION_KEYS = ("Next", "Default")


class TestStateInvalid(Exception):
    """The request cannot be tested: AWS's ``code`` (ValidationException,
    InvalidDefinition, InvalidExecutionInput) and message."""

    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _TestInfo(ExecutionInfo):
    """The tested state is ``$$.State.Name`` :data:`SINGLE_STATE_NAME` (AWS reports it so
    even when ``stateName`` names it in a whole machine); the states nested in it keep
    their names."""

    __slots__ = ("tested",)

    def __init__(self, tested: str, **identity: Any) -> None:
        super().__init__(**identity)
        self.tested = tested

    def context(self, state: dict, task_token: str | None = None, map_item=None) -> dict:
        if state.get("Name") == self.tested:
            state = {**state, "Name": SINGLE_STATE_NAME}
        return super().context(state, task_token, map_item)


class _GivenContext(ExecutionInfo):
    """``$$`` is exactly the ``context`` of the request."""

    __slots__ = ("given",)

    def __init__(self, given: dict, **identity: Any) -> None:
        super().__init__(**identity)
        self.given = given

    def context(self, state: dict, task_token: str | None = None, map_item=None) -> dict:
        ctx = dict(self.given)
        if map_item is not None:
            ctx["Map"] = {"Item": map_item}
        return ctx


def _machine_for(definition: dict, state_name: str | None) -> tuple[StateMachine, str]:
    """The machine to parse and the name of the state under test. A lone state becomes a
    one-state machine; the states its transitions name are stand-ins (Succeed)."""
    if state_name is not None:
        if "States" not in definition:
            raise TestStateInvalid(
                "ValidationException",
                "stateName can only be given with a state machine definition",
            )
        return _parse(definition), state_name
    if "States" in definition or "StartAt" in definition:
        raise TestStateInvalid(
            "ValidationException", "stateName must be given with a state machine definition"
        )
    states: dict = {SINGLE_STATE_NAME: definition}
    for target in _targets(definition):
        states.setdefault(target, {"Type": "Succeed"})
    machine: dict = {"StartAt": SINGLE_STATE_NAME, "States": states}
    if "QueryLanguage" in definition:
        machine["QueryLanguage"] = definition["QueryLanguage"]
    return _parse(machine), SINGLE_STATE_NAME


def _targets(state: dict) -> list[str]:
    found = [state[k] for k in _TRANSITION_KEYS if isinstance(state.get(k), str)]
    for key in ("Choices", "Catch"):
        for rule in state.get(key) or []:
            if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
                found.append(rule["Next"])
    return found


def _parse(definition: dict) -> StateMachine:
    try:
        return parse(definition)
    except DefinitionError as exc:
        raise TestStateInvalid("InvalidDefinition", str(exc)) from None


def _find(program: Program, name: str):
    """The state ``name`` anywhere in ``program`` (nested programs too)."""
    state = program.states.get(name)
    if state is not None:
        return state
    for candidate in program.states.values():
        nested = [*getattr(candidate, "branches", ()), getattr(candidate, "processor", None)]
        for inner in nested:
            if inner is not None:
                found = _find(inner, name)
                if found is not None:
                    return found
    return None


def _json(text: str | None, what: str, code: str = "ValidationException") -> Any:
    try:
        return json.loads(text) if text is not None else None
    except ValueError as exc:
        raise TestStateInvalid(code, f"Invalid {what}: {exc}") from None


def _raw_state(machine: dict, name: str) -> dict | None:
    """The raw definition of the state ``name`` (nested ones too)."""
    return next((state for found, state in all_states(machine) if found == name), None)


def _invalid(message: str, code: str = "ValidationException") -> TestStateInvalid:
    return TestStateInvalid(code, message)


def _check_mocked_result(value: Any, state, raw: dict, config: dict) -> None:
    """AWS's checks of a Map's or Parallel's mocked result."""
    if state.type == "Parallel":
        if not isinstance(value, list):
            raise _invalid("Mocked result must be an array.")
        if len(value) != len(state.branches):
            raise _invalid(
                "Mocked result must contain the same number of items as number of Parallel "
                "branches."
            )
    elif state.type == "Map":
        if "ResultWriter" in raw:
            if not isinstance(value, dict):
                raise _invalid("Mocked result must be a JSON object.")
        elif not isinstance(value, list):
            raise _invalid("Mocked result must be an array.")
        failures = config.get("mapIterationFailureCount")
        if failures is not None and isinstance(value, list) and failures > len(value):
            raise _invalid(
                "Map iteration failure count must be less than or equal to the number of Map "
                "iterations"
            )


def _mock(
    mock: dict | None,
    state,
    raw: dict,
    config: dict,
    check_result: Callable[[str, Any, str | None], None] | None,
) -> Callable[[], Doc] | None:
    """The tested state's mocked outcome, as a callable (raises the mocked error)."""
    if not mock:
        if state.type in ("Map", "Parallel"):
            raise _invalid(
                "TestState API does not support Map or Parallel states. Supported state types "
                "include: [Task, Wait, Pass, Succeed, Fail, Choice]",
                "InvalidDefinition",
            )
        return None
    if state.type not in MOCKABLE_TYPES:
        raise TestStateInvalid(
            "ValidationException",
            f"State type '{state.type}' is not supported when a mock is specified",
        )
    if "result" in mock and "errorOutput" in mock:
        raise _invalid(
            "A test mock should have only one of the following fields: [result, errorOutput]."
        )
    if "errorOutput" in mock:
        output = mock["errorOutput"] or {}

        def fail() -> Doc:
            raise StatesError(output.get("error"), output.get("cause"))  # type: ignore[arg-type]

        return fail
    if "result" not in mock:
        raise TestStateInvalid("ValidationException", "A mock must specify a result")
    text = mock["result"]
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        raise TestStateInvalid("ValidationException", "Mocked result must be valid JSON") from None
    _check_mocked_result(value, state, raw, config)
    if state.type == "Task" and check_result is not None:
        try:
            check_result(state.resource, value, mock.get("fieldValidationMode"))
        except ValueError as exc:
            raise _invalid(str(exc)) from None
    return lambda: Doc.from_text(text)


def test_state(
    definition: str,
    *,
    state_name: str | None = None,
    input_text: str | None = None,
    variables_text: str | None = None,
    context_text: str | None = None,
    inspection_level: str = "INFO",
    mock: dict | None = None,
    state_configuration: dict | None = None,
    role_arn: str | None = None,
    reveal_secrets: bool = False,
    invoke: Callable[[Invoke], Any] | None = None,
    check_result: Callable[[str, Any, str | None], None] | None = None,
    account: str = "123456789012",
    region: str = "us-east-1",
    partition: str = "aws",
) -> dict:
    """TestState's response (see the module docstring); raises TestStateInvalid.
    ``invoke`` performs a Task's call when it has no mock; ``check_result(resource, value,
    fieldValidationMode)`` raises ValueError (AWS's message) when a mocked Task result does
    not fit the resource's output."""
    if role_arn is not None and not role_arn.startswith("arn:"):
        raise _invalid(f"Invalid Arn: 'Invalid ARN prefix: {role_arn}'", "InvalidArn")
    raw = _json(definition, "State Machine Definition", "InvalidDefinition")
    if not isinstance(raw, dict):
        raise TestStateInvalid(
            "InvalidDefinition", "Invalid State Machine Definition: not a JSON object"
        )
    machine, name = _machine_for(raw, state_name)
    state = _find(machine.program, name)
    if state is None:
        raise TestStateInvalid("ValidationException", "State not found in definition")
    input_text = "{}" if input_text is None else input_text
    value = _json(input_text, "input", "InvalidExecutionInput")
    variables = _json(variables_text, "variables")
    if variables is not None and not isinstance(variables, dict):
        raise TestStateInvalid("ValidationException", "variables must be a JSON object")
    context = _json(context_text, "context")
    if context is not None and not isinstance(context, dict):
        raise TestStateInvalid("ValidationException", "context must be a JSON object")
    if context is not None and "Task" in context and not _has_token(state):
        raise TestStateInvalid(
            "ValidationException",
            "Invalid Context object provided: Context object contains 'Task' when state is "
            "not a Task state with a '.sync' or '.waitForTaskToken' service integration "
            "pattern",
        )
    config = state_configuration or {}
    raw_state = raw if state_name is None else (_raw_state(raw, name) or {})
    if not mock and config.get("mapIterationFailureCount") is not None:
        raise _invalid(
            "TestState does not support MapIterationFailureCount when a mock is not specified."
        )
    mocked = _mock(mock, state, raw_state, config, check_result)
    if mocked is not None and reveal_secrets:
        raise _invalid("TestState does not support RevealSecrets when a mock is specified.")
    if state.type == "Task" and mocked is None:
        if not role_arn:
            raise _invalid("RoleArn must be specified when testing a Task state")
        parsed = resources.parse(state.resource)
        if parsed is not None and (
            parsed.kind == resources.ACTIVITY or parsed.is_sync or parsed.is_callback
        ):
            raise _invalid(
                "TestState only supports Activity tasks, .sync or .waitForTaskToken service "
                "integration patterns when a mock is specified",
                "InvalidDefinition",
            )
    reader_data = _json(config.get("mapItemReaderData"), "mapItemReaderData")
    if reader_data is not None and not isinstance(reader_data, list):
        raise TestStateInvalid("ValidationException", "mapItemReaderData must be a JSON array")
    inspector = Inspector(
        state,
        retrier_retry_count=config.get("retrierRetryCount") or 0,
        map_iteration_failure_count=config.get("mapIterationFailureCount"),
        item_reader_data=reader_data,
        mock=mocked,
        trace=inspection_level == "TRACE",
        reveal_secrets=reveal_secrets,
    )
    clock = VirtualClock(DEFAULT_START_TIME)
    machine_name = "TestState"
    execution_name = str(uuid.uuid4())
    identity = dict(
        execution_arn=f"arn:{partition}:states:{region}:{account}:express:{machine_name}:"
        f"{execution_name}",
        execution_name=execution_name,
        state_machine_arn=f"arn:{partition}:states:{region}:{account}:stateMachine:{machine_name}",
        state_machine_name=machine_name,
        role_arn=role_arn,  # AWS: null when the request has none
        start_time=clock(),
        input=value,
        redrive_count=None,
    )
    info = (
        _GivenContext(context, **identity) if context is not None else _TestInfo(name, **identity)
    )
    env = Env(
        history=History(clock, keep=False),
        now=clock,
        effects=SeededEffects(uuid.uuid4().int),
        info=info,
        inspector=inspector,
    )
    frame = Frame(env, 0, 0, dict(variables or {}))
    doc = Doc.from_text(input_text)

    async def one_state() -> tuple[str | None, Doc, StateRun]:
        entered = env.history.state_entered(state.type, name, doc.text, 0)
        run = StateRun(state, frame, entered, clock(), 0)
        if context is not None and "Task" in context:
            run.task_token = context["Task"].get("Token")
        handler, is_async = env.handlers[state.type]
        try:
            if is_async:
                next_name, out = await handler(state, doc, run)
            else:
                next_name, out = handler(state, doc, run)
        except StatesError as err:
            raise run.failure(err) from None
        if run.assigned is not None:
            frame.variables.update(run.assigned)
        return next_name, out, run

    scheduler = Scheduler()
    main = scheduler.spawn(one_state(), "test-state")
    response: dict = {}
    try:
        with budget.using(env.effects):
            next_name, out, _ = drive(scheduler, main, env, clock, invoke or _no_invoke, 1_000_000)
    except StatesError as failed:
        response["status"] = inspector.outcome or "FAILED"
        response.update(_error_fields(failed))
    else:
        response["output"] = out.text
        if inspector.caught_error is not None:
            response["status"] = "CAUGHT_ERROR"
            response.update(_error_fields(inspector.caught_error))
        else:
            response["status"] = "SUCCEEDED"
        if next_name is not None:
            response["nextState"] = next_name
    if inspection_level in ("DEBUG", "TRACE"):
        response["inspectionData"] = _inspection_data(doc, inspector, frame)
    return response


def test_state_request(request: dict, **where: Any) -> dict:
    """:func:`test_state` for a TestState request in AWS's member names; ``where``: the
    ``invoke`` / ``check_result`` hooks and the account, region and partition."""
    return test_state(
        request["definition"],
        state_name=request.get("stateName"),
        input_text=request.get("input"),
        variables_text=request.get("variables"),
        context_text=request.get("context"),
        inspection_level=request.get("inspectionLevel") or "INFO",
        mock=request.get("mock"),
        state_configuration=request.get("stateConfiguration"),
        role_arn=request.get("roleArn"),
        reveal_secrets=bool(request.get("revealSecrets")),
        **where,
    )


def _error_fields(err: StatesError) -> dict:
    out = {}
    if err.error is not None:
        out["error"] = err.error
    if err.cause is not None:
        out["cause"] = err.cause
    return out


def _has_token(state) -> bool:
    resource = getattr(state, "resource", "") or ""
    return state.type == "Task" and (".sync" in resource or ".waitForTaskToken" in resource)


def _inspection_data(doc: Doc, inspector: Inspector, frame: Frame) -> dict:
    data: dict = {"input": doc.text}
    for member, value in inspector.steps.items():
        data[member] = value.text if isinstance(value, Doc) else value
    if inspector.error_details is not None:
        data["errorDetails"] = dict(inspector.error_details)
    for member in ("request", "response"):  # an HTTP Task's exchange, at TRACE
        if inspector.trace is not None and member in inspector.trace:
            data[member] = dict(inspector.trace[member])
    if frame.variables:
        data["variables"] = compact(frame.variables)
    return data


def _no_invoke(command: Invoke) -> Any:
    raise StatesError(
        "States.Runtime", f"TestState cannot call '{command.resource}' here: give a mock"
    )
