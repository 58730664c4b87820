"""The designer's pure helpers (orchestrator.console.designer)."""

from __future__ import annotations

import json

from orchestrator.asl.validator import validate
from orchestrator.console import designer

CONNECTION = "arn:aws:events:eu-west-1:111122223333:connection/c/1"


def test_presets_are_sorted_http_then_lambda_and_independent_copies():
    presets = designer.presets(
        {"b:2": "x", "a": "http://y/"}, {"Zed": "python:m:f", "Alpha": "http://z/"}, CONNECTION
    )
    assert [p["id"] for p in presets] == ["http-a", "http-b-2", "lambda-Alpha", "lambda-Zed"]
    assert [p["title"] for p in presets] == ["HTTP a", "HTTP b:2", "Lambda Alpha", "Lambda Zed"]
    presets[0]["state"]["Retry"][0]["MaxAttempts"] = 99
    again = designer.presets({"a": "x"}, {}, CONNECTION)
    assert again[0]["state"]["Retry"][0]["MaxAttempts"] == 3
    assert again[0]["state"]["Parameters"]["Authentication"] == {"ConnectionArn": CONNECTION}
    assert designer.presets({}, {}, CONNECTION) == []


def test_preset_states_validate_like_the_shipped_tasks():
    http = designer.http_preset("users:8001", CONNECTION)
    del http["End"]
    states = {"H": dict(http, Next="L"), "L": designer.lambda_preset("CreateUser")}
    text = json.dumps({"StartAt": "H", "States": states})
    assert [d for d in validate(text) if d.severity == "ERROR"] == []


def test_connection_role_logging_and_templates():
    assert designer.connection_arn({"*": {}}, "aws", "us-east-1", "123").startswith(
        "arn:aws:events:us-east-1:123:connection/local-services/"
    )
    assert designer.connection_arn({"*": {}, CONNECTION: {}}, "aws", "r", "a") == CONNECTION
    assert designer.role_arn("aws-cn", "42") == "arn:aws-cn:iam::42:role/StepFunctionsRole"
    assert designer.logging_configuration("OFF") == {
        "level": "OFF",
        "includeExecutionData": False,
    }
    assert designer.logging_configuration("ALL")["includeExecutionData"] is True
    assert [t["id"] for t in designer.templates(None)] == ["blank", "hello-world"]
    assert [t["id"] for t in designer.templates("[1]")] == ["blank", "hello-world"]
    assert [t["id"] for t in designer.templates("{nope")] == ["blank", "hello-world"]
    flow = designer.templates('{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}')[2]
    assert flow["definition"] == designer.pretty(json.loads(flow["definition"]))
