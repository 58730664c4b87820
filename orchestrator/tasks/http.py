"""The HTTP Task: ``arn:aws:states:::http:invoke``.

AWS (Call HTTPS APIs in Step Functions workflows): "To call an HTTPS API, use the Task state
with the arn:aws:states:::http:invoke resource. Then, provide the API endpoint configuration
details, such as the API URL, method you want to use, and connection details."

Parameters: ``ApiEndpoint`` and ``Method`` (required), ``Headers``, ``QueryParameters``,
``RequestBody``, ``Transform`` (:mod:`.formencode`), ``Authentication.ConnectionArn``
(:mod:`.connections`; optional locally). The URL must pass :func:`.endpoints.parse_url`
(else ``States.Runtime``), goes through the endpoint map, and may only reach an allowed
destination - checked on the address connected to (:mod:`.endpoints`), before the
connection's OAuth token is requested.

Result: ``{"Headers": {name: [values]}, "ResponseBody": ..., "StatusCode": 200,
"StatusText": "OK"}``; header names are lower-case, ``ResponseBody`` is parsed when the
response is JSON and is the text otherwise.

Errors (transport errors become ASL names here and only here):

- a non-2xx answer -> ``States.Http.StatusCode.NNN``; the cause is the result above as
  compact JSON text (so it carries the response body). Redirects are not followed (a
  redirect could leave the allowlist), so a 3xx is an error too;
- the state's ``TimeoutSeconds`` elapsing while waiting -> ``States.Timeout``;
- no answer within AWS's 60 s HTTP limit ("States.Http.Socket: This error occurs when an
  HTTP task times out after 60 seconds"; ``httpTimeoutSeconds``), or any network failure
  (refused, reset, DNS) -> ``States.Http.Socket``;
- a destination that is not allowed -> ``States.Permissions``; a response body over
  ``maxResponseBytes`` -> ``States.DataLimitExceeded``;
- headers AWS forbids ("You can't use the following headers in your HTTP Task definition.
  If you use these headers, the HTTP Task fails with the States.Runtime error.")
  -> ``States.Runtime``.

Every request carries ``Idempotency-Key: <Invoke.key>`` (stable across the retries of one
state entry; the services dedupe on it - a definition may set its own), ``X-Request-Id``
(fresh per attempt), the ``User-Agent`` AWS sends, and ``X-Request-Deadline`` (the instant
the call stops waiting, :data:`~.transport.DEADLINE_HEADER`; a definition's own value is
replaced by the engine's).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from multidict import CIMultiDict
from yarl import URL

from ..asl.document import compact
from ..asl.errors import RUNTIME, StatesError
from ..asl.runtime import Invoke
from .config import TasksConfig
from .connections import Connections
from .endpoints import EndpointMap, parse_url
from .formencode import urlencode_body
from .transport import (
    DEADLINE_HEADER,
    IO,
    CapExpired,
    Deadline,
    NetworkError,
    Reply,
    header_safe,
    within,
)

__all__ = ["HttpTask", "SOCKET_ERROR", "status_error_name", "FORBIDDEN_HEADERS"]

SOCKET_ERROR = "States.Http.Socket"
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")

# AWS's list of headers an HTTP Task may not set, plus Authorization (rejected too: it
# belongs in a connection), compared lower-case.
FORBIDDEN_HEADERS = frozenset(
    {
        "a-im",
        "accept-charset",
        "accept-datetime",
        "accept-encoding",
        "authorization",
        "cache-control",
        "connection",
        "content-encoding",
        "content-md5",
        "date",
        "expect",
        "forwarded",
        "from",
        "host",
        "http2-settings",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
        "max-forwards",
        "origin",
        "pragma",
        "proxy-authorization",
        "referer",
        "server",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
        "warning",
    }
)
FORBIDDEN_PREFIXES = ("x-forwarded-", "x-amz-", "x-amzn-")
# A header value may not end the header early (request splitting).
_BAD_HEADER_VALUE = re.compile(r"[\r\n\x00]")


def status_error_name(status: int) -> str:
    return f"States.Http.StatusCode.{status}"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else compact(value, ensure_ascii=True)


def _headers(raw: Any) -> CIMultiDict[str]:
    if raw is None:
        return CIMultiDict()
    if not isinstance(raw, dict):
        raise StatesError(RUNTIME, "The 'Headers' field must be a JSON object")
    bad = sorted(
        name.lower()
        for name in raw
        if name.lower() in FORBIDDEN_HEADERS or name.lower().startswith(FORBIDDEN_PREFIXES)
    )
    if bad:
        raise StatesError(
            RUNTIME, f"The 'Headers' field contains unsupported values: [{', '.join(bad)}]"
        )
    out: CIMultiDict[str] = CIMultiDict()
    for name, value in raw.items():
        text = ",".join(_text(v) for v in value) if isinstance(value, list) else _text(value)
        if _BAD_HEADER_VALUE.search(name + text):
            raise StatesError(
                RUNTIME, f"The 'Headers' field's {name!r} contains a line break or NUL character"
            )
        out[name] = text
    return out


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


def _response_headers(reply: Reply) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in reply.headers:  # repeated headers stay apart (Set-Cookie)
        out.setdefault(name.lower(), []).append(value)
    return out


class HttpTask:
    def __init__(
        self, config: TasksConfig, io: IO, endpoints: EndpointMap, connections: Connections
    ) -> None:
        self._config = config
        self._io = io
        self._endpoints = endpoints
        self._connections = connections

    async def __call__(self, invoke: Invoke, state_deadline: float | None) -> dict[str, Any]:
        params = invoke.parameters
        if not isinstance(params, dict):
            raise StatesError(
                RUNTIME,
                "The HTTP Task's Parameters must be a JSON object with ApiEndpoint and Method",
            )
        endpoint = params.get("ApiEndpoint")
        method = params.get("Method")
        if not isinstance(endpoint, str) or not endpoint:
            raise StatesError(RUNTIME, "The HTTP Task requires an 'ApiEndpoint' string")
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise StatesError(
                RUNTIME,
                f"The HTTP Task's 'Method' must be one of {', '.join(METHODS)}; got {method!r}",
            )
        method = method.upper()
        headers = _headers(params.get("Headers"))
        query = _query(params.get("QueryParameters"))
        body = params.get("RequestBody")
        transform = params.get("Transform") or {}
        if not isinstance(transform, dict):
            raise StatesError(RUNTIME, "The 'Transform' field must be a JSON object")
        url = self._endpoints.rewrite(parse_url(endpoint))

        deadline = Deadline.of(state_deadline, float(self._config.http_timeout_seconds))
        where = f"The HTTP request to {method} {endpoint}"
        try:
            async with within(deadline):
                await self._io.check(url)  # refused before any I/O, token requests too
                return await self._send(
                    invoke, method, url, headers, query, body, transform, params, deadline
                )
        except CapExpired:
            raise StatesError(
                SOCKET_ERROR, f"{where} got no answer within {deadline.cap:g} seconds"
            ) from None
        except NetworkError as exc:
            raise StatesError(SOCKET_ERROR, f"{where} failed: {exc}") from None

    async def _send(
        self,
        invoke: Invoke,
        method: str,
        url: URL,
        headers: CIMultiDict[str],
        query: list[tuple[str, str]],
        body: Any,
        transform: dict[str, Any],
        params: dict[str, Any],
        deadline: Deadline,
    ) -> dict[str, Any]:
        auth = params.get("Authentication")
        arn = auth.get("ConnectionArn") if isinstance(auth, dict) else None
        prepared = await self._connections.prepare(arn) if arn else None
        trace = invoke.trace
        shown_url, shown_headers, shown_body = url, CIMultiDict(headers), body
        if query:
            shown_url = shown_url.extend_query(query)
        if prepared is not None:
            headers.update(prepared.headers)  # connection values win on duplicate keys
            query += prepared.query
            if prepared.body and (body is None or isinstance(body, dict)):
                body = {**(body or {}), **prepared.body}
        if query:
            url = url.extend_query(query)

        data: bytes | None = None
        if body is not None and method != "HEAD":
            if transform.get("RequestBodyEncoding", "NONE") == "URL_ENCODED":
                options = transform.get("RequestEncodingOptions") or {}
                text = (
                    body
                    if isinstance(body, str)
                    else urlencode_body(body, options.get("ArrayFormat", "INDICES"))
                )
                headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            else:
                text = body if isinstance(body, str) else compact(body, ensure_ascii=True)
                headers.setdefault("Content-Type", "application/json; charset=UTF-8")
            data = text.encode("utf-8")
        headers.setdefault("Idempotency-Key", header_safe(invoke.key))
        headers.setdefault("X-Request-Id", str(uuid.uuid4()))
        headers.setdefault("User-Agent", f"Amazon|StepFunctions|HttpInvoke|{self._config.region}")
        headers[DEADLINE_HEADER] = deadline.header()  # the engine's value, always

        if trace is not None and trace.get("reveal"):
            shown_url, shown_headers = url, headers
            shown_body = None if data is None else data.decode("utf-8")
        elif trace is not None:
            # Without revealSecrets the connection's additions are left out (AWS: "a secret
            # includes the data that an EventBridge connection adds to modify the HTTP
            # request headers, query parameters, and body").
            for name in ("Content-Type", "Idempotency-Key", "X-Request-Id", "User-Agent"):
                if name in headers:
                    shown_headers[name] = headers[name]
            shown_headers[DEADLINE_HEADER] = headers[DEADLINE_HEADER]
            if shown_body is not None and not isinstance(shown_body, str):
                shown_body = compact(shown_body, ensure_ascii=True)
        reply = await self._io.request(method, url, headers=headers, data=data)
        result = {
            "Headers": _response_headers(reply),
            "ResponseBody": reply.json(),
            "StatusCode": reply.status,
            "StatusText": reply.reason,
        }
        if trace is not None:
            trace["request"] = {
                "protocol": url.scheme,
                "method": method,
                "url": str(shown_url),
                "headers": compact({k: shown_headers.getall(k) for k in shown_headers.keys()}),
                "body": "" if shown_body is None else shown_body,
            }
            trace["response"] = {
                "protocol": url.scheme,
                "statusCode": str(reply.status),
                "statusMessage": reply.reason or "",
                "headers": compact(result["Headers"]),
                "body": reply.text(),
            }
        if not reply.ok:
            if reply.status == 401 and arn:
                self._connections.invalidate(arn)  # the next attempt fetches a fresh token
            raise StatesError(status_error_name(reply.status), compact(result))
        return result
