"""The durable journal: state machines, executions, history events and replay records.

DESIGN.md, "Durability": "Every history event of an execution is written to the journal
before its effect is acknowledged." The engine hands :meth:`SqliteStore.commit` one
:class:`Write` per execution activation — the history events it produced, the journal
record of the non-deterministic inputs that produced them, and the terminal status when
it ended — and commits them in ONE transaction before dispatching any resulting command.

:class:`Store` is the small interface the engine uses, so a PostgreSQL store (several
orchestrator replicas) can be added beside :class:`SqliteStore` without touching it.
SQLite runs in WAL mode with ``synchronous=NORMAL``: a commit survives ``kill -9`` of the
process (the WAL is in the OS page cache); only a power cut can lose the last commits.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .clock import from_us, to_us

__all__ = ["Store", "SqliteStore", "Write", "encode_event", "decode_event"]


@dataclass
class Write:
    """What one activation of one execution adds to the journal."""

    arn: str
    record_seq: int | None = None      # journal record number (None: nothing to replay)
    record: str | None = None          # JSON text of the record
    events: list = field(default_factory=list)
    finish: dict | None = None         # {status, stop_us, output, error, cause}


def encode_event(event: dict) -> str:
    data = dict(event)
    data["timestamp"] = to_us(event["timestamp"])
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode_event(text: str) -> dict:
    event = json.loads(text)
    event["timestamp"] = from_us(event["timestamp"])
    return event


class Store(Protocol):
    def put_machine(self, machine: dict) -> None: ...
    def get_machine(self, arn: str) -> dict | None: ...
    def list_machines(self) -> list[dict]: ...
    def remove_machine(self, arn: str) -> None: ...
    def insert_execution(self, execution: dict) -> None: ...
    def get_execution(self, arn: str) -> dict | None: ...
    def list_executions(self, sm_arn: str, status: str | None, before: int | None,
                        limit: int) -> list[dict]: ...
    def running_executions(self) -> list[dict]: ...
    def count_running(self, sm_arn: str) -> int: ...
    def events(self, arn: str) -> list[dict]: ...
    def journal(self, arn: str) -> list[str]: ...
    def commit(self, writes: list[Write]) -> None: ...
    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS state_machines (
    arn TEXT PRIMARY KEY, name TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS executions (
    ord INTEGER PRIMARY KEY AUTOINCREMENT, arn TEXT NOT NULL UNIQUE, sm_arn TEXT NOT NULL,
    name TEXT NOT NULL, status TEXT NOT NULL, start_us INTEGER NOT NULL, stop_us INTEGER,
    data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS executions_by_machine ON executions (sm_arn, ord);
CREATE INDEX IF NOT EXISTS executions_by_status ON executions (status);
CREATE TABLE IF NOT EXISTS events (
    arn TEXT NOT NULL, id INTEGER NOT NULL, event TEXT NOT NULL,
    PRIMARY KEY (arn, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS journal (
    arn TEXT NOT NULL, seq INTEGER NOT NULL, record TEXT NOT NULL,
    PRIMARY KEY (arn, seq)) WITHOUT ROWID;
"""

# Columns of ``executions`` kept outside the JSON ``data`` blob (filtered / ordered on).
_EXEC_COLUMNS = ("arn", "sm_arn", "name", "status", "start_us", "stop_us")


class SqliteStore:
    """:class:`Store` on one SQLite file (WAL). Thread-safe: one connection, one lock."""

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(_SCHEMA)

    # -- state machines ----------------------------------------------------------------
    def put_machine(self, machine: dict) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO state_machines VALUES (?, ?, ?)",
                             (machine["arn"], machine["name"], json.dumps(machine)))

    def get_machine(self, arn: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM state_machines WHERE arn = ?",
                                   (arn,)).fetchone()
        return json.loads(row[0]) if row else None

    def list_machines(self) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT data FROM state_machines").fetchall()
        return [json.loads(r[0]) for r in rows]

    def remove_machine(self, arn: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM state_machines WHERE arn = ?", (arn,))

    # -- executions --------------------------------------------------------------------
    def insert_execution(self, execution: dict) -> None:
        data = {k: v for k, v in execution.items() if k not in _EXEC_COLUMNS}
        with self._lock:
            self._db.execute(
                "INSERT INTO executions (arn, sm_arn, name, status, start_us, stop_us, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                tuple(execution.get(k) for k in _EXEC_COLUMNS) + (json.dumps(data),))

    @staticmethod
    def _execution(row) -> dict:
        out = json.loads(row[7])
        out.update(ord=row[0], arn=row[1], sm_arn=row[2], name=row[3], status=row[4],
                   start_us=row[5], stop_us=row[6])
        return out

    def get_execution(self, arn: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM executions WHERE arn = ?", (arn,)).fetchone()
        return self._execution(row) if row else None

    def list_executions(self, sm_arn: str, status: str | None, before: int | None,
                        limit: int) -> list[dict]:
        """Newest first (AWS lists the most recent executions first)."""
        sql = "SELECT * FROM executions WHERE sm_arn = ?"
        args: list[Any] = [sm_arn]
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        if before is not None:
            sql += " AND ord < ?"
            args.append(before)
        sql += " ORDER BY ord DESC LIMIT ?"
        args.append(limit)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [self._execution(r) for r in rows]

    def running_executions(self) -> list[dict]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM executions WHERE status = 'RUNNING' ORDER BY ord").fetchall()
        return [self._execution(r) for r in rows]

    def count_running(self, sm_arn: str) -> int:
        with self._lock:
            return self._db.execute(
                "SELECT COUNT(*) FROM executions WHERE sm_arn = ? AND status = 'RUNNING'",
                (sm_arn,)).fetchone()[0]

    # -- history and journal -----------------------------------------------------------
    def events(self, arn: str) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT event FROM events WHERE arn = ? ORDER BY id",
                                    (arn,)).fetchall()
        return [decode_event(r[0]) for r in rows]

    def journal(self, arn: str) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT record FROM journal WHERE arn = ? ORDER BY seq",
                                    (arn,)).fetchall()
        return [r[0] for r in rows]

    def commit(self, writes: list[Write]) -> None:
        """Everything in ``writes`` in one transaction (write-ahead of any dispatch)."""
        if not writes:
            return
        db = self._db
        with self._lock:
            db.execute("BEGIN")
            try:
                for w in writes:
                    if w.events:
                        db.executemany("INSERT INTO events VALUES (?, ?, ?)",
                                       [(w.arn, e["id"], encode_event(e)) for e in w.events])
                    if w.record is not None:
                        db.execute("INSERT INTO journal VALUES (?, ?, ?)",
                                   (w.arn, w.record_seq, w.record))
                    if w.finish is not None:
                        self._finish(w.arn, w.finish)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _finish(self, arn: str, finish: dict) -> None:
        row = self._db.execute("SELECT data FROM executions WHERE arn = ?", (arn,)).fetchone()
        data = json.loads(row[0])
        for key in ("output", "error", "cause"):
            if finish.get(key) is not None:
                data[key] = finish[key]
        self._db.execute("UPDATE executions SET status = ?, stop_us = ?, data = ? WHERE arn = ?",
                         (finish["status"], finish["stop_us"], json.dumps(data), arn))
        # The replay records of a closed execution are never read again.
        self._db.execute("DELETE FROM journal WHERE arn = ?", (arn,))

    def close(self) -> None:
        with self._lock:
            self._db.close()
