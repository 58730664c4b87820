"""The callback cases of ``../shared/conformance-more`` (``.waitForTaskToken`` Tasks over
SQS whose token is answered by a *helper workflow* - aws-sdk:sqs:receiveMessage then
aws-sdk:sfn:sendTaskSuccess / sendTaskFailure - and a ``.sync`` child answering its own
parent's token), recorded against AWS, run as AWS ran them: a real orchestrator process,
its Task calls to SQS going to moto's server mode (its own process on a loopback port) and
its aws-sdk:sfn calls to itself. The history is compared event for event, with the
harness's masking (:mod:`.harness`) and the emulator's HTTP headers masked on both sides.

The services cases whose Tasks call Step Functions itself (``aws-sdk:sfn``) run here too.
The cases whose worker is a thread of LocalStack's test (``worker:test-thread``) are not
run here; :data:`NOT_RUN` lists them with that reason."""

from __future__ import annotations

import copy
import json
import re

import pytest

from orchestrator.asl.execution import ExecutionResult
from tests.conformance.harness import compare, mask_sdk_headers
from tests.corpus import CORPUS
from tests.orchestrator.api.orchestrator_server import Orchestrator, wait_finished
from tests.support.aws import stepfunctions_client
from tests.support.aws_setup import create_setup, substitute, unsubstitute

pytest_plugins = ["tests.support.moto_fixtures"]
pytestmark = pytest.mark.integration

CASES_DIR = CORPUS.parent / "conformance-more" / "cases"
ALL = (
    sorted((CASES_DIR / "callback").glob("*.json"))
    + sorted(
        p for p in (CASES_DIR / "local_mocking").glob("*.json") if "wait_for_task_token" in p.stem
    )
    # aws-sdk:sfn Tasks: calls to this engine's own API
    + sorted(
        p
        for p in (CASES_DIR / "services").glob("*.json")
        if "aws-sdk:sfn" in json.loads(p.read_text())["needs"]
    )
)
ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"


def _needs_thread(path) -> bool:
    case = json.loads(path.read_text())
    return any(w["type"] != "helper-state-machine" for w in case.get("workers") or ())


_LAMBDA = "the child runs a Lambda function that sleeps (a LocalStack stand-in we do not run here)"
NOT_RUN = {
    **{
        path.stem: "its worker is a thread of LocalStack's test, not a workflow"
        for path in ALL
        if _needs_thread(path)
    },
    "test_callback.test_start_execution_sync_delegate_timeout": _LAMBDA,
    # judged on the durable engine by test_nested_conformance:
    **{p.stem: "run by test_nested_conformance" for p in ALL if "start_execution_sync" in p.stem},
}
CASES = [path for path in ALL if path.stem not in NOT_RUN]


def test_every_case_is_accounted_for():
    assert len(CASES) >= 7, [p.stem for p in CASES]


@pytest.fixture(scope="module")
def server(tmp_path_factory, moto_server):
    running = Orchestrator(tmp_path_factory.mktemp("orchestrator-callbacks"), moto_server.env())
    running.start()
    yield running
    running.stop()


def _run(case: dict, server, moto) -> ExecutionResult:
    sfn = stepfunctions_client(server.url)
    tag = f"c{len(sfn.list_state_machines()['stateMachines'])}"  # the server serves every case
    mapping = create_setup(case, moto)  # placeholder -> real
    text = json.dumps(case["input"])
    for index, entry in enumerate(
        e for e in case.get("setup") or () if e["resource"] == "state-machine"
    ):
        arn = sfn.create_state_machine(
            name=f"{tag}-child{index}", definition=json.dumps(entry["definition"]), roleArn=ROLE
        )["stateMachineArn"]
        mapping[entry["arn_as_recorded"]] = arn
        # The recording may name the child in the input with another placeholder.
        named = re.findall(r"arn:<partition>:states:<region>:\d+:stateMachine:<[^>\"]+>", text)
        for recorded in named:
            mapping.setdefault(recorded, arn)
    for recorded in re.findall(r"\"(<resource:\d+>)\"", text):  # a name, masked
        mapping.setdefault(recorded, recorded.strip("<>").replace(":", ""))
    for recorded, real in list(mapping.items()):  # its executions, as the recording names them
        if ":stateMachine:" in recorded and ":stateMachine:" in real:
            mapping.setdefault(
                recorded.replace(":stateMachine:", ":execution:") + ":",
                real.replace(":stateMachine:", ":execution:") + ":",
            )
    helpers = []
    for index, worker in enumerate(case.get("workers") or ()):
        helper = sfn.create_state_machine(
            name=f"{tag}-helper{index}", definition=json.dumps(worker["definition"]), roleArn=ROLE
        )["stateMachineArn"]
        started = sfn.start_execution(
            stateMachineArn=helper, input=json.dumps(substitute(worker["input"], mapping))
        )
        helpers.append(started["executionArn"])
    definition = json.dumps(substitute(case["definition"], mapping))
    parent = sfn.create_state_machine(name=f"{tag}-tested", definition=definition, roleArn=ROLE)[
        "stateMachineArn"
    ]
    arn = sfn.start_execution(
        stateMachineArn=parent, input=json.dumps(substitute(case["input"], mapping))
    )["executionArn"]
    try:
        done = wait_finished(sfn, arn, 120)
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    finally:
        for helper in helpers:
            sfn.stop_execution(executionArn=helper)
    recorded_role = case["history"][0]["executionStartedEventDetails"]["roleArn"]
    back = {**mapping, recorded_role: ROLE, "<region>": "us-east-1"}  # placeholder -> real

    def recorded(value):
        return unsubstitute(mask_sdk_headers(value), back)

    output_text = done.get("output")
    if output_text is not None:
        output_text = json.dumps(recorded(json.loads(output_text)), separators=(",", ":"))
    return ExecutionResult(
        done["status"],
        output=None if output_text is None else json.loads(output_text),
        output_text=output_text,
        error=done.get("error"),
        cause=recorded(done.get("cause")),
        history=recorded([{k: v for k, v in e.items()} for e in events]),
    )


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case(path, server, moto):
    case = json.loads(path.read_text())
    judged = copy.deepcopy(case)
    judged["expected"] = mask_sdk_headers(judged["expected"])
    judged["history"] = mask_sdk_headers(judged["history"])
    result = _run(case, server, moto)
    problems = compare(judged, execute=lambda _case: result)
    assert not problems, "\n".join(problems)
