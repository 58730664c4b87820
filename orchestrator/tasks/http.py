"""The HTTP Task: ``arn:aws:states:::http:invoke``.

AWS (Call HTTPS APIs in Step Functions workflows): "To call an HTTPS API, use the Task state
with the arn:aws:states:::http:invoke resource. Then, provide the API endpoint configuration
details, such as the API URL, method you want to use, and connection details."

Parameters: ``ApiEndpoint`` and ``Method`` (required), ``Headers``, ``QueryParameters``,
``RequestBody``, ``Transform`` (:mod:`.formencode`), ``Authentication.ConnectionArn``
(:mod:`.connections`; optional locally). The URL goes through the endpoint map and
allowlist (:mod:`.endpoints`).

Result: ``{"Headers": {name: [values]}, "ResponseBody": ..., "StatusCode": 200,
"StatusText": "OK"}``; header names are lower-case, ``ResponseBody`` is parsed when the
response is JSON and is the text otherwise.

Errors (transport errors become ASL names here and only here):

- a non-2xx answer -> ``States.Http.StatusCode.NNN``; the cause is the result above as
  compact JSON text (so it carries the response body). Redirects are not followed (a
  redirect could leave the allowlist), so a 3xx is an error too;
- the state's ``TimeoutSeconds`` elapsing while waiting -> ``States.Timeout``;
- no answer within AWS's 60 s HTTP limit ("States.Http.Socket: This error occurs when an
  HTTP task times out after 60 seconds"), or any network failure (refused, reset, DNS)
  -> ``States.Http.Socket``;
- headers AWS forbids ("You can't use the following headers in your HTTP Task definition.
  If you use these headers, the HTTP Task fails with the States.Runtime error.")
  -> ``States.Runtime``.

Every request carries ``Idempotency-Key: <Invoke.key>`` (stable across the retries of one
state entry; the services dedupe on it - a definition may set its own), ``X-Request-Id``
(fresh per attempt) and the ``User-Agent`` AWS sends.
"""
from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit, urlencode

import requests

from ..asl.errors import RUNTIME, TIMEOUT, StatesError
from ..asl.runtime import Invoke
from .config import TasksConfig
from .connections import Connections
from .endpoints import EndpointMap
from .formencode import urlencode_body
from .transport import SessionHolder, header_safe, is_timeout

__all__ = ["HttpTask", "SOCKET_ERROR", "status_error_name", "FORBIDDEN_HEADERS"]

SOCKET_ERROR = "States.Http.Socket"
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")

# AWS's list of headers an HTTP Task may not set, plus Authorization (rejected too: it
# belongs in a connection), compared lower-case.
FORBIDDEN_HEADERS = frozenset({
    "a-im", "accept-charset", "accept-datetime", "accept-encoding", "authorization",
    "cache-control", "connection", "content-encoding", "content-md5", "date", "expect",
    "forwarded", "from", "host", "http2-settings", "if-match", "if-modified-since",
    "if-none-match", "if-range", "if-unmodified-since", "max-forwards", "origin", "pragma",
    "proxy-authorization", "referer", "server", "te", "trailer", "transfer-encoding",
    "upgrade", "via", "warning"})
FORBIDDEN_PREFIXES = ("x-forwarded-", "x-amz-", "x-amzn-")


