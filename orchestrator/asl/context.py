"""The Context object ``$$`` with AWS's field names and formats.

AWS developer guide, "Accessing execution data from the Context object": "The Context
object is an internal JSON structure that is available during an execution, and contains
information about your state machine and execution." Its fields: ``Execution`` (``Id``,
``Input``, ``Name``, ``RoleArn``, ``StartTime``, ``RedriveCount``), ``StateMachine``
(``Id``, ``Name``), ``State`` (``Name``, ``EnteredTime``, and ``RetryCount`` for states
that can retry), ``Task`` (``Token``, only for ``.waitForTaskToken``) and, inside a Map
iteration's ``ItemSelector``, ``Map.Item`` (``Index``, ``Value``).

Recorded AWS output (conformance ``context_object/test_input_path[$$]``) fixes the key
order: Execution, StateMachine, State.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["ExecutionInfo", "format_time", "state_context", "map_item_context"]


# (moment, text) of the last call, replaced as one tuple so threads never see a torn pair.
_last_formatted: tuple = (None, "")


def format_time(moment: datetime) -> str:
    """ISO-8601 with milliseconds and ``Z`` as AWS prints ``StartTime``/``EnteredTime``
    (``2024-01-31T12:00:00.123Z``)."""
    global _last_formatted
    # Many states enter within the same clock reading: remember the last one formatted.
    last = _last_formatted
    if moment == last[0]:
        return last[1]
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    _last_formatted = (moment, text)
    return text


class ExecutionInfo:
    """Identifiers of one execution: the fixed part of ``$$``."""

    __slots__ = (
        "execution_arn",
        "execution_name",
        "state_machine_arn",
        "state_machine_name",
        "role_arn",
        "start_time",
        "input",
        "redrive_count",
        "qualifiers",
        "_execution",
        "_machine",
    )

    def __init__(
        self,
        *,
        execution_arn: str,
        execution_name: str,
        state_machine_arn: str,
        state_machine_name: str,
        role_arn: str,
        start_time: datetime,
        input,
        redrive_count: int | None = 0,
        qualifiers: dict | None = None,
    ) -> None:
        self.execution_arn = execution_arn
        self.execution_name = execution_name
        self.state_machine_arn = state_machine_arn
        self.state_machine_name = state_machine_name
        self.role_arn = role_arn
        self.start_time = start_time
        self.input = input
        self.redrive_count = redrive_count
        # The version and alias the execution was started through
        # (``stateMachineVersionArn`` / ``stateMachineAliasArn``), for ExecutionStarted.
        self.qualifiers = dict(qualifiers or {})
        # Built once; every state's context shares them (they are never mutated).
        self._execution = {
            "Id": execution_arn,
            "Input": input,
            "StartTime": format_time(start_time),
            "Name": execution_name,
            "RoleArn": role_arn,
            "RedriveCount": redrive_count,
        }
        if redrive_count is None:
            # StartSyncExecution (EXPRESS, synchronous) executions cannot be redriven and
            # AWS leaves RedriveCount out (conformance express/test_express_sync).
            del self._execution["RedriveCount"]
        self._machine = {"Id": state_machine_arn, "Name": state_machine_name}

    def set_redrive_count(self, count: int) -> None:
        """``$$.Execution.RedriveCount`` from now on (a redriven execution; its replay
        sets each activation's count again)."""
        self.redrive_count = count
        if "RedriveCount" in self._execution:
            self._execution = {**self._execution, "RedriveCount": count}

    def context(
        self, state: dict, task_token: str | None = None, map_item: dict | None = None
    ) -> dict:
        ctx = {"Execution": self._execution, "StateMachine": self._machine, "State": state}
        if task_token is not None:
            ctx["Task"] = {"Token": task_token}
        if map_item is not None:
            ctx["Map"] = {"Item": map_item}
        return ctx


def state_context(name: str, entered: datetime, retry_count: int | None = None) -> dict:
    """The ``State`` member; ``RetryCount`` only for Task, Parallel and Map (AWS omits it
    for Pass/Choice/Wait, see the recorded ``$$`` outputs)."""
    state: dict[str, str | int] = {"Name": name, "EnteredTime": format_time(entered)}
    if retry_count is not None:
        state["RetryCount"] = retry_count
    return state


def map_item_context(index: int, value) -> dict:
    return {"Index": index, "Value": value}
