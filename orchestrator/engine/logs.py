"""Execution logging, shaped like Step Functions' CloudWatch Logs records.

AWS developer guide, "Log levels": ``ALL`` logs every history event; ``ERROR`` "logs only
the errors", i.e. the failure event types; ``FATAL`` logs only the events that end an
execution in failure (``ExecutionFailed``, ``ExecutionAborted``, ``ExecutionTimedOut``);
``OFF`` logs nothing. ``includeExecutionData: false`` leaves execution data (``input``,
``output``) out of the record. A record (conformance ``express/test_express_async``)::

    {"id": "4", "type": "ExecutionSucceeded", "details": {...}, "previous_event_id": "3",
     "event_timestamp": "1700000000000", "execution_arn": "...", "redrive_count": "0"}

Each record is printed as one JSON line by the logger ``orchestrator.executions``.
"""

from __future__ import annotations

import logging

from orchestrator.asl.document import compact
from orchestrator.asl.history import DETAILS_KEY

from .clock import to_us

__all__ = ["LOGGER", "DEFAULT_LOGGING", "log_records", "is_logged", "normalize_logging"]

LOGGER = logging.getLogger("orchestrator.executions")
DEFAULT_LOGGING = {"level": "OFF", "includeExecutionData": False}
LEVELS = ("ALL", "ERROR", "FATAL", "OFF")
_FATAL = frozenset({"ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"})
_DATA_FIELDS = ("input", "output", "parameters")


def normalize_logging(config: dict | None) -> dict:
    """The configuration as DescribeStateMachine returns it (level OFF by default)."""
    out = dict(DEFAULT_LOGGING)
    if config:
        out.update({k: v for k, v in config.items() if v is not None})
    return out


def is_logged(level: str, event_type: str) -> bool:
    if level == "ALL":
        return True
    if level == "FATAL":
        return event_type in _FATAL
    if level == "ERROR":
        return (
            event_type in _FATAL
            or event_type.endswith("Failed")
            or event_type.endswith("TimedOut")
            or event_type.endswith("Aborted")
        )
    return False


def record(event: dict, execution_arn: str, include_data: bool) -> dict:
    details = event.get(DETAILS_KEY[event["type"]])
    if details is not None and not include_data:
        details = {k: v for k, v in details.items() if k not in _DATA_FIELDS}
    out = {"id": str(event["id"]), "type": event["type"]}
    if details is not None:
        out["details"] = details
    out.update(
        previous_event_id=str(event["previousEventId"]),
        event_timestamp=str(to_us(event["timestamp"]) // 1000),
        execution_arn=execution_arn,
        redrive_count="0",
    )
    return out


def log_records(events: list[dict], execution_arn: str, config: dict | None) -> list[dict]:
    """The records ``config`` (a loggingConfiguration) selects from ``events``."""
    config = normalize_logging(config)
    level = config.get("level", "OFF")
    include = bool(config.get("includeExecutionData"))
    return [record(e, execution_arn, include) for e in events if is_logged(level, e["type"])]


def emit(records: list[dict]) -> None:
    for r in records:
        LOGGER.info(compact(r))
