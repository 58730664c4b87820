"""Versions, aliases and tags, with the behaviour and messages AWS recorded
(shared/conformance-more/cases/api/test_sfn_api_{versioning,aliasing,tagging}*)."""

import json
from collections import Counter

import pytest
from engine_helpers import PASS, ROLE, SM_PREFIX, create, definition, history, run_to_end

from orchestrator.engine.errors import ApiError
from orchestrator.engine.versions import Versions

SM = SM_PREFIX + "sm"


def api_error(fn, request) -> ApiError:
    with pytest.raises(ApiError) as err:
        fn(request)
    return err.value


def pass_result(value: str) -> str:
    return definition({"P": {"Type": "Pass", "Result": value, "End": True}})


def versions_of(engine, arn=SM, **extra) -> list[str]:
    out = engine.list_state_machine_versions({"stateMachineArn": arn, **extra})
    return [v["stateMachineVersionArn"] for v in out["stateMachineVersions"]]


def alias(engine, name, *routing, description=None) -> str:
    request = {
        "name": name,
        "routingConfiguration": [
            {"stateMachineVersionArn": arn, "weight": weight} for arn, weight in routing
        ],
    }
    if description is not None:
        request["description"] = description
    return engine.create_state_machine_alias(request)["stateMachineAliasArn"]


# -- versions ---------------------------------------------------------------------------------
def test_create_with_publish_describes_the_version(engine):
    out = engine.create_state_machine(
        {
            "name": "sm",
            "definition": PASS,
            "roleArn": ROLE,
            "publish": True,
            "versionDescription": "HelloWorld!",
        }
    )
    assert out["stateMachineVersionArn"] == SM + ":1"
    version = engine.describe_state_machine({"stateMachineArn": SM + ":1"})
    assert version == {
        "stateMachineArn": SM + ":1",
        "name": "sm",
        "status": "ACTIVE",
        "definition": PASS,
        "roleArn": ROLE,
        "type": "STANDARD",
        "creationDate": version["creationDate"],
        "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
        "tracingConfiguration": {"enabled": False},
        "description": "HelloWorld!",
    }
    # The state machine itself carries no version description.
    assert "description" not in engine.describe_state_machine({"stateMachineArn": SM})


def test_version_description_needs_publish(engine):
    request = {"name": "sm", "definition": PASS, "roleArn": ROLE, "versionDescription": "x"}
    err = api_error(engine.create_state_machine, request)
    assert (err.code, err.message) == (
        "ValidationException",
        "Version description can only be set when publish is true",
    )
    create(engine)
    err = api_error(engine.update_state_machine, {"stateMachineArn": SM, "versionDescription": "x"})
    assert err.code == "ValidationException"


def test_update_with_publish_counts_versions_newest_first(engine):
    create(engine)
    for n in range(1, 4):
        out = engine.update_state_machine(
            {"stateMachineArn": SM, "definition": pass_result(f"r{n}"), "publish": True}
        )
        assert out["stateMachineVersionArn"] == f"{SM}:{n}"
        assert out["revisionId"]
    assert versions_of(engine) == [f"{SM}:3", f"{SM}:2", f"{SM}:1"]
    # Each version keeps the definition it was published with.
    v1 = engine.describe_state_machine({"stateMachineArn": SM + ":1"})
    assert json.loads(v1["definition"])["States"]["P"]["Result"] == "r1"


def test_a_version_arn_names_no_state_machine_to_update_or_delete(engine):
    create(engine, publish=True)
    for request in ({"definition": PASS}, {"publish": True}):
        err = api_error(engine.update_state_machine, {"stateMachineArn": SM + ":1", **request})
        assert (err.code, err.message) == (
            "StateMachineDoesNotExist",
            f"State Machine Does Not Exist: '{SM}:1'",
        )
    err = api_error(engine.delete_state_machine, {"stateMachineArn": SM + ":1"})
    assert err.code == "ValidationException"
    err = api_error(engine.describe_state_machine, {"stateMachineArn": SM + ":7"})
    assert err.code == "StateMachineDoesNotExist"


