"""Calls to AWS service APIs: botocore builds, signs and parses each call; its bytes travel
through the Task resources' own HTTP client (:mod:`.transport`), so the allowlist, the
deadlines and the response cap hold for AWS calls exactly as for HTTP Tasks.

**Where calls go** - botocore's own endpoint settings, so users' habits carry over, in
botocore's order: ``AWS_ENDPOINT_URL_<SERVICE>`` (the service id upper-cased, spaces as
``_``: ``AWS_ENDPOINT_URL_SQS``, ``AWS_ENDPOINT_URL_SECRETS_MANAGER``), then
``AWS_ENDPOINT_URL``, then the config file's ``awsEndpoints`` (a service name, then
``"*"``). A local emulator (moto's server mode, LocalStack) or real AWS
(``AWS_ENDPOINT_URL_SQS=https://sqs.eu-west-1.amazonaws.com``): the engine never picks
an AWS endpoint by itself, so nothing leaves the machine unless its operator names where.
A service with no endpoint fails its Task with ``States.Runtime`` naming the settings.
Configured endpoints are operator-written URLs, so they are allowed destinations
(:class:`~.endpoints.Destinations`); any other host stays refused (S3 is addressed
path-style, so a bucket name never becomes a host name).

**Credentials** come from botocore's standard chain (``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, shared files, container and instance
roles); an emulator accepts any. The region is the engine's (``TasksConfig.region``).

**Threads**: botocore is synchronous. Each call runs on one of ``awsWorkers`` threads; its
HTTP exchange is handed to the Task resources' event loop (botocore's ``before-send`` hook)
and the thread waits for it. More calls than threads wait their turn, bounded by the
state's deadline. botocore retries nothing here (one attempt): a state's ``Retry``
decides, as for every other error.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    NoCredentialsError,
    ParamValidationError,
    UnknownServiceError,
)
from yarl import URL

from ..asl.errors import RUNTIME, StatesError
from .config import TasksConfig
from .transport import IO, Deadline, within

__all__ = ["Aws", "AwsResponse", "AwsError", "pascal_name", "NO_ENDPOINT"]

NO_ENDPOINT = (
    "No endpoint is configured for the AWS service '{service}': set {variable} (this "
    "service) or AWS_ENDPOINT_URL (every service) to a local emulator such as moto's "
    "server mode or LocalStack, or to the service's AWS endpoint; or name it under "
    '"awsEndpoints" in the orchestrator config file (README, "AWS service integrations")'
)
# Step Functions' aws-sdk names whose botocore names differ beyond hyphens (the rest are
# found by the service id, see Aws.service).
_ALIASES = {"sfn": "stepfunctions", "eventbridge": "events", "cloudwatchlogs": "logs"}
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def pascal_name(service_id: str) -> str:
    """The service's name as the AWS SDK for Java 2.x spells it, which is how Step Functions
    prefixes aws-sdk errors: ``DynamoDB`` -> ``DynamoDb``, ``SFN`` -> ``Sfn``, ``ACM PCA``
    -> ``AcmPca``, ``S3`` -> ``S3``."""
    return "".join(word[:1].upper() + word[1:].lower() for word in _WORDS.findall(service_id))


@dataclass(frozen=True, slots=True)
class AwsResponse:
    """A successful call: botocore's parsed response (``ResponseMetadata`` removed), the
    HTTP status and headers as received, and the request id."""

    parsed: dict[str, Any]
    status: int
    headers: list[tuple[str, str]]
    request_id: str


class AwsError(Exception):
    """The service answered with an error."""

    def __init__(
        self, code: str, message: str, status: int, request_id: str, response: dict, wire: str
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code  # the model's error shape name (QueueDoesNotExist)
        self.wire = wire  # the code on the wire (AWS.SimpleQueueService.NonExistentQueue)
        self.message = message
        self.status = status
        self.request_id = request_id
        self.response = response


@dataclass(frozen=True, slots=True)
class _Exchange:
    """What the ``before-send`` hook needs, for the call its thread is making."""

    loop: asyncio.AbstractEventLoop
    deadline: Deadline
    received: list  # [(status, headers)] of the exchange, for AwsResponse


class _Raw:
    """The body botocore reads a response from (a file-like ``raw``)."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._at = 0

    def stream(self, **_: Any):
        yield self.read()

    def read(self, amt: int | None = None) -> bytes:
        end = len(self._body) if amt is None else min(len(self._body), self._at + amt)
        chunk, self._at = self._body[self._at : end], end
        return chunk


