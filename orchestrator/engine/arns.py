"""ARNs and names of state machines and executions, with AWS's error messages.

AWS API reference, StartExecution ``name``: "A name must not contain: white space,
brackets < > { } [ ], wildcard characters ? *, special characters " # % \\ ^ | ~ ` $ & , ; : /,
control characters (U+0000-001F, U+007F-009F), surrogates (U+D800-DFFF), invalid
characters (U+10FFFF)"; length 1-80. ARN shapes:
``arn:aws:states:REGION:ACCOUNT:stateMachine:NAME``,
``arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME`` and, for EXPRESS executions,
``arn:aws:states:REGION:ACCOUNT:express:MACHINE:NAME:UUID``; a Distributed Map's Map Run
``arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:UUID`` and its child executions
``arn:aws:states:REGION:ACCOUNT:execution:MACHINE/LABEL:UUID``.
"""

from __future__ import annotations

import re

from .errors import ApiError

__all__ = [
    "activity_arn",
    "check_name",
    "parse_arn",
    "machine_arn",
    "execution_arn",
    "express_arn",
    "execution_parts",
    "split_machine_arn",
    "is_version",
]

_BAD_NAME = re.compile(
    '[\\s<>{}\\[\\]?*"#%\\\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f\ud800-\udfff\ufffe\uffff]'
)
_MAX_NAME = 80


def check_name(name: str) -> None:
    """Raise ``InvalidName`` (or ``ValidationException`` for the length) as AWS does."""
    if not isinstance(name, str) or len(name) > _MAX_NAME:
        raise ApiError(
            "ValidationException",
            f"1 validation error detected: Value '{name}' at 'name' failed to "
            f"satisfy constraint: Member must have length less than or equal to 80",
        )
    if not name or _BAD_NAME.search(name):
        raise ApiError("InvalidName", f"Invalid Name: '{name}'")


def machine_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:states:{region}:{account}:stateMachine:{name}"


def activity_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:states:{region}:{account}:activity:{name}"


def execution_arn(sm_arn: str, name: str) -> str:
    prefix, _, sm_name = sm_arn.rpartition(":stateMachine:")
    return f"{prefix}:execution:{sm_name}:{name}"


def express_arn(sm_arn: str, name: str, run_id: str) -> str:
    prefix, _, sm_name = sm_arn.rpartition(":stateMachine:")
    return f"{prefix}:express:{sm_name}:{name}:{run_id}"


def parse_arn(arn: str, *kinds: str) -> list[str]:
    """Split a Step Functions ARN and check its resource type is one of ``kinds``.

    AWS answers a malformed ARN with ``InvalidArn``: "Invalid Arn: 'Invalid ARN prefix:
    ...'" or "Invalid Arn: 'Resource type not valid in this context: execution'"."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) < 7 or parts[0] != "arn" or parts[2] != "states" or not all(parts[3:7]):
        raise ApiError("InvalidArn", f"Invalid Arn: 'Invalid ARN prefix: {arn}'")
    kind = parts[5]
    expected_len = {"stateMachine": 7, "execution": 8, "express": 9, "mapRun": 8}.get(kind)
    if kind not in kinds:
        raise ApiError(
            "InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {kind}'"
        )
    if expected_len is not None and len(parts) != expected_len:
        raise ApiError("InvalidArn", f"Invalid Arn: 'Invalid ARN: {arn}'")
    return parts


def execution_parts(arn: str) -> tuple[str, str]:
    """(state machine ARN, execution name) of a standard or express execution ARN."""
    parts = parse_arn(arn, "execution", "express")
    sm = ":".join(parts[:5] + ["stateMachine", parts[6]])
    return sm, parts[7]


def split_machine_arn(arn: str) -> tuple[str, str | None]:
    """(unqualified state machine ARN, qualifier) of a state machine ARN that may be
    qualified (AWS API reference, StartExecution: "A state machine version ARN ... is a
    combination of state machine ARN and the version number separated by a colon (:)"; an
    alias ARN is the state machine ARN and the alias name, e.g. ``stateMachineARN:PROD``).
    The qualifier is None for an unqualified ARN."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) == 8 and parts[5] == "stateMachine" and parts[7]:
        parse_arn(":".join(parts[:7]), "stateMachine")
        return ":".join(parts[:7]), parts[7]
    parse_arn(arn, "stateMachine")
    return arn, None


def is_version(qualifier: str | None) -> bool:
    """A version qualifier is a number (``...:stateMachine:NAME:3``); any other is an alias."""
    return qualifier is not None and qualifier.isdigit()
