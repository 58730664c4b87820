"""tests/support/aws_setup.py: the AWS ``setup`` of the conformance-more cases created on the
moto server, and the placeholder helpers.

Every case of ``services/`` and ``callback/`` whose setup has AWS entries that create_setup
supports is set up on moto, and each resource is then looked up with its real name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.corpus import CORPUS
from tests.support.aws_setup import (
    OTHER_KINDS,
    SUPPORTED_KINDS,
    Unsupported,
    check_supported,
    create_setup,
    other_setup,
    substitute,
    unsubstitute,
)

pytest_plugins = ["tests.support.moto_fixtures"]

CASES = CORPUS.parent / "conformance-more" / "cases"
GROUPS = ("services", "callback")


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


ALL = {
    "%s/%s" % (path.parent.name, path.stem): _load(path)
    for group in GROUPS
    for path in sorted((CASES / group).glob("*.json"))
}


def _aws_entries(case: dict) -> list[dict]:
    return [entry for entry in case.get("setup") or [] if entry["resource"] not in OTHER_KINDS]


def _left_out(case: dict) -> str | None:
    """Why create_setup cannot set the case up (None: it can)."""
    try:
        check_supported(case)
    except Unsupported as error:
        return str(error)
    return None


COVERED = {name: case for name, case in ALL.items() if _aws_entries(case) and not _left_out(case)}
LEFT_OUT = {name: _left_out(case) for name, case in ALL.items() if _left_out(case)}
NO_AWS_SETUP = [name for name, case in ALL.items() if not _aws_entries(case)]


# -- placeholders (no server) -----------------------------------------------------------------


def test_substitute_replaces_inside_strings_lists_and_dict_values_not_keys():
    mapping = {"<q>": "real-q", "bucket-name": "b1"}
    value = {"<q>": ["<q>", "s3://bucket-name/key", 3, None, True], "n": {"deep": "x<q>y"}}
    assert substitute(value, mapping) == {
        "<q>": ["real-q", "s3://b1/key", 3, None, True],
        "n": {"deep": "xreal-qy"},
    }
    assert value["n"]["deep"] == "x<q>y"  # not changed in place
    assert substitute(value, {}) == value


def test_substitute_prefers_the_longest_placeholder_and_replaces_once():
    url = "https://sqs.<region>.amazonaws.com/111111111111/test-queue-<uid>"
    mapping = {"<uid>": "u1", "test-queue-<uid>": "test-queue-u1", url: "http://h/1/test-queue-u1"}
    assert substitute(url, mapping) == "http://h/1/test-queue-u1"
    assert substitute("arn:<partition>:sqs:<region>:111111111111:test-queue-<uid>", mapping) == (
        "arn:<partition>:sqs:<region>:111111111111:test-queue-u1"
    )
    # One pass: a real value that looks like another placeholder stays as it is.
    assert substitute("<x> <y>", {"<x>": "<y>", "<y>": "z"}) == "<y> z"


def test_unsubstitute_is_the_reverse_and_longest_real_value_first():
    mapping = {
        "<sqs_queue_name>": "sqs_queue_name",
        "<sqs_queue_url>": "http://127.0.0.1:1/123456789012/sqs_queue_name",
    }
    sent = {"QueueUrl": "<sqs_queue_url>", "Name": "<sqs_queue_name>"}
    assert unsubstitute(substitute(sent, mapping), mapping) == sent
    assert unsubstitute(["queue sqs_queue_name"], mapping) == ["queue <sqs_queue_name>"]


def test_unsubstitute_gives_the_placeholder_added_last_for_one_real_value():
    mapping = {"sfn_test_table_<uid>": "sfn_test_table_u1", "<test-table>": "sfn_test_table_u1"}
    assert unsubstitute({"TableName": "sfn_test_table_u1"}, mapping) == {
        "TableName": "<test-table>"
    }


def test_other_setup_returns_the_engines_entries_untouched():
    machine = {"resource": "state-machine", "ref": "sm0", "definition": {"StartAt": "A"}}
    activity = {"resource": "activity", "name": "activity_name"}
    case = {"setup": [machine, {"resource": "s3-bucket", "Bucket": "b"}, activity]}
    assert other_setup(case) == [machine, activity]
    assert other_setup(case)[0] is machine
    assert other_setup({}) == []


@pytest.mark.parametrize(
    "entry, kind, reason",
    [
        ({"resource": "ecs-cluster"}, "ecs-cluster", "no way to create it"),
        (
            {
                "resource": "api-call",
                "service": "logs",
                "operation": "DescribeLogGroups",
                "params": {"logGroupNamePrefix": "<unresolved: result of fixture>"},
            },
            "api-call",
            "only known when the test ran",
        ),
        (
            {"resource": "api-call", "service": "stepfunctions", "operation": "ListActivities"},
            "api-call",
            "the engine's",
        ),
        (
            {"resource": "api-call", "service": "s3", "operation": "NoSuchThing"},
            "api-call",
            "no operation",
        ),
        (
            {"resource": "api-call", "service": "no-such-service", "operation": "X"},
            "api-call",
            "no operation",
        ),
    ],
)
def test_unsupported_entries_are_named_before_anything_is_created(entry, kind, reason):
    case = {"setup": [{"resource": "sqs-queue", "QueueName": "q"}, entry]}
    with pytest.raises(Unsupported, match=reason) as error:
        check_supported(case)
    assert error.value.kind == kind
    assert reason in error.value.reason


def test_every_kind_of_the_readme_but_the_engines_is_supported():
    assert SUPPORTED_KINDS == {
        "sqs-queue",
        "sns-topic",
        "dynamodb-table",
        "s3-bucket",
        "eventbridge-bus",
        "eventbridge-rule",
        "eventbridge-rule-to-sqs-queue",
        "sns-sqs-subscription",
        "sqs-queue-policy-allow-sns",
        "api-call",
    }
    assert not SUPPORTED_KINDS & OTHER_KINDS


# -- on the moto server -----------------------------------------------------------------------

# The setup fields that hold a placeholder create_setup must map, per kind.
PLACEHOLDER_FIELDS = {
    "sqs-queue": ("QueueName", "QueueUrl"),
    "sns-topic": ("Name", "TopicArn"),
    "dynamodb-table": ("TableName",),
    "s3-bucket": ("Bucket",),
    "eventbridge-rule-to-sqs-queue": ("QueueName", "QueueUrl"),
    "sqs-queue-policy-allow-sns": ("QueueUrl", "TopicArn"),
}
# Fields of a case's input that name a resource of its setup.
RESOURCE_FIELDS = ("QueueUrl", "TopicArn", "TableName", "Bucket")
READ_ONLY = ("Get", "Describe", "List", "Head")


def test_how_many_cases_are_covered(capsys):
    with capsys.disabled():
        print(
            "\ncreate_setup covers %d of the %d cases of %s (%d have no AWS setup, %d left out)"
            % (len(COVERED), len(ALL), " and ".join(GROUPS), len(NO_AWS_SETUP), len(LEFT_OUT))
        )
        for name, reason in sorted(LEFT_OUT.items()):
            print("  left out %s: %s" % (name, reason))
    assert len(COVERED) >= 58, "../shared/conformance-more/cases/{services,callback} changed?"


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(COVERED))
def test_create_setup_creates_the_cases_resources(moto, name):
    case = COVERED[name]
    mapping = create_setup(case, moto)
    for entry in _aws_entries(case):
        for field in PLACEHOLDER_FIELDS.get(entry["resource"], ()):
            if field in entry:
                assert entry[field] in mapping, (entry["resource"], field)
    check_resources(moto, case, mapping)
    # What the case passes to its states names the resources created (aliases included).
    for field, value in _fields(substitute(case.get("input"), mapping)):
        assert value in mapping.values(), (field, value)


def _fields(value):
    if isinstance(value, dict):
        for key, child in value.items():
            if key in RESOURCE_FIELDS and isinstance(child, str):
                yield key, child
            else:
                yield from _fields(child)
    elif isinstance(value, list):
        for child in value:
            yield from _fields(child)


def check_resources(moto, case: dict, mapping: dict) -> None:
    """Every AWS entry of the case's setup is there on moto, under its real name."""

    def real(value):
        return substitute(value, mapping)

    entries = _aws_entries(case)
    deleted_topics = {
        real(entry["params"]["TopicArn"])
        for entry in entries
        if entry["resource"] == "api-call" and entry["operation"] == "DeleteTopic"
    }
    for entry in entries:
        CHECKS[entry["resource"]](moto, entry, real, deleted_topics)


