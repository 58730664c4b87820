"""The ``/notifications`` resource: ``POST /notifications {userId, orderId?, channel,
message}`` → 201; ``GET /notifications?userId=`` (README.md, "Services")."""

from __future__ import annotations

from flask import Blueprint, jsonify

from services.common.db import get_db
from services.common.errors import found
from services.common.idempotency import Idempotent
from services.common.openapi import Operation, path_parameter, query_parameter
from services.common.records import ID_SCHEMA
from services.common.validation import required_query, validated_body

from . import schemas, store

bp = Blueprint("notifications", __name__)


@bp.post("/notifications")
def create_notification():
    payload = validated_body(schemas.CREATE_NOTIFICATION)
    idem = Idempotent(payload)
    if (replay := idem.replay()) is not None:
        return replay
    return idem.create(lambda conn: (201, store.insert_notification(conn, payload)))


@bp.get("/notifications/<notification_id>")
def get_notification(notification_id: str):
    notification = store.find_notification(get_db(), notification_id)
    return jsonify(
        found(
            notification, "NOTIFICATION_NOT_FOUND", "No notification with id %s." % notification_id
        )
    )


@bp.get("/notifications")
def list_notifications():
    user_id = required_query("userId", ID_SCHEMA)
    return jsonify({"notifications": store.notifications_of_user(get_db(), user_id)})


OPERATIONS = [
    Operation(
        "post",
        "/notifications",
        "createNotification",
        "Send (record) a notification",
        "notifications",
        {201: ("The notification, status SENT", schemas.NOTIFICATION)},
        body=schemas.CREATE_NOTIFICATION,
        idempotent=True,
    ),
    Operation(
        "get",
        "/notifications/{notificationId}",
        "getNotification",
        "Read a notification",
        "notifications",
        {200: ("The notification", schemas.NOTIFICATION), 404: ("No such notification", None)},
        parameters=(path_parameter("notificationId", ID_SCHEMA, "The notification's id"),),
    ),
    Operation(
        "get",
        "/notifications",
        "listNotifications",
        "List a user's notifications, oldest first",
        "notifications",
        {
            200: ("The user's notifications (empty if none)", schemas.NOTIFICATION_LIST),
            400: ("userId missing or malformed", None),
        },
        parameters=(query_parameter("userId", ID_SCHEMA, "Whose notifications"),),
    ),
]
