"""The service-integration cases of ``../shared/conformance-more`` (``services/``: SQS, SNS,
DynamoDB, EventBridge, S3 and other aws-sdk calls, recorded against AWS), run against a real
local AWS API: moto's server mode, its own process on a loopback port.

Each case's ``setup`` is created on moto under real names (:mod:`tests.support.aws_setup`);
the definition and input keep the recording's placeholders, and the Task calls translate at
the boundary: placeholders become the real names in the parameters sent, the real names in
what comes back become placeholders again. So the history compares event for event with
AWS's. One masking is ours: the HTTP headers an optimized integration returns in
``SdkHttpMetadata`` are the emulator's (moto sends other headers than AWS), so their values
are masked on both sides; their presence, the status code and ``SdkResponseMetadata`` are
compared.

Cases that need what this engine does not do yet (nested state machines, workers scripted
by the test, Lambda functions that are not the first corpus's stand-ins, API Gateway) are
listed in :data:`NOT_RUN` with the reason, and :func:`test_every_case_is_accounted_for` makes
sure the lists cover the folder."""

from __future__ import annotations

import copy
import json

import pytest

from tests.conformance.harness import compare, mask_sdk_headers
from tests.corpus import CORPUS
from tests.support.aws_setup import create_setup
from tests.support.moto_invoke import MotoInvoke

pytest_plugins = ["tests.support.moto_fixtures"]
pytestmark = pytest.mark.integration

FOLDER = CORPUS.parent / "conformance-more" / "cases" / "services"
CASES = sorted(p for p in FOLDER.glob("*.json") if json.loads(p.read_text())["kind"] == "execution")

# needs tag -> why such a case is not run here yet
_NOT_YET = {
    "child-state-machine": "starts another state machine: run by test_nested_conformance or "
    "test_callback_conformance (aws-sdk:sfn)",
    "aws-sdk:sfn": "calls this engine's own API (aws-sdk:sfn): run by test_callback_conformance "
    "on a real orchestrator",
    "lambda-custom:return_bytes_str": "a LocalStack Lambda function with no stand-in here",
}
NOT_RUN = {
    path.stem: reason
    for path in CASES
    for tag, reason in _NOT_YET.items()
    if tag in json.loads(path.read_text())["needs"]
}
RUN = [path for path in CASES if path.stem not in NOT_RUN]
# Cases run that differ from the recording because moto's answer differs from AWS's: the
# reason, and a text the differences must show (each must still differ, that way).
_S3 = (
    "moto's S3 does not report the default encryption AWS applies to every object "
    "(ServerSideEncryption AES256) nor ChecksumType, and adds ChecksumCRC32 to GetObject",
    "ServerSideEncryption",
)
_CONSUMED = (
    "moto's UpdateItem returns ConsumedCapacity unasked (AWS only with ReturnConsumedCapacity)",
    "ConsumedCapacity",
)
_DETAIL = (
    "moto answers PutEvents with a malformed Detail with an HTTP 500 page (AWS: a failed "
    "entry, MalformedDetail)",
    "EventBridge.500Exception",
)
KNOWN: dict[str, tuple[str, str]] = {
    "test_aws_sdk_task_service.test_dynamodb_put_update_get_item": _CONSUMED,
    "test_dynamodb_task_service.test_base_integrations_DYNAMODB_PUT_UPDATE_GET_ITEM": _CONSUMED,
    **{
        f"test_aws_sdk_task_service.test_s3_{name}": _S3
        for name in (
            "get_object_binary",
            "get_object_empty_binary",
            "get_object_empty_str",
            "get_object_str",
            "put_object_bool",
            "put_object_dict",
            "put_object_list",
            "put_object_num",
            "put_object_str",
        )
    },
    "test_events_task_service.test_put_events_malformed_detail": _DETAIL,
    "test_events_task_service.test_put_events_mixed_malformed_detail": _DETAIL,
    "test_sns_task_service.test_fifo_message_attribute_input_params0-True": (
        "moto names a FIFO publish without MessageGroupId MissingParameter (AWS: InvalidParameter)",
        "SNS.MissingParameterException",
    ),
    "test_sns_task_service.test_fifo_message_attribute_input_params1-False": (
        "moto's FIFO Publish response has no SequenceNumber",
        "SequenceNumber",
    ),
    "test_sns_task_service.test_publish_base_error_topic_arn": (
        "moto's message for a topic that does not exist is 'Endpoint does not exist' "
        "(AWS: 'Topic does not exist')",
        "Endpoint does not exist",
    ),
}


def test_every_case_is_accounted_for():
    assert len(CASES) == len(RUN) + len(NOT_RUN)
    assert len(RUN) >= 37, f"only {len(RUN)} of {len(CASES)} service cases run"


@pytest.mark.parametrize("path", RUN, ids=lambda p: p.stem)
def test_case(path, moto, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    case = json.loads(path.read_text())
    mapping = create_setup(case, moto)
    judged = copy.deepcopy(case)
    judged["expected"] = mask_sdk_headers(judged["expected"])
    judged["history"] = mask_sdk_headers(judged["history"])
    invoke = MotoInvoke(moto.url, mapping)
    try:
        problems = compare(judged, invoke)
    finally:
        invoke.invoker.close()
    if path.stem in KNOWN:
        reason, shows = KNOWN[path.stem]
        assert problems and shows in "\n".join(problems), reason
    else:
        assert not problems, "\n".join(problems)
