"""Lambda results and errors vs. what AWS recorded (the conformance corpus).

Two levels: each recorded Lambda call on its own, then the final outcome of whole JSONPath
executions run by the interpreter's in-process runner with :class:`TaskInvoker` as its
``invoke`` hook (the full histories, both query languages, are compared by
``tests/conformance``, which runs every Lambda case on the virtual clock).

For every recorded Lambda call of a corpus case whose ``needs`` are our stand-ins, we call
the same function with the same input through :class:`TaskInvoker` and compare the outcome
with the recorded ``LambdaFunction*`` / ``Task*`` event: the output (``lambda:invoke``'s
wrapper included) or the error and its cause, stack trace included. Only values AWS's
recording masked (dates, request and trace ids, log text) and response sizes that depend on
the masked function names are normalised.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.asl.runner import run
from orchestrator.asl.runtime import Invoke
from orchestrator.tasks import TaskInvoker, TasksConfig
from tests.corpus import CORPUS
from tests.support import lambda_standins as standins
from tests.support.lambda_standins import BY_NEED, lambda_map

CONTEXT = {"Execution": {"Id": "arn:aws:states:<region>:111111111111:execution:sm:ex"}}
# The recordings' (masked) account and region: Lambda ARNs must name the configured account
# and the execution's region.
ACCOUNT, REGION = "111111111111", "<region>"


def config(lambdas: dict) -> TasksConfig:
    return TasksConfig(lambdas=lambdas, account=ACCOUNT, region=REGION)


def _cases() -> Iterator[dict]:
    index = json.loads((CORPUS / "index.json").read_text())["cases"]
    for entry in index:
        needs = set(entry["needs"])
        if not needs or not needs <= set(BY_NEED) | {"lambda-service-integration"}:
            continue
        case = json.loads((CORPUS / entry["file"]).read_text())
        norms = {n["type"] for n in case.get("snapshot_normalisations") or ()}
        # Parallel recordings are reordered and renumbered: calls cannot be paired reliably.
        if case.get("history") and "parallel-events-normalised" not in norms:
            yield case


def _calls(case: dict) -> Iterator[tuple[str, Any, dict]]:
    """(resource, input, outcome event) for every recorded Lambda call."""
    pending: list[tuple[str, Any]] = []
    entered_resource = {}
    for state in _states(case["definition"]):
        entered_resource[state[0]] = state[1]
    current = None
    for event in case["history"]:
        kind = event["type"]
        if kind == "TaskStateEntered":
            current = event["stateEnteredEventDetails"]["name"]
        elif kind == "LambdaFunctionScheduled":
            details = event["lambdaFunctionScheduledEventDetails"]
            pending.append((details["resource"], details["input"]))
        elif kind == "TaskScheduled":
            details = event["taskScheduledEventDetails"]
            pending.append(
                (
                    entered_resource.get(current, "arn:aws:states:::lambda:invoke"),
                    details["parameters"],
                )
            )
        elif (
            kind.startswith(("LambdaFunction", "Task"))
            and kind.endswith(("Succeeded", "Failed"))
            and "State" not in kind
            and pending
        ):
            resource, given = pending.pop(0)
            yield resource, given, event


def _states(definition: Any) -> Iterator[tuple[str, str]]:
    if isinstance(definition, dict):
        for name, state in (definition.get("States") or {}).items():
            if isinstance(state, dict) and "Resource" in state:
                yield name, state["Resource"]
        for value in definition.values():
            yield from _states(value)
    elif isinstance(definition, list):
        for value in definition:
            yield from _states(value)


def _json(value: Any) -> Any:
    # The recording parsed JSON texts starting with "{" and kept the others as text.
    return json.loads(value) if isinstance(value, str) else value


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in (
                "Date",
                "X-Amzn-Trace-Id",
                "x-amzn-RequestId",
                "RequestId",
                "requestId",
                "LogResult",
                "X-Amz-Log-Result",
            ):
                out[key] = key
            else:
                out[key] = _mask(item)
        return out
    if isinstance(value, list):
        return [_mask(item) for item in value]
    return value


def _mask_lengths(value: Any) -> Any:
    # A Content-Length counts the real function name the recording replaced by a placeholder.
    meta = value.get("SdkHttpMetadata") if isinstance(value, dict) else None
    if meta and "<" in json.dumps(value.get("Payload")):
        meta["AllHttpHeaders"]["Content-Length"] = ["n"]
        meta["HttpHeaders"]["Content-Length"] = "n"
    return value


CALLS = [
    (case["id"], index, resource, given, event, case["lambdas"])
    for case in _cases()
    for index, (resource, given, event) in enumerate(_calls(case))
]


@pytest.mark.parametrize(
    "case_id, index, resource, given, event, lambdas",
    CALLS,
    ids=[f"{c[0].split('/')[-1]}#{c[1]}" for c in CALLS],
)
def test_recorded_lambda_call(case_id, index, resource, given, event, lambdas):
    invoker = TaskInvoker(config(lambda_map(lambdas)))
    invoke = Invoke(
        resource=resource,
        parameters=_json(given) if isinstance(given, str) else given,
        state_name="S",
        key="k",
        context=CONTEXT,
    )
    details = next(value for key, value in event.items() if key.endswith("EventDetails"))
    if event["type"].endswith("Succeeded"):
        result = invoker(invoke)
        assert _mask_lengths(_mask(result)) == _mask_lengths(_mask(_json(details["output"])))
    else:
        with pytest.raises(StatesError) as info:
            invoker(invoke)
        assert info.value.error == details["error"]
        assert _mask(json.loads(info.value.cause)) == _mask(_json(details["cause"]))


def test_the_corpus_calls_were_found():
    assert len(CALLS) >= 60
    assert {c[4]["type"] for c in CALLS} == {
        "LambdaFunctionSucceeded",
        "LambdaFunctionFailed",
        "TaskSucceeded",
        "TaskFailed",
    }


@pytest.mark.parametrize(
    "form, expected",
    [
        (
            f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f",
            '{"errorMessage": "Some exception was raised.", ',
        ),
        ("arn:aws:states:::lambda:invoke", '{"errorMessage":"Some exception was raised.",'),
    ],
    ids=["plain-runtime-text", "service-compact-text"],
)
def test_cause_text_spacing_follows_the_form(form, expected):
    # Plain ARN: the runtime's json.dumps text; lambda:invoke re-serialises compactly
    # (both as recorded: test_task_lambda.test_raise_custom_exception vs the service one).
    invoker = TaskInvoker(config({"f": BY_NEED["lambda-raise-exception"]}))
    params = {"FunctionName": "f", "Payload": None} if "states" in form else {}
    with pytest.raises(StatesError) as info:
        invoker(Invoke(resource=form, parameters=params, state_name="S", key="k"))
    assert info.value.cause.startswith(expected)


# --- whole executions: the interpreter's runner driving TaskInvoker ---------------------------


def _jsonpath_execution_cases() -> list[dict]:
    out = []
    for entry in json.loads((CORPUS / "index.json").read_text())["cases"]:
        needs = set(entry["needs"])
        if (
            not needs
            or not needs <= set(BY_NEED) | {"lambda-service-integration"}
            or entry["kind"] != "execution"
            or "jsonata" in entry["features"]
            or "QueryLanguage" in (CORPUS / entry["file"]).read_text()
        ):
            continue
        out.append(json.loads((CORPUS / entry["file"]).read_text()))
    return out


def _deep_mask(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("{"):
        try:
            value = json.loads(value)  # a Catch's Cause text holds the error JSON
        except ValueError:
            return value
    if isinstance(value, dict):
        return _mask_lengths({key: _deep_mask(item) for key, item in _mask(value).items()})
    if isinstance(value, list):
        return [_deep_mask(item) for item in value]
    return value


EXECUTIONS = _jsonpath_execution_cases()


@pytest.fixture
def instant_sleep():
    previous = standins.set_sleep(lambda seconds: None)
    yield
    standins.set_sleep(previous)


@pytest.mark.parametrize("case", EXECUTIONS, ids=[c["id"].split("/")[-1] for c in EXECUTIONS])
def test_recorded_execution_outcome(case, instant_sleep):
    invoker = TaskInvoker(config(lambda_map(case["lambdas"])))
    result = run(
        case["definition"],
        input_text=json.dumps(case["input"]),
        invoke=invoker,
        account="111111111111",
        region="<region>",
        partition="<partition>",
        state_machine_name="<ArnPart_0idx>",
        execution_name="<ExecArnPart_0idx>",
    )
    expected = case["expected"]
    assert (result.status, result.error) == (expected["status"], expected.get("error"))
    if "cause" in expected:
        assert _deep_mask(result.cause) == _deep_mask(expected["cause"])
    replaced = {n.get("replacement") for n in case.get("snapshot_normalisations") or ()}
    if "output" in expected and not (
        isinstance(expected["output"], str) and expected["output"] in replaced
    ):
        assert _deep_mask(json.loads(result.output_text)) == _deep_mask(expected["output"])


def test_the_jsonpath_executions_were_found():
    assert len(EXECUTIONS) >= 50
