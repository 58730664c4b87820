"""Run conformance cases (recorded against AWS) through the in-process runner and compare.

The corpus lives in ``../shared/conformance`` (its README.md documents the case format,
the placeholder identifiers and the masking). We run each case with the same placeholder
identifiers, apply the same masking to our output and history, and compare: status,
output (semantically, and ``output_raw`` exactly), error, cause and the full history.

Selection: kind one of the execution kinds, both query languages (JSONPath; JSONata, mixed
machines and workflow variables), and ``needs`` either empty (pure Step Functions) or within
:data:`LAMBDA_NEEDS`: the Lambda cases run with :class:`~orchestrator.tasks.TaskInvoker` as
the runner's ``invoke`` hook, configured as a user configures it, with each function of the
case mapped in its Lambda map to its stand-in (:func:`tests.support.lambda_standins.lambda_map`),
on the same virtual clock (:class:`_VirtualLambdas`). :func:`is_jsonata_or_variables` tells the
JSONata / variables cases apart (``jsonata`` or ``field:Assign`` feature, or
``QueryLanguage``); :func:`is_lambda` the Lambda ones.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from orchestrator.asl.errors import DefinitionError, StatesError
from orchestrator.asl.runner import Delayed, run
from orchestrator.asl.runtime import Invoke
from orchestrator.tasks import TaskInvoker, TasksConfig
from tests.corpus import CORPUS
from tests.support import lambda_standins as standins

KINDS = ("execution", "describe-execution", "sync-execution", "express-async-end-event", "io-pair")
ACCOUNT = "111111111111"
REGION = "<region>"
PARTITION = "<partition>"
STATE_MACHINE_NAME = "<ArnPart_0idx>"
EXECUTION_NAME = "<ExecArnPart_0idx>"
ROLE_ARN = "snf_role_arn"

# The README's ISO-8601 regex (the snapshot library's "date" masking).
_DATE_RE = re.compile(
    r"(?:[1-9]\d{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|"
    r"(?:0[13578]|1[02])-31)|(?:[1-9]\d(?:0[48]|[2468][048]|[13579][26])|"
    r"(?:[2468][048]|[13579][26])00)-02-29)T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?"
    r"(?:Z|[+-][01]\d:?([0-5]\d)?)"
)
_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MAP_RUN_RE = re.compile(r"(:mapRun:[^/]+/)[^:\"]+:[0-9a-f-]+")
_JSON_INPUT_RE = re.compile(r"'(\{.*\}|\[.*\])'")


# Cases where we knowingly differ from the recording, with the reason. Each is still run
# (test_known_divergences) and must differ in exactly the documented way.
MAP_RUN_LINK = (
    "recorded after AWS changed Distributed Map history links (Nov 2024): "
    "MapStateExited follows MapRunStarted; the 17 older recordings in the corpus "
    "link it to MapRunSucceeded, which we follow"
)
REDRIVE_COUNT = (
    "recorded on 24-10-2023, before AWS added Execution.RedriveCount to the "
    "Context object (execution redrive, Nov 2023): the Lambda payloads that "
    "copy $$ lack it; we pass RedriveCount 0 as AWS does now"
)
SIMULTANEOUS_TIMEOUTS = (
    "four Map iterations each time out after 5 s; on AWS's real clock their timers fire "
    "milliseconds apart (TaskTimedOut recorded in the order 16, 18, 17, 19) and the first "
    "failure aborts the other iterations (MapIterationAborted, linked to it); on the virtual "
    "clock all four fire at the same instant, so each iteration fails on its own timeout "
    "(MapIterationFailed, linked to it); status, error and every other event are the same"
)
DIVERGENCES = {
    "scenarios/test_base_scenarios.test_map_state_config_distributed_item_selector_parameters": MAP_RUN_LINK,
    "scenarios/test_base_scenarios.test_map_state_config_distributed_items_path_from_previous": MAP_RUN_LINK,
    "scenarios/test_base_scenarios.test_map_state_nested_config_distributed": MAP_RUN_LINK,
    "assign/test_assign_reference_variables.test_reference_in_map_state"
    "[MAP_STATE_REFERENCE_IN_ITEM_SELECTOR]": MAP_RUN_LINK,
    "assign/test_assign_reference_variables.test_reference_in_map_state"
    "[MAP_STATE_REFERENCE_IN_TOLERATED_FAILURE_PATH]": MAP_RUN_LINK,
    "local_mocking/test_base_scenarios.test_map_state_lambda": MAP_RUN_LINK,
    "scenarios/test_base_scenarios.test_map_state_nested_config_distributed_no_max_max_concurrency": MAP_RUN_LINK,
    "scenarios/test_base_scenarios.test_lambda_invoke_with_retry_extended_input": REDRIVE_COUNT,
    "scenarios/test_base_scenarios.test_lambda_service_invoke_with_retry_extended_input": REDRIVE_COUNT,
    "timeouts/test_timeouts.test_service_lambda_map_timeout": SIMULTANEOUS_TIMEOUTS,
    "scenarios/test_base_scenarios.test_max_concurrency_path_negative": "AWS never finishes "
    "this execution (status RUNNING, no event after ExecutionStarted); we fail it with "
    "States.Runtime 'MaxConcurrency cannot be negative.'",
}


@lru_cache(maxsize=1)
def _index() -> list[dict]:
    return json.loads((CORPUS / "index.json").read_text())["cases"]


def load(case_file: str) -> dict:
    return json.loads((CORPUS / case_file).read_text())


def is_jsonata_or_variables(entry: dict) -> bool:
    features = entry["features"]
    if "jsonata" in features or "field:Assign" in features:
        return True
    return "QueryLanguage" in (CORPUS / entry["file"]).read_text()


# The ``needs`` we can provide: the Lambda stand-ins (reached through the Lambda-ARN map),
# the lambda:invoke service integration, and "task-not-invoked" (no function is called).
LAMBDA_NEEDS = frozenset(standins.BY_NEED) | {"lambda-service-integration", "task-not-invoked"}


def in_scope(entry: dict, with_lambda: bool = True) -> bool:
    needs = set(entry["needs"])
    return entry["kind"] in KINDS and (not needs or with_lambda and needs <= LAMBDA_NEEDS)


def is_lambda(entry: dict) -> bool:
    return bool(entry["needs"])


def selected_cases(with_lambda: bool = False) -> list[dict]:
    """In-scope cases we must match exactly (the documented divergences excluded): the pure
    Step Functions ones, plus the Lambda ones with ``with_lambda`` (those need the
    :class:`_VirtualLambdas` hook that :func:`run_case` provides; other drivers, such as
    the engine equivalence test, take the pure ones)."""
    return [
        entry
        for entry in _index()
        if in_scope(entry, with_lambda) and entry["id"] not in DIVERGENCES
    ]


def divergent_cases() -> list[dict]:
    return [entry for entry in _index() if in_scope(entry) and entry["id"] in DIVERGENCES]


# --- masking (applied to our side, as the snapshot library did to AWS's side) ------------


def _mask_string(text: str) -> str:
    text = _DATE_RE.sub("date", text)
    text = _REQUEST_ID_RE.sub(_request_id, text)
    return _MAP_RUN_RE.sub(r"\1<MapRunArnPart0_0idx>:<MapRunArnPart1_0idx>", text)


# The README's "Request ID: <request_id>" and "Extended Request ID: <extended_request_id>"
# (in the causes of AWS SDK errors).
_REQUEST_ID_RE = re.compile(r"(Request|Extended Request) ID: (?!<)[^;,)\s]+")


def _request_id(match: re.Match) -> str:
    kind = match[1]
    return f"{kind} ID: <{kind.lower().replace(' ', '_')}_id>"


def _parse_json_strings(value: Any) -> Any:
    """The snapshot library parsed every string that starts with ``{`` into an object."""
    if isinstance(value, dict):
        return {k: _parse_json_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_parse_json_strings(v) for v in value]
    if isinstance(value, str) and value.startswith("{"):
        try:
            return json.loads(value)  # only the outer text: inner strings stay strings
        except ValueError:
            return value
    return value


# Lambda/HTTP response metadata the recorder replaced by a fixed text (README, "Masking").
_KEY_MASKS = {
    "X-Amzn-Trace-Id": "X-Amzn-Trace-Id",
    "x-amzn-RequestId": "x-amzn-RequestId",
    "x-amz-crc32": "x-amz-crc32",
    "Date": "date",
    "RequestId": "RequestId",
}
# The two request-id masks are a per-test transformer of the recorder: four recordings of
# Sep-Nov 2024 (context_object, query_language) ran without it, so their Lambda request id
# (a UUID under ``RequestId`` / ``x-amzn-RequestId``) fell to the generic ``<uuid:N>`` rule,
# and every copy of it (headers, metadata) got the same token. We do what the recording did.
_REQUEST_ID_KEYS = ("x-amzn-RequestId", "RequestId")
_KEY_MASKS_UUID_REQUEST_IDS = {k: v for k, v in _KEY_MASKS.items() if k not in _REQUEST_ID_KEYS}


def key_masks(case: dict) -> dict:
    """The metadata masks the recorder applied to this case (see ``_REQUEST_ID_KEYS``)."""
    if re.search(r'"(?:x-amzn-)?RequestId": \[?"<uuid:', json.dumps(case)):
        return _KEY_MASKS_UUID_REQUEST_IDS
    return _KEY_MASKS


def _mask(value: Any, key: str = "", masks: dict = _KEY_MASKS) -> Any:
    if isinstance(value, dict):
        return {k: masks[k] if k in masks else _mask(v, k, masks) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, key, masks) for v in value]
    if isinstance(value, str):
        if "timestamp" in key.lower() and not _DATE_RE.match(value):
            return "timestamp"
        return _mask_string(value)
    if "timestamp" in key.lower():
        return "timestamp"
    return value


def _mask_uuids(value: Any, tokens: dict | None = None) -> Any:
    """``<uuid:N>``: a UUID under a key ending in ``id`` becomes a numbered token, and so
    does every later occurrence of the same UUID anywhere in the entry. ``tokens`` (UUID ->
    token) is filled in for the caller (the raw output text is masked with the same map)."""
    tokens = {} if tokens is None else tokens

    def collect(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                collect(v, k)
        elif isinstance(node, list):
            for v in node:
                collect(v, key)
        elif isinstance(node, str) and key.lower().endswith("id") and _UUID_RE.fullmatch(node):
            tokens.setdefault(node, f"<uuid:{len(tokens) + 1}>")

    collect(value)
    if not tokens:
        return value
    text = json.dumps(value)
    for uuid_text, token in tokens.items():
        text = text.replace(uuid_text, token)
    return json.loads(text)


def _mask_json_inputs(text: str, seen: dict) -> str:
    def repl(match: re.Match) -> str:
        inner = match.group(1)
        try:
            json.loads(inner)
        except ValueError:
            return match.group(0)
        token = seen.setdefault(inner, f"<json-input:{len(seen) + 1}>")
        return f"'{token}'"

    return _JSON_INPUT_RE.sub(repl, text)


def _apply_jsonpath_norm(value: Any, path: str, replacement: str, found: list | None = None) -> Any:
    """``$..a.b`` style normalisations: replace ``a.b`` found at any depth (the replaced
    values are appended to ``found``)."""
    keys = [k for k in path.replace("$..events..", "").lstrip("$.").split(".") if k]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out[k] = _apply_jsonpath_norm(v, path, replacement, found)
        node = out
        for k in keys[:-1]:
            node = node.get(k) if isinstance(node, dict) else None
        if isinstance(node, dict) and keys and keys[-1] in node:
            if found is not None:
                found.append(node[keys[-1]])
            node[keys[-1]] = replacement
        return out
    if isinstance(value, list):
        return [_apply_jsonpath_norm(v, path, replacement, found) for v in value]
    return value


def _apply_reference_norm(value: Any, path: str, replacement: str) -> Any:
    """``replace_reference``: each distinct value at the path becomes ``<replacement:N>``,
    and so does every other occurrence of that value in the entry (e.g. ``$..LogResult``
    also masks the ``X-Amz-Log-Result`` headers carrying the same text)."""
    found: list = []
    _apply_jsonpath_norm(value, path, replacement, found)
    tokens: dict[str, str] = {}
    for item in found:
        if isinstance(item, str):
            tokens.setdefault(item, f"<{replacement}:{len(tokens) + 1}>")

    def swap(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        return tokens.get(node, node) if isinstance(node, str) else node

    return swap(value)


def _regex_norms(case: dict, value: Any) -> Any:
    """Test-specific ``regex`` normalisations that are real patterns (others, such as
    ``<runtime value>``, only describe a value the test substituted). The recorder ran them
    on the JSON text of the entry before its generic UUID masking."""
    for norm in case.get("snapshot_normalisations") or ():
        if norm["type"] == "regex" and not norm["match"].startswith("<"):
            value = json.loads(re.sub(norm["match"], norm["replacement"], json.dumps(value)))
    return value


def _parse_outputs(value: Any) -> Any:
    """The recorder's ``GenericTransformer`` (assign cases) parsed every event's ``output``
    JSON text, whatever its type (``"output": 1``), leaving other fields as they were."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "output" and isinstance(v, str):
                try:
                    v = json.loads(v)
                except ValueError:
                    pass
            out[k] = _parse_outputs(v)
        return out
    if isinstance(value, list):
        return [_parse_outputs(v) for v in value]
    return value


def _case_norms(case: dict, value: Any) -> Any:
    for norm in case.get("snapshot_normalisations") or ():
        if norm["type"] == "GenericTransformer":
            value = _parse_outputs(value)
        if norm["type"] == "jsonpath" and norm.get("replace_reference"):
            value = _apply_reference_norm(value, norm["jsonpath"], norm["replacement"])
        elif norm["type"] == "jsonpath":
            value = _apply_jsonpath_norm(value, norm["jsonpath"], norm["replacement"])
        elif norm["type"] == "regex" and norm["replacement"] == "generated-uuid":
            value = json.loads(_UUID_RE.sub("generated-uuid", json.dumps(value)))
        elif norm["type"] == "sfn_sqs_integration":
            # The recorder's SQS transformer: message digests become numbered references.
            for key, token in _SQS_DIGESTS:
                value = _apply_reference_norm(value, f"$..{key}", token)
    return value


_SQS_DIGESTS = (
    ("MD5OfMessageBody", "m-d5-of-message-body"),
    ("MD5OfMessageAttributes", "m-d5-of-message-attributes"),
)


def normalise_parallel(events: list[dict]) -> None:
    """The recording harness's Parallel normalisation, applied the same way to our side:
    events between ``ParallelStateStarted`` and the next Parallel closing event get
    ``id [0]`` / ``previousEventId 0`` and the collected run replaces that slice."""
    closing = {
        "ParallelStateSucceeded",
        "ParallelStateAborted",
        "ParallelStateExited",
        "ParallelStateFailed",
    }
    start = None
    sublist: list = []
    collecting = False
    i = 0
    while i < len(events):
        event = events[i]
        kind = event.get("type")
        if kind in closing:
            # Like the recorder, keep scanning at i + 1 of the mutated list.
            events[start:i] = sorted(sublist, key=lambda e: json.dumps(e, sort_keys=True))
            collecting = False
        elif kind == "ParallelStateStarted":
            collecting = True
            sublist = []
            start = i + 1
        elif collecting:
            event["id"] = [0]
            event["previousEventId"] = 0
            sublist.append(event)
        i += 1


def _canonical_runs(events: list) -> list:
    """Sort each run of normalised ([0]) events so branch order does not matter."""
    out, run_ = [], []
    for event in events:
        if event.get("id") == [0]:
            run_.append(event)
            continue
        out.extend(sorted(run_, key=lambda e: json.dumps(e, sort_keys=True)))
        run_ = []
        out.append(event)
    out.extend(sorted(run_, key=lambda e: json.dumps(e, sort_keys=True)))
    return out


def execution_name(case: dict) -> str:
    for norm in case.get("snapshot_normalisations") or ():
        if norm["type"] == "regex" and norm["replacement"] == "<execution-name>":
            return "<execution-name>"
    return EXECUTION_NAME


# --- running and comparing -----------------------------------------------------------


class _VirtualLambdas:
    """The ``invoke`` hook for Lambda cases: :class:`TaskInvoker` with the case's functions
    mapped to the stand-ins, on the runner's VIRTUAL clock. A stand-in's sleep (the 60 s of
    ``lambda-sleep-60s-echo``) is not slept: it is summed and the call's outcome is handed
    back as :class:`Delayed` by that many seconds, so the Task's ``TimeoutSeconds`` race is
    decided by the interpreter on virtual time, as AWS decided it on real time."""

    def __init__(self, case: dict) -> None:
        # The function's own timeout is Lambda's (the config's 900 s), not the Task's:
        # the Task's TimeoutSeconds is the interpreter's business (it races a Sleep).
        # The recorded ARNs name the corpus' account: the functions live there.
        self.invoker = TaskInvoker(
            TasksConfig(lambdas=standins.lambda_map(case["lambdas"]), account=ACCOUNT)
        )

    def __call__(self, command: Invoke):
        slept: list[float] = []
        previous = standins.set_sleep(slept.append)
        try:
            call = Invoke(
                command.resource,
                command.parameters,
                command.state_name,
                command.key,
                command.attempt,
                None,
                command.heartbeat_seconds,
                command.task_token,
                command.context,
            )
            try:
                value = self.invoker(call)
            except StatesError as err:
                if not slept:
                    raise
                return Delayed(sum(slept), error=err)
        finally:
            standins.set_sleep(previous)
        return Delayed(sum(slept), value) if slept else value


def run_case(case: dict, invoke=None):
    """Run ``case`` in-process; ``invoke``: the Task calls' hook (default: the Lambda
    stand-ins for a case that needs them, else none)."""
    name, arn = execution_name(case), None
    if case["state_machine_type"] == "EXPRESS":
        # EXPRESS executions have ARNs ``...:express:<machine>:<name>:<id>``.
        prefix = "SyncExecArn" if case["kind"] == "sync-execution" else "ExpressExecArn"
        name = f"<{prefix}_Part1_0idx>"
        arn = (
            f"arn:{PARTITION}:states:{REGION}:{ACCOUNT}:express:{STATE_MACHINE_NAME}:"
            f"{name}:<{prefix}_Part2_0idx>"
        )
    role = "sfn_role_arn" if "sfn_role_arn" in json.dumps(case["expected"]) else ROLE_ARN
    generated = re.search(
        rf'"roleArn": "(arn:{PARTITION}:iam::{ACCOUNT}:role/<resource:\d+>)"',
        json.dumps(case.get("history")),
    )
    if generated:
        role = generated[1]  # a generated role name, numbered among the case's resources
    if any(
        n.get("replacement") == "<role-name>" for n in case.get("snapshot_normalisations") or ()
    ):
        role = f"arn:{PARTITION}:iam::{ACCOUNT}:role/<role-name>"  # a role created by the test
    lambdas = _VirtualLambdas(case) if case["needs"] and invoke is None else None
    invoke = invoke or lambdas
    try:
        return run(
            case["definition"],
            input_text=json.dumps(case["input"]),
            invoke=invoke,
            execution_name=name,
            execution_arn=arn,
            state_machine_name=STATE_MACHINE_NAME,
            account=ACCOUNT,
            region=REGION,
            partition=PARTITION,
            role_arn=role,
            redrive_count=None if case["kind"] == "sync-execution" else 0,
        )
    finally:
        if lambdas is not None:
            lambdas.invoker.close()


def our_history(case: dict, result, uuid_tokens: dict | None = None) -> list[dict]:
    seen: dict = {}
    events = []
    for event in result.history:
        event = dict(event)
        event["timestamp"] = "timestamp"
        for key, details in list(event.items()):
            if key.endswith("EventDetails") and isinstance(details, dict) and "cause" in details:
                details = dict(details)
                details["cause"] = _mask_json_inputs(details["cause"], seen)
                event[key] = details
        events.append(event)
    masked = _regex_norms(case, _mask(_parse_json_strings(events), masks=key_masks(case)))
    return _case_norms(case, _mask_uuids(masked, uuid_tokens))


def mask_sdk_headers(value: Any) -> Any:
    """``SdkHttpMetadata``'s header maps replaced by a marker, at any depth and inside JSON
    texts, and the request id beside them: for cases whose responses come from another
    server than AWS's (an emulator, this engine), whose headers and request ids differ; the
    status code and the rest are kept."""
    if isinstance(value, list):
        return [mask_sdk_headers(item) for item in value]
    if not isinstance(value, dict):
        if isinstance(value, str) and "SdkHttpMetadata" in value:
            try:
                return json.dumps(mask_sdk_headers(json.loads(value)), separators=(",", ":"))
            except ValueError:
                return value
        return value
    out = {key: mask_sdk_headers(item) for key, item in value.items()}
    meta = out.get("SdkHttpMetadata")
    if isinstance(meta, dict):
        out["SdkHttpMetadata"] = {**meta, "AllHttpHeaders": "<headers>", "HttpHeaders": "<headers>"}
        if isinstance(out.get("SdkResponseMetadata"), dict):  # the server's request id
            out["SdkResponseMetadata"] = {**out["SdkResponseMetadata"], "RequestId": "RequestId"}
    return out


def compare(case: dict, invoke=None, execute=None) -> list[str]:
    """Return the list of differences (empty when the case passes); ``invoke`` as for
    :func:`run_case`; ``execute(case)``: the ExecutionResult of a run made elsewhere (the
    durable engine) instead of :func:`run_case`'s."""
    expected = case["expected"]
    try:
        result = execute(case) if execute is not None else run_case(case, invoke)
    except DefinitionError as exc:
        return [f"definition rejected: {exc}"]
    problems: list[str] = []
    if result.status != expected["status"]:
        problems.append(
            f"status {result.status} != {expected['status']} ({result.error}: {result.cause})"
        )
        return problems
    tokens: dict = {}
    history = our_history(case, result, tokens)
    if "output" in expected:
        ours = _case_norms(case, _regex_norms(case, _mask(result.output, masks=key_masks(case))))
        if history and history[-1]["type"] == "ExecutionSucceeded":
            # The recorded output was read back from the (normalised) final event.
            ours = history[-1]["executionSucceededEventDetails"]["output"]
            if isinstance(ours, str) and not result.output_text.startswith("{"):
                try:
                    ours = json.loads(ours)
                except ValueError:
                    pass  # a case normalisation replaced the whole output by a marker
        ours = reconcile_lengths(case, ours, expected["output"])
        if ours != expected["output"]:
            problems.append(f"output {json.dumps(ours)} != {json.dumps(expected['output'])}")
    replaced = {n.get("replacement") for n in case.get("snapshot_normalisations") or ()}
    output_text = result.output_text or ""
    for uuid_text, token in tokens.items():  # the entry's <uuid:N> tokens reach the text too
        output_text = output_text.replace(uuid_text, token)
    if (
        "output_raw" in expected
        and expected["output_raw"] not in replaced
        and _mask_string(output_text) != expected["output_raw"]
    ):
        if _case_norms(case, _mask(json.loads(output_text))) != json.loads(
            expected["output_raw"]
        ) or not case.get("snapshot_normalisations"):
            problems.append(f"output_raw {result.output_text!r} != {expected['output_raw']!r}")
    seen: dict = {}
    final = history[-1].get("executionFailedEventDetails") if history else None
    for field in ("error", "cause"):
        if field in expected:
            ours = getattr(result, field)
            if final is not None:
                ours = final.get(field)  # the recorded values were read from this event
            elif field == "cause" and ours is not None:
                ours = _mask_string(_mask_json_inputs(ours, seen))
            if ours != expected[field]:
                problems.append(f"{field} {ours!r} != {expected[field]!r}")
    if case["kind"] == "execution" and case.get("history"):
        problems += _compare_history(case, result)
    if case["kind"] == "express-async-end-event":
        end = expected["end_event"]
        last = result.history[-1]
        if (last["type"], str(last["id"]), str(last["previousEventId"])) != (
            end["type"],
            end["id"],
            end["previous_event_id"],
        ):
            problems.append(f"end event {last['type']}#{last['id']} != {end}")
    return problems


def _compare_history(case: dict, result) -> list[str]:
    expected = json.loads(json.dumps(case["history"]))
    ours = our_history(case, result)
    if case.get("history_order") == "reverse":
        expected = list(reversed(expected))
    if any(
        n["type"] == "parallel-events-normalised" for n in case.get("snapshot_normalisations") or ()
    ):
        normalise_parallel(ours)
        expected, ours = _canonical_runs(expected), _canonical_runs(ours)
    problems = []
    for i, (want, got) in enumerate(zip(expected, ours)):
        got = reconcile_lengths(case, got, want)
        if want != got:
            problems.append(
                f"event #{i + 1}: ours {json.dumps(got)[:600]}\n"
                f"          aws  {json.dumps(want)[:600]}"
            )
            break
    if len(expected) != len(ours):
        problems.append(
            f"history length {len(ours)} != {len(expected)}: ours {[e['type'] for e in ours]}"
        )
    return problems


def _placeholders(case: dict) -> list[str]:
    """Names the recording substituted for values only known at test time."""
    return [
        n["replacement"]
        for n in case.get("snapshot_normalisations") or ()
        if n["type"] == "regex" and n["match"] == "<runtime value>"
    ]


def reconcile_lengths(case: dict, ours: Any, recorded: Any) -> Any:
    """A ``lambda:invoke`` result's ``Content-Length`` counts the bytes of the Lambda
    response, which echoes the real function name; the recording replaced that name by a
    placeholder (``<lambda_function_name>``) but kept the real length. Where the payload
    holds such a placeholder, we accept the recorded length if and only if it is ours with
    each occurrence of the placeholder counted as one real name of 1-64 characters (Lambda's
    limit), the same length for all of them; everything else is compared as is."""
    if isinstance(ours, list) and isinstance(recorded, list) and len(ours) == len(recorded):
        return [reconcile_lengths(case, a, b) for a, b in zip(ours, recorded)]
    if not (isinstance(ours, dict) and isinstance(recorded, dict)):
        return ours
    out = {k: reconcile_lengths(case, v, recorded.get(k)) for k, v in ours.items()}
    try:
        ours_len = int(out["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"])
        rec_len = recorded["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"]
        rec_all = recorded["SdkHttpMetadata"]["AllHttpHeaders"]["Content-Length"]
    except (KeyError, TypeError, ValueError):
        return out
    payload = json.dumps(out.get("Payload"))
    for name in _placeholders(case):
        count = payload.count(name)
        diff = ours_len - int(rec_len)
        if (
            count
            and diff
            and diff % count == 0
            and 1 <= len(name) - diff // count <= 64
            and rec_all == [rec_len]
        ):
            meta = json.loads(json.dumps(out["SdkHttpMetadata"]))
            meta["HttpHeaders"]["Content-Length"] = rec_len
            meta["AllHttpHeaders"]["Content-Length"] = [rec_len]
            out["SdkHttpMetadata"] = meta
            break
    return out
