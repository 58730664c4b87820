"""POST /notifications, GET /notifications/<id> and GET /notifications?userId=."""

import sqlite3

import pytest

NOTE = {"userId": "u-1", "orderId": "o-1", "channel": "email", "message": "Your order shipped"}


def count_rows(app):
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT count(*) FROM notifications").fetchone()[0]


@pytest.mark.parametrize(
    "body",
    [NOTE, {k: v for k, v in NOTE.items() if k != "orderId"}],
    ids=["with-order", "without-order"],
)
def test_create_then_read(client, body):
    created = client.post("/notifications", json=body)
    assert created.status_code == 201
    note = created.get_json()
    assert note["status"] == "SENT"
    assert note["orderId"] == body.get("orderId")
    assert {k: note[k] for k in ("userId", "channel", "message")} == {
        k: body[k] for k in ("userId", "channel", "message")
    }
    assert client.get("/notifications/%s" % note["notificationId"]).get_json() == note


def test_list_by_user_oldest_first(client):
    ids = [
        client.post("/notifications", json=dict(NOTE, message="m%d" % n)).get_json()[
            "notificationId"
        ]
        for n in range(3)
    ]
    client.post("/notifications", json=dict(NOTE, userId="u-2"))
    listed = client.get("/notifications?userId=u-1").get_json()["notifications"]
    assert [n["notificationId"] for n in listed] == ids
    assert client.get("/notifications?userId=nobody").get_json() == {"notifications": []}


@pytest.mark.parametrize(
    "query,field",
    [("", "userId"), ("?userId=", "userId"), ("?userId=a%20b", "userId")],
    ids=["missing", "empty", "bad-chars"],
)
def test_list_needs_a_valid_user_id(client, query, field):
    response = client.get("/notifications" + query)
    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_unknown_notification_is_404(client):
    assert client.get("/notifications/nope").get_json()["error"] == "NOTIFICATION_NOT_FOUND"


BAD = [
    ("missing-user", {"channel": "sms", "message": "hi"}, "userId"),
    ("missing-channel", {"userId": "u-1", "message": "hi"}, "channel"),
    ("missing-message", {"userId": "u-1", "channel": "sms"}, "message"),
    ("unknown-channel", dict(NOTE, channel="fax"), "channel"),
    ("channel-wrong-type", dict(NOTE, channel=1), "channel"),
    ("message-empty", dict(NOTE, message=""), "message"),
    ("message-blank", dict(NOTE, message=" \t"), "message"),
    ("message-too-long", dict(NOTE, message="x" * 2001), "message"),
    ("order-id-null", dict(NOTE, orderId=None), "orderId"),
    ("order-id-number", dict(NOTE, orderId=5), "orderId"),
    ("user-id-empty", dict(NOTE, userId=""), "userId"),
    ("unknown-field", dict(NOTE, priority="high"), "priority"),
    ("array-body", [NOTE], "body"),
]


@pytest.mark.parametrize("body,field", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_bodies_are_400_and_write_nothing(app, client, body, field):
    response = client.post("/notifications", json=body)
    assert response.status_code == 400
    assert response.get_json()["field"] == field
    assert count_rows(app) == 0
