"""The durable journal: state machines, executions, history events and replay records.

Every history event of an execution is written to the journal before its effect is
acknowledged (docs/architecture.md, "Durability"). The engine hands :meth:`SqliteStore.commit` one
:class:`Write` per execution activation — the history events it produced, the journal
record of the non-deterministic inputs that produced them, and the terminal status when
it ended — and commits them in ONE transaction before dispatching any resulting command.

:class:`Store` is the small interface the engine uses, so a PostgreSQL store (several
orchestrator replicas) can be added beside :class:`SqliteStore` without touching it.
SQLite runs in WAL mode with ``synchronous=NORMAL``: a commit survives ``kill -9`` of the
process (the WAL is in the OS page cache); only a power cut can lose the last commits.

Failures, kept apart so that one execution's bad data never costs the others theirs:

- a write whose data cannot be stored (text that is not valid Unicode, such as a lone
  surrogate; a duplicate event id) is *poison*: :meth:`SqliteStore.commit` leaves it out
  (each write is its own savepoint), commits the rest and returns it with its error, and
  the engine fails that one execution;
- a database that cannot be written at all (disk full, read-only file system, I/O error)
  raises :class:`~orchestrator.engine.errors.StoreUnavailable` with nothing committed; the
  engine keeps the writes and tries again, and reports itself not ready meanwhile;
- a database that is corrupt is refused when it is opened (``PRAGMA quick_check``), with
  :class:`JournalCorrupt` saying what to do, rather than half-served.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .clock import from_us, real_us, to_us
from .errors import StoreUnavailable

__all__ = [
    "Store",
    "SqliteStore",
    "Write",
    "encode_event",
    "decode_event",
    "JournalCorrupt",
    "Poisoned",
]

_EVENT_PAGE = 1000  # events read per query when a history is streamed
# An execution past retention: closed, and ended before the cutoff (parameters: arn, cutoff).
_EXPIRED = "EXISTS (SELECT 1 FROM executions WHERE arn = ? AND status != 'RUNNING' AND stop_us < ?)"


class _Unstorable(Exception):
    def __init__(self, reason: str, storable: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.storable = storable


class JournalCorrupt(RuntimeError):
    """The journal file fails SQLite's integrity check (or is not a database at all)."""


@dataclass
class Poisoned:
    """A write left out of a commit because its data cannot be stored; ``storable`` is how
    many of its first events could be (the engine keeps those)."""

    write: Write
    reason: str
    storable: int = 0


@dataclass
class Write:
    """What one activation of one execution adds to the journal. A Distributed Map's
    activation also carries its child executions' writes (``children``: each with its row
    to ``insert`` when it starts, its events, its ``finish``) and its Map Runs' records
    (``resources``: ``(kind, arn, parent, data)`` upserts), committed with it, as one."""

    arn: str
    record_seq: int | None = None  # journal record number (None: nothing to replay)
    record: str | None = None  # JSON text of the record
    events: list = field(default_factory=list)
    finish: dict | None = None  # {status, stop_us, output, error, cause}
    insert: dict | None = None  # a new execution row (a Map Run's child execution)
    reopen: dict | None = None  # RUNNING again, with these data updates (a redriven child)
    children: list[Write] = field(default_factory=list)
    resources: list[tuple[str, str, str | None, dict]] = field(default_factory=list)


@dataclass
class _Encoded:
    """A :class:`Write` as the SQL parameters it stores (encoded before the transaction)."""

    write: Write
    events: list
    record: str | None
    finish: dict | None
    insert: tuple | None
    children: list[_Encoded]
    resources: list[tuple]


def encode_event(event: dict) -> str:
    data = dict(event)
    data["timestamp"] = to_us(event["timestamp"])
    return _storable(json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False))


