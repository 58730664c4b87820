"""The notifications table. Sending is simulated: a stored notification counts as SENT."""

from __future__ import annotations

import sqlite3

from services.common.records import new_id, utc_now

SCHEMA = """
CREATE TABLE IF NOT EXISTS notifications (
    notification_id  TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    order_id         TEXT,
    channel          TEXT NOT NULL,
    message          TEXT NOT NULL,
    status           TEXT NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_by_user ON notifications (user_id, created_at);
"""


def _notification(row: sqlite3.Row) -> dict:
    return {
        "notificationId": row["notification_id"],
        "userId": row["user_id"],
        "orderId": row["order_id"],
        "channel": row["channel"],
        "message": row["message"],
        "status": row["status"],
        "createdAt": row["created_at"],
    }


def insert_notification(conn: sqlite3.Connection, payload: dict) -> dict:
    notification_id = new_id()
    conn.execute(
        "INSERT INTO notifications (notification_id, user_id, order_id, channel, message, status, created_at)"
        " VALUES (?, ?, ?, ?, ?, 'SENT', ?)",
        (
            notification_id,
            payload["userId"],
            payload.get("orderId"),
            payload["channel"],
            payload["message"],
            utc_now(),
        ),
    )
    created = find_notification(conn, notification_id)
    assert created is not None  # inserted above, in this transaction
    return created


def find_notification(conn: sqlite3.Connection, notification_id: str) -> dict | None:
    row = conn.execute(
        "SELECT * FROM notifications WHERE notification_id = ?", (notification_id,)
    ).fetchone()
    return None if row is None else _notification(row)


def notifications_of_user(conn: sqlite3.Connection, user_id: str) -> list[dict]:
    rows = conn.execute(
        "SELECT * FROM notifications WHERE user_id = ? ORDER BY created_at, rowid", (user_id,)
    ).fetchall()
    return [_notification(r) for r in rows]
