"""JSON Schemas of the users API: used to validate requests and published in /openapi.json."""

from services.common.records import ID_SCHEMA, TIMESTAMP_SCHEMA

NAME_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": 200,
    "pattern": "\\S",
    "x-pattern-message": "must not be blank",
}
EMAIL_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": 254,
    "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$",
    "x-pattern-message": "must be an email address like ada@example.com",
}

CREATE_USER = {
    "type": "object",
    "required": ["name", "email"],
    "additionalProperties": False,
    "properties": {"name": NAME_SCHEMA, "email": EMAIL_SCHEMA},
}

USER = {
    "type": "object",
    "required": ["userId", "name", "email", "createdAt"],
    "additionalProperties": False,
    "properties": {
        "userId": ID_SCHEMA,
        "name": {"type": "string"},
        "email": {"type": "string"},
        "createdAt": TIMESTAMP_SCHEMA,
    },
}