class Aws:
    """botocore clients for the configured endpoints, one per service, made on first use."""

    def __init__(self, config: TasksConfig, io: IO) -> None:
        self._config = config
        self._io = io
        self._session = botocore.session.Session()
        self._clients: dict[str, Any] = {}
        self._names: dict[str, str | None] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._local = threading.local()

    # -- names -------------------------------------------------------------------------
    def service(self, name: str) -> str | None:
        """botocore's name for Step Functions' aws-sdk service ``name`` (``sfn`` ->
        ``stepfunctions``, ``acmpca`` -> ``acm-pca``), or None when botocore has none."""
        with self._lock:
            if name in self._names:
                return self._names[name]
        found = self._find_service(name)
        with self._lock:
            self._names[name] = found
        return found

    def _find_service(self, name: str) -> str | None:
        available = self._session.get_available_services()
        if name in _ALIASES:
            return _ALIASES[name]
        if name in available:
            return name
        for candidate in available:
            if candidate.replace("-", "") == name:
                return candidate
        for candidate in available:  # slow (every model is read), once per unknown name
            model = self._session.get_service_model(candidate)
            if pascal_name(model.service_id).lower() == name:
                return candidate
        return None

    def model(self, service: str) -> Any:
        """botocore's ServiceModel of ``service`` (a botocore name)."""
        try:
            return self._session.get_service_model(service)
        except UnknownServiceError:
            raise StatesError(
                RUNTIME, f"botocore has no model for the AWS service '{service}'"
            ) from None

    def operation(self, service: str, operation: str) -> Any:
        """botocore's OperationModel of ``operation`` (``SendMessage``) of ``service``."""
        return self.model(service).operation_model(operation)

    # -- endpoints ---------------------------------------------------------------------
    def endpoint(self, service: str) -> str:
        """The URL calls to ``service`` go to, by botocore's precedence (module docstring);
        ``States.Runtime`` naming the settings when there is none."""
        service_id = self.model(service).service_id
        variable = "AWS_ENDPOINT_URL_" + re.sub(r"[^A-Z0-9]", "_", service_id.upper())
        env = self._config.aws_env_endpoints
        file = self._config.aws_endpoints
        url = (
            env.get(variable[len("AWS_ENDPOINT_URL_") :])
            or env.get("")
            or file.get(service)
            or file.get("*")
        )
        if not url:
            raise StatesError(RUNTIME, NO_ENDPOINT.format(service=service, variable=variable))
        return url

    def _client(self, service: str) -> Any:
        url = self.endpoint(service)
        key = f"{service} {url}"
        with self._lock:
            client = self._clients.get(key)
            if client is not None:
                return client
        client = self._session.create_client(
            service,
            region_name=self._config.region,
            endpoint_url=url,
            config=Config(
                retries={"total_max_attempts": 1},
                s3={"addressing_style": "path"},
                parameter_validation=True,
                user_agent_extra="local-stepfunctions",
            ),
        )
        client.meta.events.register("before-send", self._send)
        with self._lock:
            return self._clients.setdefault(key, client)

    # -- calls -------------------------------------------------------------------------
    async def off_loop(self, fn: Any, *args: Any) -> Any:
        """``fn(*args)`` on one of the AWS threads: reading a botocore model (tens of
        milliseconds for a large one; seconds to search them all for an unknown name) or
        making a client must never hold the Task resources' event loop, which every other
        execution's calls share."""
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(
                        max(1, int(self._config.aws_workers)), thread_name_prefix="aws-call"
                    )
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def call(
        self, service: str, operation: str, params: dict[str, Any], deadline: Deadline
    ) -> AwsResponse:
        """Call ``operation`` (botocore's name, ``SendMessage``) of ``service`` with
        ``params`` (botocore's member names and types). Raises :class:`AwsError` for the
        service's own errors, ``States.Runtime`` for parameters botocore's model refuses
        (message: its own), and what the transport raises (``States.Timeout``,
        ``States.Permissions``, :class:`~.transport.NetworkError`)."""
        exchange = _Exchange(asyncio.get_running_loop(), deadline, [])
        async with within(deadline):
            return await self.off_loop(self._blocking, service, operation, params, exchange)

    def _blocking(
        self, service: str, operation: str, params: dict[str, Any], exchange: _Exchange
    ) -> AwsResponse:
        method = getattr(self._client(service), xform_name(operation), None)
        if method is None:
            raise StatesError(RUNTIME, f"botocore's {service} client has no {operation}")
        self._local.exchange = exchange
        try:
            parsed = method(**params)
        except ClientError as exc:
            meta = exc.response.get("ResponseMetadata", {})
            error = exc.response.get("Error", {})
            wire = str(error.get("Code") or "UnknownError")
            raise AwsError(
                str(error.get("QueryErrorCode") or wire),  # awsQueryCompatible: the shape's
                str(error.get("Message") or ""),
                int(meta.get("HTTPStatusCode") or 0),
                str(meta.get("RequestId") or ""),
                exc.response,
                wire,
            ) from None
        except ParamValidationError as exc:
            raise StatesError(RUNTIME, str(exc.kwargs.get("report") or exc)) from None
        except NoCredentialsError:
            raise StatesError(
                RUNTIME,
                "No AWS credentials were found by botocore's standard chain "
                "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, shared files, "
                "roles); a local emulator accepts any values",
            ) from None
        finally:
            self._local.exchange = None
        meta = parsed.pop("ResponseMetadata", {})
        status, headers = exchange.received[-1] if exchange.received else (200, [])
        return AwsResponse(parsed, status, headers, str(meta.get("RequestId") or ""))

    def _send(self, request: Any, **_: Any) -> AWSResponse:
        """botocore's ``before-send`` hook, on the calling thread: the exchange, made on the
        loop by :meth:`IO.request` (allowlist, cap, deadline)."""
        exchange: _Exchange | None = getattr(self._local, "exchange", None)
        if exchange is None:  # not one of our calls: let botocore send it (never happens)
            raise RuntimeError("an AWS call outside Aws.call")
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {
            name: value.decode("latin-1") if isinstance(value, bytes) else str(value)
            for name, value in request.headers.items()
        }

        async def go() -> Any:
            async with within(exchange.deadline):
                return await self._io.request(
                    request.method, URL(request.url, encoded=True), headers=headers, data=body
                )

        reply = asyncio.run_coroutine_threadsafe(go(), exchange.loop).result()
        exchange.received.append((reply.status, list(reply.headers)))
        return AWSResponse(request.url, reply.status, dict(reply.headers), _Raw(reply.body))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def to_json(value: Any) -> Any:
    """A parsed botocore value as JSON: timestamps as ISO 8601 UTC (``Z``; milliseconds when
    not zero, as Java's ``Instant`` prints them), streams read as UTF-8 text, other bytes
    as base64."""
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_json(item) for item in value]
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        if value.microsecond:
            text += f".{value.microsecond // 1000:03d}"
        return text + "Z"
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "read"):  # a StreamingBody (S3 GetObject's Body)
        return value.read().decode("utf-8", errors="replace")
    return value


def json_text(value: Any) -> str:
    """A Task parameter that a service wants as text, given as any JSON value (SQS
    MessageBody, SNS Message, an S3 Body): text as it is, anything else as compact JSON."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
