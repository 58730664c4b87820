"""Versions, aliases and tags through boto3 and the AWS CLI, unchanged, against a real
orchestrator process; every raw response is checked against botocore's model
(model_check), so an extra or mistyped member fails the test."""

from __future__ import annotations

import json

import pytest
from model_check import checked
from orchestrator_server import Orchestrator, aws_cli, aws_cli_env, wait_finished

from tests.support.aws import stepfunctions_client

pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
PREFIX = "arn:aws:states:us-east-1:123456789012:stateMachine:"


def pass_result(value) -> str:
    return json.dumps(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": value, "End": True}}}
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Orchestrator(
        tmp_path_factory.mktemp("orchestrator-versions"), {"ORCHESTRATOR_ROUTING_SEED": "42"}
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def client(server):
    sfn = stepfunctions_client(server.url)
    return sfn, checked(sfn)


@pytest.fixture
def sfn(client):
    sfn, checks = client
    checks.problems.clear()
    before = checks.responses
    yield sfn
    assert checks.responses > before  # the hook saw this test's responses
    assert checks.problems == [], "responses that do not fit botocore's model"


def test_terraform_style_sequence(sfn):
    """What an infrastructure tool does: create with tags, publish, alias, read everything
    back (as a refresh does), update and publish again, re-route, then delete it all."""
    created = sfn.create_state_machine(
        name="tf",
        definition=pass_result("v1"),
        roleArn=ROLE,
        tags=[{"key": "team", "value": "orders"}, {"key": "env", "value": "dev"}],
        publish=True,
        versionDescription="first",
    )
    arn = created["stateMachineArn"]
    v1 = created["stateMachineVersionArn"]
    assert v1 == arn + ":1"
    alias_arn = sfn.create_state_machine_alias(
        name="live",
        description="production traffic",
        routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}],
    )["stateMachineAliasArn"]
    assert alias_arn == arn + ":live"
    # A refresh.
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"key": "team", "value": "orders"},
        {"key": "env", "value": "dev"},
    ]
    versions = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in versions] == [v1]
    aliases = sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"]
    assert [a["stateMachineAliasArn"] for a in aliases] == [alias_arn]
    assert sfn.describe_state_machine(stateMachineArn=v1)["description"] == "first"
    described = sfn.describe_state_machine_alias(stateMachineAliasArn=alias_arn)
    assert described["routingConfiguration"] == [{"stateMachineVersionArn": v1, "weight": 100}]
    # An apply that changes the definition publishes version 2 and shifts traffic.
    updated = sfn.update_state_machine(
        stateMachineArn=arn, definition=pass_result("v2"), publish=True
    )
    v2 = updated["stateMachineVersionArn"]
    assert v2 == arn + ":2" and updated["revisionId"]
    sfn.update_state_machine_alias(
        stateMachineAliasArn=alias_arn,
        routingConfiguration=[
            {"stateMachineVersionArn": v1, "weight": 10},
            {"stateMachineVersionArn": v2, "weight": 90},
        ],
    )
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "prod"}])
    sfn.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "env", "value": "prod"}]
    with pytest.raises(sfn.exceptions.ConflictException):
        sfn.delete_state_machine_version(stateMachineVersionArn=v1)
    # A destroy: alias, versions, then the state machine.
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias_arn)
    sfn.delete_state_machine_version(stateMachineVersionArn=v1)
    sfn.delete_state_machine_version(stateMachineVersionArn=v2)
    assert sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"] == []
    sfn.delete_state_machine(stateMachineArn=arn)
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=arn)


