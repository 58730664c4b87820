"""orchestrator/tasks/endpoints.py: URL checks, host rewriting and the address guard."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.tasks.config import ConfigError
from orchestrator.tasks.endpoints import Destinations, EndpointMap, Guard, Refused, parse_url

MAP = EndpointMap(
    {
        "users:8001": "127.0.0.1:9001",
        "orders": "http://127.0.0.1:9002/api/",
        "Secure.Example:443": "https://127.0.0.1:9443",
    }
)
LOOPBACK = ipaddress.ip_address("127.0.0.1")


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://users:8001/users?x=1", "http://127.0.0.1:9001/users?x=1"),
        ("http://orders:8002/orders/7", "http://127.0.0.1:9002/api/orders/7"),
        ("http://orders/", "http://127.0.0.1:9002/api/"),
        ("http://ORDERS:1/x", "http://127.0.0.1:9002/api/x"),
        ("http://orders./x", "http://127.0.0.1:9002/api/x"),
        ("https://secure.example/p", "https://127.0.0.1:9443/p"),
        ("http://users:8001/a%20b#f", "http://127.0.0.1:9001/a%20b#f"),
        ("http://127.0.0.1:7000/ok", "http://127.0.0.1:7000/ok"),
        ("http://users:8002/users", "http://users:8002/users"),
    ],
    ids=[
        "host-port",
        "base-url-prefix",
        "host-any-port-root",
        "case-insensitive",
        "trailing-dot",
        "default-https-port",
        "encoded-path-and-fragment",
        "unmapped",
        "port-mismatch-unmapped",
    ],
)
def test_rewrite(url, expected):
    assert str(MAP.rewrite(parse_url(url))) == expected


@pytest.mark.parametrize(
    "url, fragment",
    [
        ("ftp://users:8001/x", "absolute http:// or https://"),
        ("users:8001/x", "absolute http:// or https://"),
        ("/relative", "absolute http:// or https://"),
        ("http:///nohost", "absolute http:// or https://"),
        ("http://users:notaport/x", "port"),
        ("http://users:0/x", "between 1 and 65535"),
        ("http://users:70000/x", "Port out of range"),
        ("http://127.0.0.1:1\\@127.0.0.1:2/x", "backslashes"),
        ("http://a\\b/", "backslashes"),
        ("http://a b/", "whitespace"),
        ("http://host/\tx", "whitespace"),
        ("http://host/x\x00", "control characters"),
        ("http://user@127.0.0.1/", "credentials in the URL"),
        ("http://u:p@127.0.0.1/", "credentials in the URL"),
        ("http://127.0.0.1:1@127.0.0.1:2/", "credentials in the URL"),
        ("http://%31%32%37.0.0.1/", "percent-encoded"),
        ("http://2130706433/", "legacy numeric IPv4"),
        ("http://0177.0.0.1/", "legacy numeric IPv4"),
        ("http://0x7f.1/", "legacy numeric IPv4"),
        ("http://127.1/", "legacy numeric IPv4"),
    ],
    ids=lambda value: value if len(value) < 30 else None,
)
def test_malformed_urls_are_a_runtime_error_naming_the_problem(url, fragment):
    with pytest.raises(StatesError) as info:
        parse_url(url)
    assert info.value.error == "States.Runtime"
    assert fragment in info.value.cause and info.value.cause.startswith("Invalid URL")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8001/x",
        "https://Example.com/a?b=c",
        "http://[::1]:8000/",
        "http://localhost./",
        "http://10.0.0.1/",
    ],
)
def test_well_formed_urls_parse(url):
    assert parse_url(url).is_absolute()


@pytest.mark.parametrize("value", ["ftp://x/", "http://", "a:b:c"])
def test_malformed_map_targets_are_config_errors(value):
    with pytest.raises(ConfigError):
        EndpointMap({"k": value})


def test_destinations_collect_the_allowlist_map_targets_and_operator_urls():
    dest = Destinations.from_config(
        ["127.0.0.1:7000", "localhost", "[::1]:8000", "::2"],
        MAP,
        {"F": "http://users:8001/f", "G": {"url": "http://fn-host:81/g"}, "P": "python:m:f"},
        {
            "arn:c": {
                "AuthParameters": {
                    "OAuthParameters": {"AuthorizationEndpoint": "https://auth.internal/token"}
                }
            },
            "*": {},
        },
    )
    ips = {str(ip): ports for ip, ports in dest.ips.items()}
    assert ips == {"127.0.0.1": {7000, 9001, 9002, 9443}, "::1": {8000}, "::2": {None}}
    assert dest.names == {"localhost": {None}, "fn-host": {81}, "auth.internal": {443}}
    assert not dest.allow_all
    assert Destinations.from_config(["*"], EndpointMap({}), {}, {}).allow_all


@pytest.mark.parametrize("entry", ["a/b", "user@host", "host:port"])
def test_malformed_allowlist_entries_are_config_errors(entry):
    with pytest.raises(ConfigError):
        Destinations.from_config([entry], EndpointMap({}), {}, {})


def run(coro):
    return asyncio.run(coro)


@pytest.mark.parametrize(
    "spelling",
    [
        "127.0.0.1",
        "2130706433",
        "0177.0.0.1",
        "127.1",
        "[::ffff:127.0.0.1]",
        "localhost",
        "localhost.",
    ],
)
def test_every_spelling_of_an_allowlisted_address_compares_as_the_address(spelling):
    # Operator-written entries may use any spelling the OS would connect to.
    guard = Guard(Destinations.from_config([f"{spelling}:8001"], EndpointMap({}), {}, {}))

    async def check():
        return (
            await guard.allows(LOOPBACK, 8001),
            await guard.allows(LOOPBACK, 8002),
            guard.allows_now(ipaddress.ip_address("::ffff:127.0.0.1").ipv4_mapped, 8001),
        )

    assert run(check()) == (True, False, True)


def test_permitted_returns_allowed_addresses_and_refuses_the_rest():
    guard = Guard(
        Destinations.from_config(["localhost:8001", "127.0.0.2:8001"], EndpointMap({}), {}, {})
    )

    async def check():
        allowed = await guard.permitted("localhost", 8001)
        refusals = []
        for host, port in (("localhost", 8002), ("127.0.0.1", 8002), ("127.0.0.3", 8001)):
            with pytest.raises(Refused) as info:
                await guard.permitted(host, port)
            refusals.append(str(info.value))
        return allowed, refusals, await guard.permitted("127.0.0.1", 8001)

    allowed, refusals, by_name = run(check())
    assert [text for _, text, _ in allowed] == ["127.0.0.1"]
    assert refusals[0].startswith("the host localhost:8002 is neither in the endpoint map")
    assert refusals[1].startswith("the address 127.0.0.1:8002 is neither")
    assert refusals[2].startswith("the address 127.0.0.3:8001 is neither")
    assert [text for _, text, _ in by_name] == ["127.0.0.1"]  # allowed through "localhost"


def test_lookups_are_cached_and_shared_by_concurrent_callers(monkeypatch):
    guard = Guard(Destinations.from_config(["localhost:1"], EndpointMap({}), {}, {}))
    calls = []

    async def check():
        loop = asyncio.get_running_loop()
        real = loop.getaddrinfo

        async def counting(host, *args, **kwargs):
            calls.append(host)
            return await real(host, *args, **kwargs)

        monkeypatch.setattr(loop, "getaddrinfo", counting)
        results = await asyncio.gather(*(guard.addresses("localhost.") for _ in range(50)))
        await guard.allows(LOOPBACK, 1)
        return results

    results = run(check())
    assert calls == ["localhost"]  # once, trailing dot stripped
    assert all(r == results[0] for r in results)


def test_unresolvable_names_are_a_lookup_failure_not_a_refusal(monkeypatch):
    guard = Guard(Destinations.from_config(["*"], EndpointMap({}), {}, {}))

    async def check():
        async def no_such_name(host, *args, **kwargs):  # no real DNS query from a test
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

        monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", no_such_name)
        with pytest.raises(OSError) as info:
            await guard.permitted("does-not-exist.invalid", 80)
        return info.value

    err = run(check())
    assert not isinstance(err, Refused) and "cannot resolve host" in str(err)
