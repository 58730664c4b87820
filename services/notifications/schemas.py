"""JSON Schemas of the notifications API: used to validate requests and published in /openapi.json."""

from services.common.records import ID_SCHEMA, TIMESTAMP_SCHEMA

CHANNELS = ["email", "sms", "push"]

CREATE_NOTIFICATION = {
    "type": "object",
    "required": ["userId", "channel", "message"],
    "additionalProperties": False,
    "properties": {
        "userId": ID_SCHEMA,
        "orderId": ID_SCHEMA,
        "channel": {"type": "string", "enum": CHANNELS},
        "message": {
            "type": "string",
            "minLength": 1,
            "maxLength": 2000,
            "pattern": "\\S",
            "x-pattern-message": "must not be blank",
        },
    },
}

NOTIFICATION = {
    "type": "object",
    "required": [
        "notificationId",
        "userId",
        "orderId",
        "channel",
        "message",
        "status",
        "createdAt",
    ],
    "additionalProperties": False,
    "properties": {
        "notificationId": ID_SCHEMA,
        "userId": ID_SCHEMA,
        "orderId": {"anyOf": [ID_SCHEMA, {"type": "null"}]},
        "channel": {"type": "string", "enum": CHANNELS},
        "message": {"type": "string"},
        "status": {"type": "string", "enum": ["SENT"]},
        "createdAt": TIMESTAMP_SCHEMA,
    },
}

NOTIFICATION_LIST = {
    "type": "object",
    "required": ["notifications"],
    "additionalProperties": False,
    "properties": {"notifications": {"type": "array", "items": NOTIFICATION}},
}
