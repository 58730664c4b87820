"""Task ``Resource`` ARNs: the one grammar the validator, the Task state and the Task
dispatcher read them with.

AWS developer guide, "Integrating services with Step Functions": a service integration is
``arn:<partition>:states:::<service>:<action>`` followed by its integration pattern --
nothing (Request Response), ``.sync`` / ``.sync:2`` (Run a Job) or ``.waitForTaskToken``
(wait for a callback with the task token); an AWS SDK integration names its service
``aws-sdk:<service>``. The other resources are a Lambda function ARN
``arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`` and an
activity ARN ``arn:<partition>:states:<region>:<account>:activity:<name>``. As a local
extension (see :mod:`orchestrator.tasks`) a Lambda function ARN may end in
``.waitForTaskToken`` too.

:func:`parse` splits a resource into a :class:`Resource`; :meth:`Resource.recognized`
tells whether Step Functions knows a service integration (the optimized integrations of
the developer guide, "Integrating optimized services", and well-formed AWS SDK ones).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Resource",
    "parse",
    "is_arn",
    "is_callback",
    "SERVICE",
    "LAMBDA_FUNCTION",
    "ACTIVITY",
    "REQUEST_RESPONSE",
    "SYNC",
    "SYNC2",
    "WAIT_FOR_TASK_TOKEN",
]

# Resource kinds (the names the Task state uses for its history events).
SERVICE = "service"
LAMBDA_FUNCTION = "lambda-function"
ACTIVITY = "activity"

# Integration patterns, as the resource's suffix.
REQUEST_RESPONSE = ""
SYNC = ".sync"
SYNC2 = ".sync:2"
WAIT_FOR_TASK_TOKEN = ".waitForTaskToken"
_PATTERNS = (SYNC2, SYNC, WAIT_FOR_TASK_TOKEN)  # .sync:2 before .sync

_SERVICE_ARN = re.compile(r"arn:(?P<partition>[^:]+):states:::(?P<rest>.+)\Z")
_FUNCTION_ARN = re.compile(
    r"arn:(?P<partition>[^:]+):lambda:(?P<region>[^:]*):(?P<account>[^:]*)"
    r":function:(?P<name>[^:]+)(?::(?P<qualifier>[^:]+))?\Z"
)
_ACTIVITY_ARN = re.compile(
    r"arn:(?P<partition>[^:]+):states:(?P<region>[^:]*):(?P<account>[^:]*)"
    r":activity:(?P<name>[^:]+)\Z"
)
_SDK_SERVICE = re.compile(r"aws-sdk:[a-z0-9.-]+\Z")
_SDK_ACTION = re.compile(r"[A-Za-z0-9]+\Z")

# Optimized integrations (developer guide, "Integrating optimized services"): service ->
# action -> the patterns it supports. Anything else is "not recognized" (the conformance
# corpus records this for dynamodb:query).
_R = frozenset({REQUEST_RESPONSE})
_RT = frozenset({REQUEST_RESPONSE, WAIT_FOR_TASK_TOKEN})
_RS = frozenset({REQUEST_RESPONSE, SYNC})
_RST = frozenset({REQUEST_RESPONSE, SYNC, WAIT_FOR_TASK_TOKEN})
_OPTIMIZED: dict[str, dict[str, frozenset[str]]] = {
    "lambda": {"invoke": _RT},
    "http": {"invoke": _R},
    "states": {"startExecution": frozenset({REQUEST_RESPONSE, SYNC, SYNC2, WAIT_FOR_TASK_TOKEN})},
    "sns": {"publish": _RT},
    "sqs": {"sendMessage": _RT},
    "events": {"putEvents": _RT},
    "apigateway": {"invoke": _RT},
    "dynamodb": {"getItem": _R, "putItem": _R, "updateItem": _R, "deleteItem": _R},
    "batch": {"submitJob": _RST},
    "ecs": {"runTask": _RST},
    "glue": {"startJobRun": _RST},
    "glue-databrew": {"startJobRun": _RS},
    "athena": {
        "startQueryExecution": _RST,
        "stopQueryExecution": _R,
        "getQueryExecution": _R,
        "getQueryResults": _R,
    },
    "codebuild": {
        "startBuild": _RST,
        "stopBuild": _R,
        "batchDeleteBuilds": _R,
        "batchGetReports": _R,
        "startBuildBatch": _RST,
        "stopBuildBatch": _R,
        "retryBuildBatch": _RST,
        "retryBuild": _RST,
        "deleteBuildBatch": _R,
    },
    "eks": {
        "createCluster": _RS,
        "deleteCluster": _RS,
        "createFargateProfile": _RS,
        "deleteFargateProfile": _RS,
        "createNodegroup": _RS,
        "deleteNodegroup": _RS,
        "runJob": _RS,
        "call": _R,
    },
    "elasticmapreduce": {
        "createCluster": _RS,
        "terminateCluster": _RS,
        "addStep": _RS,
        "cancelStep": _R,
        "setClusterTerminationProtection": _R,
        "modifyInstanceFleetByName": _R,
        "modifyInstanceGroupByName": _R,
    },
    "emr-containers": {"startJobRun": _RS, "createVirtualCluster": _R, "deleteVirtualCluster": _RS},
    "emr-serverless": {
        "createApplication": _RS,
        "startApplication": _RS,
        "stopApplication": _RS,
        "deleteApplication": _RS,
        "startJobRun": _RS,
        "cancelJobRun": _RS,
    },
    "sagemaker": {
        "createTrainingJob": _RS,
        "createTransformJob": _RS,
        "createHyperParameterTuningJob": _RS,
        "createLabelingJob": _RS,
        "createProcessingJob": _RS,
        "createModel": _R,
        "createEndpoint": _R,
        "createEndpointConfig": _R,
        "updateEndpoint": _R,
    },
    "bedrock": {"invokeModel": _R, "createModelCustomizationJob": _RS},
    "mediaconvert": {"createJob": _RS},
}


@dataclass(frozen=True, slots=True)
class Resource:
    """A parsed Task resource.

    ``kind`` is :data:`SERVICE` (an integration: ``service`` such as ``lambda``, ``http``
    or ``aws-sdk:s3`` and ``action`` such as ``invoke``), :data:`LAMBDA_FUNCTION` or
    :data:`ACTIVITY` (``region``, ``account``, ``name`` and a function's ``qualifier``).
    ``pattern`` is the integration pattern suffix (:data:`REQUEST_RESPONSE` when none) and
    ``arn`` the resource without it."""

    kind: str
    arn: str
    partition: str
    pattern: str = REQUEST_RESPONSE
    service: str = ""
    action: str = ""
    region: str = ""
    account: str = ""
    name: str = ""
    qualifier: str | None = None

    @property
    def is_callback(self) -> bool:
        """``.waitForTaskToken``: the result comes later, through SendTaskSuccess/Failure."""
        return self.pattern == WAIT_FOR_TASK_TOKEN

    @property
    def is_sync(self) -> bool:
        """``.sync`` or ``.sync:2``: wait for the job to complete."""
        return self.pattern == SYNC or self.pattern == SYNC2

    def recognized(self) -> bool:
        """A service integration Step Functions has, with a pattern it supports: an
        optimized one, or a well-formed AWS SDK one (``aws-sdk:<service>:<action>``).
        Lambda function and activity ARNs are always recognized."""
        if self.kind != SERVICE:
            return True
        if self.service.startswith("aws-sdk:"):
            return (
                _SDK_SERVICE.match(self.service) is not None
                and _SDK_ACTION.match(self.action) is not None
            )
        return self.pattern in _OPTIMIZED.get(self.service, {}).get(self.action, ())


def _split(text: str, patterns: tuple[str, ...]) -> tuple[str, str]:
    for pattern in patterns:
        if text.endswith(pattern):
            return text[: -len(pattern)], pattern
    return text, REQUEST_RESPONSE


@lru_cache(maxsize=1024)
def parse(resource: str) -> Resource | None:
    """The :class:`Resource` written as ``resource``; None when it is none of the forms
    above (it may still be some other ARN: :func:`is_arn`). Cached: a Task state's resource
    is read at every call."""
    match = _SERVICE_ARN.match(resource)
    if match is not None:
        rest, pattern = _split(match["rest"], _PATTERNS)
        service, _, action = rest.rpartition(":")
        return Resource(
            SERVICE,
            resource[: len(resource) - len(pattern)],
            match["partition"],
            pattern,
            service=service,
            action=action,
        )
    base, pattern = _split(resource, (WAIT_FOR_TASK_TOKEN,))
    match = _FUNCTION_ARN.match(base)
    if match is not None:
        return Resource(
            LAMBDA_FUNCTION,
            base,
            match["partition"],
            pattern,
            region=match["region"],
            account=match["account"],
            name=match["name"],
            qualifier=match["qualifier"],
        )
    match = _ACTIVITY_ARN.match(resource)
    if match is not None:
        return Resource(
            ACTIVITY,
            resource,
            match["partition"],
            region=match["region"],
            account=match["account"],
            name=match["name"],
        )
    return None


def is_arn(text: str) -> bool:
    """Shaped like an ARN: ``arn:partition:service:region:account:resource``."""
    return text.startswith("arn:") and text.count(":") >= 5


def is_callback(resource: str) -> bool:
    """True for a ``.waitForTaskToken`` resource (see :attr:`Resource.is_callback`)."""
    parsed = parse(resource)
    return parsed is not None and parsed.pattern == WAIT_FOR_TASK_TOKEN
