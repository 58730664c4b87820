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
Connection parameters override the Task's on duplicate keys.

Local extensions, so that a definition written for AWS (where ``ConnectionArn`` is
required) runs unchanged against the unauthenticated local services:
``"AuthorizationType": "NONE"`` adds only the invocation parameters, and the key ``"*"``
is the connection used for any ARN not listed (the shipped config maps it to ``NONE``).
"""
from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import requests

from ..asl.errors import RUNTIME, StatesError
from .endpoints import EndpointMap
from .transport import SessionHolder

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
    def __init__(self, connections: Mapping[str, Any], sessions: SessionHolder,
                 endpoints: EndpointMap, clock: Callable[[], float] = time.monotonic) -> None:
        self._connections = dict(connections)
        self._sessions = sessions
        self._endpoints = endpoints
        self._clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def _get(self, arn: str) -> Mapping[str, Any]:
        conn = self._connections.get(arn, self._connections.get("*"))
        if not isinstance(conn, Mapping):
            raise StatesError(RUNTIME, (
                f"The connection '{arn}' is not defined: add it to \"connections\" in the "
                f"orchestrator config (or the file named by ORCHESTRATOR_CONNECTIONS)"))
        return conn

    def prepare(self, arn: str, timeout: float) -> Prepared:
        conn = self._get(arn)
        params = conn.get("AuthParameters") or {}
        kind = str(conn.get("AuthorizationType", "")).upper()
        invocation = params.get("InvocationHttpParameters")
        out = Prepared(query=_params(invocation, "QueryStringParameters"),
                       body=dict(_params(invocation, "BodyParameters")))
        out.headers.update(_params(invocation, "HeaderParameters"))
        if kind == "API_KEY":
            api_key = params.get("ApiKeyAuthParameters") or {}
            out.headers[str(api_key.get("ApiKeyName", "x-api-key"))] = str(
                api_key.get("ApiKeyValue", ""))
        elif kind == "BASIC":
            basic = params.get("BasicAuthParameters") or {}
            raw = f"{basic.get('Username', '')}:{basic.get('Password', '')}".encode()
            out.headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
        elif kind == "NONE":
            pass
        elif kind == "OAUTH_CLIENT_CREDENTIALS":
            out.headers["Authorization"] = "Bearer " + self._token(
                arn, params.get("OAuthParameters") or {}, timeout)
        else:
            raise StatesError(RUNTIME, f"The connection '{arn}' has an unsupported "
                                       f"AuthorizationType {kind!r} (API_KEY, BASIC, "
                                       f"OAUTH_CLIENT_CREDENTIALS or NONE)")
        return out

    def invalidate(self, arn: str) -> None:
        """Forget a cached OAuth token (the API answered 401: the token was revoked)."""
        with self._lock:
            self._tokens.pop(arn, None)

    def _token(self, arn: str, oauth: Mapping[str, Any], timeout: float) -> str:
        with self._lock:
            cached = self._tokens.get(arn)
            if cached and cached[1] > self._clock():
                return cached[0]
        token, lifetime = self._fetch_token(arn, oauth, timeout)
        with self._lock:
            expiry = self._clock() + max(0.0, lifetime - _EXPIRY_MARGIN) if lifetime else float(
                "inf")
            self._tokens[arn] = (token, expiry)
        return token

    def _fetch_token(self, arn: str, oauth: Mapping[str, Any],
                     timeout: float) -> tuple[str, float | None]:
        endpoint = str(oauth.get("AuthorizationEndpoint", ""))
        method = str(oauth.get("HttpMethod", "POST")).upper()
        client = oauth.get("ClientParameters") or {}
        extra = oauth.get("OAuthHttpParameters") or {}
        body = dict(_params(extra, "BodyParameters"))
        body.setdefault("grant_type", "client_credentials")
        headers = dict(_params(extra, "HeaderParameters"))
        raw = f"{client.get('ClientID', '')}:{client.get('ClientSecret', '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
        # The operator wrote this URL (not a definition), so only the map applies.
        url = self._endpoints.rewrite(endpoint, check=False)
        send_body = method != "GET"
        try:
            response = self._sessions.get().request(
                method, url, headers=headers, timeout=timeout,
                params=_params(extra, "QueryStringParameters") + (
                    [] if send_body else list(body.items())),
                data=body if send_body else None)
        except requests.RequestException as exc:
            raise StatesError(CONNECTION_STATE_ERROR, (
                f"The OAuth token request of connection '{arn}' to {endpoint} failed: "
                f"{exc.__class__.__name__}: {exc}")) from None
        try:
            payload = response.json() if response.ok else None
        except ValueError:
            payload = None
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not isinstance(token, str) or not token:
            raise StatesError(CONNECTION_STATE_ERROR, (
                f"The OAuth token request of connection '{arn}' to {endpoint} was refused: "
                f"HTTP {response.status_code}: {response.text[:500]}"))
        lifetime = payload.get("expires_in")
        return token, float(lifetime) if isinstance(lifetime, (int, float)) else None
