"""Task resource configuration: one JSON file plus environment overrides.

Definitions name services by their compose host names (``http://users:8001/...``); the
endpoint map (file or env) rewrites hosts for local runs, so one definition serves both
modes (README.md, "Configuration").

File (``$ORCHESTRATOR_CONFIG``, default ``statemachines/endpoints.json``)::

    {
      "endpoints":   {"users:8001": "127.0.0.1:8001",             # host:port -> host:port
                      "billing":    "http://127.0.0.1:9000/api"}, # host (any port) -> base URL
      "allowlist":   ["127.0.0.1:8001", "localhost"],             # reachable as written
      "lambdas":     {"CreateUser": "http://users:8001/users",    # POST the payload there
                      "Echo": "python:handlers:echo"},            # handlers.echo(event, ctx)
      "connections": {"arn:aws:events:...:connection/x/1": {...},  # or a file path (string)
                      "*": {"AuthorizationType": "NONE"}},         # any other ARN
      "httpTimeoutSeconds": 60,                                   # AWS's HTTP Task cap
      "lambdaTimeoutSeconds": 900,                                # Lambda's own maximum
      "maxResponseBytes": 1048576,                                # larger answers fail
      "maxConnections": 4096, "maxConnectionsPerHost": 512,       # see transport.py
      "pythonWorkers": 8,                                         # threads for python: stand-ins
      "region": "us-east-1", "account": "123456789012",           # the local "AWS account"
      "awsEndpoints": {"*": "http://127.0.0.1:5000",               # AWS service integrations:
                       "sqs": "http://127.0.0.1:4566"},            # every service / one service
      "awsWorkers": 16, "awsTimeoutSeconds": 60                   # see aws.py
    }

Every key is optional; the values shown are the defaults. Run by the engine, ``region`` and
``account`` are the engine's own (``ORCHESTRATOR_REGION`` / ``ORCHESTRATOR_ACCOUNT``): the
ARNs a definition names and the functions it may call are in one account.

A relative ``connections`` path is resolved against the config file's folder. A connection is
written like EventBridge's ``CreateConnection`` request (see :mod:`.connections`).

Environment overrides (applied after the file; comma-separated ``KEY=VALUE`` lists, split at
the first ``=``):

- ``ORCHESTRATOR_ENDPOINTS="users:8001=127.0.0.1:9001,orders:8002=http://127.0.0.1:9002"``
  adds/replaces endpoint map entries;
- ``ORCHESTRATOR_ALLOWED_HOSTS="127.0.0.1,example.com:443"`` adds allowlist entries;
- ``ORCHESTRATOR_LAMBDAS="CreateUser=http://127.0.0.1:9001/users"`` adds/replaces Lambda
  map entries;
- ``ORCHESTRATOR_CONNECTIONS=/path/connections.json`` replaces the connections.

AWS service integrations (:mod:`.aws`) read botocore's own endpoint settings as well:
``AWS_ENDPOINT_URL`` (every service) and ``AWS_ENDPOINT_URL_<SERVICE>`` (one service, e.g.
``AWS_ENDPOINT_URL_SQS``, ``AWS_ENDPOINT_URL_SECRETS_MANAGER``), which win over the file's
``awsEndpoints`` as botocore's environment wins over ``~/.aws/config``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["TasksConfig", "load_config", "ConfigError", "DEFAULT_CONFIG_PATH"]

DEFAULT_CONFIG_PATH = Path("statemachines") / "endpoints.json"
# The checkout's copy, used when the working directory has none (started from elsewhere).
REPO_CONFIG_PATH = Path(__file__).resolve().parents[2] / DEFAULT_CONFIG_PATH
ENV_CONFIG = "ORCHESTRATOR_CONFIG"
ENV_ENDPOINTS = "ORCHESTRATOR_ENDPOINTS"
ENV_ALLOWED_HOSTS = "ORCHESTRATOR_ALLOWED_HOSTS"
ENV_LAMBDAS = "ORCHESTRATOR_LAMBDAS"
ENV_CONNECTIONS = "ORCHESTRATOR_CONNECTIONS"
# botocore's endpoint variables: AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>.
ENV_AWS_ENDPOINT = "AWS_ENDPOINT_URL"

# AWS: "States.Http.Socket: This error occurs when an HTTP task times out after 60 seconds."
AWS_HTTP_TASK_TIMEOUT = 60.0
MAX_RESPONSE_BYTES = 1024 * 1024


class ConfigError(ValueError):
    """The config file or an override is malformed; the message names the culprit."""


@dataclass(frozen=True)
class TasksConfig:
    """Everything the Task resources need. Build with :func:`load_config` or directly (tests)."""

    endpoints: Mapping[str, str] = field(default_factory=dict)
    allowlist: tuple[str, ...] = ()
    lambdas: Mapping[str, Any] = field(default_factory=dict)
    connections: Mapping[str, Any] = field(default_factory=dict)
    http_timeout_seconds: float = AWS_HTTP_TASK_TIMEOUT
    # Upper bound for a mapped Lambda call without TimeoutSeconds (Lambda's own maximum).
    lambda_timeout_seconds: float = 900.0
    region: str = "us-east-1"
    # Lambda ARNs must name this account (see lambda_.py).
    account: str = "123456789012"
    # A response body larger than this fails the Task with States.DataLimitExceeded.
    max_response_bytes: int = MAX_RESPONSE_BYTES
    # Sockets of the shared HTTP client, in all and per destination (see transport.py).
    max_connections: int = 4096
    max_connections_per_host: int = 512
    # Threads running the synchronous "python:module:function" Lambda stand-ins.
    python_workers: int = 8
    # AWS service integrations (see aws.py): endpoints from the file ("*" or a service name
    # -> URL) and from botocore's variables (suffix -> URL: "" for AWS_ENDPOINT_URL, "SQS"
    # for AWS_ENDPOINT_URL_SQS), threads running botocore, and each call's own time limit.
    aws_endpoints: Mapping[str, str] = field(default_factory=dict)
    aws_env_endpoints: Mapping[str, str] = field(default_factory=dict)
    aws_workers: int = 16
    aws_timeout_seconds: float = 60.0


def _pairs(text: str, variable: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(
                f"{variable}: expected KEY=VALUE items separated by commas, got {item!r}"
            )
        out[key.strip()] = value.strip()
    return out


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{what} not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{what} {path} is not valid JSON: {exc}") from None


def _connections(value: Any, base: Path) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):
        path = Path(value)
        value = _read_json(path if path.is_absolute() else base / path, "connections file")
    if not isinstance(value, dict):
        raise ConfigError("connections must be an object keyed by ConnectionArn (or a file path)")
    return value


def load_config(
    path: str | os.PathLike | None = None, env: Mapping[str, str] | None = None
) -> TasksConfig:
    """Read the config file (``path``, else ``$ORCHESTRATOR_CONFIG``, else
    ``statemachines/endpoints.json`` of the working directory or of the checkout; no default
    file at all means an empty config) and apply the environment overrides."""
    env = os.environ if env is None else env
    explicit = path if path is not None else env.get(ENV_CONFIG)
    file = (
        Path(explicit)
        if explicit
        else (DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else REPO_CONFIG_PATH)
    )
    data: dict[str, Any] = {}
    if explicit or file.exists():
        data = _read_json(file, "orchestrator config")
        if not isinstance(data, dict):
            raise ConfigError(f"orchestrator config {file} must be a JSON object")
    base = file.parent

    endpoints = dict(data.get("endpoints") or {})
    allowlist = list(data.get("allowlist") or [])
    lambdas = dict(data.get("lambdas") or {})
    connections = _connections(data.get("connections"), base)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in endpoints.items()):
        raise ConfigError("endpoints must map host[:port] strings to host:port or base URLs")
    if not all(isinstance(h, str) for h in allowlist):
        raise ConfigError("allowlist must be a list of host[:port] strings")

    if env.get(ENV_ENDPOINTS):
        endpoints.update(_pairs(env[ENV_ENDPOINTS], ENV_ENDPOINTS))
    if env.get(ENV_ALLOWED_HOSTS):
        allowlist += [h.strip() for h in env[ENV_ALLOWED_HOSTS].split(",") if h.strip()]
    if env.get(ENV_LAMBDAS):
        lambdas.update(_pairs(env[ENV_LAMBDAS], ENV_LAMBDAS))
    if env.get(ENV_CONNECTIONS):
        connections = _connections(env[ENV_CONNECTIONS], Path.cwd())
    aws_endpoints = data.get("awsEndpoints") or {}
    if not isinstance(aws_endpoints, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in aws_endpoints.items()
    ):
        raise ConfigError('awsEndpoints must map "*" or service names to endpoint URLs')
    aws_env = {
        name[len(ENV_AWS_ENDPOINT) :].lstrip("_"): value.strip()
        for name, value in env.items()
        if (name == ENV_AWS_ENDPOINT or name.startswith(ENV_AWS_ENDPOINT + "_")) and value.strip()
    }

    kwargs: dict[str, Any] = {}
    for key, attr in (
        ("httpTimeoutSeconds", "http_timeout_seconds"),
        ("lambdaTimeoutSeconds", "lambda_timeout_seconds"),
        ("region", "region"),
        ("account", "account"),
        ("maxResponseBytes", "max_response_bytes"),
        ("maxConnections", "max_connections"),
        ("maxConnectionsPerHost", "max_connections_per_host"),
        ("pythonWorkers", "python_workers"),
        ("awsWorkers", "aws_workers"),
        ("awsTimeoutSeconds", "aws_timeout_seconds"),
    ):
        if key in data:
            kwargs[attr] = data[key]
    return TasksConfig(
        endpoints=endpoints,
        allowlist=tuple(allowlist),
        lambdas=lambdas,
        connections=connections,
        aws_endpoints={k.lower(): v.strip() for k, v in aws_endpoints.items()},
        aws_env_endpoints=aws_env,
        **kwargs,
    )
