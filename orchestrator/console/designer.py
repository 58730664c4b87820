"""What the console's workflow designer starts from: templates, Task presets and defaults.

Pure helpers: :mod:`orchestrator.api.console` reads the inputs (the shipped
``order_flow.asl.json``, the engine's Task configuration and account) and serves the result
as ``GET /console/api/designer``:

- :func:`templates` - whole definitions to start from (``blank``, ``hello-world``,
  ``order-flow``), each as pretty JSON text (2-space indent);
- :func:`presets` - one Task state per entry of the Task configuration's endpoint map (an
  HTTP Task written like the shipped ``statemachines/order_flow.asl.json``: JSONPath
  ``Parameters`` with ``ApiEndpoint``, ``Method`` and ``Authentication.ConnectionArn``, and
  a retrier for transient failures) and per function of its Lambda map
  (``lambda:invoke``);
- :func:`defaults` - the role ARN a created machine gets and the choices the page offers
  (:data:`TYPES`, :data:`LOGGING_LEVELS`, the query languages of
  :data:`orchestrator.asl.model.QUERY_LANGUAGES`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..asl.model import QUERY_LANGUAGES

__all__ = [
    "TYPES",
    "LOGGING_LEVELS",
    "HTTP_RESOURCE",
    "LAMBDA_RESOURCE",
    "BLANK",
    "HELLO_WORLD",
    "pretty",
    "templates",
    "http_preset",
    "lambda_preset",
    "presets",
    "connection_arn",
    "role_arn",
    "logging_configuration",
    "defaults",
]

TYPES = ("STANDARD", "EXPRESS")
# OFF first: the default.
LOGGING_LEVELS = ("OFF", "ALL", "ERROR", "FATAL")
HTTP_RESOURCE = "arn:aws:states:::http:invoke"
LAMBDA_RESOURCE = "arn:aws:states:::lambda:invoke"
# The connection the shipped definitions name (statemachines/endpoints.json authorises
# every connection with "*").
_LOCAL_CONNECTION = "connection/local-services/00000000-0000-0000-0000-000000000000"
# The retrier of the shipped HTTP Tasks: 5xx answers, socket errors and timeouts.
_HTTP_RETRY = {
    "ErrorEquals": [
        "States.Http.StatusCode.500",
        "States.Http.StatusCode.502",
        "States.Http.StatusCode.503",
        "States.Http.StatusCode.504",
        "States.Http.Socket",
        "States.Timeout",
    ],
    "IntervalSeconds": 1,
    "MaxAttempts": 3,
    "BackoffRate": 2.0,
    "MaxDelaySeconds": 8,
    "JitterStrategy": "FULL",
}

BLANK: dict[str, Any] = {
    "Comment": "A new state machine",
    "StartAt": "Start",
    "States": {"Start": {"Type": "Pass", "End": True}},
}
HELLO_WORLD: dict[str, Any] = {
    "Comment": "Hello world: a Pass state sets a greeting, a Wait state waits one second",
    "StartAt": "Greet",
    "States": {
        "Greet": {"Type": "Pass", "Result": {"greeting": "Hello, world!"}, "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


def pretty(definition: Any) -> str:
    """A definition as the designer shows it: JSON with a 2-space indent."""
    return json.dumps(definition, indent=2, ensure_ascii=False)


def templates(order_flow: str | None) -> list[dict]:
    """``[{"id", "title", "description", "definition"}]``; ``order_flow`` is the text of
    ``order_flow.asl.json`` (left out when None or not a JSON object)."""
    out = [
        {
            "id": "blank",
            "title": "Blank",
            "description": "One Pass state: the smallest valid state machine.",
            "definition": pretty(BLANK),
        },
        {
            "id": "hello-world",
            "title": "Hello world",
            "description": "Pass, Wait one second, Succeed.",
            "definition": pretty(HELLO_WORLD),
        },
    ]
    try:
        parsed = json.loads(order_flow) if order_flow is not None else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        out.append(
            {
                "id": "order-flow",
                "title": "Order flow",
                "description": "The shipped order flow: create a user, place an order, "
                "notify them (HTTP Tasks with retries and fallbacks).",
                "definition": pretty(parsed),
            }
        )
    return out


def http_preset(host: str, connection: str) -> dict:
    """An HTTP Task POSTing to ``http://<host>/`` (``host`` as the endpoint map names it)."""
    return {
        "Type": "Task",
        "Resource": HTTP_RESOURCE,
        "Parameters": {
            "ApiEndpoint": "http://%s/" % host,
            "Method": "POST",
            "Authentication": {"ConnectionArn": connection},
        },
        "Retry": [json.loads(json.dumps(_HTTP_RETRY))],  # a copy: callers may edit it
        "End": True,
    }


def lambda_preset(function: str) -> dict:
    """A ``lambda:invoke`` Task calling ``function`` (a Lambda-map key) with the input."""
    return {
        "Type": "Task",
        "Resource": LAMBDA_RESOURCE,
        "Parameters": {"FunctionName": function, "Payload.$": "$"},
        "End": True,
    }


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")


def presets(endpoints: Mapping[str, Any], lambdas: Mapping[str, Any], connection: str) -> list:
    """``[{"id", "title", "group": "HTTP" | "Lambda", "state"}]``: the HTTP presets sorted by
    host, then the Lambda ones sorted by function name. ``connection``: the ConnectionArn the
    HTTP Tasks name (:func:`connection_arn`)."""
    out = [
        {
            "id": "http-" + _slug(host),
            "title": "HTTP %s" % host,
            "group": "HTTP",
            "state": http_preset(host, connection),
        }
        for host in sorted(endpoints)
    ]
    out += [
        {
            "id": "lambda-" + _slug(name),
            "title": "Lambda %s" % name,
            "group": "Lambda",
            "state": lambda_preset(name),
        }
        for name in sorted(lambdas)
    ]
    return out


def connection_arn(connections: Mapping[str, Any], partition: str, region: str, account: str):
    """The ConnectionArn for the HTTP presets: the first configured connection ARN, else
    the local one the shipped definitions name, in the engine's partition, region and
    account (which the ``"*"`` connection, when configured, authorises)."""
    named = sorted(arn for arn in connections if arn != "*")
    if named:
        return named[0]
    return "arn:%s:events:%s:%s:%s" % (partition, region, account, _LOCAL_CONNECTION)


def role_arn(partition: str, account: str) -> str:
    """The role a machine created from the console gets (the one the shipped machines get,
    :meth:`orchestrator.engine.Engine.register_directory`)."""
    return "arn:%s:iam::%s:role/StepFunctionsRole" % (partition, account)


def logging_configuration(level: str) -> dict:
    """CreateStateMachine's / UpdateStateMachine's ``loggingConfiguration`` for ``level``."""
    return {"level": level, "includeExecutionData": level != "OFF"}


def defaults(role: str) -> dict:
    return {
        "roleArn": role,
        "types": list(TYPES),
        "loggingLevels": list(LOGGING_LEVELS),
        "queryLanguages": list(QUERY_LANGUAGES),
    }
