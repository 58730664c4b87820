"""JSON Schemas of the orders API: used to validate requests and published in /openapi.json.

Money: ``unitPrice`` is a JSON number >= 0 in the currency's major unit (9.99); the order
``total`` is the exact decimal sum of quantity × unitPrice, rounded half-up to cents.
"""

from services.common.records import ID_SCHEMA, TIMESTAMP_SCHEMA

MAX_QUANTITY = 1_000_000
MAX_UNIT_PRICE = 1_000_000

ITEM = {
    "type": "object",
    "required": ["sku", "quantity", "unitPrice"],
    "additionalProperties": False,
    "properties": {
        "sku": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "pattern": "\\S",
            "x-pattern-message": "must not be blank",
        },
        "quantity": {"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY},
        "unitPrice": {"type": "number", "minimum": 0, "maximum": MAX_UNIT_PRICE},
    },
}

CREATE_ORDER = {
    "type": "object",
    "required": ["userId", "items"],
    "additionalProperties": False,
    "properties": {
        "userId": ID_SCHEMA,
        "items": {"type": "array", "minItems": 1, "maxItems": 100, "items": ITEM},
    },
}

ORDER = {
    "type": "object",
    "required": ["orderId", "userId", "items", "total", "status", "createdAt"],
    "additionalProperties": False,
    "properties": {
        "orderId": ID_SCHEMA,
        "userId": ID_SCHEMA,
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["sku", "quantity", "unitPrice"],
                "additionalProperties": False,
                "properties": {
                    "sku": {"type": "string"},
                    "quantity": {"type": "integer"},
                    "unitPrice": {"type": "number"},
                },
            },
        },
        "total": {
            "type": "number",
            "minimum": 0,
            "description": "Sum of quantity × unitPrice, rounded half-up to cents.",
        },
        "status": {"type": "string", "enum": ["CREATED"]},
        "createdAt": TIMESTAMP_SCHEMA,
    },
}

ORDER_LIST = {
    "type": "object",
    "required": ["orders"],
    "additionalProperties": False,
    "properties": {"orders": {"type": "array", "items": ORDER}},
}
