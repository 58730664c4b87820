"""POST /orders, GET /orders/<id>, GET /orders?userId= with the users check faked."""

import sqlite3

import pytest

from services.common import ApiError, ConfigError
from services.orders import create_app
from services.orders.store import total_cents

ORDER = {"userId": "u-1", "items": [{"sku": "BOOK-1", "quantity": 2, "unitPrice": 9.99}]}


def count_rows(app):
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return (
            conn.execute("SELECT count(*) FROM orders").fetchone()[0],
            conn.execute("SELECT count(*) FROM order_items").fetchone()[0],
        )


def test_create_read_and_list(client, users_client_fake):
    created = client.post("/orders", json=ORDER, headers={"X-Request-Id": "req-42"})
    assert created.status_code == 201
    order = created.get_json()
    assert order["status"] == "CREATED"
    assert order["total"] == 19.98
    assert order["items"] == ORDER["items"]
    assert users_client_fake.calls == [("u-1", "req-42")]  # the request id is forwarded
    assert client.get("/orders/%s" % order["orderId"]).get_json() == order
    second = client.post(
        "/orders", json=dict(ORDER, items=[{"sku": "PEN", "quantity": 1, "unitPrice": 1}])
    ).get_json()
    listed = client.get("/orders?userId=u-1").get_json()["orders"]
    assert [o["orderId"] for o in listed] == [order["orderId"], second["orderId"]]
    assert client.get("/orders?userId=u-2").get_json() == {"orders": []}


TOTALS = [
    ("one-line", [(2, 9.99)], 1998),
    ("float-trap", [(3, 0.1)], 30),
    ("half-up", [(1, 2.005)], 201),
    ("many-lines", [(1, 0.1), (1, 0.2)], 30),
    ("free", [(5, 0)], 0),
    ("integer-price", [(3, 7)], 2100),
    ("sub-cent", [(1, 0.004)], 0),
    ("largest", [(1_000_000, 1_000_000)], 100_000_000_000_000),
]


@pytest.mark.parametrize("lines,cents", [t[1:] for t in TOTALS], ids=[t[0] for t in TOTALS])
def test_total_is_decimal_sum_rounded_half_up_to_cents(lines, cents):
    assert total_cents([{"quantity": q, "unitPrice": p} for q, p in lines]) == cents


def test_unknown_user_is_422_and_writes_nothing(app, client):
    response = client.post("/orders", json=dict(ORDER, userId="ghost"))
    assert response.status_code == 422
    assert response.get_json()["error"] == "USER_NOT_FOUND"
    assert count_rows(app) == (0, 0)


@pytest.mark.parametrize(
    "status,code", [(503, "USERS_UNAVAILABLE"), (504, "USERS_TIMEOUT"), (502, "USERS_BAD_RESPONSE")]
)
def test_users_failures_pass_through_as_json_and_write_nothing(
    app, client, users_client_fake, status, code
):
    users_client_fake.error = ApiError(status, code, "users trouble")
    response = client.post("/orders", json=ORDER)
    assert (response.status_code, response.get_json()["error"]) == (status, code)
    assert count_rows(app) == (0, 0)


def test_unknown_order_is_404(client):
    assert client.get("/orders/nope").get_json()["error"] == "ORDER_NOT_FOUND"


