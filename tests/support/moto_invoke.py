"""The conformance runner's Task hook against moto: the engine's own Task resources
(:class:`~orchestrator.tasks.TaskInvoker`) calling a moto server, with a case's placeholders
translated at the boundary - placeholders become the real names in the parameters sent, the
real names in what comes back become placeholders again (:mod:`.aws_setup`)."""

from __future__ import annotations

import copy
from typing import Any

from orchestrator.asl.runtime import Invoke
from orchestrator.tasks import TaskInvoker, TasksConfig
from tests.conformance.harness import mask_sdk_headers
from tests.support.aws_setup import substitute, unsubstitute

__all__ = ["MotoInvoke"]


class MotoInvoke:
    """The runner's Task hook: the engine's own Task resources against moto, with the
    case's placeholders translated at the boundary."""

    def __init__(self, url: str, mapping: dict[str, str]) -> None:
        self.mapping = mapping
        self.invoker = TaskInvoker(TasksConfig(aws_env_endpoints={"": url}, region="us-east-1"))

    def __call__(self, command: Invoke) -> Any:
        call = copy.copy(command)
        call.parameters = substitute(command.parameters, self.mapping)
        try:
            result = self.invoker(call)
        except Exception as err:
            cause = getattr(err, "cause", None)
            if isinstance(cause, str):
                err.cause = unsubstitute(cause, self.mapping)  # type: ignore[attr-defined]
            raise
        return mask_sdk_headers(unsubstitute(result, self.mapping))
