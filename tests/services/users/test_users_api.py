"""POST /users and GET /users/<id> with the Flask test client."""

import json
import sqlite3

import pytest

ADA = {"name": "Ada Lovelace", "email": "ada@example.com"}


def count_users(app):
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT count(*) FROM users").fetchone()[0]


def test_create_then_read(client):
    created = client.post("/users", json=ADA)
    assert created.status_code == 201
    body = created.get_json()
    assert set(body) == {"userId", "name", "email", "createdAt"}
    assert (body["name"], body["email"]) == (ADA["name"], ADA["email"])
    assert body["createdAt"].endswith("Z")
    read = client.get("/users/%s" % body["userId"])
    assert read.status_code == 200
    assert read.get_json() == body


def test_unknown_user_is_a_json_404(client):
    response = client.get("/users/does-not-exist")
    assert response.status_code == 404
    assert response.get_json()["error"] == "USER_NOT_FOUND"


@pytest.mark.parametrize(
    "email", ["ada@example.com", "ADA@Example.com"], ids=["same", "other-case"]
)
def test_duplicate_email_is_409_and_writes_nothing(app, client, email):
    assert client.post("/users", json=ADA).status_code == 201
    response = client.post("/users", json={"name": "Another", "email": email})
    assert response.status_code == 409
    assert response.get_json() == {
        "error": "EMAIL_TAKEN",
        "field": "email",
        "message": "A user with email %s already exists." % email,
    }
    assert count_users(app) == 1


BAD_BODIES = [
    ("missing-name", {"email": "a@b.co"}, "name"),
    ("missing-email", {"name": "A"}, "email"),
    ("name-wrong-type", {"name": 7, "email": "a@b.co"}, "name"),
    ("name-bool", {"name": True, "email": "a@b.co"}, "name"),
    ("name-null", {"name": None, "email": "a@b.co"}, "name"),
    ("name-empty", {"name": "", "email": "a@b.co"}, "name"),
    ("name-blank", {"name": "   ", "email": "a@b.co"}, "name"),
    ("name-too-long", {"name": "x" * 201, "email": "a@b.co"}, "name"),
    ("email-empty", {"name": "A", "email": ""}, "email"),
    ("email-no-at", {"name": "A", "email": "ada.example.com"}, "email"),
    ("email-no-domain-dot", {"name": "A", "email": "ada@example"}, "email"),
    ("email-spaces", {"name": "A", "email": "ada lovelace@example.com"}, "email"),
    ("email-trailing-newline", {"name": "A", "email": "ada@example.com\n"}, "email"),
    ("email-list", {"name": "A", "email": ["ada@example.com"]}, "email"),
    ("unknown-field", {"name": "A", "email": "a@b.co", "admin": True}, "admin"),
    ("array-body", [ADA], "body"),
    ("string-body", "ada", "body"),
    ("null-body", None, "body"),
]


@pytest.mark.parametrize("body,field", [b[1:] for b in BAD_BODIES], ids=[b[0] for b in BAD_BODIES])
def test_bad_bodies_are_400_naming_the_field(app, client, body, field):
    response = client.post("/users", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    error = response.get_json()
    assert error["error"] == "VALIDATION_ERROR"
    assert error["field"] == field
    assert field in error["message"]
    assert count_users(app) == 0


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"not json", b'{"name": NaN, "email": "a@b.co"}', b"\xff\xfe"],
    ids=["empty", "truncated", "text", "nan", "not-utf8"],
)
def test_non_json_bodies_are_400(app, client, raw):
    response = client.post("/users", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "INVALID_JSON"
    assert count_users(app) == 0
