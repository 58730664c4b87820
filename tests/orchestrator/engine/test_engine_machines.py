"""State machine operations: Create/Update/Delete/Describe/List/Validate, with AWS's errors."""

import base64
import json

import pytest
from engine_helpers import PASS, ROLE, SM_PREFIX, WAIT, create, definition, run_to_end

from orchestrator.engine.errors import ApiError


def api_error(fn, request) -> ApiError:
    with pytest.raises(ApiError) as err:
        fn(request)
    return err.value


def test_create_and_describe(engine):
    out = engine.create_state_machine({"name": "orders", "definition": PASS, "roleArn": ROLE})
    assert out["stateMachineArn"] == SM_PREFIX + "orders"
    assert out["creationDate"].tzinfo is not None
    desc = engine.describe_state_machine({"stateMachineArn": SM_PREFIX + "orders"})
    assert desc == {
        "stateMachineArn": SM_PREFIX + "orders",
        "name": "orders",
        "status": "ACTIVE",
        "definition": PASS,
        "roleArn": ROLE,
        "type": "STANDARD",
        "creationDate": out["creationDate"],
        "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
        "tracingConfiguration": {"enabled": False},
        # An engine extra (the console's conflict check); the AWS protocol drops it.
        "updateDate": out["creationDate"],
    }


def test_create_is_idempotent_for_the_same_definition(engine):
    first = engine.create_state_machine({"name": "a", "definition": PASS, "roleArn": ROLE})
    # "If a following request has a different roleArn ... Step Functions will ignore these
    # differences and treat it as an idempotent request of the previous."
    again = engine.create_state_machine(
        {"name": "a", "definition": PASS, "roleArn": ROLE + "-other"}
    )
    assert again == first
    err = api_error(engine.create_state_machine, {"name": "a", "definition": WAIT, "roleArn": ROLE})
    assert (err.code, err.message) == (
        "StateMachineAlreadyExists",
        f"State Machine Already Exists: '{SM_PREFIX}a'",
    )


@pytest.mark.parametrize(
    "request_patch,code,message",
    [
        ({"name": "bad name"}, "InvalidName", "Invalid Name: 'bad name'"),
        (
            {"definition": json.dumps({"StartAt": "X"})},
            "InvalidDefinition",
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: "
            "[States] at /'",
        ),
        ({"definition": "not json"}, "InvalidDefinition", None),
        ({"roleArn": "role"}, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: role'"),
        ({"loggingConfiguration": {"level": "LOUD"}}, "InvalidLoggingConfiguration", None),
    ],
)
def test_create_errors(engine, request_patch, code, message):
    request = {"name": "sm", "definition": PASS, "roleArn": ROLE, **request_patch}
    err = api_error(engine.create_state_machine, request)
    assert err.code == code
    if message is not None:
        assert err.message == message


def test_express_rejects_wait_for_task_token(engine):
    defn = definition(
        {
            "T": {
                "Type": "Task",
                "End": True,
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "f", "Payload": {}},
            }
        }
    )
    err = api_error(
        engine.create_state_machine,
        {"name": "x", "definition": defn, "roleArn": ROLE, "type": "EXPRESS"},
    )
    assert err.code == "InvalidDefinition" and "waitForTaskToken" in err.message


@pytest.mark.parametrize(
    "operation,arn,code",
    [
        ("describe_state_machine", SM_PREFIX + "missing", "StateMachineDoesNotExist"),
        ("describe_state_machine", "garbage", "InvalidArn"),
        (
            "describe_state_machine",
            "arn:aws:states:us-east-1:123456789012:execution:sm:e",
            "InvalidArn",
        ),
    ],
)
def test_describe_errors(engine, operation, arn, code):
    err = api_error(getattr(engine, operation), {"stateMachineArn": arn})
    assert err.code == code
    if code == "StateMachineDoesNotExist":
        assert err.message == f"State Machine Does Not Exist: '{arn}'"


def test_update_keeps_running_executions_on_their_definition(engine):
    sm = create(engine, defn=WAIT)
    started = engine.start_execution({"stateMachineArn": sm, "input": '{"v": 1}'})
    out = engine.update_state_machine({"stateMachineArn": sm, "definition": PASS})
    assert out["revisionId"] and out["updateDate"].tzinfo is not None
    desc = engine.describe_state_machine({"stateMachineArn": sm})
    assert desc["definition"] == PASS and desc["revisionId"] == out["revisionId"]
    for_exec = engine.describe_state_machine_for_execution(
        {"executionArn": started["executionArn"]}
    )
    assert for_exec["definition"] == WAIT and "revisionId" not in for_exec
    assert for_exec["name"] == "sm" and for_exec["roleArn"] == ROLE
    done = engine.wait_for(started["executionArn"], 30)
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == {"v": 1}
    later = run_to_end(engine, sm)
    assert json.loads(later["output"]) == {"ok": True}
    assert (
        engine.describe_state_machine_for_execution({"executionArn": later["executionArn"]})[
            "revisionId"
        ]
        == out["revisionId"]
    )


