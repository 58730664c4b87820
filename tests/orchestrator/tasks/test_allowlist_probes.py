"""The allowlist holds on the address connected to (orchestrator/tasks/endpoints.py).

The bug this guards against: an HTTP Task with ApiEndpoint
``http://127.0.0.1:9199\\@127.0.0.1:9101/x`` passed the allowlist check (urllib.parse sees
host 127.0.0.1:9101 after the ``@``) while requests/urllib3 connected to port 9199. Each
probe runs against a listener that counts the connections it accepts: a denied one must see
none.
"""

from __future__ import annotations

import asyncio
import json
import socket

import aiohttp
import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.tasks import TaskInvoker, TasksConfig
from orchestrator.tasks.endpoints import Refused

HTTP = "arn:aws:states:::http:invoke"


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


IPV6 = ipv6_loopback()
needs_ipv6 = pytest.mark.skipif(not IPV6, reason="this machine has no IPv6 loopback (::1)")


def call(invoker, make_invoke, url: str):
    return invoker(make_invoke(HTTP, {"ApiEndpoint": url, "Method": "GET"}))


def refused(invoker, make_invoke, url: str) -> StatesError:
    with pytest.raises(StatesError) as info:
        call(invoker, make_invoke, url)
    invoker.close()  # nothing can still be connecting when the listener is counted
    return info.value


PROBES = [
    ("backslash-before-userinfo", "http://127.0.0.1:{denied}\\@127.0.0.1:{allowed}/x", None),
    ("ipv6-backslash-before-userinfo", "http://[::1]:{denied}\\@127.0.0.1:{allowed}/x", "::1"),
    ("userinfo", "http://user@127.0.0.1:{denied}/", None),
    ("allowed-address-as-userinfo", "http://127.0.0.1:{allowed}@127.0.0.1:{denied}/", None),
    ("decimal", "http://2130706433:{denied}/", None),
    ("octal", "http://0177.0.0.1:{denied}/", None),
    ("short", "http://127.1:{denied}/", None),
    ("trailing-dot", "http://localhost.:{denied}/", None),
    ("ipv4-mapped-ipv6", "http://[::ffff:127.0.0.1]:{denied}/", None),
    ("plain", "http://127.0.0.1:{denied}/", None),
    ("ipv6-loopback", "http://[::1]:{denied}/", "::1"),
]


@pytest.mark.parametrize(
    "template, denied_host", [p[1:] for p in PROBES], ids=[p[0] for p in PROBES]
)
def test_a_denied_listener_sees_no_connection(srv, make_invoke, listener, template, denied_host):
    if denied_host == "::1" and not IPV6:
        pytest.skip("this machine has no IPv6 loopback (::1) to listen on")
    denied = listener(denied_host or "127.0.0.1")
    invoker = TaskInvoker(TasksConfig(allowlist=(f"127.0.0.1:{srv.port}",)))
    err = refused(invoker, make_invoke, template.format(denied=denied.port, allowed=srv.port))
    assert err.error in ("States.Permissions", "States.Runtime"), err
    assert denied.count() == 0


def test_the_refusal_names_the_address_connected_to_and_how_to_allow_it(srv, make_invoke, listener):
    denied = listener()
    invoker = TaskInvoker(TasksConfig(allowlist=(f"127.0.0.1:{srv.port}",)))
    err = refused(invoker, make_invoke, f"http://[::ffff:127.0.0.1]:{denied.port}/")
    assert err.error == "States.Permissions"
    assert err.cause.startswith(
        f"Refused to call http://[::ffff:7f00:1]:{denied.port}/: the "
        f"address [::ffff:7f00:1]:{denied.port} is neither in the "
        f"endpoint map nor in the allowlist"
    )
    assert "ORCHESTRATOR_ALLOWED_HOSTS" in err.cause
    assert denied.count() == 0


def test_a_name_nobody_allowed_is_refused_without_a_lookup(srv, make_invoke, monkeypatch):
    # localhost would resolve to the allowed 127.0.0.1, but only allowed names are looked
    # up: a definition must not make the engine query DNS for names of its choosing.
    invoker = TaskInvoker(TasksConfig(allowlist=(f"127.0.0.1:{srv.port}",)))
    loop = invoker._io._current().loop
    lookups = []
    real = loop.getaddrinfo

    async def recording(host, *args, **kwargs):
        lookups.append(host)
        return await real(host, *args, **kwargs)

    monkeypatch.setattr(loop, "getaddrinfo", recording)
    for host in ("localhost", "localhost.", "example.com"):
        err = refused(invoker, make_invoke, f"http://{host}:{srv.port}/echo")
        assert err.error == "States.Permissions"
        assert f"the host {host}:{srv.port} is neither" in err.cause
        assert "names are not looked up unless allowed" in err.cause
    assert lookups == [] and srv.requests == []