def _storable(text: str) -> str:
    """``text`` if SQLite can store it as UTF-8; else ValueError naming the first bad
    character (a lone surrogate) - checked before the transaction, so that the failure
    belongs to one write and not to the whole batch."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"the text holds a character that is not valid Unicode "
                f"({text[exc.start]!r} at offset {exc.start}, a lone "
                f"surrogate)"
            ) from None
    return text


def decode_event(text: str) -> dict:
    event = json.loads(text)
    event["timestamp"] = from_us(event["timestamp"])
    return event


class Store(Protocol):
    def put_machine(self, machine: dict) -> None: ...
    def get_machine(self, arn: str) -> dict | None: ...
    def machines_page(self, after: tuple[int, str] | None, limit: int) -> list[dict]: ...
    def remove_machine(self, arn: str) -> None: ...
    def put_resource(self, kind: str, arn: str, data: dict, parent: str | None = None) -> None: ...
    def get_resource(self, kind: str, arn: str) -> dict | None: ...
    def list_resources(self, kind: str, parent: str | None = None) -> list[dict]: ...
    def remove_resource(self, kind: str, arn: str) -> None: ...
    def insert_execution(self, execution: dict) -> None: ...
    def get_execution(self, arn: str) -> dict | None: ...
    def list_executions(
        self,
        sm_arn: str,
        status: str | None,
        before: int | None,
        limit: int,
        match: dict[str, str] | None = None,
    ) -> list[dict]: ...
    def running_executions(self) -> list[dict]: ...
    def count_running(self, sm_arn: str) -> int: ...
    def events(self, arn: str) -> list[dict]: ...
    def last_event_id(self, arn: str) -> int: ...
    def iter_events(self, arn: str) -> Iterator[dict]: ...
    def events_page(self, arn: str, after: int | None, size: int, reverse: bool) -> list[dict]: ...
    def journal(self, arn: str) -> list[str]: ...
    def reopen_execution(self, arn: str, updates: dict) -> dict | None: ...
    def has_final_record(self, arn: str) -> bool: ...
    def drop_closed_journals(self, stopped_before_us: int) -> int: ...
    def expired_executions(self, stopped_before_us: int, limit: int) -> list[str]: ...
    def delete_events(self, arn: str, stopped_before_us: int, limit: int) -> int: ...
    def delete_execution(
        self, arn: str, stopped_before_us: int, kinds: tuple[str, ...]
    ) -> bool: ...
    def commit(self, writes: list[Write]) -> list[Poisoned]: ...
    def probe(self) -> None: ...
    def close(self) -> None: ...


# SQLite's schema, one migration per version (see SqlStore._migrate): version 1 is the
# first schema (IF NOT EXISTS: a journal made before versions were recorded passes it).
_SQLITE_SCHEMA_V1 = """
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
CREATE TABLE IF NOT EXISTS resources (
    ord INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, arn TEXT NOT NULL,
    parent TEXT, data TEXT NOT NULL, UNIQUE (kind, arn));
CREATE INDEX IF NOT EXISTS resources_by_parent ON resources (kind, parent, ord);
CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL);
"""
SQLITE_MIGRATIONS = (
    _SQLITE_SCHEMA_V1,
    "CREATE INDEX IF NOT EXISTS executions_by_stop ON executions (stop_us);",  # retention
    # ListExecutions with a statusFilter: a page reads its own rows, however rare the status.
    "CREATE INDEX IF NOT EXISTS executions_by_machine_status ON executions (sm_arn, status, ord);",
    # ListStateMachines pages by keyset on (creation date, name).
    "ALTER TABLE state_machines ADD COLUMN creation_us INTEGER;"
    "UPDATE state_machines SET creation_us = json_extract(data, '$.creation_us');"
    "CREATE INDEX IF NOT EXISTS machines_by_creation ON state_machines (creation_us, name);",
    # ListExecutions by mapRunArn: the child executions of one Map Run, through an index.
    "ALTER TABLE executions ADD COLUMN map_run_arn TEXT;"
    "UPDATE executions SET map_run_arn = json_extract(data, '$.map_run_arn');"
    "CREATE INDEX IF NOT EXISTS executions_by_map_run ON executions (map_run_arn, ord);",
)

# Columns of ``executions`` kept outside the JSON ``data`` blob (filtered / ordered on).
# (``map_run_arn``, a Map Run's child execution's, comes after ``data``: a later column.)
_EXEC_COLUMNS = ("arn", "sm_arn", "name", "status", "start_us", "stop_us")
_INSERT_EXECUTION = (
    "INSERT INTO executions (arn, sm_arn, name, status, start_us, stop_us, data, map_run_arn)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
# Insert or replace; a replaced resource keeps its place in creation order.
_UPSERT_RESOURCE = (
    "INSERT INTO resources (kind, arn, parent, data) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (kind, arn) DO UPDATE SET parent = excluded.parent, data = excluded.data"
)


def _execution_values(execution: dict) -> tuple:
    data = {k: v for k, v in execution.items() if k not in _EXEC_COLUMNS and k != "map_run_arn"}
    columns = tuple(execution.get(k) for k in _EXEC_COLUMNS)
    return columns + (json.dumps(data), execution.get("map_run_arn"))


class Connection(Protocol):
    """What :class:`SqlStore` needs of a DB-API connection in autocommit mode (``?``
    placeholders): :class:`sqlite3.Connection` as it is, psycopg's through an adapter."""

    @property
    def in_transaction(self) -> bool: ...
    def execute(self, sql: str, args: Any = ()) -> Any: ...
    def executemany(self, sql: str, rows: Any) -> Any: ...
    def close(self) -> None: ...