def status_error_name(status: int) -> str:
    return f"States.Http.StatusCode.{status}"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _headers(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise StatesError(RUNTIME, "The 'Headers' field must be a JSON object")
    bad = sorted(name.lower() for name in raw
                 if name.lower() in FORBIDDEN_HEADERS or name.lower().startswith(
                     FORBIDDEN_PREFIXES))
    if bad:
        raise StatesError(RUNTIME, f"The 'Headers' field contains unsupported values: "
                                   f"[{', '.join(bad)}]")
    return {name: ",".join(_text(v) for v in value) if isinstance(value, list) else _text(value)
            for name, value in raw.items()}


def _query(raw: Any) -> list[tuple[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise StatesError(RUNTIME, "The 'QueryParameters' field must be a JSON object")
    out: list[tuple[str, str]] = []
    for name, value in raw.items():
        for item in value if isinstance(value, list) else [value]:
            out.append((name, "" if item is None else _text(item)))
    return out


def _has(headers: dict[str, str], name: str) -> bool:
    return any(key.lower() == name.lower() for key in headers)


def _response_headers(response: requests.Response) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    raw = getattr(response.raw, "headers", None)
    if raw is not None and hasattr(raw, "getlist"):
        for name in raw.keys():  # urllib3 keeps repeated headers apart (Set-Cookie)
            out.setdefault(name.lower(), []).extend(raw.getlist(name))
    else:
        for name, value in response.headers.items():
            out.setdefault(name.lower(), []).append(value)
    return out


def _response_body(response: requests.Response) -> Any:
    text = response.content.decode(response.encoding or "utf-8", errors="replace")
    media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if text and (media == "application/json" or media.endswith("+json")):
        try:
            return json.loads(text)
        except ValueError:
            pass  # a server that lies about its content type: keep the text
    return text


class HttpTask:
    def __init__(self, config: TasksConfig, sessions: SessionHolder, endpoints: EndpointMap,
                 connections: Connections) -> None:
        self._config = config
        self._sessions = sessions
        self._endpoints = endpoints
        self._connections = connections

    def __call__(self, invoke: Invoke) -> dict[str, Any]:
        params = invoke.parameters
        if not isinstance(params, dict):
            raise StatesError(RUNTIME, "The HTTP Task's Parameters must be a JSON object with "
                                       "ApiEndpoint and Method")
        endpoint = params.get("ApiEndpoint")
        method = params.get("Method")
        if not isinstance(endpoint, str) or not endpoint:
            raise StatesError(RUNTIME, "The HTTP Task requires an 'ApiEndpoint' string")
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise StatesError(RUNTIME, f"The HTTP Task's 'Method' must be one of "
                                       f"{', '.join(METHODS)}; got {method!r}")
        method = method.upper()
        headers = _headers(params.get("Headers"))
        query = _query(params.get("QueryParameters"))
        body = params.get("RequestBody")
        transform = params.get("Transform") or {}
        if not isinstance(transform, dict):
            raise StatesError(RUNTIME, "The 'Transform' field must be a JSON object")

        # Timeouts are resolved before any I/O (also bounds the OAuth token request).
        cap = float(self._config.http_timeout_seconds)
        state_timeout = invoke.timeout_seconds
        timeout = min(float(state_timeout), cap) if state_timeout else cap
        timeout_is_state = bool(state_timeout) and float(state_timeout) <= cap

        url = self._endpoints.rewrite(endpoint)  # refuse before any I/O (token requests too)
        auth = params.get("Authentication")
        arn = auth.get("ConnectionArn") if isinstance(auth, dict) else None
        prepared = self._connections.prepare(arn, timeout) if arn else None
        if prepared is not None:
            headers.update(prepared.headers)  # connection values win on duplicate keys
            query += prepared.query
            if prepared.body and (body is None or isinstance(body, dict)):
                body = {**(body or {}), **prepared.body}

        if query:
            parts = urlsplit(url)
            extra = urlencode(query)
            url = urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query
                                            else extra))

        data: bytes | None = None
        if body is not None and method != "HEAD":
            if transform.get("RequestBodyEncoding", "NONE") == "URL_ENCODED":
                options = transform.get("RequestEncodingOptions") or {}
                text = body if isinstance(body, str) else urlencode_body(
                    body, options.get("ArrayFormat", "INDICES"))
                if not _has(headers, "Content-Type"):
                    headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
                if not _has(headers, "Content-Type"):
                    headers["Content-Type"] = "application/json; charset=UTF-8"
            data = text.encode("utf-8")
        if not _has(headers, "Idempotency-Key"):
            headers["Idempotency-Key"] = header_safe(invoke.key)
        if not _has(headers, "X-Request-Id"):
            headers["X-Request-Id"] = str(uuid.uuid4())
        if not _has(headers, "User-Agent"):
            headers["User-Agent"] = f"Amazon|StepFunctions|HttpInvoke|{self._config.region}"

        try:
            response = self._sessions.get().request(
                method, url, headers=headers, data=data, timeout=timeout, allow_redirects=False)
        except requests.RequestException as exc:
            where = f"The HTTP request to {method} {endpoint}"
            if not is_timeout(exc):
                raise StatesError(SOCKET_ERROR, f"{where} failed: {exc.__class__.__name__}: "
                                                f"{exc}") from None
            if timeout_is_state:
                raise StatesError(TIMEOUT, None) from None
            raise StatesError(SOCKET_ERROR, f"{where} got no answer within {timeout:g} "
                                            f"seconds") from None

        result = {"Headers": _response_headers(response),
                  "ResponseBody": _response_body(response),
                  "StatusCode": response.status_code,
                  "StatusText": response.reason or ""}
        if not 200 <= response.status_code < 300:
            if response.status_code == 401 and arn:
                self._connections.invalidate(arn)  # the next attempt fetches a fresh token
            raise StatesError(status_error_name(response.status_code),
                              json.dumps(result, separators=(",", ":"), ensure_ascii=False))
        return result