def test_executions_through_versions_and_aliases(sfn):
    arn = sfn.create_state_machine(
        name="routed", definition=pass_result("one"), roleArn=ROLE, publish=True
    )["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=pass_result("two"), publish=True)
    alias_arn = sfn.create_state_machine_alias(
        name="split",
        routingConfiguration=[
            {"stateMachineVersionArn": arn + ":1", "weight": 50},
            {"stateMachineVersionArn": arn + ":2", "weight": 50},
        ],
    )["stateMachineAliasArn"]
    seen = set()
    for i in range(30):
        execution = sfn.start_execution(stateMachineArn=alias_arn, name=f"r{i}")["executionArn"]
        out = wait_finished(sfn, execution)
        assert out["stateMachineArn"] == arn
        assert out["stateMachineAliasArn"] == alias_arn
        version = out["stateMachineVersionArn"]
        assert json.loads(out["output"]) == {arn + ":1": "one", arn + ":2": "two"}[version]
        seen.add(version)
    assert seen == {arn + ":1", arn + ":2"}  # 30 draws at 50/50 with seed 42
    through_version = sfn.list_executions(stateMachineArn=arn + ":2")["executions"]
    assert through_version and all(
        e["stateMachineVersionArn"] == arn + ":2" for e in through_version
    )
    through_alias = sfn.list_executions(stateMachineArn=alias_arn)["executions"]
    assert len(through_alias) == 30


def test_error_shapes(sfn):
    arn = sfn.create_state_machine(
        name="errs", definition=pass_result(1), roleArn=ROLE, publish=True
    )["stateMachineArn"]
    ex = sfn.exceptions
    cases = [
        (ex.InvalidArn, sfn.publish_state_machine_version, {"stateMachineArn": "invalid_arn"}),
        (
            ex.StateMachineDoesNotExist,
            sfn.publish_state_machine_version,
            {"stateMachineArn": PREFIX + "none"},
        ),
        (
            ex.ConflictException,
            sfn.publish_state_machine_version,
            {"stateMachineArn": arn, "revisionId": "old"},
        ),
        (
            ex.InvalidToken,
            sfn.list_state_machine_versions,
            {"stateMachineArn": arn, "nextToken": "bad"},
        ),
        (ex.InvalidArn, sfn.delete_state_machine_version, {"stateMachineVersionArn": arn}),
        (
            ex.ValidationException,
            sfn.create_state_machine_alias,
            {
                "name": "bad",
                "routingConfiguration": [{"stateMachineVersionArn": arn, "weight": 100}],
            },
        ),
        (
            ex.ValidationException,
            sfn.create_state_machine_alias,
            {
                "name": "123",
                "routingConfiguration": [{"stateMachineVersionArn": arn + ":1", "weight": 100}],
            },
        ),
        (
            ex.ResourceNotFound,
            sfn.create_state_machine_alias,
            {
                "name": "gone",
                "routingConfiguration": [{"stateMachineVersionArn": arn + ":9", "weight": 100}],
            },
        ),
        (
            ex.ResourceNotFound,
            sfn.describe_state_machine_alias,
            {"stateMachineAliasArn": arn + ":nope"},
        ),
        (
            ex.ResourceNotFound,
            sfn.update_state_machine_alias,
            {"stateMachineAliasArn": arn + ":nope", "description": "x"},
        ),
        (ex.InvalidArn, sfn.delete_state_machine_alias, {"stateMachineAliasArn": arn + ":1"}),
        (
            ex.StateMachineDoesNotExist,
            sfn.list_state_machine_aliases,
            {"stateMachineArn": PREFIX + "none"},
        ),
        (
            ex.ResourceNotFound,
            sfn.tag_resource,
            {"resourceArn": arn + ":1", "tags": [{"key": "k", "value": "v"}]},
        ),
        (
            ex.ResourceNotFound,
            sfn.untag_resource,
            {"resourceArn": PREFIX + "none", "tagKeys": ["k"]},
        ),
        (ex.InvalidArn, sfn.list_tags_for_resource, {"resourceArn": "nonsense"}),
        (
            ex.ValidationException,
            sfn.tag_resource,
            {"resourceArn": arn, "tags": [{"key": "aws:x", "value": "v"}]},
        ),
    ]
    for exception, call, kwargs in cases:
        with pytest.raises(exception):
            call(**kwargs)
    with pytest.raises(ex.TooManyTags) as err:
        sfn.tag_resource(resourceArn=arn, tags=[{"key": f"k{i}", "value": "v"} for i in range(51)])
    assert err.value.response["resourceName"] == arn
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == []


def test_the_cli_publishes_routes_and_tags(server, tmp_path):
    run = aws_cli(server.url, aws_cli_env(tmp_path))

    def aws(*args: str) -> dict:
        return json.loads(run(*args).stdout or "{}")

    arn = aws(
        "create-state-machine",
        "--name",
        "cli",
        "--definition",
        pass_result("cli"),
        "--role-arn",
        ROLE,
        "--publish",
        "--tags",
        "key=team,value=cli",
    )["stateMachineArn"]
    alias_arn = aws(
        "create-state-machine-alias",
        "--name",
        "live",
        "--routing-configuration",
        f"stateMachineVersionArn={arn}:1,weight=100",
    )["stateMachineAliasArn"]
    assert (
        aws("list-state-machine-versions", "--state-machine-arn", arn)["stateMachineVersions"][0][
            "stateMachineVersionArn"
        ]
        == arn + ":1"
    )
    assert (
        aws("describe-state-machine-alias", "--state-machine-alias-arn", alias_arn)["name"]
        == "live"
    )
    assert aws("list-tags-for-resource", "--resource-arn", arn)["tags"] == [
        {"key": "team", "value": "cli"}
    ]
    version = aws(
        "publish-state-machine-version", "--state-machine-arn", arn, "--description", "again"
    )
    assert version["stateMachineVersionArn"] == arn + ":1"  # nothing changed since version 1
