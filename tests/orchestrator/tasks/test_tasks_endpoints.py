"""orchestrator/tasks/endpoints.py: host rewriting and the allowlist."""
from __future__ import annotations

import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.tasks.endpoints import EndpointMap

MAP = EndpointMap(
    {"users:8001": "127.0.0.1:9001", "orders": "http://127.0.0.1:9002/api/",
     "Secure.Example:443": "https://127.0.0.1:9443"},
    ["127.0.0.1:7000", "localhost", "api.example.com:443"])


@pytest.mark.parametrize("url, expected", [
    ("http://users:8001/users?x=1", "http://127.0.0.1:9001/users?x=1"),
    ("http://orders:8002/orders/7", "http://127.0.0.1:9002/api/orders/7"),
    ("http://orders/", "http://127.0.0.1:9002/api/"),
    ("http://ORDERS:1/x", "http://127.0.0.1:9002/api/x"),
    ("https://secure.example/p", "https://127.0.0.1:9443/p"),
    ("http://127.0.0.1:7000/ok", "http://127.0.0.1:7000/ok"),
    ("http://localhost:1234/any-port", "http://localhost:1234/any-port"),
    ("https://api.example.com/v1", "https://api.example.com/v1"),
], ids=["host-port", "base-url-prefix", "host-any-port-root", "case-insensitive",
        "default-https-port", "allowlisted", "allowlisted-any-port", "allowlisted-default-port"])
def test_rewrite(url, expected):
    assert MAP.rewrite(url) == expected


@pytest.mark.parametrize("url", [
    "http://users:8002/users",          # mapped host, other port
    "http://127.0.0.1:7001/",           # allowlisted host, other port
    "http://169.254.169.254/latest",    # the classic SSRF target
    "http://api.example.com/v1",        # allowlisted for 443 only
], ids=["port-mismatch", "allowlist-port-mismatch", "metadata", "scheme-port"])
def test_unmapped_and_unlisted_hosts_are_refused_with_states_permissions(url):
    with pytest.raises(StatesError) as info:
        MAP.rewrite(url)
    assert info.value.error == "States.Permissions"
    assert "neither in the endpoint map nor in the allowlist" in info.value.cause


def test_operator_urls_skip_the_allowlist_but_keep_the_map():
    assert MAP.rewrite("http://auth.internal/token", check=False) == "http://auth.internal/token"
    assert MAP.rewrite("http://users:8001/t", check=False) == "http://127.0.0.1:9001/t"


def test_star_allows_everything():
    assert EndpointMap({}, ["*"]).rewrite("http://anywhere:1/x") == "http://anywhere:1/x"


@pytest.mark.parametrize("url", ["ftp://users:8001/x", "users:8001/x", "http:///nohost",
                                 "http://users:notaport/x"])
def test_invalid_urls_are_a_runtime_error(url):
    with pytest.raises(StatesError) as info:
        MAP.rewrite(url)
    assert info.value.error == "States.Runtime"
