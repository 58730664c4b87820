"""The store's own tests, on both stores: the SQLite file and a real PostgreSQL server
(tests/support/postgres.py). ``open_store()`` opens the test's store; called again it
opens the same database again (a restart)."""

import json
from datetime import UTC, datetime

import pytest

from orchestrator.engine.store import SQLITE_MIGRATIONS, SqliteStore, Write

T = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def row(arn, status="RUNNING", start=1):
    return {
        "arn": arn,
        "sm_arn": "sm",
        "name": arn,
        "status": status,
        "start_us": start,
        "stop_us": None,
        "input": "{}",
        "definition": "{}",
    }


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request, tmp_path):
    stores = []
    if request.param == "sqlite":
        path = str(tmp_path / "j.db")

        def make():
            stores.append(SqliteStore(path))
            return stores[-1]
    else:
        from orchestrator.engine.pg_store import PostgresStore

        url = request.getfixturevalue("postgres_cluster").database()

        def make():
            stores.append(PostgresStore(url))
            return stores[-1]

    make.kind = request.param
    yield make
    for store in stores:
        store.close()


def test_activation_writes_are_atomic_and_finishing_drops_the_journal(open_store):
    store = open_store()
    store.insert_execution(row("e1"))
    event = {
        "timestamp": T,
        "type": "ExecutionStarted",
        "id": 1,
        "previousEventId": 0,
        "executionStartedEventDetails": {"input": "{}"},
    }
    store.commit([Write("e1", record_seq=0, record='{"c":[]}', events=[event])])
    assert store.events("e1") == [event]  # timestamps round-trip to the microsecond
    assert store.journal("e1") == ['{"c":[]}']
    assert [r["arn"] for r in store.running_executions()] == ["e1"]
    done = dict(event, id=2, type="ExecutionSucceeded")
    store.commit(
        [Write("e1", events=[done], finish={"status": "SUCCEEDED", "stop_us": 5, "output": "1"})]
    )
    got = store.get_execution("e1")
    assert (got["status"], got["stop_us"], got["output"]) == ("SUCCEEDED", 5, "1")
    assert store.journal("e1") == [] and store.running_executions() == []
    # A failing batch leaves nothing behind.
    store = open_store()
    try:
        store.commit([Write("e1", events=[event])])  # duplicate event id
    except Exception:
        pass
    assert len(store.events("e1")) == 2


def test_list_executions_newest_first_with_filter(open_store):
    store = open_store()
    for i, status in enumerate(["RUNNING", "SUCCEEDED", "RUNNING"]):
        store.insert_execution(row(f"e{i}", status))
    assert [r["arn"] for r in store.list_executions("sm", None, None, 10)] == ["e2", "e1", "e0"]
    assert [r["arn"] for r in store.list_executions("sm", "RUNNING", None, 10)] == ["e2", "e0"]
    newest = store.list_executions("sm", None, None, 1)[0]
    assert [r["arn"] for r in store.list_executions("sm", None, newest["ord"], 10)] == ["e1", "e0"]
    assert store.count_running("sm") == 2


def test_resources_keep_creation_order_across_replacement_and_reopen(open_store):
    store = open_store()
    for name in ("a", "b", "c"):
        store.put_resource("alias", f"sm:{name}", {"name": name}, parent="sm")
    store.put_resource("alias", "other:x", {"name": "x"}, parent="other")
    store.put_resource("version", "sm:1", {"n": 1}, parent="sm")
    store.put_resource("alias", "sm:a", {"name": "a", "changed": True}, parent="sm")
    store.remove_resource("alias", "sm:b")
    store = open_store()
    assert [r["name"] for r in store.list_resources("alias", "sm")] == ["a", "c"]
    assert store.get_resource("alias", "sm:a") == {"name": "a", "changed": True}
    assert store.get_resource("version", "sm:a") is None  # kinds do not mix
    assert [r["name"] for r in store.list_resources("alias")] == ["a", "c", "x"]


def test_list_executions_matches_data_members(open_store):
    store = open_store()
    store.insert_execution({**row("e1", start=1), "version_arn": "sm:1"})
    store.insert_execution({**row("e2", start=2), "version_arn": "sm:2"})
    store.insert_execution(row("e3", start=3))
    found = store.list_executions("sm", None, None, 10, {"version_arn": "sm:1"})
    assert [r["arn"] for r in found] == ["e1"]
    assert len(store.list_executions("sm", None, None, 10)) == 3


