"""The ``/users`` resource: ``POST /users {name, email}`` → 201 user with ``userId``;
``GET /users/<id>``; a duplicate email → 409 (README.md, "Services")."""

from __future__ import annotations

from flask import Blueprint, jsonify

from services.common import ApiError
from services.common.db import get_db
from services.common.errors import found
from services.common.idempotency import Idempotent
from services.common.openapi import Operation, path_parameter
from services.common.records import ID_SCHEMA
from services.common.validation import validated_body

from . import schemas, store

bp = Blueprint("users", __name__)


@bp.post("/users")
def create_user():
    payload = validated_body(schemas.CREATE_USER)
    if payload["email"] != payload["email"].strip():
        raise ApiError(
            400, "VALIDATION_ERROR", "email must not have surrounding whitespace", field="email"
        )
    idem = Idempotent(payload)
    if (replay := idem.replay()) is not None:
        return replay

    def create(conn):
        try:
            return 201, store.insert_user(conn, payload["name"], payload["email"])
        except store.EmailTaken:
            raise ApiError(
                409,
                "EMAIL_TAKEN",
                "A user with email %s already exists." % payload["email"],
                field="email",
            ) from None

    return idem.create(create)


@bp.get("/users/<user_id>")
def get_user(user_id: str):
    user = store.find_user(get_db(), user_id)
    return jsonify(found(user, "USER_NOT_FOUND", "No user with id %s." % user_id))


OPERATIONS = [
    Operation(
        "post",
        "/users",
        "createUser",
        "Create a user",
        "users",
        {201: ("The new user", schemas.USER), 409: ("A user with this email exists", None)},
        body=schemas.CREATE_USER,
        idempotent=True,
    ),
    Operation(
        "get",
        "/users/{userId}",
        "getUser",
        "Read a user",
        "users",
        {200: ("The user", schemas.USER), 404: ("No such user", None)},
        parameters=(path_parameter("userId", ID_SCHEMA, "The user's id"),),
    ),
]