@pytest.mark.parametrize(
    "patch,code",
    [
        ({}, "MissingRequiredParameter"),
        ({"definition": "{}"}, "InvalidDefinition"),
        ({"roleArn": "nope"}, "InvalidArn"),
    ],
)
def test_update_errors(engine, patch, code):
    sm = create(engine)
    assert api_error(engine.update_state_machine, {"stateMachineArn": sm, **patch}).code == code


def test_update_unknown_machine(engine):
    err = api_error(
        engine.update_state_machine, {"stateMachineArn": SM_PREFIX + "nope", "definition": PASS}
    )
    assert err.code == "StateMachineDoesNotExist"


def test_delete_is_deferred_while_executions_run(engine):
    sm = create(engine, defn=definition({"W": {"Type": "Wait", "Seconds": 100000, "End": True}}))
    arn = engine.start_execution({"stateMachineArn": sm})["executionArn"]
    assert engine.delete_state_machine({"stateMachineArn": sm}) == {}
    assert engine.describe_state_machine({"stateMachineArn": sm})["status"] == "DELETING"
    assert engine.list_state_machines({})["stateMachines"] == []
    err = api_error(engine.start_execution, {"stateMachineArn": sm})
    assert err.code == "StateMachineDeleting"
    engine.stop_execution({"executionArn": arn})
    assert (
        api_error(engine.describe_state_machine, {"stateMachineArn": sm}).code
        == "StateMachineDoesNotExist"
    )
    # The name is free again, and deleting an unknown machine succeeds.
    create(engine, defn=PASS)
    assert engine.delete_state_machine({"stateMachineArn": SM_PREFIX + "ghost"}) == {}


def test_list_state_machines_pages(engine):
    names = [f"m{i}" for i in range(5)]
    for name in names:
        create(engine, name)
    seen, token, pages = [], None, 0
    while True:
        request = {"maxResults": 2}
        if token:
            request["nextToken"] = token
        out = engine.list_state_machines(request)
        pages += 1
        seen += [m["name"] for m in out["stateMachines"]]
        assert all(m["type"] == "STANDARD" and m["creationDate"] for m in out["stateMachines"])
        token = out.get("nextToken")
        if not token:
            break
    assert (seen, pages) == (names, 3)
    assert api_error(engine.list_state_machines, {"nextToken": "bogus"}).code == "InvalidToken"


def test_list_state_machines_pages_by_keyset_while_machines_come_and_go(engine):
    """The token names the page's last machine, not an offset: a machine deleted or created
    between two pages shifts nothing."""
    for name in ("m0", "m1", "m2", "m3"):
        create(engine, name)
    first = engine.list_state_machines({"maxResults": 2})
    assert [m["name"] for m in first["stateMachines"]] == ["m0", "m1"]
    engine.delete_state_machine({"stateMachineArn": SM_PREFIX + "m0"})
    create(engine, "m4")
    rest = engine.list_state_machines({"maxResults": 5, "nextToken": first["nextToken"]})
    assert [m["name"] for m in rest["stateMachines"]] == ["m2", "m3", "m4"]
    assert "nextToken" not in rest
    token = base64.urlsafe_b64encode(json.dumps({"k": "sm", "v": 2}).encode()).decode()
    assert api_error(engine.list_state_machines, {"nextToken": token}).code == "InvalidToken"


def test_validate_definition(engine):
    ok = engine.validate_state_machine_definition({"definition": PASS})
    assert ok == {"result": "OK", "diagnostics": [], "truncated": False}
    bad = engine.validate_state_machine_definition({"definition": json.dumps({"StartAt": "X"})})
    assert bad["result"] == "FAIL"
    assert bad["diagnostics"][0]["code"] == "SCHEMA_VALIDATION_FAILED"


def test_register_directory_creates_then_updates(engine, tmp_path):
    folder = tmp_path / "machines"
    folder.mkdir()
    (folder / "flow.asl.json").write_text(PASS)
    (folder / "ignored.json").write_text(PASS)
    assert engine.register_directory(folder) == [SM_PREFIX + "flow"]
    (folder / "flow.asl.json").write_text(WAIT)
    engine.register_directory(folder)
    desc = engine.describe_state_machine({"stateMachineArn": SM_PREFIX + "flow"})
    assert desc["definition"] == WAIT and desc["revisionId"]
    assert [m["name"] for m in engine.list_state_machines({})["stateMachines"]] == ["flow"]
