"""orchestrator/tasks/config.py: the file, the env overrides and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.tasks import config as config_module
from orchestrator.tasks.config import AWS_HTTP_TASK_TIMEOUT, ConfigError, load_config

REPO = Path(__file__).resolve().parents[3]


def write(tmp_path: Path, data, name: str = "endpoints.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_shipped_default_config_maps_the_three_services_and_the_order_flow_functions():
    config = load_config(REPO / "statemachines" / "endpoints.json", env={})
    assert config.endpoints == {
        "users:8001": "127.0.0.1:8001",
        "orders:8002": "127.0.0.1:8002",
        "notifications:8003": "127.0.0.1:8003",
    }
    assert config.lambdas == {
        "CreateUser": "http://users:8001/users",
        "PlaceOrder": "http://orders:8002/orders",
        "SendNotification": "http://notifications:8003/notifications",
    }
    assert config.http_timeout_seconds == AWS_HTTP_TASK_TIMEOUT
    # Definitions written for AWS carry a ConnectionArn: locally any ARN means "no auth".
    assert config.connections == {"*": {"AuthorizationType": "NONE"}}


def test_path_comes_from_env_when_not_given(tmp_path):
    path = write(tmp_path, {"endpoints": {"a:1": "b:2"}, "region": "eu-west-1"})
    config = load_config(env={"ORCHESTRATOR_CONFIG": str(path)})
    assert config.endpoints == {"a:1": "b:2"}
    assert config.region == "eu-west-1"


def test_default_file_is_found_from_another_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "users:8001" in load_config(env={}).endpoints


def test_missing_default_file_is_an_empty_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(config_module, "REPO_CONFIG_PATH", tmp_path / "absent.json")
    config = load_config(env={})
    assert (config.endpoints, config.allowlist, config.lambdas) == ({}, (), {})


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.json", env={})


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"endpoints": {"a": 1}}', "endpoints must map"),
        ('{"allowlist": [1]}', "allowlist must be a list"),
        ('{"connections": [1]}', "connections must be an object"),
    ],
    ids=["syntax", "not-object", "endpoint-value", "allowlist-item", "connections-type"],
)
def test_malformed_files_are_refused_with_a_clear_message(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text), env={})


def test_env_overrides_extend_and_replace_the_file(tmp_path):
    path = write(
        tmp_path,
        {
            "endpoints": {"users:8001": "127.0.0.1:8001"},
            "allowlist": ["a"],
            "lambdas": {"F": "http://x/f"},
        },
    )
    env = {
        "ORCHESTRATOR_ENDPOINTS": "users:8001=127.0.0.1:9001, orders:8002=http://h:2/p",
        "ORCHESTRATOR_ALLOWED_HOSTS": "b, c:80",
        "ORCHESTRATOR_LAMBDAS": "F=python:mod:fn,G=http://y/g?a=b",
    }
    config = load_config(path, env=env)
    assert config.endpoints == {"users:8001": "127.0.0.1:9001", "orders:8002": "http://h:2/p"}
    assert config.allowlist == ("a", "b", "c:80")
    assert config.lambdas == {"F": "python:mod:fn", "G": "http://y/g?a=b"}


@pytest.mark.parametrize("variable", ["ORCHESTRATOR_ENDPOINTS", "ORCHESTRATOR_LAMBDAS"])
def test_malformed_env_pairs_name_the_variable(tmp_path, variable):
    with pytest.raises(ConfigError, match=variable):
        load_config(write(tmp_path, {}), env={variable: "novalue"})


def test_connections_file_path_is_relative_to_the_config_file(tmp_path):
    write(tmp_path, {"arn:c": {"AuthorizationType": "BASIC"}}, "conns.json")
    config = load_config(write(tmp_path, {"connections": "conns.json"}), env={})
    assert config.connections == {"arn:c": {"AuthorizationType": "BASIC"}}


def test_connections_env_replaces_the_file_connections(tmp_path):
    other = write(tmp_path, {"arn:d": {"AuthorizationType": "API_KEY"}}, "other.json")
    config = load_config(
        write(tmp_path, {"connections": {"arn:c": {}}}),
        env={"ORCHESTRATOR_CONNECTIONS": str(other)},
    )
    assert list(config.connections) == ["arn:d"]


def test_transport_settings_come_from_the_file(tmp_path):
    config = load_config(
        write(
            tmp_path,
            {
                "maxResponseBytes": 10,
                "maxConnections": 20,
                "maxConnectionsPerHost": 5,
                "pythonWorkers": 2,
                "lambdaTimeoutSeconds": 30,
                "account": "210987654321",
            },
        ),
        env={},
    )
    assert (
        config.max_response_bytes,
        config.max_connections,
        config.max_connections_per_host,
        config.python_workers,
        config.lambda_timeout_seconds,
        config.account,
    ) == (10, 20, 5, 2, 30, "210987654321")
    defaults = load_config(write(tmp_path, {}), env={})
    assert (
        defaults.max_response_bytes,
        defaults.max_connections,
        defaults.max_connections_per_host,
    ) == (1024 * 1024, 4096, 512)
