"""Local stand-ins for the Lambda functions the conformance corpus was recorded with.

Conformance README, "Lambda stand-ins (needs)": each ``needs`` tag names a trivial function;
map a case's function name to the matching entry of :data:`BY_NEED` in the config's
``lambdas`` (e.g. ``{"<lambda_function_name>": BY_NEED["lambda-echo"]}``);
:func:`lambda_map` builds that map from a case's ``lambdas`` list.

The two failing functions are compiled under AWS's file name ``/var/task/handler.py`` with
their ``raise`` on the line the recorded stack traces show (line 2 and line 9), so their
error causes match the recorded ones literally (apart from the masked ``requestId``).

``lambda-sleep-60s-echo`` sleeps through :func:`set_sleep`'s function (``time.sleep`` by
default) so tests need not wait; it never sleeps past the invocation's deadline (the Task's
``TimeoutSeconds``): then it fails with ``States.Timeout`` and frees its thread of the
stand-in pool (:mod:`.transport`), while the interpreter's own timeout race has already
decided the state's outcome.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from ..asl.errors import TIMEOUT, StatesError
from .lambda_ import register_source

__all__ = ["echo", "constant_helloworld", "decorate_input", "raise_exception",
           "raise_custom_exception", "sleep_60s_echo", "set_sleep", "BY_NEED", "lambda_map"]

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


# One virtual handler.py holding both failing handlers at their recorded line numbers:
# raise_exception.py raises on line 2, raise_custom_exception.py on line 9.
_HANDLER_FILE = "/var/task/handler.py"
_HANDLER_LINES = [
    "def handler(event, context):\n",
    '    raise Exception("Some exception was raised.")\n',
    "\n",
    "\n",
    "class CustomException(Exception):\n",
    "    pass\n",
    "\n",
    "def handler(event, context):\n",
    "    raise CustomException()\n",
]
register_source(_HANDLER_FILE, _HANDLER_LINES)


def _compile(first: int, last: int) -> Callable[[Any, Any], Any]:
    # Blank padding keeps each handler on its recorded line numbers.
    source = "\n" * (first - 1) + "".join(_HANDLER_LINES[first - 1:last])
    namespace: dict[str, Any] = {"__name__": "handler"}
    exec(compile(source, _HANDLER_FILE, "exec"), namespace)
    return namespace["handler"]


raise_exception = _compile(1, 2)
raise_exception.__doc__ = ("lambda-raise-exception: raises Exception('Some exception was "
                           "raised.').")
raise_custom_exception = _compile(5, 9)
raise_custom_exception.__doc__ = ("lambda-raise-custom-exception: raises CustomException() "
                                  "(errorMessage '').")

BY_NEED = {
    "lambda-echo": "python:orchestrator.tasks.standins:echo",
    "lambda-constant-helloworld": "python:orchestrator.tasks.standins:constant_helloworld",
    "lambda-decorate-input": "python:orchestrator.tasks.standins:decorate_input",
    "lambda-raise-exception": "python:orchestrator.tasks.standins:raise_exception",
    "lambda-raise-custom-exception": "python:orchestrator.tasks.standins:raise_custom_exception",
    "lambda-sleep-60s-echo": "python:orchestrator.tasks.standins:sleep_60s_echo",
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
