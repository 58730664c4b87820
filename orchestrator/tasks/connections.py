"""EventBridge-style connections for the HTTP Task's ``Authentication.ConnectionArn``.

AWS: "An HTTP Task requires an EventBridge connection, which securely manages the
authentication credentials of an API provider ... An EventBridge connection supports the
Basic, OAuth, and API Key authorization schemes." Locally a connection is optional (the
three services need no auth) and is resolved from the ``connections`` of the orchestrator
config, written like EventBridge's ``CreateConnection`` request::

    {"arn:aws:events:us-east-1:123456789012:connection/stripe/1": {
       "AuthorizationType": "API_KEY",                  # or BASIC, OAUTH_CLIENT_CREDENTIALS
       "AuthParameters": {
         "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cr3t"},
         "BasicAuthParameters":  {"Username": "u", "Password": "p"},
         "OAuthParameters": {
           "AuthorizationEndpoint": "http://auth:9000/token", "HttpMethod": "POST",
           "ClientParameters": {"ClientID": "id", "ClientSecret": "secret"},
           "OAuthHttpParameters": {"BodyParameters": [{"Key": "scope", "Value": "orders"}]}},
         "InvocationHttpParameters": {
           "HeaderParameters": [{"Key": "X-Tenant", "Value": "a"}],
           "QueryStringParameters": [], "BodyParameters": []}}}}

OAuth client credentials: the token is requested from ``AuthorizationEndpoint`` with the
client id/secret as HTTP Basic credentials and ``grant_type=client_credentials`` (unless
given), cached until shortly before ``expires_in`` and dropped when the API answers 401.
Concurrent calls needing the same connection's token share one token request; it is
bounded by the HTTP Task's own limit (``httpTimeoutSeconds``), each waiting call by its own
deadline, and carries no ``X-Request-Deadline`` (it serves many calls). The endpoint is
operator-written, hence an allowed destination (:mod:`.endpoints`).
Connection parameters override the Task's on duplicate keys.

Local extensions, so that a definition written for AWS (where ``ConnectionArn`` is
required) runs unchanged against the unauthenticated local services:
``"AuthorizationType": "NONE"`` adds only the invocation parameters, and the key ``"*"``
is the connection used for any ARN not listed (the shipped config maps it to ``NONE``).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from ..asl.errors import RUNTIME, StatesError
from .endpoints import EndpointMap, parse_url
from .transport import IO, CapExpired, Deadline, NetworkError, within

__all__ = ["Connections", "Prepared", "CONNECTION_STATE_ERROR"]

# EventBridge reports an unusable connection (e.g. OAuth token refused) as an invalid state.
CONNECTION_STATE_ERROR = "Events.ConnectionResource.InvalidConnectionState"
# Refresh a cached token this many seconds before it expires.
_EXPIRY_MARGIN = 30.0


@dataclass
class Prepared:
    """What a connection adds to a request."""

    headers: dict[str, str] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)


def _params(block: Mapping[str, Any] | None, name: str) -> list[tuple[str, str]]:
    items = (block or {}).get(name) or []
    return [(str(item["Key"]), str(item.get("Value", ""))) for item in items]


class Connections:
    """Runs on the ``tasks-io`` loop (:mod:`.transport`): no locks needed."""

    def __init__(
        self,
        connections: Mapping[str, Any],
        io: IO,
        endpoints: EndpointMap,
        token_timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._connections = dict(connections)
        self._io = io
        self._endpoints = endpoints
        self._token_timeout = token_timeout
        self._clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}
        self._fetching: dict[str, asyncio.Task] = {}

    def _get(self, arn: str) -> Mapping[str, Any]:
        conn = self._connections.get(arn, self._connections.get("*"))
        if not isinstance(conn, Mapping):
            raise StatesError(
                RUNTIME,
                (
                    f"The connection '{arn}' is not defined: add it to \"connections\" in the "
                    f"orchestrator config (or the file named by ORCHESTRATOR_CONNECTIONS)"
                ),
            )
        return conn

    async def prepare(self, arn: str) -> Prepared:
        conn = self._get(arn)
        params = conn.get("AuthParameters") or {}
        kind = str(conn.get("AuthorizationType", "")).upper()
        invocation = params.get("InvocationHttpParameters")
        out = Prepared(
            query=_params(invocation, "QueryStringParameters"),
            body=dict(_params(invocation, "BodyParameters")),
        )
        out.headers.update(_params(invocation, "HeaderParameters"))
        if kind == "API_KEY":
            api_key = params.get("ApiKeyAuthParameters") or {}
            out.headers[str(api_key.get("ApiKeyName", "x-api-key"))] = str(
                api_key.get("ApiKeyValue", "")
            )
        elif kind == "BASIC":
            basic = params.get("BasicAuthParameters") or {}
            raw = f"{basic.get('Username', '')}:{basic.get('Password', '')}".encode()
            out.headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
        elif kind == "NONE":
            pass
        elif kind == "OAUTH_CLIENT_CREDENTIALS":
            out.headers["Authorization"] = "Bearer " + await self._token(
                arn, params.get("OAuthParameters") or {}
            )
        else:
            raise StatesError(
                RUNTIME,
                f"The connection '{arn}' has an unsupported "
                f"AuthorizationType {kind!r} (API_KEY, BASIC, "
                f"OAUTH_CLIENT_CREDENTIALS or NONE)",
            )
        return out

    def invalidate(self, arn: str) -> None:
        """Forget a cached OAuth token (the API answered 401: the token was revoked)."""
        self._tokens.pop(arn, None)

    async def _token(self, arn: str, oauth: Mapping[str, Any]) -> str:
        cached = self._tokens.get(arn)
        if cached and cached[1] > self._clock():
            return cached[0]
        fetch = self._fetching.get(arn)
        if fetch is None or fetch.get_loop() is not asyncio.get_running_loop():
            fetch = self._fetching[arn] = self._io.background(self._fetch_token(arn, oauth))
            fetch.add_done_callback(
                lambda done: (
                    self._fetching.pop(arn, None) if self._fetching.get(arn) is done else None
                )
            )
        # Shielded: a caller whose own deadline passes leaves the others' fetch running.
        return await asyncio.shield(fetch)

    async def _fetch_token(self, arn: str, oauth: Mapping[str, Any]) -> str:
        endpoint = str(oauth.get("AuthorizationEndpoint", ""))
        method = str(oauth.get("HttpMethod", "POST")).upper()
        client = oauth.get("ClientParameters") or {}
        extra = oauth.get("OAuthHttpParameters") or {}
        body = dict(_params(extra, "BodyParameters"))
        body.setdefault("grant_type", "client_credentials")
        headers = dict(_params(extra, "HeaderParameters"))
        raw = f"{client.get('ClientID', '')}:{client.get('ClientSecret', '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
        url = self._endpoints.rewrite(parse_url(endpoint))
        send_body = method != "GET"
        query = _params(extra, "QueryStringParameters") + ([] if send_body else list(body.items()))
        if query:
            url = url.extend_query(query)
        data = None
        if send_body:
            data = urlencode(body).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        where = f"The OAuth token request of connection '{arn}' to {endpoint}"
        try:
            async with within(Deadline.of(None, self._token_timeout)):
                reply = await self._io.request(method, url, headers=headers, data=data)
        except CapExpired:
            raise StatesError(
                CONNECTION_STATE_ERROR,
                f"{where} got no answer within {self._token_timeout:g} seconds",
            ) from None
        except NetworkError as exc:
            raise StatesError(CONNECTION_STATE_ERROR, f"{where} failed: {exc}") from None
        try:  # whatever the content type says, as requests' .json() did
            payload = json.loads(reply.text()) if reply.ok else None
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            payload = {}
        token = payload.get("access_token")
        if not isinstance(token, str) or not token:
            raise StatesError(
                CONNECTION_STATE_ERROR,
                (f"{where} was refused: HTTP {reply.status}: {reply.text()[:500]}"),
            )
        lifetime = payload.get("expires_in")
        expiry = (
            self._clock() + max(0.0, float(lifetime) - _EXPIRY_MARGIN)
            if isinstance(lifetime, (int, float))
            else float("inf")
        )
        self._tokens[arn] = (token, expiry)
        return token
