"""Local stand-ins for the Lambda functions the conformance corpus was recorded with.

Conformance README, "Lambda stand-ins (needs)": each ``needs`` tag names a trivial function.
A test reaches them the way a user reaches their own functions: through the Lambda map of
the Task resources' config (:mod:`orchestrator.tasks.lambda_`), whose ``python:module:function``
entries name an importable module -- this one, as :data:`BY_NEED` spells them (e.g.
``{"<lambda_function_name>": BY_NEED["lambda-echo"]}``); :func:`lambda_map` builds that map
from a case's ``lambdas`` list.

The two failing functions are AWS's handler file, ``/var/task/handler.py``, compiled under
that name with their ``raise`` on the line the recorded stack traces show (line 2 and line
9), so their error causes match the recorded ones literally (apart from the masked
``requestId``). The file does not exist here: its text is served by the module loader
protocol (``__loader__.get_source``), which is where :mod:`traceback` looks for the source
of code that was not read from disk.

``lambda-sleep-60s-echo`` sleeps through :func:`set_sleep`'s function (``time.sleep`` by
default) so tests need not wait; it never sleeps past the invocation's deadline (the Task's
``TimeoutSeconds``): then it fails with ``States.Timeout`` and frees its thread of the
stand-in pool (:mod:`orchestrator.tasks.transport`), while the interpreter's own timeout race
has already decided the state's outcome.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from orchestrator.asl.errors import TIMEOUT, StatesError

__all__ = [
    "echo",
    "constant_helloworld",
    "decorate_input",
    "raise_exception",
    "raise_custom_exception",
    "sleep_60s_echo",
    "set_sleep",
    "BY_NEED",
    "lambda_map",
]

_sleep: Callable[[float], Any] = time.sleep


def set_sleep(fn: Callable[[float], Any]) -> Callable[[float], Any]:
    """Replace the sleep used by :func:`sleep_60s_echo`; returns the previous one."""
    global _sleep
    previous, _sleep = _sleep, fn
    return previous


def echo(event: Any, context: Any) -> Any:
    """lambda-echo: "Returns the invocation payload (event) unchanged."."""
    return event


def constant_helloworld(event: Any, context: Any) -> Any:
    """lambda-constant-helloworld: "Ignores its input and returns the JSON object
    {"Return": "HelloWorld"}."."""
    return {"Return": "HelloWorld"}


def decorate_input(event: Any, context: Any) -> Any:
    """lambda-decorate-input: "Returns the string 'input-event-' followed by the Python repr
    of the event"."""
    return "input-event-" + repr(event)


def sleep_60s_echo(event: Any, context: Any) -> Any:
    """lambda-sleep-60s-echo: "Sleeps 60 seconds, then returns the event unchanged."."""
    budget = context.get_remaining_time_in_millis() / 1000.0
    if budget < 60:
        _sleep(budget)
        raise StatesError(TIMEOUT, None)
    _sleep(60)
    return event


# AWS's handler.py, holding both failing handlers at their recorded line numbers:
# raise_exception raises on line 2, raise_custom_exception on line 9.
_HANDLER_FILE = "/var/task/handler.py"
_HANDLER_SOURCE = """\
def handler(event, context):
    raise Exception("Some exception was raised.")


class CustomException(Exception):
    pass

def handler(event, context):
    raise CustomException()
"""


class _HandlerSource:
    """The loader of the handler file's code: tracebacks read its lines from here."""

    @staticmethod
    def get_source(name: str) -> str:
        return _HANDLER_SOURCE


def _compile(first: int, last: int) -> Callable[[Any, Any], Any]:
    # Blank padding keeps each handler on its recorded line numbers.
    lines = _HANDLER_SOURCE.splitlines(keepends=True)
    source = "\n" * (first - 1) + "".join(lines[first - 1 : last])
    namespace: dict[str, Any] = {"__name__": "handler", "__loader__": _HandlerSource}
    exec(compile(source, _HANDLER_FILE, "exec"), namespace)
    return namespace["handler"]


raise_exception = _compile(1, 2)
raise_exception.__doc__ = "lambda-raise-exception: raises Exception('Some exception was raised.')."
raise_custom_exception = _compile(5, 9)
raise_custom_exception.__doc__ = (
    "lambda-raise-custom-exception: raises CustomException() (errorMessage '')."
)

BY_NEED = {
    "lambda-echo": f"python:{__name__}:echo",
    "lambda-constant-helloworld": f"python:{__name__}:constant_helloworld",
    "lambda-decorate-input": f"python:{__name__}:decorate_input",
    "lambda-raise-exception": f"python:{__name__}:raise_exception",
    "lambda-raise-custom-exception": f"python:{__name__}:raise_custom_exception",
    "lambda-sleep-60s-echo": f"python:{__name__}:sleep_60s_echo",
}


def lambda_map(case_lambdas: list[dict]) -> dict[str, str]:
    """The config ``lambdas`` map for a conformance case: each function the case calls
    (``lambdas[].function_name`` / ``function_arn``) mapped to the stand-in of its ``needs``."""
    functions: dict[str, str] = {}
    for entry in case_lambdas:
        spec = BY_NEED.get(entry.get("needs") or "")
        if spec is None:
            continue
        for key in (entry.get("function_name"), entry.get("function_arn")):
            if key:
                functions.setdefault(key, spec)
    return functions