class SqlStore(ABC):
    """:class:`Store` on one SQL connection, in SQL that SQLite and PostgreSQL both run;
    a subclass supplies the connection, its schema migrations and its few differences
    (:meth:`_member`, :meth:`_writing`, :attr:`_POISON`). Thread-safe: one connection,
    one lock."""

    # Errors of one write's data: the write is poison, the others are committed.
    _POISON: tuple[type[Exception], ...] = (ValueError,)

    def __init__(self, db: Connection) -> None:
        self._db = db
        self._lock = threading.Lock()

    @abstractmethod
    def _member(self, key: str) -> str:
        """SQL for the member ``key`` of an execution's JSON ``data`` column."""

    @abstractmethod
    def _writing(self) -> Any:
        """A context manager turning "cannot write now" errors into StoreUnavailable."""

    def _migration_lock(self) -> str | None:
        """SQL run first in each migration transaction (several processes starting at once
        migrate one at a time), or None."""
        return None

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """BEGIN ... COMMIT on the connection (the caller holds the lock); ROLLBACK when
        anything fails, a failed COMMIT (a full disk) included, which leaves it open."""
        db = self._db
        db.execute("BEGIN")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _migrate(self, migrations: tuple[str, ...]) -> None:
        """Bring the schema to ``len(migrations)``: each version not applied yet runs in a
        transaction of its own with its ``schema_version`` row (versions are never edited,
        only added, so an old database is brought forward step by step)."""
        for version, script in enumerate(migrations, start=1):
            with self._transaction() as db:
                lock = self._migration_lock()
                if lock is not None:
                    db.execute(lock)
                db.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)"
                )
                done = db.execute(
                    "SELECT 1 FROM schema_version WHERE version = ?", (version,)
                ).fetchone()
                if done is None:
                    for statement in script.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute("INSERT INTO schema_version VALUES (?)", (version,))

    def schema_version(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    # -- state machines ----------------------------------------------------------------
    def put_machine(self, machine: dict) -> None:
        with self._lock, self._writing():
            self._db.execute(
                "INSERT INTO state_machines (arn, name, data, creation_us) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (arn) DO UPDATE SET name = excluded.name, data = excluded.data, "
                "creation_us = excluded.creation_us",
                (machine["arn"], machine["name"], json.dumps(machine), machine.get("creation_us")),
            )

    def get_machine(self, arn: str) -> dict | None:
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM state_machines WHERE arn = ?", (arn,)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def machines_page(self, after: tuple[int, str] | None, limit: int) -> list[dict]:
        """Up to ``limit`` ACTIVE state machines in (creation date, name) order, after the
        key ``after`` (None: from the first): a keyset read of the ``machines_by_creation``
        index, so a page costs its own rows however many machines there are."""
        sql = f"SELECT data FROM state_machines WHERE {self._member('status')} = 'ACTIVE'"
        args: list[Any] = []
        if after is not None:
            sql += " AND (creation_us > ? OR (creation_us = ? AND name > ?))"
            args += [after[0], after[0], after[1]]
        with self._lock:
            rows = self._db.execute(
                sql + " ORDER BY creation_us, name LIMIT ?", (*args, limit)
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def remove_machine(self, arn: str) -> None:
        with self._lock, self._writing():
            self._db.execute("DELETE FROM state_machines WHERE arn = ?", (arn,))

    # -- other resources (versions, aliases, activities) ---------------------------------
    def put_resource(self, kind: str, arn: str, data: dict, parent: str | None = None) -> None:
        """Insert or replace; a replaced resource keeps its place in creation order."""
        with self._lock, self._writing():
            self._db.execute(_UPSERT_RESOURCE, (kind, arn, parent, json.dumps(data)))

    def get_resource(self, kind: str, arn: str) -> dict | None:
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM resources WHERE kind = ? AND arn = ?", (kind, arn)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def list_resources(self, kind: str, parent: str | None = None) -> list[dict]:
        """In creation order; with ``parent``, only the resources under it."""
        sql, args = "SELECT data FROM resources WHERE kind = ?", [kind]
        if parent is not None:
            sql += " AND parent = ?"
            args.append(parent)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY ord", args).fetchall()
        return [json.loads(r[0]) for r in rows]

    def remove_resource(self, kind: str, arn: str) -> None:
        with self._lock, self._writing():
            self._db.execute("DELETE FROM resources WHERE kind = ? AND arn = ?", (kind, arn))

    # -- executions --------------------------------------------------------------------
    def insert_execution(self, execution: dict) -> None:
        with self._lock, self._writing():
            self._db.execute(_INSERT_EXECUTION, _execution_values(execution))

    @staticmethod
    def _execution(row) -> dict:
        out = json.loads(row[7])
        out.update(
            ord=row[0],
            arn=row[1],
            sm_arn=row[2],
            name=row[3],
            status=row[4],
            start_us=row[5],
            stop_us=row[6],
        )
        if row[8] is not None:
            out["map_run_arn"] = row[8]
        return out

    def get_execution(self, arn: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM executions WHERE arn = ?", (arn,)).fetchone()
        return self._execution(row) if row else None

    def list_executions(
        self,
        sm_arn: str,
        status: str | None,
        before: int | None,
        limit: int,
        match: dict[str, str] | None = None,
    ) -> list[dict]:
        """Newest first (AWS lists the most recent executions first). ``match``: members
        of the execution's data that must have these values (the version or alias an
        execution was started through; ``map_run_arn``, a column of its own, indexed)."""
        sql = "SELECT * FROM executions WHERE sm_arn = ?"
        args: list[Any] = [sm_arn]
        match = dict(match or {})
        if "map_run_arn" in match:
            sql += " AND map_run_arn = ?"
            args.append(match.pop("map_run_arn"))
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        for key, value in match.items():
            if not key.isidentifier():
                raise ValueError(f"not a data member: {key!r}")
            sql += f" AND {self._member(key)} = ?"
            args.append(value)
        if before is not None:
            sql += " AND ord < ?"
            args.append(before)
        sql += " ORDER BY ord DESC LIMIT ?"
        args.append(limit)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [self._execution(r) for r in rows]

    def running_executions(self) -> list[dict]:
        """The executions to resume at start: not the child executions of a Map Run, which
        their parent's replay rebuilds."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM executions WHERE status = 'RUNNING' "
                "AND map_run_arn IS NULL ORDER BY ord"
            ).fetchall()
        return [self._execution(r) for r in rows]

    def count_running(self, sm_arn: str) -> int:
        with self._lock:
            return self._db.execute(
                "SELECT COUNT(*) FROM executions WHERE sm_arn = ? AND status = 'RUNNING'", (sm_arn,)
            ).fetchone()[0]

    # -- history and journal -----------------------------------------------------------
    def events(self, arn: str) -> list[dict]:
        with self._lock:
            rows = self._db.execute(
                "SELECT event FROM events WHERE arn = ? ORDER BY id", (arn,)
            ).fetchall()
        return [decode_event(r[0]) for r in rows]

    def last_event_id(self, arn: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT MAX(id) FROM events WHERE arn = ?", (arn,)).fetchone()
        return row[0] or 0

    def iter_events(self, arn: str) -> Iterator[dict]:
        """The history in id order, read a page at a time (keyset on the event id)."""
        after = 0
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT id, event FROM events WHERE arn = ? AND id > ? ORDER BY id LIMIT ?",
                    (arn, after, _EVENT_PAGE),
                ).fetchall()
            for _, text in rows:
                yield decode_event(text)
            if len(rows) < _EVENT_PAGE:
                return
            after = rows[-1][0]

    def events_page(self, arn: str, after: int | None, size: int, reverse: bool) -> list[dict]:
        """At most ``size`` events of the history, read by keyset on the event id (the
        primary key): the first ids above ``after`` (None: from the first), or with
        ``reverse`` the last ids below it (None: from the last). Only the page is read and
        decoded, so paging through a whole history costs O(history)."""
        if reverse:
            query = "SELECT event FROM events WHERE arn = ? AND id < ? ORDER BY id DESC LIMIT ?"
            bound = after if after is not None else 2**62
        else:
            query = "SELECT event FROM events WHERE arn = ? AND id > ? ORDER BY id LIMIT ?"
            bound = after if after is not None else 0
        with self._lock:
            rows = self._db.execute(query, (arn, bound, size)).fetchall()
        return [decode_event(r[0]) for r in rows]

    def journal(self, arn: str) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT record FROM journal WHERE arn = ? ORDER BY seq", (arn,)
            ).fetchall()
        return [r[0] for r in rows]

    def commit(self, writes: list[Write]) -> list[Poisoned]:
        """Everything in ``writes`` that can be stored, in one transaction (write-ahead of any
        dispatch); returns the poison writes, left out (see the module docstring). Raises
        StoreUnavailable, with nothing committed, when the database cannot be written."""
        if not writes:
            return []
        poisoned: list[Poisoned] = []
        encoded = []
        for w in writes:  # encoding problems belong to one write: found before BEGIN
            try:
                encoded.append(self._encode(w))
            except _Unstorable as exc:
                poisoned.append(Poisoned(w, exc.reason, exc.storable))
        with self._lock, self._writing(), self._transaction() as db:
            for enc in encoded:
                db.execute("SAVEPOINT w")
                try:
                    self._apply(enc)
                except self._POISON as exc:
                    db.execute("ROLLBACK TO w")
                    poisoned.append(Poisoned(enc.write, f"{type(exc).__name__}: {exc}"))
                db.execute("RELEASE w")
        return poisoned

    def _apply(self, enc: _Encoded) -> None:
        db = self._db
        arn = enc.write.arn
        if enc.insert is not None:
            db.execute(_INSERT_EXECUTION, enc.insert)
        if enc.write.reopen is not None:  # before its finish: it may end again at once
            self._reopen(arn, enc.write.reopen)
        if enc.events:
            db.executemany("INSERT INTO events VALUES (?, ?, ?)", enc.events)
        if enc.record is not None:
            db.execute(
                "INSERT INTO journal VALUES (?, ?, ?)", (arn, enc.write.record_seq, enc.record)
            )
        if enc.finish is not None:
            self._finish(arn, enc.finish)
        for child in enc.children:
            self._apply(child)
        for resource in enc.resources:
            db.execute(_UPSERT_RESOURCE, resource)

    @classmethod
    def _encode(cls, w: Write) -> _Encoded:
        events = []
        for event in w.events:
            try:
                events.append((w.arn, event["id"], encode_event(event)))
            except (ValueError, TypeError, RecursionError) as exc:
                raise _Unstorable(
                    f"event {event.get('id')} ({event.get('type')}): {exc}", len(events)
                ) from None
        try:
            record = None if w.record is None else _storable(w.record)
            finish = None
            if w.finish is not None:
                finish = dict(w.finish)
                for key in ("output", "error", "cause"):
                    if isinstance(finish.get(key), str):
                        _storable(finish[key])
            insert = None if w.insert is None else _execution_values(w.insert)
            resources = [
                (kind, arn, parent, json.dumps(data)) for kind, arn, parent, data in w.resources
            ]
        except ValueError as exc:
            raise _Unstorable(f"the execution's state: {exc}", len(events)) from None
        children = []
        for child in w.children:
            try:
                children.append(cls._encode(child))
            except _Unstorable as exc:  # the parent's own events are all storable
                raise _Unstorable(
                    f"child execution {child.arn}: {exc.reason}", len(events)
                ) from None
        return _Encoded(w, events, record, finish, insert, children, resources)

    def _finish(self, arn: str, finish: dict) -> None:
        row = self._db.execute("SELECT data FROM executions WHERE arn = ?", (arn,)).fetchone()
        data = json.loads(row[0])
        for key in ("output", "error", "cause"):
            if finish.get(key) is not None:
                data[key] = finish[key]
        self._db.execute(
            "UPDATE executions SET status = ?, stop_us = ?, data = ? WHERE arn = ?",
            (finish["status"], finish["stop_us"], json.dumps(data, ensure_ascii=False), arn),
        )
        # The replay records of a succeeded execution are never read again; those of a
        # FAILED, TIMED_OUT or ABORTED one are kept for RedriveExecution.
        if finish["status"] == "SUCCEEDED":
            self._db.execute("DELETE FROM journal WHERE arn = ?", (arn,))

    def reopen_execution(self, arn: str, updates: dict) -> dict | None:
        """RedriveExecution: a closed execution RUNNING again, its data members updated
        (``updates``; None values remove members) in one transaction; None when it is not
        closed (another redrive came first) or does not exist."""
        with self._lock, self._writing():
            row = self._db.execute("SELECT status FROM executions WHERE arn = ?", (arn,)).fetchone()
            if row is None or row[0] == "RUNNING":
                return None
            self._reopen(arn, updates)
        return self.get_execution(arn)

    def _reopen(self, arn: str, updates: dict) -> None:
        """The row RUNNING again, its data members updated (None values remove them)."""
        row = self._db.execute("SELECT data FROM executions WHERE arn = ?", (arn,)).fetchone()
        data = json.loads(row[0])
        for key, value in updates.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        self._db.execute(
            "UPDATE executions SET status = 'RUNNING', stop_us = NULL, data = ? WHERE arn = ?",
            (json.dumps(data, ensure_ascii=False), arn),
        )

    def drop_closed_journals(self, stopped_before_us: int) -> int:
        """Drop the kept journals of executions that ended before ``stopped_before_us``
        (past RedriveExecution's 14 days they are never read again); returns how many."""
        with self._lock, self._writing():
            cursor = self._db.execute(
                "DELETE FROM journal WHERE arn IN (SELECT arn FROM executions "
                "WHERE status != 'RUNNING' AND stop_us < ?)",
                (stopped_before_us,),
            )
            return cursor.rowcount

    def expired_executions(self, stopped_before_us: int, limit: int) -> list[str]:
        """Up to ``limit`` closed executions that ended before ``stopped_before_us``, the
        oldest first (through the ``stop_us`` index: the cost is the rows returned)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT arn FROM executions WHERE stop_us < ? AND status != 'RUNNING' "
                "ORDER BY stop_us LIMIT ?",
                (stopped_before_us, limit),
            ).fetchall()
        return [r[0] for r in rows]

    def delete_events(self, arn: str, stopped_before_us: int, limit: int) -> int:
        """Delete up to ``limit`` of the oldest events of ``arn`` in one transaction, if it
        is closed and ended before ``stopped_before_us``; returns how many went (0: none
        left, or it is not expired)."""
        with self._lock, self._writing():
            first = self._db.execute(
                f"SELECT MIN(id) FROM events WHERE arn = ? AND {_EXPIRED}",
                (arn, arn, stopped_before_us),
            ).fetchone()[0]
            if first is None:
                return 0
            return self._db.execute(
                "DELETE FROM events WHERE arn = ? AND id < ?", (arn, first + limit)
            ).rowcount

    def delete_execution(self, arn: str, stopped_before_us: int, kinds: tuple[str, ...]) -> bool:
        """Delete the closed execution ``arn`` if it ended before ``stopped_before_us``, in
        one transaction: what is left of its events (:meth:`delete_events` takes a long
        history first, a bounded part at a time), its journal, the resources of ``kinds``
        it is the parent of (its Map Runs) and its row. False, and nothing deleted, when it
        is not expired (a redrive reopened it, or it is gone)."""
        with self._lock, self._writing(), self._transaction() as db:
            found = db.execute(f"SELECT {_EXPIRED}", (arn, stopped_before_us)).fetchone()[0]
            if found:
                db.execute("DELETE FROM events WHERE arn = ?", (arn,))
                db.execute("DELETE FROM journal WHERE arn = ?", (arn,))
                db.executemany(
                    "DELETE FROM resources WHERE kind = ? AND parent = ?",
                    [(kind, arn) for kind in kinds],
                )
                db.execute("DELETE FROM executions WHERE arn = ?", (arn,))
        return bool(found)

    def has_final_record(self, arn: str) -> bool:
        """Whether the execution's journal ends with the record of the activation that
        failed, timed out or stopped it, after at least one activation to continue from
        (what RedriveExecution needs)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT record FROM journal WHERE arn = ? ORDER BY seq DESC LIMIT 2", (arn,)
            ).fetchall()
        return len(rows) == 2 and json.loads(rows[0][0]).get("f") == 1

    def probe(self) -> None:
        """A real (tiny) write: StoreUnavailable when the database cannot take one."""
        with self._lock, self._writing():
            self._db.execute(
                "INSERT INTO probe VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                (real_us(),),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()


class SqliteStore(SqlStore):
    """:class:`Store` on one SQLite file (WAL)."""

    _POISON = (sqlite3.IntegrityError, sqlite3.InterfaceError, ValueError)

    def __init__(self, path: str, *, check: bool = True) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        super().__init__(sqlite3.connect(path, check_same_thread=False, isolation_level=None))
        try:
            with self._lock:
                if check:
                    self._integrity_check()
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.execute("PRAGMA busy_timeout=5000")
                self._migrate(SQLITE_MIGRATIONS)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            if isinstance(exc, sqlite3.OperationalError) and not _corruption(exc):
                raise StoreUnavailable(str(exc)) from None
            raise JournalCorrupt(self._corrupt_message(str(exc))) from None
        except JournalCorrupt:
            self._db.close()
            raise

    def _member(self, key: str) -> str:
        return f"json_extract(data, '$.{key}')"

    def _writing(self) -> Any:
        return _writing()

    def _integrity_check(self) -> None:
        """``PRAGMA quick_check``: every page and index of the file (O(size), seconds for a
        large journal; it runs once, at start)."""
        problems = [row[0] for row in self._db.execute("PRAGMA quick_check(20)")]
        if problems != ["ok"]:
            raise JournalCorrupt(self._corrupt_message("; ".join(problems)))

    def _corrupt_message(self, detail: str) -> str:
        return (
            f"The journal {self.path} is corrupt ({detail}). The engine will not serve "
            f"it: restore a backup of the file, or move it aside to start with an empty "
            f"journal (`sqlite3 {self.path} .recover` can salvage what is readable)."
        )


def _corruption(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


class _writing:
    """Turns "the database cannot be written" (disk full, read-only, I/O error) into
    StoreUnavailable; other errors pass through."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> None:
        if isinstance(exc, sqlite3.OperationalError) and not _corruption(exc):
            raise StoreUnavailable(str(exc)) from exc
        if isinstance(exc, sqlite3.DatabaseError) and _corruption(exc):
            raise StoreUnavailable(f"the journal is corrupt: {exc}") from exc
