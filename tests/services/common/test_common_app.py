"""What every service shares: JSON errors, request ids, log lines, probes, database, config."""

import json
import os
import sqlite3

import pytest

from services.common import ApiError, ConfigError
from services.users import create_app


@pytest.fixture
def app(make_app):
    return make_app("users")


@pytest.mark.parametrize(
    "method,path,status,code",
    [
        ("get", "/nowhere", 404, "NOT_FOUND"),
        ("delete", "/users", 405, "METHOD_NOT_ALLOWED"),
        ("put", "/users/u-1", 405, "METHOD_NOT_ALLOWED"),
    ],
)
def test_framework_errors_are_json(client, method, path, status, code):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.is_json and response.get_json()["error"] == code


def test_body_over_the_limit_is_413_json(make_app):
    client = make_app("users", MAX_CONTENT_LENGTH=100).test_client()
    response = client.post("/users", json={"name": "x" * 200, "email": "a@b.co"})
    assert response.status_code == 413
    assert response.get_json() == {
        "error": "PAYLOAD_TOO_LARGE",
        "message": "The request body is larger than the limit of 100 bytes.",
    }


def test_unexpected_exceptions_are_a_json_500(app, client):
    @app.get("/boom")
    def boom():
        raise KeyError("bug")

    response = client.get("/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": "INTERNAL", "message": "Internal error: KeyError"}


def test_api_error_body_names_the_field():
    assert ApiError(400, "X", "m", field="f").body() == {"error": "X", "message": "m", "field": "f"}
    assert ApiError(400, "X", "m").body() == {"error": "X", "message": "m"}


@pytest.mark.parametrize(
    "sent,echoed",
    [("abc-123", "abc-123"), ("bad id with spaces", None), ("x" * 129, None), (None, None)],
    ids=["kept", "unsafe", "too-long", "absent"],
)
def test_request_id_is_taken_or_made_and_echoed(client, sent, echoed):
    headers = {"X-Request-Id": sent} if sent else {}
    got = client.get("/health", headers=headers).headers["X-Request-Id"]
    if echoed:
        assert got == echoed
    else:
        assert len(got) == 32 and got != sent


def test_one_json_log_line_per_request(client, capsys):
    capsys.readouterr()
    client.get("/users/nope", headers={"X-Request-Id": "r-1"})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert set(record) == {
        "time",
        "service",
        "method",
        "path",
        "status",
        "duration_ms",
        "request_id",
    }
    assert (
        record["service"],
        record["method"],
        record["path"],
        record["status"],
        record["request_id"],
    ) == ("users", "GET", "/users/nope", 404, "r-1")
    assert record["time"].endswith("Z") and record["duration_ms"] >= 0


def test_health_and_ready(client):
    assert client.get("/health").get_json() == {"status": "ok", "service": "users"}
    assert client.get("/ready").get_json() == {"status": "ready", "service": "users"}


def test_ready_is_503_when_the_database_is_gone(app, client):
    os.remove(app.config["DATABASE"])
    response = client.get("/ready")
    assert (response.status_code, response.get_json()["error"]) == (503, "NOT_READY")
    assert client.get("/health").status_code == 200
    # A request needing the database is a clear 503 too, and the file is not silently recreated.
    assert client.get("/users/u-1").status_code == 503
    assert not os.path.exists(app.config["DATABASE"])


def test_database_is_created_with_parent_dirs_in_wal_mode(tmp_path):
    path = tmp_path / "deep" / "er" / "users.db"
    create_app({"DATABASE": str(path)})
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"users", "idempotency_keys", "chaos"} <= tables


def test_database_path_from_env_then_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("USERS_DB", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    assert create_app().config["DATABASE"] == str(tmp_path / "data" / "users.db")
    monkeypatch.setenv("USERS_DB", str(tmp_path / "elsewhere.db"))
    assert create_app().config["DATABASE"] == str(tmp_path / "elsewhere.db")
    assert create_app({"DATABASE": str(tmp_path / "test.db")}).config["DATABASE"] == str(
        tmp_path / "test.db"
    )


@pytest.mark.parametrize(
    "name,value,key,expected",
    [
        ("MAX_BODY_BYTES", "1024", "MAX_CONTENT_LENGTH", 1024),
        ("CHAOS_ENABLED", "1", "CHAOS_ENABLED", True),
        ("CHAOS_ENABLED", "0", "CHAOS_ENABLED", False),
    ],
)
def test_environment_settings(tmp_path, monkeypatch, name, value, key, expected):
    monkeypatch.setenv(name, value)
    assert create_app({"DATABASE": str(tmp_path / "u.db")}).config[key] == expected


@pytest.mark.parametrize(
    "name,value", [("MAX_BODY_BYTES", "lots"), ("MAX_BODY_BYTES", "0"), ("CHAOS_ENABLED", "yes")]
)
def test_malformed_settings_fail_fast_naming_the_variable(tmp_path, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="^%s=" % name):
        create_app({"DATABASE": str(tmp_path / "u.db")})