def test_closed_journals_are_dropped_past_the_redrive_window(open_store):
    store = open_store()
    for arn, stop in (("old", 100), ("recent", 900)):
        store.insert_execution(row(arn))
        store.commit([Write(arn, record_seq=0, record='{"c":[],"k":0}')])
        store.commit([Write(arn, finish={"status": "FAILED", "stop_us": stop})])
    store.insert_execution(row("running"))
    store.commit([Write("running", record_seq=0, record='{"c":[],"k":0}')])
    assert store.drop_closed_journals(500) == 1
    assert store.journal("old") == []
    assert store.journal("recent") and store.journal("running")


def event(n: int, **details) -> dict:
    return {
        "timestamp": T,
        "type": "PassStateEntered",
        "id": n,
        "previousEventId": n - 1,
        **details,
    }


def test_a_poison_write_is_left_out_and_the_others_are_committed(open_store):
    store = open_store()
    for arn in ("good", "bad"):
        store.insert_execution(row(arn))
    bad = event(1, stateEnteredEventDetails={"name": "\ud800"})  # a lone surrogate
    nul = event(2, stateEnteredEventDetails={"name": "a\x00b"})  # JSON-escaped: storable
    poisoned = store.commit([Write("good", events=[event(1), nul]), Write("bad", events=[bad])])
    assert [p.write.arn for p in poisoned] == ["bad"]
    assert [e["id"] for e in store.events("good")] == [1, 2] and store.events("bad") == []
    assert store.events("good")[1]["stateEnteredEventDetails"]["name"] == "a\x00b"
    # A duplicate event id fails that write alone, at the database.
    poisoned = store.commit([Write("good", events=[event(2)]), Write("bad", events=[event(1)])])
    assert [p.write.arn for p in poisoned] == ["good"] and len(store.events("bad")) == 1


def test_history_pages_by_keyset_in_both_orders(open_store):
    store = open_store()
    store.insert_execution(row("e"))
    store.commit([Write("e", events=[event(n) for n in range(1, 8)])])
    ids = lambda page: [e["id"] for e in page]  # noqa: E731
    assert ids(store.events_page("e", None, 3, False)) == [1, 2, 3]
    assert ids(store.events_page("e", 3, 3, False)) == [4, 5, 6]
    assert ids(store.events_page("e", 6, 3, False)) == [7]
    assert ids(store.events_page("e", None, 3, True)) == [7, 6, 5]
    assert ids(store.events_page("e", 5, 10, True)) == [4, 3, 2, 1]
    assert [e["id"] for e in store.iter_events("e")] == list(range(1, 8))
    assert store.last_event_id("e") == 7


def test_expired_executions_are_deleted_with_what_they_own(open_store):
    store = open_store()
    for arn, stop in (("old", 100), ("young", 900)):
        store.insert_execution(row(arn))
        store.commit(
            [Write(arn, events=[event(n) for n in range(1, 6)], record_seq=0, record="{}")]
        )
        store.commit([Write(arn, finish={"status": "FAILED", "stop_us": stop})])
        store.put_resource("map_run", f"{arn}:run", {"n": 1}, parent=arn)
    store.insert_execution(row("running"))
    assert store.expired_executions(500, 10) == ["old"]
    assert store.delete_events("old", 500, 2) == 2 and len(store.events("old")) == 3
    assert store.delete_execution("old", 500, ("map_run",))
    assert store.get_execution("old") is None and store.events("old") == []
    assert store.get_resource("map_run", "old:run") is None and store.journal("old") == []
    assert store.get_resource("map_run", "young:run") == {"n": 1}
    # Not expired (too young, or running): nothing is deleted.
    assert not store.delete_execution("young", 500, ("map_run",))
    assert store.delete_events("running", 10**18, 100) == 0
    assert store.get_execution("young") and store.get_execution("running")


def test_the_schema_is_migrated_once_and_versioned(open_store):
    from orchestrator.engine.pg_store import POSTGRES_MIGRATIONS

    store = open_store()
    migrations = SQLITE_MIGRATIONS if open_store.kind == "sqlite" else POSTGRES_MIGRATIONS
    assert store.schema_version() == len(migrations) >= 2
    store.insert_execution(row("e"))
    again = open_store()  # a restart: nothing applied twice, nothing lost
    assert again.schema_version() == len(migrations) and again.get_execution("e")