def test_publishing_an_unchanged_revision_returns_the_same_version(engine):
    create(engine, publish=True)
    # No change since version 1: the same version, and no revision appears.
    for _ in range(2):
        out = engine.update_state_machine({"stateMachineArn": SM, "publish": True})
        assert out["stateMachineVersionArn"] == SM + ":1"
        assert "revisionId" not in out
        assert (
            engine.publish_state_machine_version({"stateMachineArn": SM})["stateMachineVersionArn"]
            == SM + ":1"
        )
    assert versions_of(engine) == [SM + ":1"]


def test_publish_checks_the_revision_id(engine):
    create(engine)
    first = engine.update_state_machine({"stateMachineArn": SM, "definition": pass_result("a")})
    published = engine.publish_state_machine_version(
        {"stateMachineArn": SM, "revisionId": first["revisionId"], "description": "v1"}
    )
    assert published["stateMachineVersionArn"] == SM + ":1"
    described = engine.describe_state_machine({"stateMachineArn": SM + ":1"})
    assert described["revisionId"] == first["revisionId"]
    assert described["description"] == "v1"
    second = engine.update_state_machine({"stateMachineArn": SM, "definition": pass_result("b")})
    err = api_error(
        engine.publish_state_machine_version,
        {"stateMachineArn": SM, "revisionId": first["revisionId"]},
    )
    assert (err.code, err.message) == (
        "ConflictException",
        f"Failed to publish the State Machine version for revision {first['revisionId']}. "
        f"The current State Machine revision is {second['revisionId']}.",
    )


def test_publish_errors(engine):
    err = api_error(engine.publish_state_machine_version, {"stateMachineArn": "invalid_arn"})
    assert (err.code, err.message) == (
        "InvalidArn",
        "Invalid Arn: 'Invalid ARN prefix: invalid_arn'",
    )
    err = api_error(engine.publish_state_machine_version, {"stateMachineArn": SM_PREFIX + "none"})
    assert err.code == "StateMachineDoesNotExist"


def test_version_numbers_are_never_reused(engine):
    create(engine, publish=True)
    engine.update_state_machine(
        {"stateMachineArn": SM, "definition": pass_result("a"), "publish": True}
    )
    for _ in range(2):  # deleting twice (or a version that never was) is not an error
        assert engine.delete_state_machine_version({"stateMachineVersionArn": SM + ":2"}) == {}
    engine.update_state_machine({"stateMachineArn": SM, "definition": pass_result("b")})
    out = engine.publish_state_machine_version({"stateMachineArn": SM})
    assert out["stateMachineVersionArn"] == SM + ":3"
    assert versions_of(engine) == [SM + ":3", SM + ":1"]
    err = api_error(engine.delete_state_machine_version, {"stateMachineVersionArn": SM})
    assert err.code == "InvalidArn"


def test_list_versions_pages(engine):
    create(engine)
    for n in range(13):
        engine.update_state_machine(
            {"stateMachineArn": SM, "definition": pass_result(str(n)), "publish": True}
        )
    page = engine.list_state_machine_versions({"stateMachineArn": SM, "maxResults": 10})
    assert [v["stateMachineVersionArn"] for v in page["stateMachineVersions"]] == [
        f"{SM}:{n}" for n in range(13, 3, -1)
    ]
    rest = versions_of(engine, maxResults=3, nextToken=page["nextToken"])
    assert rest == [f"{SM}:3", f"{SM}:2", f"{SM}:1"]
    err = api_error(
        engine.list_state_machine_versions, {"stateMachineArn": SM, "nextToken": "garbage"}
    )
    assert err.code == "InvalidToken"


def test_an_execution_of_a_version_runs_its_snapshot(engine):
    create(engine, defn=pass_result("v1"), publish=True)
    engine.update_state_machine({"stateMachineArn": SM, "definition": pass_result("latest")})
    through_version = run_to_end(engine, SM + ":1")
    assert json.loads(through_version["output"]) == "v1"
    assert through_version["stateMachineArn"] == SM
    assert through_version["stateMachineVersionArn"] == SM + ":1"
    assert "stateMachineAliasArn" not in through_version
    plain = run_to_end(engine, SM)
    assert json.loads(plain["output"]) == "latest"
    assert "stateMachineVersionArn" not in plain
    listed = engine.list_executions({"stateMachineArn": SM + ":1"})["executions"]
    assert [e["executionArn"] for e in listed] == [through_version["executionArn"]]
    assert listed[0]["stateMachineVersionArn"] == SM + ":1"
    assert len(engine.list_executions({"stateMachineArn": SM})["executions"]) == 2
    # DescribeStateMachineForExecution: the version's definition under the machine's ARN.
    described = engine.describe_state_machine_for_execution(
        {"executionArn": through_version["executionArn"]}
    )
    assert described["stateMachineArn"] == SM
    assert json.loads(described["definition"])["States"]["P"]["Result"] == "v1"