def _queue_url(moto, entry, real) -> str:
    if entry.get("QueueUrl"):
        return real(entry["QueueUrl"])
    return moto.client("sqs").get_queue_url(QueueName=real(entry["QueueName"]))["QueueUrl"]


def _check_queue(moto, entry, real, deleted_topics):
    attributes = moto.client("sqs").get_queue_attributes(
        QueueUrl=_queue_url(moto, entry, real), AttributeNames=["All"]
    )["Attributes"]
    assert attributes["QueueArn"].endswith(":" + real(entry["QueueName"]))
    for key, value in (entry.get("Attributes") or {}).items():
        expected = ("true" if value else "false") if isinstance(value, bool) else str(value)
        assert attributes[key] == expected


def _check_topic(moto, entry, real, deleted_topics):
    sns = moto.client("sns")
    arn = real(entry["TopicArn"])
    if arn in deleted_topics:
        with pytest.raises(ClientError, match="NotFound"):
            sns.get_topic_attributes(TopicArn=arn)
        return
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["TopicArn"].endswith(":" + real(entry["Name"]))
    if entry["Name"].endswith(".fifo"):
        assert attributes["FifoTopic"] == "true"


def _check_table(moto, entry, real, deleted_topics):
    table = moto.client("dynamodb").describe_table(TableName=real(entry["TableName"]))["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == entry["KeySchema"]
    if entry.get("BillingMode"):
        assert table["BillingModeSummary"]["BillingMode"] == entry["BillingMode"]


def _check_bucket(moto, entry, real, deleted_topics):
    moto.client("s3").head_bucket(Bucket=real(entry["Bucket"]))


def _check_rule_to_queue(moto, entry, real, deleted_topics):
    sqs, events = moto.client("sqs"), moto.client("events")
    url = _queue_url(moto, entry, real)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "Policy"])
    bus = real(entry.get("EventBusName") or "default")
    [rule] = events.list_rule_names_by_target(
        TargetArn=attributes["Attributes"]["QueueArn"], EventBusName=bus
    )["RuleNames"]
    described = events.describe_rule(Name=rule, EventBusName=bus)
    assert json.loads(described["EventPattern"]) == real(entry["EventPattern"])
    assert "events.amazonaws.com" in attributes["Attributes"]["Policy"]


