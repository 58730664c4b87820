"""The orders and order_items tables; an order and its lines are written in one transaction."""

from __future__ import annotations

import sqlite3
from decimal import ROUND_HALF_UP, Decimal

from services.common.records import new_id, utc_now

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    order_id     TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    total_cents  INTEGER NOT NULL,
    status       TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_user ON orders (user_id, created_at);
CREATE TABLE IF NOT EXISTS order_items (
    order_id    TEXT NOT NULL REFERENCES orders (order_id),
    position    INTEGER NOT NULL,
    sku         TEXT NOT NULL,
    quantity    INTEGER NOT NULL,
    unit_price  REAL NOT NULL,
    PRIMARY KEY (order_id, position)
);
"""

CENT = Decimal("0.01")


def total_cents(items: list[dict]) -> int:
    """Decimal arithmetic on the prices as written (``repr`` of the float), then half-up."""
    total = sum(
        (Decimal(repr(float(i["unitPrice"]))) * int(i["quantity"]) for i in items), Decimal(0)
    )
    return int(total.quantize(CENT, rounding=ROUND_HALF_UP) * 100)


def insert_order(conn: sqlite3.Connection, user_id: str, items: list[dict]) -> dict:
    order_id, created_at = new_id(), utc_now()
    cents = total_cents(items)
    conn.execute(
        "INSERT INTO orders (order_id, user_id, total_cents, status, created_at) VALUES (?, ?, ?, 'CREATED', ?)",
        (order_id, user_id, cents, created_at),
    )
    conn.executemany(
        "INSERT INTO order_items (order_id, position, sku, quantity, unit_price) VALUES (?, ?, ?, ?, ?)",
        [
            (order_id, n, i["sku"], int(i["quantity"]), float(i["unitPrice"]))
            for n, i in enumerate(items)
        ],
    )
    created = find_order(conn, order_id)
    assert created is not None  # inserted above, in this transaction
    return created


def _orders(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[dict]:
    result = []
    for row in rows:
        items = conn.execute(
            "SELECT sku, quantity, unit_price FROM order_items WHERE order_id = ? ORDER BY position",
            (row["order_id"],),
        ).fetchall()
        result.append(
            {
                "orderId": row["order_id"],
                "userId": row["user_id"],
                "items": [
                    {"sku": i["sku"], "quantity": i["quantity"], "unitPrice": i["unit_price"]}
                    for i in items
                ],
                "total": row["total_cents"] / 100,
                "status": row["status"],
                "createdAt": row["created_at"],
            }
        )
    return result


def find_order(conn: sqlite3.Connection, order_id: str) -> dict | None:
    rows = conn.execute("SELECT * FROM orders WHERE order_id = ?", (order_id,)).fetchall()
    found = _orders(conn, rows)
    return found[0] if found else None


def orders_of_user(conn: sqlite3.Connection, user_id: str) -> list[dict]:
    rows = conn.execute(
        "SELECT * FROM orders WHERE user_id = ? ORDER BY created_at, rowid", (user_id,)
    ).fetchall()
    return _orders(conn, rows)
