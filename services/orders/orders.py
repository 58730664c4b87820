"""The ``/orders`` resource: ``POST /orders {userId, items: [{sku, quantity, unitPrice}]}``
→ 201 order with ``orderId``, ``total``, ``status`` once users confirms the user exists;
``GET /orders/<id>``; ``GET /orders?userId=`` lists a user's orders (README.md, "Services")."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from services.common import deadline
from services.common.db import get_db
from services.common.errors import found
from services.common.idempotency import Idempotent
from services.common.observability import request_id
from services.common.openapi import Operation, path_parameter, query_parameter
from services.common.records import ID_SCHEMA
from services.common.validation import required_query, validated_body

from . import schemas, store

bp = Blueprint("orders", __name__)

PEER_ERRORS = {
    422: ("The user does not exist (USER_NOT_FOUND)", None),
    502: ("The users service answered with an unexpected status", None),
    503: ("The users service (or this service's database) is unavailable", None),
    504: (
        "The users service did not answer within USERS_TIMEOUT (USERS_TIMEOUT), or the X-Request-Deadline "
        "passed (DEADLINE_EXCEEDED): no order was created",
        None,
    ),
}


@bp.post("/orders")
def create_order():
    payload = validated_body(schemas.CREATE_ORDER)
    idem = Idempotent(payload)
    if (replay := idem.replay()) is not None:
        return replay
    # Outside the write transaction: the database lock is never held across a network call.
    # The call gets at most the time left before the deadline, which travels on to users.
    current_app.extensions["users_client"].ensure_user_exists(
        payload["userId"], request_id(), deadline.current()
    )
    return idem.create(
        lambda conn: (201, store.insert_order(conn, payload["userId"], payload["items"]))
    )


@bp.get("/orders/<order_id>")
def get_order(order_id: str):
    order = store.find_order(get_db(), order_id)
    return jsonify(found(order, "ORDER_NOT_FOUND", "No order with id %s." % order_id))


@bp.get("/orders")
def list_orders():
    user_id = required_query("userId", ID_SCHEMA)
    return jsonify({"orders": store.orders_of_user(get_db(), user_id)})


OPERATIONS = [
    Operation(
        "post",
        "/orders",
        "createOrder",
        "Place an order for an existing user",
        "orders",
        {201: ("The new order", schemas.ORDER), **PEER_ERRORS},
        body=schemas.CREATE_ORDER,
        idempotent=True,
        description="Checks over HTTP that the user exists. Money: unitPrice is a number >= 0; "
        "total is the decimal sum of quantity × unitPrice rounded half-up to cents.",
    ),
    Operation(
        "get",
        "/orders/{orderId}",
        "getOrder",
        "Read an order",
        "orders",
        {200: ("The order", schemas.ORDER), 404: ("No such order", None)},
        parameters=(path_parameter("orderId", ID_SCHEMA, "The order's id"),),
    ),
    Operation(
        "get",
        "/orders",
        "listOrders",
        "List a user's orders, oldest first",
        "orders",
        {
            200: ("The user's orders (empty if none)", schemas.ORDER_LIST),
            400: ("userId missing or malformed", None),
        },
        parameters=(query_parameter("userId", ID_SCHEMA, "Whose orders"),),
    ),
]