def test_versions_and_aliases_go_with_their_state_machine(engine):
    create(engine, publish=True)
    alias(engine, "live", (SM + ":1", 100))
    engine.delete_state_machine({"stateMachineArn": SM})
    create(engine)  # the same name again: a new state machine with no versions
    assert versions_of(engine) == []
    assert engine.list_state_machine_aliases({"stateMachineArn": SM})["stateMachineAliases"] == []
    err = api_error(engine.describe_state_machine, {"stateMachineArn": SM + ":1"})
    assert err.code == "StateMachineDoesNotExist"
    assert (
        engine.publish_state_machine_version({"stateMachineArn": SM})["stateMachineVersionArn"]
        == SM + ":1"
    )


def test_versions_and_aliases_survive_a_restart(make_engine):
    engine = make_engine()
    create(engine, publish=True)
    live = alias(engine, "live", (SM + ":1", 100), description="prod")
    engine.close()
    again = make_engine()
    assert versions_of(again) == [SM + ":1"]
    assert (
        again.describe_state_machine_alias({"stateMachineAliasArn": live})["description"] == "prod"
    )
    assert (
        again.publish_state_machine_version({"stateMachineArn": SM})["stateMachineVersionArn"]
        == SM + ":1"
    )


# -- aliases -----------------------------------------------------------------------------------
def test_alias_lifecycle(engine):
    create(engine, publish=True)
    engine.update_state_machine(
        {"stateMachineArn": SM, "definition": pass_result("b"), "publish": True}
    )
    assert engine.list_state_machine_aliases({"stateMachineArn": SM}) == {"stateMachineAliases": []}
    arn = alias(engine, "live", (SM + ":1", 100), description="create description")
    assert arn == SM + ":live"
    described = engine.describe_state_machine_alias({"stateMachineAliasArn": arn})
    assert described == {
        "stateMachineAliasArn": arn,
        "name": "live",
        "description": "create description",
        "routingConfiguration": [{"stateMachineVersionArn": SM + ":1", "weight": 100}],
        "creationDate": described["creationDate"],
    }
    engine.update_state_machine_alias({"stateMachineAliasArn": arn, "description": "new"})
    routing = [
        {"stateMachineVersionArn": SM + ":1", "weight": 50},
        {"stateMachineVersionArn": SM + ":2", "weight": 50},
    ]
    out = engine.update_state_machine_alias(
        {"stateMachineAliasArn": arn, "routingConfiguration": routing}
    )
    described = engine.describe_state_machine_alias({"stateMachineAliasArn": arn})
    assert described["description"] == "new"
    assert described["routingConfiguration"] == routing
    assert described["updateDate"] == out["updateDate"]
    # Aliases of a version: those that route to it.
    canary = alias(engine, "canary", (SM + ":2", 100))
    of_v1 = engine.list_state_machine_aliases({"stateMachineArn": SM + ":1"})
    assert [a["stateMachineAliasArn"] for a in of_v1["stateMachineAliases"]] == [arn]
    listed = engine.list_state_machine_aliases({"stateMachineArn": SM, "maxResults": 1})
    assert [a["stateMachineAliasArn"] for a in listed["stateMachineAliases"]] == [arn]
    rest = engine.list_state_machine_aliases(
        {"stateMachineArn": SM, "nextToken": listed["nextToken"]}
    )
    assert [a["stateMachineAliasArn"] for a in rest["stateMachineAliases"]] == [canary]
    assert "nextToken" not in rest
    for _ in range(2):  # deleting an alias that is gone is not an error
        assert engine.delete_state_machine_alias({"stateMachineAliasArn": arn}) == {}
    err = api_error(engine.describe_state_machine_alias, {"stateMachineAliasArn": arn})
    assert (err.code, err.message) == (
        "ResourceNotFound",
        "Request references a resource that does not exist.",
    )


