"""Each service owns one SQLite database in WAL mode, its path from the environment,
created on first start (README.md, "Services"). A connection is opened per request (cheap
for SQLite) so that gunicorn worker processes never share one; writers use
``BEGIN IMMEDIATE`` so two processes racing for the same row serialise on SQLite's write
lock instead of failing half-way.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator

from flask import Flask, current_app, g

from . import deadline

BUSY_TIMEOUT_MS = 10_000

# Tables every service has: the Idempotency-Key store and the chaos switch.
COMMON_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key          TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chaos (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    count      INTEGER,
    remaining  INTEGER,
    rate       REAL,
    status     INTEGER,
    delay_ms   INTEGER,
    drop_conn  INTEGER NOT NULL DEFAULT 0
);
"""


def connect(path: str, create: bool = False) -> sqlite3.Connection:
    """Open ``path`` in autocommit mode (transactions are explicit, see ``transaction``).

    ``mode=rw`` after start-up: a database deleted under a running service is reported as
    unavailable instead of being silently recreated empty.
    """
    uri = "file:%s?mode=%s" % (urllib.parse.quote(os.path.abspath(path)), "rwc" if create else "rw")
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = %d" % BUSY_TIMEOUT_MS)
    conn.execute("PRAGMA foreign_keys = ON")
    # WAL + NORMAL survives a process crash (kill -9); only an OS crash may lose the tail.
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def initialise(path: str, schema: str) -> None:
    """Create the parent directory, the file, WAL mode and every table (idempotent)."""
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    conn = connect(path, create=True)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(COMMON_SCHEMA + schema)
    finally:
        conn.close()


def get_db() -> sqlite3.Connection:
    """The request's connection, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def _close_db(_exc: BaseException | None = None) -> None:
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: all of it is committed or none of it (no partial writes).

    Just before ``COMMIT``, still inside the transaction, a request whose X-Request-Deadline
    is (nearly) up is refused with a 504 and everything it wrote is rolled back."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        deadline.check_before_commit()
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def init_app(app: Flask, schema: str) -> None:
    """The Flask tutorial's pattern: create the database at start-up."""
    initialise(app.config["DATABASE"], schema)
    app.teardown_appcontext(_close_db)