ITEM = ORDER["items"][0]
BAD = [
    ("missing-user", {"items": ORDER["items"]}, "userId"),
    ("missing-items", {"userId": "u-1"}, "items"),
    ("items-empty", dict(ORDER, items=[]), "items"),
    ("items-object", dict(ORDER, items=ITEM), "items"),
    ("too-many-items", dict(ORDER, items=[ITEM] * 101), "items"),
    ("user-id-number", dict(ORDER, userId=1), "userId"),
    ("user-id-empty", dict(ORDER, userId=""), "userId"),
    ("user-id-slash", dict(ORDER, userId="../x"), "userId"),
    ("missing-sku", dict(ORDER, items=[{"quantity": 1, "unitPrice": 1}]), "items[0].sku"),
    ("sku-blank", dict(ORDER, items=[dict(ITEM, sku=" ")]), "items[0].sku"),
    ("quantity-zero", dict(ORDER, items=[dict(ITEM, quantity=0)]), "items[0].quantity"),
    ("quantity-negative", dict(ORDER, items=[dict(ITEM, quantity=-2)]), "items[0].quantity"),
    ("quantity-fraction", dict(ORDER, items=[dict(ITEM, quantity=1.5)]), "items[0].quantity"),
    ("quantity-bool", dict(ORDER, items=[dict(ITEM, quantity=True)]), "items[0].quantity"),
    ("quantity-string", dict(ORDER, items=[dict(ITEM, quantity="2")]), "items[0].quantity"),
    ("quantity-huge", dict(ORDER, items=[dict(ITEM, quantity=10**30)]), "items[0].quantity"),
    ("price-negative", dict(ORDER, items=[dict(ITEM, unitPrice=-0.01)]), "items[0].unitPrice"),
    ("price-bool", dict(ORDER, items=[dict(ITEM, unitPrice=False)]), "items[0].unitPrice"),
    ("price-string", dict(ORDER, items=[dict(ITEM, unitPrice="9.99")]), "items[0].unitPrice"),
    ("second-item-bad", dict(ORDER, items=[ITEM, dict(ITEM, quantity=0)]), "items[1].quantity"),
    ("unknown-item-field", dict(ORDER, items=[dict(ITEM, colour="red")]), "items[0].colour"),
    ("unknown-field", dict(ORDER, coupon="X"), "coupon"),
]


@pytest.mark.parametrize("body,field", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_bodies_are_400_naming_the_field_and_write_nothing(
    app, client, users_client_fake, body, field
):
    response = client.post("/orders", json=body)
    assert response.status_code == 400
    error = response.get_json()
    assert (error["error"], error["field"]) == ("VALIDATION_ERROR", field)
    assert count_rows(app) == (0, 0)
    assert users_client_fake.calls == []  # bad input never costs a call to users


def test_infinite_price_is_not_json(client):
    body = b'{"userId": "u-1", "items": [{"sku": "A", "quantity": 1, "unitPrice": Infinity}]}'
    assert (
        client.post("/orders", data=body, content_type="application/json").get_json()["error"]
        == "INVALID_JSON"
    )


@pytest.mark.parametrize("query", ["", "?userId=", "?userId=" + "x" * 65])
def test_list_needs_a_valid_user_id(client, query):
    response = client.get("/orders" + query)
    assert (response.status_code, response.get_json()["field"]) == (400, "userId")


@pytest.mark.parametrize(
    "env,message",
    [
        ({}, "USERS_URL is not set"),
        ({"USERS_URL": "127.0.0.1:8001"}, "USERS_URL='127.0.0.1:8001' is invalid"),
        ({"USERS_URL": "http://u", "USERS_TIMEOUT": "soon"}, "USERS_TIMEOUT='soon' is invalid"),
        ({"USERS_URL": "http://u", "USERS_RETRIES": "-1"}, "USERS_RETRIES='-1' is invalid"),
    ],
    ids=["missing", "no-scheme", "bad-timeout", "bad-retries"],
)
def test_start_up_fails_fast_naming_the_variable(tmp_path, monkeypatch, env, message):
    for name in ("USERS_URL", "USERS_TIMEOUT", "USERS_RETRIES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        create_app({"DATABASE": str(tmp_path / "o.db")})


def test_environment_configures_the_users_client(tmp_path, monkeypatch):
    monkeypatch.setenv("USERS_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("USERS_TIMEOUT", "0.5")
    monkeypatch.setenv("USERS_RETRIES", "0")
    client = create_app({"DATABASE": str(tmp_path / "o.db")}).extensions["users_client"]
    assert (client.base_url, client.timeout, client.retries) == ("http://127.0.0.1:9", 0.5, 0)