def test_create_alias_is_idempotent_and_refuses_a_different_routing(engine):
    create(engine, publish=True)
    engine.update_state_machine(
        {"stateMachineArn": SM, "definition": pass_result("b"), "publish": True}
    )
    first = engine.create_state_machine_alias(
        {
            "name": "live",
            "routingConfiguration": [{"stateMachineVersionArn": SM + ":1", "weight": 100}],
        }
    )
    again = engine.create_state_machine_alias(
        {
            "name": "live",
            "routingConfiguration": [{"stateMachineVersionArn": SM + ":1", "weight": 100}],
        }
    )
    assert again == first
    err = api_error(
        engine.create_state_machine_alias,
        {
            "name": "live",
            "routingConfiguration": [{"stateMachineVersionArn": SM + ":2", "weight": 100}],
        },
    )
    assert (err.code, err.message) == (
        "ConflictException",
        "Failed to create alias because an alias with the same name and a different routing "
        "configuration already exists.",
    )


@pytest.mark.parametrize(
    "routing, message",
    [
        (
            [(SM + ":1", 50), (SM + ":1", 50)],
            f"Routing configuration must contain distinct state machine version ARNs. "
            f"Received: [{SM}:1, {SM}:1]",
        ),
        (
            [(SM, 50), (SM + ":2", 50)],
            f"Routing configuration must contain state machine version ARNs. "
            f"Received: [{SM}, {SM}:2]",
        ),
        (
            [(SM + ":1", 70), (SM + ":2", 29)],
            "Sum of routing configuration weights must equal 100. Received: [70, 29]",
        ),
        (
            [(SM + ":1", 70), (SM + ":2", 31)],
            "Sum of routing configuration weights must equal 100. Received: [70, 31]",
        ),
    ],
)
def test_bad_routing_configurations(engine, routing, message):
    create(engine, publish=True)
    engine.update_state_machine(
        {"stateMachineArn": SM, "definition": pass_result("b"), "publish": True}
    )
    request = {
        "name": "live",
        "routingConfiguration": [{"stateMachineVersionArn": a, "weight": w} for a, w in routing],
    }
    err = api_error(engine.create_state_machine_alias, request)
    assert (err.code, err.message) == ("ValidationException", message)


def test_routing_to_a_missing_version_or_unknown_alias(engine):
    create(engine, publish=True)
    request = {
        "name": "live",
        "routingConfiguration": [{"stateMachineVersionArn": SM + ":9", "weight": 100}],
    }
    assert api_error(engine.create_state_machine_alias, request).code == "ResourceNotFound"
    err = api_error(
        engine.update_state_machine_alias,
        {"stateMachineAliasArn": SM + ":nope", "description": "x"},
    )
    assert (err.code, err.message) == (
        "ResourceNotFound",
        "Request references a resource that does not exist.",
    )
    assert api_error(engine.start_execution, {"stateMachineArn": SM + ":nope"}).code == (
        "ResourceNotFound"
    )


def test_a_version_an_alias_routes_to_cannot_be_deleted(engine):
    create(engine, publish=True)
    engine.update_state_machine(
        {"stateMachineArn": SM, "definition": pass_result("b"), "publish": True}
    )
    arn = alias(engine, "state_machine_alias_name", (SM + ":1", 100))
    err = api_error(engine.delete_state_machine_version, {"stateMachineVersionArn": SM + ":1"})
    assert (err.code, err.message) == (
        "ConflictException",
        "Version to be deleted must not be referenced by an alias. Current list of aliases "
        "referencing this version: [state_machine_alias_name]",
    )
    engine.update_state_machine_alias(
        {
            "stateMachineAliasArn": arn,
            "routingConfiguration": [{"stateMachineVersionArn": SM + ":2", "weight": 100}],
        }
    )
    assert engine.delete_state_machine_version({"stateMachineVersionArn": SM + ":1"}) == {}


def test_an_execution_through_an_alias_reports_alias_and_version(engine):
    create(engine, defn=pass_result("v1"), publish=True)
    arn = alias(engine, "live", (SM + ":1", 100))
    engine.update_state_machine({"stateMachineArn": SM, "definition": pass_result("latest")})
    out = run_to_end(engine, arn)
    assert json.loads(out["output"]) == "v1"
    assert (out["stateMachineArn"], out["stateMachineAliasArn"], out["stateMachineVersionArn"]) == (
        SM,
        arn,
        SM + ":1",
    )
    listed = engine.list_executions({"stateMachineArn": arn})["executions"]
    assert [(e["stateMachineAliasArn"], e["stateMachineVersionArn"]) for e in listed] == [
        (arn, SM + ":1")
    ]
    started = history(engine, out["executionArn"])[0]["executionStartedEventDetails"]
    assert (started["stateMachineAliasArn"], started["stateMachineVersionArn"]) == (arn, SM + ":1")
    plain = run_to_end(engine, SM)
    started = history(engine, plain["executionArn"])[0]["executionStartedEventDetails"]
    assert "stateMachineVersionArn" not in started and "stateMachineAliasArn" not in started


