from datetime import UTC, datetime

from orchestrator.engine.store import SqliteStore, Write

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


def test_activation_writes_are_atomic_and_finishing_drops_the_journal(tmp_path):
    store = SqliteStore(str(tmp_path / "j.db"))
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
    store.close()
    # A failing batch leaves nothing behind.
    store = SqliteStore(str(tmp_path / "j.db"))
    try:
        store.commit([Write("e1", events=[event])])  # duplicate event id
    except Exception:
        pass
    assert len(store.events("e1")) == 2
    store.close()


def test_list_executions_newest_first_with_filter(tmp_path):
    store = SqliteStore(str(tmp_path / "j.db"))
    for i, status in enumerate(["RUNNING", "SUCCEEDED", "RUNNING"]):
        store.insert_execution(row(f"e{i}", status))
    assert [r["arn"] for r in store.list_executions("sm", None, None, 10)] == ["e2", "e1", "e0"]
    assert [r["arn"] for r in store.list_executions("sm", "RUNNING", None, 10)] == ["e2", "e0"]
    newest = store.list_executions("sm", None, None, 1)[0]
    assert [r["arn"] for r in store.list_executions("sm", None, newest["ord"], 10)] == ["e1", "e0"]
    assert store.count_running("sm") == 2
    store.close()


def test_resources_keep_creation_order_across_replacement_and_reopen(tmp_path):
    path = str(tmp_path / "j.db")
    store = SqliteStore(path)
    for name in ("a", "b", "c"):
        store.put_resource("alias", f"sm:{name}", {"name": name}, parent="sm")
    store.put_resource("alias", "other:x", {"name": "x"}, parent="other")
    store.put_resource("version", "sm:1", {"n": 1}, parent="sm")
    store.put_resource("alias", "sm:a", {"name": "a", "changed": True}, parent="sm")
    store.remove_resource("alias", "sm:b")
    store.close()
    store = SqliteStore(path)
    assert [r["name"] for r in store.list_resources("alias", "sm")] == ["a", "c"]
    assert store.get_resource("alias", "sm:a") == {"name": "a", "changed": True}
    assert store.get_resource("version", "sm:a") is None  # kinds do not mix
    assert [r["name"] for r in store.list_resources("alias")] == ["a", "c", "x"]


def test_list_executions_matches_data_members(tmp_path):
    store = SqliteStore(str(tmp_path / "j.db"))
    store.insert_execution({**row("e1", start=1), "version_arn": "sm:1"})
    store.insert_execution({**row("e2", start=2), "version_arn": "sm:2"})
    store.insert_execution(row("e3", start=3))
    found = store.list_executions("sm", None, None, 10, {"version_arn": "sm:1"})
    assert [r["arn"] for r in found] == ["e1"]
    assert len(store.list_executions("sm", None, None, 10)) == 3


def test_closed_journals_are_dropped_past_the_redrive_window(tmp_path):
    store = SqliteStore(str(tmp_path / "j.db"))
    for arn, stop in (("old", 100), ("recent", 900)):
        store.insert_execution(row(arn))
        store.commit([Write(arn, record_seq=0, record='{"c":[],"k":0}')])
        store.commit([Write(arn, finish={"status": "FAILED", "stop_us": stop})])
    store.insert_execution(row("running"))
    store.commit([Write("running", record_seq=0, record='{"c":[],"k":0}')])
    assert store.drop_closed_journals(500) == 1
    assert store.journal("old") == []
    assert store.journal("recent") and store.journal("running")
