"""Endpoint map and allowlist: where a Task's URL really goes, and whether it may go there.

DESIGN.md: "Endpoint map: definitions name services by their compose host names
(``http://users:8001/...``); the map (file or env) rewrites hosts for local runs, so one
definition serves both modes." Issue: "calls to hosts not in the map or an allowlist are
refused with a clear error (a definition must not be able to reach arbitrary addresses)."

Map keys are ``host:port`` (the port is the URL's, or 80/443 by scheme) or a bare ``host``
(any port). Values are either ``host:port`` (only the network location is replaced) or a
base URL ``scheme://host:port[/prefix]`` (scheme, location and a path prefix are replaced).
Allowlist entries are ``host:port``, ``host`` (any port) or ``*`` (allow everything - an
explicit opt-out for trusted setups). A refused call fails with ``States.Permissions``,
the AWS error for "a Task state failed because it had insufficient privileges".
"""
from __future__ import annotations

from typing import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

from ..asl.errors import PERMISSIONS, RUNTIME, StatesError

__all__ = ["EndpointMap"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _location(url: str) -> tuple[str, str, int]:
    """(scheme, lower-case host, port) of an absolute http(s) URL, else States.Runtime."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise StatesError(RUNTIME, f"Invalid URL {url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise StatesError(RUNTIME, f"Invalid URL {url!r}: an absolute http:// or https:// "
                                   f"URL is required")
    return scheme, parts.hostname.lower(), port if port is not None else _DEFAULT_PORTS[scheme]


class EndpointMap:
    """Rewrites URLs through the map and refuses hosts that are neither mapped nor allowed."""

    def __init__(self, endpoints: Mapping[str, str], allowlist: Iterable[str] = ()) -> None:
        self._map = {key.strip().lower(): value.strip() for key, value in endpoints.items()}
        self._allow = {entry.strip().lower() for entry in allowlist if entry.strip()}

    def _target(self, host: str, port: int) -> str | None:
        return self._map.get(f"{host}:{port}") or self._map.get(host)

    def allowed(self, host: str, port: int) -> bool:
        return "*" in self._allow or f"{host}:{port}" in self._allow or host in self._allow

    def rewrite(self, url: str, *, check: bool = True) -> str:
        """The URL to call for ``url``. ``check=False`` skips the allowlist (operator-written
        URLs such as a connection's OAuth endpoint are trusted; definitions are not)."""
        scheme, host, port = _location(url)
        target = self._target(host, port)
        if target is None:
            if check and not self.allowed(host, port):
                raise StatesError(PERMISSIONS, (
                    f"Refused to call {url}: the host '{host}:{port}' is neither in the endpoint "
                    f"map nor in the allowlist (add it to \"endpoints\" or \"allowlist\" in the "
                    f"orchestrator config, or to ORCHESTRATOR_ENDPOINTS / "
                    f"ORCHESTRATOR_ALLOWED_HOSTS)"))
            return url
        parts = urlsplit(url)
        if "://" in target:
            base = urlsplit(target)
            path = base.path.rstrip("/") + (parts.path or "/")
            return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))
        return urlunsplit((parts.scheme, target, parts.path, parts.query, parts.fragment))