def test_alias_routing_follows_the_weights(make_engine):
    """1,000 starts through a 70/30 alias with a fixed seed: each execution runs the version
    it reports, and the split is within 5 standard deviations of 70/30 (sd ~ 14.5)."""
    engine = make_engine(routing_seed=7)
    create(engine, defn=pass_result("one"), publish=True)
    engine.update_state_machine(
        {"stateMachineArn": SM, "definition": pass_result("two"), "publish": True}
    )
    arn = alias(engine, "split", (SM + ":1", 70), (SM + ":2", 30))
    started = [
        engine.start_execution({"stateMachineArn": arn, "name": f"e{i}"})["executionArn"]
        for i in range(1000)
    ]
    counts: Counter = Counter()
    for execution in started:
        out = engine.wait_for(execution, timeout=60)
        assert out["status"] == "SUCCEEDED"
        expected = {SM + ":1": "one", SM + ":2": "two"}[out["stateMachineVersionArn"]]
        assert json.loads(out["output"]) == expected
        counts[out["stateMachineVersionArn"]] += 1
    assert abs(counts[SM + ":1"] - 700) < 5 * 14.5, counts


def test_alias_picks_are_repeatable_with_a_seed(engine):
    routing = {
        "routingConfiguration": [
            {"stateMachineVersionArn": SM + ":1", "weight": 10},
            {"stateMachineVersionArn": SM + ":2", "weight": 90},
        ]
    }
    picks = []
    for seed in (3, 3):
        draws = Versions(engine.store, seed)
        picks.append([draws.pick(routing) for _ in range(200)])
    assert picks[0] == picks[1]
    assert set(picks[0]) == {SM + ":1", SM + ":2"}
    draws = Versions(engine.store, 11)
    counts = Counter(draws.pick(routing) for _ in range(10_000))
    assert abs(counts[SM + ":1"] - 1000) < 5 * 30, counts  # sd = sqrt(10000 * .1 * .9)


def test_the_picked_version_is_recorded_across_a_restart(make_engine):
    engine = make_engine()
    wait = definition(
        {
            "W": {"Type": "Wait", "Seconds": 5, "Next": "P"},
            "P": {"Type": "Pass", "Result": "v1", "End": True},
        }
    )
    create(engine, defn=wait, publish=True)
    engine.update_state_machine(
        {"stateMachineArn": SM, "definition": pass_result("v2"), "publish": True}
    )
    arn = alias(engine, "split", (SM + ":1", 50), (SM + ":2", 50))
    runs = [
        engine.start_execution({"stateMachineArn": arn, "name": f"e{i}"})["executionArn"]
        for i in range(20)
    ]
    before = {
        r: engine.describe_execution({"executionArn": r})["stateMachineVersionArn"] for r in runs
    }
    engine.close()
    again = make_engine()
    for run in runs:
        out = again.wait_for(run, timeout=30)
        assert out["stateMachineVersionArn"] == before[run]
        assert json.loads(out["output"]) == {SM + ":1": "v1", SM + ":2": "v2"}[before[run]]


# -- tags ------------------------------------------------------------------------------------
def tags_of(engine, arn=SM) -> list[dict]:
    return engine.list_tags_for_resource({"resourceArn": arn})["tags"]


def test_create_with_tags_and_tag_untag(engine):
    create(engine, tags=[{"key": "key1", "value": "value1"}, {"key": "key2", "value": "value2"}])
    assert tags_of(engine) == [
        {"key": "key1", "value": "value1"},
        {"key": "key2", "value": "value2"},
    ]
    engine.tag_resource(
        {"resourceArn": SM, "tags": [{"key": "key1", "value": "new"}, {"key": "k3", "value": ""}]}
    )
    assert tags_of(engine) == [
        {"key": "key1", "value": "new"},
        {"key": "key2", "value": "value2"},
        {"key": "k3", "value": ""},
    ]
    assert engine.untag_resource({"resourceArn": SM, "tagKeys": []}) == {}
    assert len(tags_of(engine)) == 3
    engine.untag_resource({"resourceArn": SM, "tagKeys": ["key1", "key1", "absent"]})
    assert [t["key"] for t in tags_of(engine)] == ["key2", "k3"]