def test_a_journal_from_before_versions_is_brought_forward(tmp_path):
    """A SQLite journal made before schema versions were recorded (version 1's tables,
    no schema_version table) gets its versions and the later migrations."""
    import sqlite3

    path = str(tmp_path / "old.db")
    old = sqlite3.connect(path)
    old.executescript(SQLITE_MIGRATIONS[0])
    old.execute(
        "INSERT INTO executions (arn, sm_arn, name, status, start_us, data) "
        "VALUES ('e', 'sm', 'e', 'RUNNING', 1, '{}')"
    )
    old.execute(
        "INSERT INTO executions (arn, sm_arn, name, status, start_us, data) "
        "VALUES ('kid', 'sm/L', 'kid', 'RUNNING', 2, ?)",
        (json.dumps({"map_run_arn": "run-1", "parent_arn": "e"}),),
    )
    machine = {"arn": "sm", "name": "m", "status": "ACTIVE", "creation_us": 7}
    old.execute("INSERT INTO state_machines VALUES ('sm', 'm', ?)", (json.dumps(machine),))
    old.commit()
    old.close()
    store = SqliteStore(path)
    assert store.schema_version() == len(SQLITE_MIGRATIONS)
    assert store.get_execution("e")["status"] == "RUNNING"
    assert store.machines_page(None, 10) == [machine]  # its creation date moved to a column
    # A Map Run's child: its map_run_arn moved to an indexed column too.
    assert [r["arn"] for r in store.running_executions()] == ["e"]
    (kid,) = store.list_executions("sm/L", None, None, 10, {"map_run_arn": "run-1"})
    assert (kid["arn"], kid["map_run_arn"], kid["parent_arn"]) == ("kid", "run-1", "e")
    store.close()


def test_a_lost_postgresql_server_is_unavailable_then_the_store_reconnects(postgres_cluster):
    """The server stops (a restart, a network cut): every call raises StoreUnavailable, the
    engine's signal to keep its writes and try again; once it is back the same store
    object goes on, on a new connection, with everything committed before still there."""
    from orchestrator.engine.errors import StoreUnavailable
    from orchestrator.engine.pg_store import PostgresStore

    store = PostgresStore(postgres_cluster.database())
    store.insert_execution(row("e"))
    store.commit([Write("e", events=[event(1)])])
    postgres_cluster.stop()
    try:
        with pytest.raises(StoreUnavailable):
            store.commit([Write("e", events=[event(2)])])
        with pytest.raises(StoreUnavailable):
            store.probe()
    finally:
        postgres_cluster.start()
    store.commit([Write("e", events=[event(2)])])
    assert [e["id"] for e in store.events("e")] == [1, 2]
    store.close()


def test_state_machines_page_by_creation_then_name(open_store):
    store = open_store()
    for name, created, status in (
        ("b", 1, "ACTIVE"),
        ("a", 1, "ACTIVE"),
        ("gone", 2, "DELETING"),
        ("c", 3, "ACTIVE"),
        ("d", 4, "ACTIVE"),
    ):
        store.put_machine({"arn": name, "name": name, "status": status, "creation_us": created})
    names = lambda page: [m["name"] for m in page]  # noqa: E731
    assert names(store.machines_page(None, 3)) == ["a", "b", "c"]
    assert names(store.machines_page((1, "b"), 3)) == ["c", "d"]
    assert names(store.machines_page((4, "d"), 3)) == []
    store.put_machine({"arn": "a", "name": "a", "status": "ACTIVE", "creation_us": 1, "x": 1})
    assert store.machines_page(None, 1)[0]["x"] == 1  # replaced in place


def test_child_executions_are_listed_by_their_map_run(open_store):
    store = open_store()
    for i, run in enumerate(["r1", "r2", "r1", None]):
        extra = {"map_run_arn": run, "parent_arn": "p"} if run else {}
        store.insert_execution({**row(f"k{i}", start=i), "sm_arn": "sm/L", **extra})
    found = store.list_executions("sm/L", None, None, 10, {"map_run_arn": "r1"})
    assert [(r["arn"], r["map_run_arn"]) for r in found] == [("k2", "r1"), ("k0", "r1")]
    assert "map_run_arn" not in store.get_execution("k3")
    assert [r["arn"] for r in store.running_executions()] == ["k3"]  # children: by the parent
