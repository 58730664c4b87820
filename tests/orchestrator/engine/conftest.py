"""Fixtures for the engine tests: a started Engine on a journal in ``tmp_path`` with a fake
Task invoker, and a tiny time scale so Wait states and retry backoff take milliseconds.
``ORCHESTRATOR_TEST_STORE=postgres`` runs them on PostgreSQL instead (``make test`` runs
this folder both ways)."""

from __future__ import annotations

import os

import pytest
from engine_helpers import FakeInvoker

from orchestrator.engine import Engine, EngineConfig
from orchestrator.engine.pg_store import PostgresStore
from orchestrator.engine.store import SqliteStore, Store


@pytest.fixture
def invoker() -> FakeInvoker:
    return FakeInvoker()


@pytest.fixture
def make_engine(request, tmp_path, invoker):
    engines = []
    databases: list[str] = []  # the test's PostgreSQL database, made on first use

    def make(wrap_store=None, postgres: bool | None = None, **overrides) -> Engine:
        """An engine on a journal in tmp_path (``postgres``: on a database of the session's
        PostgreSQL server instead, the same one each time; by default when the suite runs
        with ``ORCHESTRATOR_TEST_STORE=postgres``); ``wrap_store`` wraps its store."""
        if postgres is None:
            postgres = os.environ.get("ORCHESTRATOR_TEST_STORE") == "postgres"
        values = dict(
            db_path=str(tmp_path / "journal.db"),
            time_scale=0.001,
            scale_task_timeouts=True,
            invoker=invoker,
            log_to_stdout=False,
            workers=4,
        )
        values.update(overrides)
        config = EngineConfig(**values)
        if postgres:
            if not databases:
                databases.append(request.getfixturevalue("postgres_cluster").database())
            store: Store = PostgresStore(databases[0])
        else:
            store = SqliteStore(config.db_path)
        engine = Engine(config, wrap_store(store) if wrap_store else store).start()
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


@pytest.fixture
def engine(make_engine) -> Engine:
    return make_engine()
