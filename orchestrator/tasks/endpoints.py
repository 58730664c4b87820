"""Endpoint map and allowlist: where a Task's URL really goes, and whether it may go there.

Definitions name services by their compose host names (``http://users:8001/...``); the
endpoint map (file or env, :mod:`.config`) rewrites hosts for local runs, so one definition
serves both modes. Calls to hosts neither in the map nor in the allowlist are refused with a
clear error: a definition must not be able to reach arbitrary addresses.

Map keys are ``host:port`` (the port is the URL's, or 80/443 by scheme) or a bare ``host``
(any port). Values are either ``host:port`` (only the network location is replaced) or a
base URL ``scheme://host:port[/prefix]`` (scheme, location and a path prefix are replaced).

**Which URLs are accepted** (:func:`parse_url`, before any I/O, else ``States.Runtime``):
absolute ``http``/``https`` URLs only, parsed with yarl - the parser aiohttp itself uses, so
the URL checked is the URL connected to. Refused: userinfo (any ``@`` in the authority),
backslashes, whitespace and control characters anywhere, ``%`` in the host, an empty host,
an invalid or zero port, and legacy numeric IPv4 spellings (``2130706433``, ``0177.0.0.1``,
``127.1``: aiohttp refuses them too; write the dotted quad).

**Where calls may go** (:class:`Destinations`): the allowlist entries (``host:port``, bare
``host`` = any port, ``*`` = everything - an explicit opt-out for trusted setups), plus the
targets of the endpoint map, plus the (map-rewritten) locations of the URLs the operator
wrote in the config: the ``lambdas`` map's URLs, the AWS endpoints (:mod:`.aws`) and the
connections' OAuth ``AuthorizationEndpoint``. Operator-written URLs are trusted;
definitions are not. A
definition's URL is first rewritten through the map, so a mapped host always reaches its
target; any Task may call any allowed destination.

**How it is enforced** (:class:`Guard`): on the address actually connected to, not on the
URL's spelling. Every destination is compared as (IP, port), IPs as :mod:`ipaddress`
objects with IPv4-mapped IPv6 folded into IPv4 (``::ffff:127.0.0.1`` is ``127.0.0.1``);
allowed names are resolved to their IP sets (cached for :data:`LOOKUP_TTL` seconds, like
every lookup made here; a trailing dot is stripped first). A host NAME in a URL is looked
up only when it is itself an allowed name for that port (or ``*`` is set) - otherwise it
is refused before any lookup: its address cannot be known without asking DNS, and a
definition must not make the engine query DNS for names nobody allowed (a way to leak data,
and traffic beyond the machine). So ``http://localhost:8001`` needs ``localhost`` (or
``localhost:8001``) allowed, while ``http://127.0.0.1:8001`` is also allowed by an entry
``localhost`` that resolves to it. Two seams of aiohttp's connector carry the check:

- the resolver (:meth:`Guard.resolver`, an ``aiohttp.abc.AbstractResolver``) that the
  connector calls with ``(host, port)`` for host NAMES: it resolves the name itself and
  returns only allowed addresses, or fails;
- the connector's ``socket_factory`` (:meth:`Guard.socket_factory`), called with the exact
  address of every socket it opens. aiohttp 3.14 never calls the resolver for IP-literal
  hosts (``TCPConnector._resolve_host`` returns them as they are), so this is where those
  are checked - and it re-checks resolved names too, as a backstop.

:meth:`Guard.permitted` makes the same check before a request is sent (so a refused Task
fails before any I/O, an OAuth token request included) and fills the caches the
synchronous ``socket_factory`` reads. A refused call fails with ``States.Permissions``, the
AWS error for "a Task state failed because it had insufficient privileges", naming the
address and how to allow it. Redirects are never followed (:mod:`.transport`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import time
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from ..asl.errors import RUNTIME, StatesError
from .config import ConfigError

__all__ = ["EndpointMap", "Destinations", "Guard", "Refused", "parse_url", "LOOKUP_TTL"]

SCHEMES = ("http", "https")
# How long a name's addresses are trusted before they are looked up again (seconds).
LOOKUP_TTL = 10.0
IP = ipaddress.IPv4Address | ipaddress.IPv6Address
# Characters no URL may contain raw: C0 controls, space, DEL, backslash (WHATWG parsers
# read "\" as "/", RFC 3986 parsers as data: the two disagree on where the host ends).
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f\\]")
# A host of numeric labels only (decimal, octal, hex) that is not a dotted quad: inet_aton
# would still map it onto an address.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?$", re.I)
ALLOW_HINT = (
    'add it to "endpoints" or "allowlist" in the orchestrator config, or to '
    "ORCHESTRATOR_ENDPOINTS / ORCHESTRATOR_ALLOWED_HOSTS"
)


class Refused(OSError):
    """A destination outside the allowed ones (an OSError so that aiohttp's connector hands
    it back as ``ClientConnectorError.os_error``)."""


def _invalid(text: str, why: str) -> StatesError:
    return StatesError(RUNTIME, f"Invalid URL {text!r}: {why}")


def parse_url(text: Any) -> URL:
    """The yarl URL of an absolute http(s) URL, or ``States.Runtime`` naming the problem."""
    if not isinstance(text, str):
        raise _invalid(str(text), "a URL string is required")
    if _BAD_CHARS.search(text) or any(ch.isspace() for ch in text):
        raise _invalid(
            text,
            "whitespace, control characters and backslashes are not allowed (percent-encode them)",
        )
    try:
        url = URL(text)
        host, port = url.raw_host, url.port
    except (ValueError, TypeError) as exc:
        raise _invalid(text, str(exc)) from None
    if url.scheme not in SCHEMES or not url.is_absolute() or not host:
        raise _invalid(text, "an absolute http:// or https:// URL is required")
    if "@" in url.raw_authority or url.raw_user is not None or url.raw_password is not None:
        raise _invalid(
            text,
            "credentials in the URL (user@host) are not allowed; use a "
            "connection (Authentication.ConnectionArn)",
        )
    if "%" in host:
        raise _invalid(text, "percent-encoded characters are not allowed in the host")
    if not port:
        raise _invalid(text, "the port must be between 1 and 65535")
    if _NUMERIC_HOST.match(host) and _ip(host) is None:
        raise _invalid(
            text,
            f"'{host}' is a legacy numeric IPv4 form; write the address as "
            f"a dotted quad (e.g. 127.0.0.1)",
        )
    return url


@lru_cache(maxsize=4096)  # parsed for every request and socket: keep it off the profile
def _ip(text: str) -> IP | None:
    """The address ``text`` connects to (IPv4-mapped IPv6 as IPv4), or None for a name."""
    try:
        ip = ipaddress.ip_address(text.strip("[]").partition("%")[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _name(host: str) -> str:
    """Lower case, one trailing dot stripped (``localhost.`` is ``localhost``)."""
    host = host.lower()
    return host[:-1] if host.endswith(".") and len(host) > 1 else host


def _show(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class EndpointMap:
    """Rewrites URLs through the map (definitions' and operator-written URLs alike)."""

    def __init__(self, endpoints: Mapping[str, str]) -> None:
        # key -> (scheme or None to keep the URL's, host, port or None, path prefix)
        self._map: dict[str, tuple[str | None, str, int | None, str]] = {}
        for key, value in endpoints.items():
            value = value.strip()
            try:
                target = URL(value if "://" in value else f"http://{value}")
                host, port = target.raw_host, target.explicit_port
            except ValueError as exc:
                raise ConfigError(
                    f"endpoints: invalid target {value!r} for {key!r}: {exc}"
                ) from None
            if not host or target.scheme not in SCHEMES:
                raise ConfigError(
                    f"endpoints: the target of {key!r} must be host:port or "
                    f"an http(s) base URL, got {value!r}"
                )
            if "://" in value:  # scheme, location and a path prefix are replaced
                self._map[_name(key.strip())] = (
                    target.scheme,
                    host,
                    target.port,
                    target.raw_path.rstrip("/"),
                )
            else:  # only the network location is replaced
                self._map[_name(key.strip())] = (None, host, port, "")

    def rewrite(self, url: URL) -> URL:
        """The URL to call for ``url`` (a :func:`parse_url` result)."""
        host = _name(url.raw_host or "")
        target = self._map.get(f"{host}:{url.port}") or self._map.get(host)
        if target is None:
            return url
        scheme, host, port, prefix = target
        authority = _show(host, port) if port else (f"[{host}]" if ":" in host else host)
        return URL.build(
            scheme=scheme or url.scheme,
            authority=authority,
            path=prefix + (url.raw_path or "/"),
            query_string=url.raw_query_string,
            fragment=url.raw_fragment,
            encoded=True,
        )

    def targets(self) -> list[tuple[str, int | None]]:
        """(host, port) of every target; port None when it follows the URL's scheme."""
        return [(host, port) for _, host, port, _ in self._map.values()]


class Destinations:
    """The allowed destinations: ``(host, port)`` pairs, ``port`` None for any port."""

    def __init__(self, entries: Iterable[tuple[str, int | None]], allow_all: bool = False) -> None:
        self.allow_all = allow_all
        self.ips: dict[IP, set[int | None]] = {}  # literal addresses
        self.names: dict[str, set[int | None]] = {}  # names, resolved when needed
        for host, port in entries:
            ip = _ip(host)
            if ip is not None:
                self.ips.setdefault(ip, set()).add(port)
            else:
                self.names.setdefault(_name(host), set()).add(port)

    @classmethod
    def from_config(
        cls,
        allowlist: Iterable[str],
        endpoints: EndpointMap,
        lambdas: Mapping[str, Any],
        connections: Mapping[str, Any],
        aws_endpoints: Iterable[str] = (),
    ) -> Destinations:
        entries: list[tuple[str, int | None]] = []
        allow_all = False
        for entry in allowlist:
            entry = entry.strip()
            if entry == "*":
                allow_all = True
            elif entry:
                entries.append(_allow_entry(entry))
        entries += endpoints.targets()
        operator_urls: list[str] = list(aws_endpoints)
        for value in lambdas.values():
            url = value.get("url") if isinstance(value, dict) else value
            if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
                operator_urls.append(url)
        for conn in connections.values():
            params = conn.get("AuthParameters") if isinstance(conn, dict) else None
            oauth = params.get("OAuthParameters") if isinstance(params, dict) else None
            if isinstance(oauth, dict) and isinstance(oauth.get("AuthorizationEndpoint"), str):
                operator_urls.append(oauth["AuthorizationEndpoint"])
        for url in operator_urls:
            try:
                parsed = endpoints.rewrite(parse_url(url))
            except StatesError:
                continue  # a malformed operator URL fails its own calls with States.Runtime
            entries.append((parsed.raw_host or "", parsed.port))
        return cls(entries, allow_all)


def _allow_entry(entry: str) -> tuple[str, int | None]:
    if _ip(entry) is not None:
        return entry, None  # a bare address (IPv6 included): any port
    try:
        url = URL(f"http://{entry}")
        host, port = url.raw_host, url.explicit_port
    except ValueError as exc:
        raise ConfigError(f"allowlist: invalid entry {entry!r}: {exc}") from None
    if not host or url.raw_user is not None or url.raw_path not in ("", "/"):
        raise ConfigError(f"allowlist: entries are host:port, host or *; got {entry!r}")
    return host, port


class Guard:
    """The allowlist check on the connected address, for one event loop (its caches hold
    that loop's futures). See the module docstring for where it is called."""

    def __init__(self, destinations: Destinations) -> None:
        self._dest = destinations
        self._cache: dict[str, tuple[float, tuple[tuple[int, str, IP], ...], str]] = {}
        self._pending: dict[str, asyncio.Future] = {}

    # -- addresses of names ----------------------------------------------------------------
    async def addresses(self, host: str) -> tuple[tuple[int, str, IP], ...]:
        """(family, address text, IP) of every address ``host`` connects to; () when the
        name does not resolve."""
        ip = _ip(host)
        if ip is not None:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            return ((family, host.strip("[]"), ip),)
        name = _name(host)
        hit = self._cache.get(name)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        pending = self._pending.get(name)
        if pending is None:  # one lookup per name at a time, shared by every caller
            pending = self._pending[name] = asyncio.ensure_future(self._lookup(name))

            def forget(_: asyncio.Future, name: str = name) -> None:
                self._pending.pop(name, None)

            pending.add_done_callback(forget)
        return await asyncio.shield(pending)

    async def _lookup(self, name: str) -> tuple[tuple[int, str, IP], ...]:
        error = ""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                name, None, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError) as exc:
            infos, error = [], str(exc)
        found: dict[tuple[int, Any], IP] = {}
        for family, _, _, _, sockaddr in infos:
            ip = _ip(sockaddr[0])
            if ip is not None and family in (socket.AF_INET, socket.AF_INET6):
                found.setdefault((family, sockaddr[0]), ip)
        result = tuple((family, text, ip) for (family, text), ip in found.items())
        self._cache[name] = (time.monotonic() + LOOKUP_TTL, result, error)
        return result

    def _cached_ips(self, name: str) -> set[IP]:
        hit = self._cache.get(name)  # expired answers stay until a lookup replaces them
        return {ip for _, _, ip in hit[1]} if hit else set()

    # -- the check -------------------------------------------------------------------------
    def _names_for(self, port: int) -> list[str]:
        return [name for name, ports in self._dest.names.items() if None in ports or port in ports]

    def _literal(self, ip: IP, port: int) -> bool:
        ports = self._dest.ips.get(ip)
        return self._dest.allow_all or (ports is not None and (None in ports or port in ports))

    def allows_now(self, ip: IP, port: int) -> bool:
        """The check on what is known now (no lookups): for the synchronous socket factory."""
        return self._literal(ip, port) or any(
            ip in self._cached_ips(name) for name in self._names_for(port)
        )

    async def allows(self, ip: IP, port: int) -> bool:
        """The check with fresh answers for the allowed names that could match."""
        if not self._literal(ip, port):
            await asyncio.gather(*(self.addresses(name) for name in self._names_for(port)))
        return self.allows_now(ip, port)

    async def permitted(self, host: str, port: int) -> list[tuple[int, str, IP]]:
        """The allowed addresses of ``host``:``port``; Refused when there is none,
        socket.gaierror when an allowed name does not resolve."""
        if (
            _ip(host) is None
            and not self._dest.allow_all
            and _name(host) not in self._names_for(port)
        ):
            raise Refused(
                f"the host {_show(host, port)} is neither in the endpoint map nor "
                f"in the allowlist ({ALLOW_HINT}); names are not looked up unless "
                f"allowed"
            )
        found = await self.addresses(host)
        if not found:
            error = self._cache.get(_name(host), (0, (), ""))[2]
            raise socket.gaierror(
                socket.EAI_NONAME, f"cannot resolve host '{host}'" + (f": {error}" if error else "")
            )
        allowed = [addr for addr in found if await self.allows(addr[2], port)]
        if not allowed:
            where = _show(host.strip("[]"), port)
            if _ip(host) is None:
                where += f" (resolving to {', '.join(text for _, text, _ in found)})"
            raise Refused(
                f"the address {where} is neither in the endpoint map nor in the "
                f"allowlist ({ALLOW_HINT})"
            )
        return allowed

    # -- aiohttp's seams -------------------------------------------------------------------
    def resolver(self) -> AbstractResolver:
        return _GuardedResolver(self)

    def socket_factory(self, addr_info: tuple) -> socket.socket:
        """aiohttp's ``socket_factory``: called with the exact address of every socket
        the connector opens, IP-literal hosts included (they never reach the resolver)."""
        family, type_, proto, _, sockaddr = addr_info
        ip = _ip(sockaddr[0])
        if ip is None or not self.allows_now(ip, sockaddr[1]):
            raise Refused(
                f"the address {_show(sockaddr[0], sockaddr[1])} is neither in the "
                f"endpoint map nor in the allowlist ({ALLOW_HINT})"
            )
        return socket.socket(family=family, type=type_, proto=proto)


class _GuardedResolver(AbstractResolver):
    """What aiohttp's connector calls to turn a host name into addresses: only allowed
    addresses come back (see :class:`Guard`)."""

    def __init__(self, guard: Guard) -> None:
        self._guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        allowed = await self._guard.permitted(host, port)
        results = [
            ResolveResult(
                hostname=host,
                host=text,
                port=port,
                family=fam,
                proto=0,
                flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            )
            for fam, text, _ in allowed
            if family in (0, fam)
        ]
        if not results:
            raise socket.gaierror(
                socket.EAI_FAMILY, f"no allowed address of '{host}' in the requested address family"
            )
        return results

    async def close(self) -> None:
        pass