def _check_policy_allow_sns(moto, entry, real, deleted_topics):
    policy = moto.client("sqs").get_queue_attributes(
        QueueUrl=real(entry["QueueUrl"]), AttributeNames=["Policy"]
    )["Attributes"]["Policy"]
    [statement] = json.loads(policy)["Statement"]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == real(entry["TopicArn"])


def _check_api_call(moto, entry, real, deleted_topics):
    service, operation, params = entry["service"], entry["operation"], real(entry.get("params"))
    if (service, operation) == ("s3", "PutObject"):
        body = moto.client("s3").get_object(Bucket=params["Bucket"], Key=params["Key"])["Body"]
        assert body.read() == params["Body"].encode()
    elif (service, operation) == ("sns", "Subscribe"):
        subscriptions = moto.client("sns").list_subscriptions_by_topic(TopicArn=params["TopicArn"])
        assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions["Subscriptions"]] == [
            (params["Protocol"], params["Endpoint"])
        ]
    elif (service, operation) == ("sns", "DeleteTopic"):
        assert params["TopicArn"] in deleted_topics  # _check_topic finds it gone
    elif not operation.startswith(READ_ONLY):
        pytest.fail("no check written for the api-call %s.%s" % (service, operation))


def _check_bus(moto, entry, real, deleted_topics):
    name = real(entry.get("Name") or entry["EventBusName"])
    assert moto.client("events").describe_event_bus(Name=name)["Name"] == name


def _check_rule(moto, entry, real, deleted_topics):
    bus = real(entry.get("EventBusName") or "default")
    rule = moto.client("events").describe_rule(Name=real(entry["Name"]), EventBusName=bus)
    if entry.get("EventPattern"):
        assert json.loads(rule["EventPattern"]) == real(entry["EventPattern"])


