"""The console's workflow designer endpoints over a real engine: templates, Task presets,
defaults, create and save (with conflict detection), and the browser-safety checks."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from orchestrator.api import create_app
from orchestrator.asl.errors import StatesError
from orchestrator.asl.model import QUERY_LANGUAGES
from orchestrator.engine import Engine, EngineConfig
from orchestrator.tasks.config import TasksConfig

ACCOUNT = "210987654321"
ROLE = "arn:aws:iam::%s:role/StepFunctionsRole" % ACCOUNT
REPO = Path(__file__).resolve().parents[3]
PASS = {"Comment": "one", "StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
OTHER = {"Comment": "two", "StartAt": "B", "States": {"B": {"Type": "Succeed"}}}
TASKS = TasksConfig(
    endpoints={"users:8001": "127.0.0.1:9001", "billing": "http://127.0.0.1:9000/api"},
    lambdas={"SendNotification": "http://n:8003/n", "CreateUser": "python:handlers:echo"},
    connections={"*": {"AuthorizationType": "NONE"}},
)


def _no_calls(invoke):
    raise StatesError("States.Runtime", "no Task resources in these tests")


@pytest.fixture
def engine(tmp_path):
    config = EngineConfig(
        db_path=str(tmp_path / "j.db"),
        account=ACCOUNT,
        time_scale=0.001,
        invoker=_no_calls,
        tasks=TASKS,
        log_to_stdout=False,
    )
    engine = Engine(config).start()
    yield engine
    engine.close()


@pytest.fixture
def client(engine):
    return create_app(engine, {"STATEMACHINES_DIR": ""}).test_client()


def _arn(name: str) -> str:
    return "arn:aws:states:us-east-1:%s:stateMachine:%s" % (ACCOUNT, name)


def _create(client, name="flow", definition=PASS, **extra):
    body = dict({"name": name, "definition": json.dumps(definition)}, **extra)
    return client.post("/console/api/state-machines", json=body)


# --- GET /console/api/designer ------------------------------------------------------------
def test_templates_are_valid_pretty_definitions(engine, client):
    designer = client.get("/console/api/designer")
    assert designer.status_code == 200
    templates = designer.json["templates"]
    assert [t["id"] for t in templates] == ["blank", "hello-world", "order-flow"]
    for template in templates:
        assert template["title"] and template["description"]
        text = template["definition"]
        parsed = json.loads(text)
        assert text == json.dumps(parsed, indent=2, ensure_ascii=False)
        assert parsed["StartAt"] in parsed["States"]
        for machine_type in ("STANDARD", "EXPRESS"):
            result = engine.validate_state_machine_definition(
                {"definition": text, "type": machine_type, "severity": "ERROR"}
            )
            assert (result["result"], result["diagnostics"]) == ("OK", []), template["id"]
    blank = json.loads(templates[0]["definition"])
    assert list(blank["States"].values()) == [{"Type": "Pass", "End": True}]
    assert isinstance(blank["Comment"], str)
    shipped = (REPO / "statemachines" / "order_flow.asl.json").read_text(encoding="utf-8")
    assert json.loads(templates[2]["definition"]) == json.loads(shipped)


def test_the_order_flow_template_comes_from_the_configured_folder(engine, tmp_path):
    folder = tmp_path / "machines"
    folder.mkdir()
    (folder / "order_flow.asl.json").write_text(json.dumps(OTHER), encoding="utf-8")
    client = create_app(engine, {"STATEMACHINES_DIR": str(folder)}).test_client()
    templates = {t["id"]: t for t in client.get("/console/api/designer").json["templates"]}
    assert json.loads(templates["order-flow"]["definition"]) == OTHER


def test_presets_reflect_the_endpoint_and_lambda_maps(engine, client):
    presets = client.get("/console/api/designer").json["presets"]
    assert [(p["id"], p["group"]) for p in presets] == [
        ("http-billing", "HTTP"),
        ("http-users-8001", "HTTP"),
        ("lambda-CreateUser", "Lambda"),
        ("lambda-SendNotification", "Lambda"),
    ]
    assert all(p["title"] for p in presets)
    http = presets[1]["state"]
    assert http["Type"] == "Task" and http["Resource"] == "arn:aws:states:::http:invoke"
    assert http["Parameters"]["ApiEndpoint"] == "http://users:8001/"
    assert http["Parameters"]["Method"] == "POST"
    assert http["Parameters"]["Authentication"]["ConnectionArn"].startswith(
        "arn:aws:events:us-east-1:%s:connection/" % ACCOUNT
    )
    assert len(http["Retry"]) == 1 and http["End"] is True
    assert presets[0]["state"]["Parameters"]["ApiEndpoint"] == "http://billing/"
    assert presets[3]["state"] == {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "SendNotification", "Payload.$": "$"},
        "End": True,
    }
    for preset in presets:  # each one is a valid state of a definition
        text = json.dumps({"StartAt": "T", "States": {"T": preset["state"]}})
        result = engine.validate_state_machine_definition({"definition": text})
        assert (result["result"], result["diagnostics"]) == ("OK", []), preset["id"]


def test_defaults_name_the_engines_account_and_the_choices(client):
    defaults = client.get("/console/api/designer").json["defaults"]
    assert defaults == {
        "roleArn": ROLE,
        "types": ["STANDARD", "EXPRESS"],
        "loggingLevels": ["OFF", "ALL", "ERROR", "FATAL"],
        "queryLanguages": list(QUERY_LANGUAGES),
    }


def test_designer_over_an_engine_without_settings():
    from fake_engine import FakeEngine

    client = create_app(FakeEngine(), {"STATEMACHINES_DIR": ""}).test_client()
    designer = client.get("/console/api/designer").json
    assert designer["defaults"]["roleArn"] == "arn:aws:iam::123456789012:role/StepFunctionsRole"
    assert [t["id"] for t in designer["templates"]][:2] == ["blank", "hello-world"]


# --- POST /console/api/state-machines -----------------------------------------------------
def test_create_answers_201_and_the_machine_exists(engine, client):
    created = _create(client, type="EXPRESS", loggingLevel="ERROR")
    assert created.status_code == 201, created.json
    assert set(created.json) == {"stateMachineArn", "name", "creationDate"}
    assert created.json["stateMachineArn"] == _arn("flow") and created.json["name"] == "flow"
    assert isinstance(created.json["creationDate"], float)
    machine = engine.describe_state_machine({"stateMachineArn": _arn("flow")})
    assert json.loads(machine["definition"]) == PASS
    assert (machine["type"], machine["roleArn"]) == ("EXPRESS", ROLE)
    assert machine["loggingConfiguration"] == {"level": "ERROR", "includeExecutionData": True}
    assert created.json["creationDate"] == machine["creationDate"].timestamp() * 1000.0

    plain = _create(client, name="plain")
    assert plain.status_code == 201
    machine = engine.describe_state_machine({"stateMachineArn": _arn("plain")})
    assert machine["type"] == "STANDARD" and machine["loggingConfiguration"]["level"] == "OFF"


@pytest.mark.parametrize("definition", [PASS, OTHER])
def test_create_over_a_taken_name_is_409_and_changes_nothing(engine, client, definition):
    assert _create(client).status_code == 201
    before = engine.describe_state_machine({"stateMachineArn": _arn("flow")})
    taken = _create(client, definition=definition)  # the same definition too: never reused
    assert taken.status_code == 409
    assert taken.json == {
        "error": "StateMachineAlreadyExists",
        "message": "A state machine named flow already exists",
    }
    assert engine.describe_state_machine({"stateMachineArn": _arn("flow")}) == before


def test_create_refuses_an_invalid_definition_or_name(engine, client):
    invalid = client.post(
        "/console/api/state-machines",
        json={
            "name": "broken",
            "definition": json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}),
        },
    )
    assert (invalid.status_code, invalid.json["error"]) == (400, "InvalidDefinition")
    assert invalid.json["message"].startswith("Invalid State Machine Definition: ")
    assert "/States/A" in invalid.json["message"]
    not_json = client.post("/console/api/state-machines", json={"name": "b", "definition": "{"})
    assert (not_json.status_code, not_json.json["error"]) == (400, "InvalidDefinition")
    bad_name = _create(client, name="bad name")
    assert (bad_name.status_code, bad_name.json["error"]) == (400, "InvalidName")
    for body in (
        {"definition": json.dumps(PASS)},
        {"name": "x", "definition": PASS},
        {"name": "x", "definition": json.dumps(PASS), "type": "BATCH"},
        {"name": "x", "definition": json.dumps(PASS), "loggingLevel": "DEBUG"},
    ):
        refused = client.post("/console/api/state-machines", json=body)
        assert (refused.status_code, refused.json["error"]) == (400, "ValidationException")
    assert engine.list_state_machines({})["stateMachines"] == []


# --- GET + PUT /console/api/state-machines/<name-or-ARN> ----------------------------------
def test_detail_carries_what_a_save_sends_back(client):
    created = _create(client, loggingLevel="ALL").json
    detail = client.get("/console/api/state-machines/flow").json
    assert "revisionId" not in detail  # never updated
    assert detail["updateDate"] == detail["creationDate"] == created["creationDate"]
    assert detail["type"] == "STANDARD"
    assert detail["loggingConfiguration"] == {"level": "ALL", "includeExecutionData": True}


def test_update_with_the_expected_revision_saves_a_new_revision(engine, client):
    _create(client)
    detail = client.get("/console/api/state-machines/flow").json
    saved = client.put(
        "/console/api/state-machines/flow",
        json={
            "definition": json.dumps(OTHER),
            "expectedRevisionId": None,
            "expectedUpdateDate": detail["updateDate"],
            "loggingLevel": "FATAL",
        },
    )
    assert saved.status_code == 200, saved.json
    assert set(saved.json) == {"stateMachineArn", "updateDate", "revisionId"}
    assert saved.json["stateMachineArn"] == _arn("flow") and saved.json["revisionId"]
    assert saved.json["updateDate"] > detail["updateDate"]
    machine = engine.describe_state_machine({"stateMachineArn": _arn("flow")})
    assert json.loads(machine["definition"]) == OTHER
    assert machine["revisionId"] == saved.json["revisionId"]
    assert machine["loggingConfiguration"] == {"level": "FATAL", "includeExecutionData": True}

    reread = client.get("/console/api/state-machines/flow").json
    assert reread["revisionId"] == saved.json["revisionId"]
    assert reread["updateDate"] == saved.json["updateDate"]
    again = client.put(  # by ARN, with both values the detail gave (the date as a Date has it)
        "/console/api/state-machines/" + _arn("flow"),
        json={
            "definition": json.dumps(PASS),
            "expectedRevisionId": reread["revisionId"],
            "expectedUpdateDate": math.floor(reread["updateDate"]),
            "loggingLevel": "OFF",
        },
    )
    assert again.status_code == 200, again.json
    assert again.json["revisionId"] not in (None, saved.json["revisionId"])
    machine = engine.describe_state_machine({"stateMachineArn": _arn("flow")})
    assert machine["loggingConfiguration"]["level"] == "OFF"


@pytest.mark.parametrize("stale", ["revision", "date", "never-updated"])
def test_update_over_a_newer_revision_is_409_and_writes_nothing(engine, client, stale):
    _create(client)
    opened = client.get("/console/api/state-machines/flow").json
    engine.update_state_machine(  # someone else saves in between
        {"stateMachineArn": _arn("flow"), "definition": json.dumps(OTHER)}
    )
    current = engine.describe_state_machine({"stateMachineArn": _arn("flow")})
    body: dict = {"definition": json.dumps(PASS)}
    if stale == "revision":
        body["expectedRevisionId"] = "0f0f0f0f-stale"
    elif stale == "date":
        body["expectedUpdateDate"] = opened["updateDate"]
    else:
        body["expectedRevisionId"] = None
    refused = client.put("/console/api/state-machines/flow", json=body)
    assert refused.status_code == 409
    assert refused.json == {
        "error": "CONFLICT",
        "message": "The state machine was changed since you opened it (revision %s): "
        "reload it or save under a new name" % current["revisionId"],
    }
    assert engine.describe_state_machine({"stateMachineArn": _arn("flow")}) == current


def test_update_errors(engine, client):
    _create(client)
    missing = client.put("/console/api/state-machines/nope", json={"definition": "{}"})
    assert (missing.status_code, missing.json["error"]) == (404, "StateMachineDoesNotExist")
    invalid = client.put("/console/api/state-machines/flow", json={"definition": "{}"})
    assert (invalid.status_code, invalid.json["error"]) == (400, "InvalidDefinition")
    for body in (
        {},
        {"definition": json.dumps(PASS), "expectedUpdateDate": "yesterday"},
        {"definition": json.dumps(PASS), "expectedUpdateDate": True},
        {"definition": json.dumps(PASS), "expectedRevisionId": 7},
        {"definition": json.dumps(PASS), "loggingLevel": "all"},
    ):
        refused = client.put("/console/api/state-machines/flow", json=body)
        assert (refused.status_code, refused.json["error"]) == (400, "ValidationException")
    assert "revisionId" not in engine.describe_state_machine({"stateMachineArn": _arn("flow")})
    # No expectations: the save goes through (last write wins).
    assert (
        client.put("/console/api/state-machines/flow", json={"definition": json.dumps(OTHER)})
    ).status_code == 200


# --- browser safety ------------------------------------------------------------------------
def test_the_designer_routes_refuse_cross_site_requests(engine, client):
    _create(client)
    before = engine.describe_state_machine({"stateMachineArn": _arn("flow")})
    evil = {"Origin": "http://evil.example"}
    requests = [
        ("GET", "/console/api/designer", None),
        ("POST", "/console/api/state-machines", {"name": "x", "definition": json.dumps(PASS)}),
        ("PUT", "/console/api/state-machines/flow", {"definition": json.dumps(OTHER)}),
    ]
    for method, path, body in requests:
        refused = client.open(path, method=method, json=body, headers=evil)
        assert (refused.status_code, refused.json["error"]) == (403, "FORBIDDEN_ORIGIN"), path
        rebound = client.open(path, method=method, json=body, headers={"Host": "evil.example"})
        assert (rebound.status_code, rebound.json["error"]) == (403, "FORBIDDEN_HOST"), path
        if body is not None:
            form = client.open(
                path, method=method, data={"definition": "x"}, content_type="text/plain"
            )
            assert (form.status_code, form.json["error"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    same_site = client.get("/console/api/designer", headers={"Origin": "http://localhost"})
    assert same_site.status_code == 200
    assert [m["name"] for m in engine.list_state_machines({})["stateMachines"]] == ["flow"]
    assert engine.describe_state_machine({"stateMachineArn": _arn("flow")}) == before
