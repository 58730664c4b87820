"""Fixtures for the engine tests: a started Engine on a journal in ``tmp_path`` with a fake
Task invoker, and a tiny time scale so Wait states and retry backoff take milliseconds."""

from __future__ import annotations

import pytest
from engine_helpers import FakeInvoker

from orchestrator.engine import Engine, EngineConfig
from orchestrator.engine.store import SqliteStore


@pytest.fixture
def invoker() -> FakeInvoker:
    return FakeInvoker()


@pytest.fixture
def make_engine(tmp_path, invoker):
    engines = []

    def make(wrap_store=None, **overrides) -> Engine:
        """An engine on a journal in tmp_path; ``wrap_store`` wraps its SqliteStore."""
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