def _check_subscription(moto, entry, real, deleted_topics):
    subscriptions = moto.client("sns").list_subscriptions_by_topic(TopicArn=real(entry["TopicArn"]))
    queue_arn = moto.client("sqs").get_queue_attributes(
        QueueUrl=real(entry["QueueUrl"]), AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    assert [s["Endpoint"] for s in subscriptions["Subscriptions"]] == [queue_arn]


CHECKS = {
    "sqs-queue": _check_queue,
    "sns-topic": _check_topic,
    "dynamodb-table": _check_table,
    "s3-bucket": _check_bucket,
    "eventbridge-bus": _check_bus,
    "eventbridge-rule": _check_rule,
    "eventbridge-rule-to-sqs-queue": _check_rule_to_queue,
    "sns-sqs-subscription": _check_subscription,
    "sqs-queue-policy-allow-sns": _check_policy_allow_sns,
    "api-call": _check_api_call,
}


def _receive(moto, url: str, count: int) -> list[dict]:
    """The first ``count`` messages of the queue (long polls, at most about 10 s)."""
    sqs, messages = moto.client("sqs"), []
    for _ in range(10):
        if len(messages) >= count:
            break
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        messages.extend(answer.get("Messages", []))
    return messages


@pytest.mark.integration
def test_the_event_rule_delivers_the_cases_events_to_its_queue(moto):
    case = ALL["services/test_events_task_service.test_put_events_base"]
    mapping = create_setup(case, moto)
    entries = substitute(case["input"]["Entries"], mapping)
    for item in entries:
        if not isinstance(item["Detail"], str):
            item["Detail"] = json.dumps(item["Detail"])
    assert moto.client("events").put_events(Entries=entries)["FailedEntryCount"] == 0
    messages = _receive(moto, mapping["<sqs_queue_url>"], len(entries))
    details = sorted(json.loads(message["Body"])["detail"]["Message"] for message in messages)
    assert details == ["HelloWorld0", "HelloWorld1", "HelloWorld2"]


@pytest.mark.integration
def test_the_topic_delivers_to_the_subscribed_queue(moto):
    case = ALL["services/test_sns_task_service.test_publish_message_attributes"]
    mapping = create_setup(case, moto)
    topic = substitute(case["input"]["TopicArn"], mapping)  # the snapshot's alias <resource:1>
    moto.client("sns").publish(TopicArn=topic, Message="HelloWorld")
    url = substitute("https://sqs.<region>.amazonaws.com/111111111111/test-queue-<uid>", mapping)
    [message] = _receive(moto, url, 1)
    assert json.loads(message["Body"])["Message"] == "HelloWorld"
    assert unsubstitute(json.loads(message["Body"])["TopicArn"], mapping) == (
        "arn:<partition>:sns:<region>:111111111111:<resource:1>"
    )


@pytest.mark.integration
def test_known_placeholders_reach_the_entries_and_the_mapping(moto):
    # base/: a rule for the status-change events of a state machine the caller creates.
    case = _load(CASES / "base" / "test_base.test_event_bridge_events_base.json")
    machine = "arn:<partition>:states:<region>:111111111111:stateMachine:<ArnPart_0idx>"
    real_machine = "arn:aws:states:us-east-1:123456789012:stateMachine:Recorded"
    mapping = create_setup(case, moto, known={machine: real_machine})
    assert mapping[machine] == real_machine
    check_resources(moto, case, mapping)
    [rule] = moto.client("events").list_rules()["Rules"]
    assert json.loads(rule["EventPattern"])["detail"] == {"stateMachineArn": [real_machine]}
    assert mapping["<generated>"] == "generated"


@pytest.mark.integration
def test_kinds_no_case_uses_yet_and_name_rules(moto):
    queue_arn = "arn:<partition>:sqs:<region>:111111111111:<sqs_queue_name>"
    table = {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    }
    case = {
        "id": "synthetic",
        "setup": [
            {"resource": "eventbridge-bus", "Name": "<bus name>", "EventBusArn": "<bus_arn>"},
            {
                "resource": "sqs-queue",
                "QueueName": "<sqs_queue_name>",
                "QueueUrl": "<sqs_queue_url>",
            },
            {
                "resource": "sqs-queue",
                "QueueName": "<fifo queue>.fifo",
                "QueueUrl": "<fifo_url>",
                "Attributes": {"ContentBasedDeduplication": True},
            },
            {
                "resource": "eventbridge-rule",
                "Name": "<rule:name>",
                "EventBusName": "<bus name>",
                "EventPattern": {"source": ["my.source"]},
                "Targets": [{"Id": "q", "Arn": queue_arn}],
            },
            {"resource": "sns-topic", "Name": "<topic_name>", "TopicArn": "<topic_arn>"},
            {
                "resource": "sns-sqs-subscription",
                "TopicArn": "<topic_arn>",
                "QueueUrl": "<sqs_queue_url>",
                "Attributes": {"RawMessageDelivery": True},
            },
            {"resource": "s3-bucket", "Bucket": "My_Bucket_<uid>"},
            {"resource": "s3-bucket", "Bucket": "my-bucket-<uid>"},
            {
                "resource": "dynamodb-table",
                "TableName": "<t>",
                "BillingMode": "PROVISIONED",
                **table,
            },
            {"resource": "state-machine", "ref": "sm0", "definition": {}},
        ],
    }
    mapping = create_setup(case, moto)
    uid = mapping["<uid>"]
    moto.reset()
    assert create_setup(case, moto) == mapping  # the same case gets the same names
    assert mapping["<bus name>"] == "bus-name"
    assert mapping["<bus_arn>"] == "arn:aws:events:us-east-1:123456789012:event-bus/bus-name"
    assert mapping["<fifo queue>.fifo"] == "fifo-queue.fifo"
    assert mapping["<rule:name>"] == "rule-name"
    assert mapping[queue_arn] == "arn:aws:sqs:us-east-1:123456789012:sqs_queue_name"
    assert mapping["My_Bucket_<uid>"] == "my-bucket-%s" % uid
    assert mapping["my-bucket-<uid>"] == "my-bucket-%s-2" % uid  # unique among the setup's
    assert mapping["<t>"] == "t00"  # DynamoDB names have 3 characters at least
    assert "sm0" not in json.dumps(mapping)
    check_resources(moto, case, mapping)
    attributes = moto.client("sqs").get_queue_attributes(
        QueueUrl=mapping["<fifo_url>"], AttributeNames=["FifoQueue"]
    )
    assert attributes["Attributes"]["FifoQueue"] == "true"
    # The rule on the new bus and the raw subscription both deliver to the queue.
    moto.client("events").put_events(
        Entries=[
            {"Source": "my.source", "DetailType": "t", "Detail": "{}", "EventBusName": "bus-name"}
        ]
    )
    moto.client("sns").publish(TopicArn=mapping["<topic_arn>"], Message="raw")
    bodies = [message["Body"] for message in _receive(moto, mapping["<sqs_queue_url>"], 2)]
    assert "raw" in bodies and any(
        json.loads(body).get("source") == "my.source" for body in bodies if body != "raw"
    )


@pytest.mark.integration
def test_an_unsupported_entry_creates_nothing(moto):
    case = {"setup": [{"resource": "sqs-queue", "QueueName": "q"}, {"resource": "ecs-cluster"}]}
    with pytest.raises(Unsupported) as error:
        create_setup(case, moto)
    assert error.value.kind == "ecs-cluster"
    assert moto.client("sqs").list_queues().get("QueueUrls", []) == []


@pytest.mark.integration
def test_an_operation_moto_does_not_implement_is_unsupported(moto):
    # moto 5.2.5 (constraints.txt) has no SNS data protection policies.
    topic = "arn:aws:sns:us-east-1:123456789012:t"
    call = {
        "resource": "api-call",
        "service": "sns",
        "operation": "PutDataProtectionPolicy",
        "params": {"ResourceArn": topic, "DataProtectionPolicy": "{}"},
    }
    with pytest.raises(
        Unsupported, match="moto answered sns.PutDataProtectionPolicy with an error page"
    ):
        create_setup({"setup": [{"resource": "sns-topic", "Name": "t"}, call]}, moto)
