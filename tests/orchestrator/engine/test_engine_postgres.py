"""The engine on PostgreSQL when the server goes away (the rest of this folder runs on
PostgreSQL too with ORCHESTRATOR_TEST_STORE=postgres): the engine pauses, reports itself
unavailable, keeps every acknowledged write, and goes on when the server is back."""

from __future__ import annotations

import pytest
from engine_helpers import create, definition, wait_until_waiting

from orchestrator.engine import EngineConfig
from orchestrator.engine.engine import open_store
from orchestrator.engine.errors import StoreUnavailable
from orchestrator.engine.pg_store import PostgresStore


def test_a_stopped_server_pauses_the_engine_and_loses_nothing(make_engine, postgres_cluster):
    engine = make_engine(time_scale=0.01, postgres=True)
    sm = create(engine, "flow", definition({"W": {"Type": "Wait", "Seconds": 5, "End": True}}))
    arn = engine.start_execution({"stateMachineArn": sm})["executionArn"]
    wait_until_waiting(engine, arn)  # the Wait's deadline is in the journal
    postgres_cluster.stop()
    try:
        reason = engine.unavailable(probe=True)
        assert reason is not None and "PostgreSQL" in reason
        with pytest.raises(StoreUnavailable) as err:
            engine.start_execution({"stateMachineArn": sm})
        assert (err.value.code, err.value.status) == ("ServiceUnavailable", 503)
    finally:
        postgres_cluster.start()
    assert engine.wait_for(arn, 30)["status"] == "SUCCEEDED"
    assert engine.unavailable(probe=True) is None
    # Nothing was lost: a new engine on the same database reads the same history.
    types = [e["type"] for e in engine.get_execution_history({"executionArn": arn})["events"]]
    engine.close()
    again = make_engine(postgres=True)
    history = again.get_execution_history({"executionArn": arn})["events"]
    assert [e["type"] for e in history] == types and types[-1] == "ExecutionSucceeded"


def test_the_setting_chooses_the_store(postgres_cluster, tmp_path):
    url = postgres_cluster.database()
    store = open_store(EngineConfig(database_url=url, db_path=str(tmp_path / "unused.db")))
    assert isinstance(store, PostgresStore) and not (tmp_path / "unused.db").exists()
    store.close()
    assert EngineConfig.from_env({"ORCHESTRATOR_DATABASE_URL": url}).database_url == url
    with pytest.raises(ValueError, match="PostgreSQL URL"):
        EngineConfig(database_url="mysql://localhost/x")


def test_an_unreachable_server_is_a_clear_error_at_start(tmp_path):
    from tests.support.processes import free_port

    with pytest.raises(StoreUnavailable, match="PostgreSQL"):
        PostgresStore(f"postgresql://postgres@127.0.0.1:{free_port()}/none")