def test_a_redirect_to_a_denied_listener_is_not_followed(make_invoke, listener):
    denied = listener()
    allowed = listener(
        answer=(
            f"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{denied.port}/"
            f"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ).encode()
    )
    invoker = TaskInvoker(TasksConfig(allowlist=(f"127.0.0.1:{allowed.port}",)))
    err = refused(invoker, make_invoke, f"http://127.0.0.1:{allowed.port}/start")
    assert err.error == "States.Http.StatusCode.302"
    assert json.loads(err.cause)["Headers"]["location"] == [f"http://127.0.0.1:{denied.port}/"]
    assert (allowed.count(), denied.count()) == (1, 0)


@pytest.mark.parametrize(
    "allow, url",
    [
        ("localhost:{port}", "http://localhost.:{port}/echo"),
        ("LOCALHOST.", "http://localhost:{port}/echo"),
        ("localhost:{port}", "http://127.0.0.1:{port}/echo"),
        ("localhost", "http://127.0.0.1:{port}/echo"),
        pytest.param("127.0.0.1:{port}", "http://[::ffff:127.0.0.1]:{port}/echo", marks=needs_ipv6),
        pytest.param("[::ffff:127.0.0.1]:{port}", "http://127.0.0.1:{port}/echo", marks=needs_ipv6),
        pytest.param("localhost", "http://[::ffff:127.0.0.1]:{port}/echo", marks=needs_ipv6),
    ],
    ids=[
        "trailing-dot",
        "name-any-port",
        "ip-to-allowed-name",
        "ip-to-allowed-name-any-port",
        "ipv4-mapped-url",
        "ipv4-mapped-entry",
        "ipv4-mapped-url-to-allowed-name",
    ],
)
def test_another_spelling_of_an_allowed_address_is_allowed(srv, make_invoke, allow, url):
    invoker = TaskInvoker(TasksConfig(allowlist=(allow.format(port=srv.port),)))
    assert call(invoker, make_invoke, url.format(port=srv.port))["StatusCode"] == 200
    invoker.close()


def test_map_targets_and_operator_urls_are_allowed_destinations(srv, make_invoke, listener):
    other = listener()
    invoker = TaskInvoker(
        TasksConfig(
            endpoints={"svc:8001": f"127.0.0.1:{srv.port}"},
            lambdas={"F": f"http://127.0.0.1:{other.port}/f"},
        )
    )
    assert call(invoker, make_invoke, "http://svc:8001/echo")["StatusCode"] == 200
    # The target itself is an allowed destination, as is an operator-written Lambda URL.
    assert call(invoker, make_invoke, f"{srv.base}/echo")["StatusCode"] == 200
    assert call(invoker, make_invoke, f"http://127.0.0.1:{other.port}/")["StatusCode"] == 200
    invoker.close()
    assert other.count() == 1


def test_star_allows_everything(make_invoke, listener):
    anywhere = listener()
    invoker = TaskInvoker(TasksConfig(allowlist=("*",)))
    assert call(invoker, make_invoke, f"http://localhost:{anywhere.port}/")["StatusCode"] == 200
    invoker.close()
    assert anywhere.count() == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
def test_aiohttps_own_seams_refuse_without_the_pre_request_check(srv, listener, host):
    # Straight through the session: the resolver (names) and the socket factory (IP
    # literals, which aiohttp never resolves) must refuse on their own.
    denied = listener()
    invoker = TaskInvoker(TasksConfig(allowlist=(f"127.0.0.1:{srv.port}", f"localhost:{srv.port}")))
    state = invoker._io._current()

    async def get(url: str):
        try:
            async with state.session.get(url) as response:
                return response.status
        except aiohttp.ClientConnectorError as exc:
            return exc.os_error

    outcome = asyncio.run_coroutine_threadsafe(
        get(f"http://{host}:{denied.port}/"), state.loop
    ).result(10)
    ok = asyncio.run_coroutine_threadsafe(get(f"http://{host}:{srv.port}/echo"), state.loop).result(
        10
    )
    invoker.close()
    assert isinstance(outcome, Refused), outcome
    assert denied.count() == 0
    if host != "[::ffff:127.0.0.1]" or IPV6:
        assert ok == 200