def test_the_same_key_twice_in_one_request_keeps_one_tag(engine):
    create(engine)
    engine.tag_resource(
        {
            "resourceArn": SM,
            "tags": [{"key": "key1", "value": "value1"}, {"key": "key1", "value": "value1"}],
        }
    )
    assert tags_of(engine) == [{"key": "key1", "value": "value1"}]


def test_tag_limits(engine):
    create(engine)
    engine.tag_resource(
        {"resourceArn": SM, "tags": [{"key": f"k{i}", "value": "v"} for i in range(50)]}
    )
    err = api_error(
        engine.tag_resource, {"resourceArn": SM, "tags": [{"key": "one-more", "value": "v"}]}
    )
    assert err.code == "TooManyTags"
    assert len(tags_of(engine)) == 50  # nothing changed
    engine.tag_resource(
        {"resourceArn": SM, "tags": [{"key": "k0", "value": "replaced"}]}
    )  # still 50
    for bad in (
        {"key": "aws:owner", "value": "x"},
        {"key": "a" * 129, "value": "x"},
        {"key": "k", "value": "v" * 257},
        {"key": "semi;colon", "value": "x"},
    ):
        err = api_error(engine.tag_resource, {"resourceArn": SM, "tags": [bad]})
        assert err.code == "ValidationException", bad
    request = {
        "name": "t",
        "definition": PASS,
        "roleArn": ROLE,
        "tags": [{"key": f"k{i}", "value": "v"} for i in range(51)],
    }
    assert api_error(engine.create_state_machine, request).code == "TooManyTags"


def test_only_state_machines_and_activities_carry_tags(engine):
    create(engine, publish=True)
    for arn in (SM + ":1", SM_PREFIX + "absent"):
        err = api_error(
            engine.tag_resource, {"resourceArn": arn, "tags": [{"key": "k", "value": "v"}]}
        )
        assert (err.code, err.message) == ("ResourceNotFound", f"Resource not found: '{arn}'")
    assert (
        api_error(engine.list_tags_for_resource, {"resourceArn": "nonsense"}).code == "InvalidArn"
    )


def test_tags_survive_a_restart(make_engine):
    engine = make_engine()
    create(engine, tags=[{"key": "team", "value": "orders"}])
    engine.close()
    assert tags_of(make_engine()) == [{"key": "team", "value": "orders"}]


def test_a_deleting_state_machine_takes_no_new_version_or_alias(engine):
    wait = definition({"W": {"Type": "Wait", "Seconds": 100_000, "End": True}})
    create(engine, defn=wait, publish=True)
    engine.start_execution({"stateMachineArn": SM})
    engine.delete_state_machine({"stateMachineArn": SM})  # DELETING while it runs
    err = api_error(engine.publish_state_machine_version, {"stateMachineArn": SM})
    assert err.code == "StateMachineDeleting"
    request = {
        "name": "live",
        "routingConfiguration": [{"stateMachineVersionArn": SM + ":1", "weight": 100}],
    }
    assert api_error(engine.create_state_machine_alias, request).code == "StateMachineDeleting"


def test_the_number_of_versions_is_bounded(engine, monkeypatch):
    from orchestrator.engine import versions

    monkeypatch.setattr(versions, "MAX_VERSIONS", 2)
    create(engine, publish=True)
    engine.update_state_machine(
        {"stateMachineArn": SM, "definition": pass_result("b"), "publish": True}
    )
    engine.update_state_machine({"stateMachineArn": SM, "definition": pass_result("c")})
    err = api_error(engine.publish_state_machine_version, {"stateMachineArn": SM})
    assert err.code == "ServiceQuotaExceededException"
    engine.delete_state_machine_version({"stateMachineVersionArn": SM + ":1"})
    assert (
        engine.publish_state_machine_version({"stateMachineArn": SM})["stateMachineVersionArn"]
        == SM + ":3"
    )
