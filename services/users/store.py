"""The users table. Emails are unique regardless of case (``COLLATE NOCASE``)."""

from __future__ import annotations

import sqlite3

from services.common.records import new_id, utc_now

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    user_id     TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at  TEXT NOT NULL
);
"""


class EmailTaken(Exception):
    pass


def _user(row: sqlite3.Row) -> dict:
    return {
        "userId": row["user_id"],
        "name": row["name"],
        "email": row["email"],
        "createdAt": row["created_at"],
    }


def insert_user(conn: sqlite3.Connection, name: str, email: str) -> dict:
    user = {"userId": new_id(), "name": name, "email": email, "createdAt": utc_now()}
    try:
        conn.execute(
            "INSERT INTO users (user_id, name, email, created_at) VALUES (?, ?, ?, ?)",
            (user["userId"], name, email, user["createdAt"]),
        )
    except sqlite3.IntegrityError:
        raise EmailTaken(email) from None
    return user


def find_user(conn: sqlite3.Connection, user_id: str) -> dict | None:
    row = conn.execute("SELECT * FROM users WHERE user_id = ?", (user_id,)).fetchone()
    return None if row is None else _user(row)
