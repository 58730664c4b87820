"""The AWS resources of a conformance case (``../shared/conformance-more``), created on a moto
server before the case runs.

A case's ``setup`` lists, in order, what the recorded test created (its README, "Case format"):
queues, topics, tables, buckets, EventBridge rules, queue policies and plain SDK calls. Every
name in it is a *placeholder* - the text the snapshot used for the name the test chose at run
time (``<sqs_queue_url>``, ``table-name``, ``test-queue-<uid>``, the masked ARN
``arn:<partition>:sns:<region>:111111111111:test-topic-<uid>``, ...) - and the same
placeholders appear in the definition, the input and the recorded history.

:func:`create_setup` creates each entry under a real name derived from its placeholder and
returns the mapping placeholder -> real value; :func:`substitute` applies it to what is sent
(definition, input, workers), :func:`unsubstitute` turns real values in what comes back into
the placeholders again, so results compare with the recording. Entries for the engine itself
(``state-machine``, ``activity``, ``lambda``) are not created here: :func:`other_setup`
returns them. An entry that cannot be created on moto raises :class:`Unsupported`, so a
caller can skip the case with the reason: an unknown kind, an SDK call to the engine's own
services or with values only known when the test ran before anything is created
(:func:`check_supported`); a reference to no earlier resource, or an operation moto does not
implement, when the entry is reached.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.exceptions import UnknownServiceError
from botocore.parsers import ResponseParserError

from tests.support.moto_server import MotoServer

__all__ = [
    "SUPPORTED_KINDS",
    "OTHER_KINDS",
    "Unsupported",
    "check_supported",
    "create_setup",
    "other_setup",
    "substitute",
    "unsubstitute",
]

# The corpus README's identifiers in masked ARNs and URLs (tests/conformance/harness.py uses
# the same; not imported from there so that the harness may import this module).
ACCOUNT = "111111111111"
REGION = "<region>"
PARTITION = "<partition>"
UID = "<uid>"  # where LocalStack used a random id in a name the snapshot did not mask

OTHER_KINDS = frozenset({"state-machine", "activity", "lambda"})
# The services that answer for the engine itself, never moto.
_ENGINE_SERVICES = frozenset({"stepfunctions", "states", "sfn", "lambda"})
_UNRESOLVED = "<unresolved"


class Unsupported(Exception):
    """A setup entry of ``kind`` that cannot be created on the moto server (``reason``)."""

    def __init__(self, kind: str, reason: str = ""):
        self.kind = kind
        self.reason = reason
        super().__init__(
            "setup entry %r cannot be created on moto%s" % (kind, ": " + reason if reason else "")
        )


# -- placeholders ----------------------------------------------------------------------------


def substitute(value: Any, mapping: Mapping[str, str]) -> Any:
    """``value`` with every placeholder of ``mapping`` replaced by its real value: in strings
    (also inside longer strings, the longest placeholder first, in one pass), recursively in
    lists and dict values. Dict keys are field names and stay as they are."""
    return _replace(value, dict(mapping))


def unsubstitute(value: Any, mapping: Mapping[str, str]) -> Any:
    """The reverse of :func:`substitute`: every real value of ``mapping`` (the longest first)
    replaced by its placeholder. When several placeholders stand for one real value, the one
    added to ``mapping`` last wins (create_setup adds the snapshot's aliases last)."""
    return _replace(value, {real: placeholder for placeholder, real in mapping.items()})


def _replace(value: Any, table: dict[str, str]) -> Any:
    keys = sorted((key for key in table if key), key=len, reverse=True)
    if not keys:
        return value
    pattern = re.compile("|".join(map(re.escape, keys)))

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return pattern.sub(lambda match: table[match.group(0)], item)
        if isinstance(item, dict):
            return {key: walk(child) for key, child in item.items()}
        if isinstance(item, list):
            return [walk(child) for child in item]
        if isinstance(item, tuple):
            return tuple(walk(child) for child in item)
        return item

    return walk(value)


# -- names ------------------------------------------------------------------------------------


def _fit(name: str, invalid: str, max_len: int, suffix: str = "", min_len: int = 1) -> str:
    """``name`` with characters matching ``invalid`` replaced by ``-``, cut to ``max_len``
    with ``suffix`` kept at the end, padded to ``min_len``."""
    base = re.sub(invalid, "-", name).strip("-") or "resource"
    base = base[: max_len - len(suffix)]
    return (base + suffix).ljust(min_len, "0")


def _sqs_or_sns(max_len: int) -> Callable[[str, str], str]:
    def name(raw: str, tag: str) -> str:
        fifo = raw.endswith(".fifo")
        base = raw[: -len(".fifo")] if fifo else raw
        return _fit(base + tag, r"[^A-Za-z0-9_-]", max_len, ".fifo" if fifo else "")

    return name


def _bucket(raw: str, tag: str) -> str:
    name = re.sub(r"\.{2,}", ".", re.sub(r"[^a-z0-9.-]", "-", (raw + tag).lower()))
    name = name.strip(".-")[:63].rstrip(".-")
    return name.ljust(3, "0")


# Valid names per service: SQS 80 and SNS 256 characters of [A-Za-z0-9_-] (``.fifo`` kept),
# DynamoDB 3-255 of [A-Za-z0-9_.-], S3 3-63 of [a-z0-9.-], EventBridge buses 256 and rules 64
# of [A-Za-z0-9._-].
_NAMERS: dict[str, Callable[[str, str], str]] = {
    "sqs": _sqs_or_sns(80),
    "sns": _sqs_or_sns(256),
    "dynamodb": lambda raw, tag: _fit(raw + tag, r"[^A-Za-z0-9_.-]", 255, min_len=3),
    "s3": _bucket,
    "events-bus": lambda raw, tag: _fit(raw + tag, r"[^A-Za-z0-9._-]", 256),
    "events-rule": lambda raw, tag: _fit(raw + tag, r"[^A-Za-z0-9._-]", 64),
}


def _uid_of(case: Mapping[str, Any]) -> str:
    """The value of ``<uid>`` for this case: distinctive (so unsubstitute finds it only where
    it was put) and the same on every run."""
    digest = hashlib.sha256(str(case.get("id", "")).encode()).hexdigest()
    return "u" + digest[:8]


# -- which entries ----------------------------------------------------------------------------


def other_setup(case: Mapping[str, Any]) -> list[dict]:
    """The setup entries for the engine (state machines, activities, Lambda functions), in
    order and untouched: create_setup leaves them to the caller."""
    return [entry for entry in case.get("setup") or [] if entry.get("resource") in OTHER_KINDS]


@cache
def _operations(service: str) -> frozenset[str]:
    """The operation names of ``service`` in botocore's model (none for an unknown one)."""
    try:
        model = _botocore_session().get_service_model(service)
    except UnknownServiceError:
        return frozenset()
    return frozenset(model.operation_names)


@cache
def _botocore_session() -> Any:
    return botocore.session.get_session()


def check_supported(case: Mapping[str, Any]) -> None:
    """Raise :class:`Unsupported` for the first entry create_setup could not create."""
    for entry in case.get("setup") or []:
        kind = entry.get("resource")
        if kind in OTHER_KINDS:
            continue
        if kind not in _CREATORS:
            raise Unsupported(str(kind), "no way to create it is written")
        if kind == "api-call":
            service = entry.get("service", "")
            if service in _ENGINE_SERVICES:
                raise Unsupported(kind, "%s.%s is the engine's" % (service, entry.get("operation")))
            operation = entry.get("operation", "")
            if operation not in _operations(service):
                raise Unsupported(kind, "%s has no operation %r" % (service, operation))
            if _UNRESOLVED in json.dumps(entry.get("params")):
                raise Unsupported(
                    kind,
                    "%s.%s has parameters only known when the test ran"
                    % (service, entry.get("operation")),
                )


def create_setup(
    case: Mapping[str, Any], server: MotoServer, *, known: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Create every AWS entry of ``case["setup"]`` on ``server`` (a reset one: the names are
    the same on every run), in order, and return the mapping placeholder -> real value of
    each placeholder it created (names, queue URLs, the ARNs the case mentions, ``<uid>``,
    and the aliases of :meth:`_Setup.aliases`).

    ``known``: placeholders the caller has decided already (e.g. the state machine ARN it will
    create, for an EventBridge rule's pattern); they are substituted into every entry and
    returned too. Raises :class:`Unsupported` for an entry it cannot create (see the module's
    docstring); ``state-machine``, ``activity`` and ``lambda`` entries are skipped
    (:func:`other_setup`)."""
    check_supported(case)
    setup = _Setup(case, server, dict(known or {}))
    for entry in case.get("setup") or []:
        kind = entry["resource"]
        if kind not in OTHER_KINDS:
            _CREATORS[kind](setup, entry)
    setup.aliases()
    return setup.mapping


class _Setup:
    """One create_setup call: the clients, the mapping built so far and what was created."""

    def __init__(self, case: Mapping[str, Any], server: MotoServer, mapping: dict[str, str]):
        self.case = case
        self.text = json.dumps(case)
        self.server = server
        self.mapping = mapping
        self.uid = mapping.get(UID) or _uid_of(case)
        self.created: dict[str, list[dict[str, str]]] = {}  # kind -> real values
        self._names: dict[tuple[str, str], str] = {}  # (namer, real name) -> placeholder
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            # No retries: moto answers at once, and its HTTP 500 for an operation it does not
            # implement would be retried for seconds.
            self._clients[service] = self.server.client(service, retries={"max_attempts": 1})
        return self._clients[service]

    def sub(self, value: Any) -> Any:
        return substitute(value, self.mapping)

    def map(self, placeholder: str | None, real: str) -> None:
        if placeholder:
            self.mapping[placeholder] = real

    def map_if_mentioned(self, placeholder: str, real: str) -> None:
        if placeholder not in self.mapping and placeholder in self.text:
            self.mapping[placeholder] = real

    def name(self, placeholder: str, namer: str) -> str:
        """The real name for ``placeholder``: the mapped one if it has one already (the same
        placeholder again, or ``known``), else the placeholder with ``<uid>`` filled in,
        ``<>`` dropped and made valid for the service; unique among this setup's names."""
        if placeholder in self.mapping:
            return self.mapping[placeholder]
        if UID in placeholder:
            self.mapping[UID] = self.uid
        raw = placeholder.replace(UID, self.uid).replace("<", "").replace(">", "")
        tag, number = "", 1
        while True:
            real = _NAMERS[namer](raw, tag)
            if self._names.setdefault((namer, real), placeholder) == placeholder:
                return real
            number += 1
            tag = "-%d" % number

    def record(self, kind: str, **values: str) -> None:
        self.created.setdefault(kind, []).append(values)

    def resolved(self, kind: str, field: str, value: Any) -> str:
        """``value`` (a reference to an earlier entry's resource) with placeholders replaced;
        Unsupported if one is left."""
        real = self.sub(value)
        if not isinstance(real, str) or re.search(r"<[^<>]+>", real):
            raise Unsupported(kind, "%s %r names no resource created before it" % (field, value))
        return real

    def queue_arn(self, url: str) -> str:
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=url, AttributeNames=["QueueArn"]
        )
        return attributes["Attributes"]["QueueArn"]

    def allow_on_queue(self, url: str, principal: str, source_arn: str) -> None:
        """A queue policy letting ``principal`` (a service) send messages from ``source_arn``,
        as the recorded tests set it (moto delivers without one; AWS would not)."""
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": principal},
                    "Action": "sqs:SendMessage",
                    "Resource": self.queue_arn(url),
                    "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}},
                }
            ],
        }
        self.client("sqs").set_queue_attributes(
            QueueUrl=url, Attributes={"Policy": json.dumps(policy)}
        )

    def aliases(self) -> None:
        """Placeholders the snapshot's own masking gave a created resource, found where the
        case's input or definition passes it: a ``TopicArn`` such as
        ``arn:<partition>:sns:<region>:111111111111:<resource:1>`` or a ``TableName`` such
        as ``<test-table>``, mapped to the one topic / table / queue / bucket of that kind
        the setup created (never when it created several, or none: a ``<no_such_...>`` name
        stays unresolved). Added last, so unsubstitute gives them precedence."""
        for field, value in _string_fields(self.case.get("input"), self.case.get("definition")):
            kind, attribute = _ALIAS_FIELDS[field]
            created = self.created.get(kind, [])
            if len(created) != 1 or value in self.mapping or _UNRESOLVED in value:
                continue
            resolved = self.sub(value)
            # A whole token, or an ARN: not a name built around one ("/<test-table>").
            if re.fullmatch(r"<[^<>]+>", resolved) or (
                resolved.startswith("arn:") and re.search(r"<[^<>]+>", resolved)
            ):
                self.mapping[value] = created[0][attribute]


_ALIAS_FIELDS = {
    "TopicArn": ("sns-topic", "arn"),
    "TableName": ("dynamodb-table", "name"),
    "QueueUrl": ("sqs-queue", "url"),
    "Bucket": ("s3-bucket", "name"),
}


def _string_fields(*values: Any) -> Iterator[tuple[str, str]]:
    for value in values:
        if isinstance(value, dict):
            for key, child in value.items():
                if key in _ALIAS_FIELDS and isinstance(child, str):
                    yield key, child
                else:
                    yield from _string_fields(child)
        elif isinstance(value, list):
            yield from _string_fields(*value)


def _arn(service: str, resource: str, *, regional: bool = True) -> str:
    """A masked ARN as the corpus writes it."""
    if not regional:
        return "arn:%s:%s:::%s" % (PARTITION, service, resource)
    return "arn:%s:%s:%s:%s:%s" % (PARTITION, service, REGION, ACCOUNT, resource)


def _attribute_values(attributes: Mapping[str, Any]) -> dict[str, str]:
    """SQS/SNS attributes are strings on the wire (a policy as JSON text, booleans lower)."""
    out = {}
    for key, value in attributes.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, dict | list):
            out[key] = json.dumps(value)
        else:
            out[key] = str(value)
    return out


# -- one creator per kind ---------------------------------------------------------------------


def _queue(
    setup: _Setup, name_placeholder: str, url_placeholder: str | None, attributes: Any
) -> tuple[str, str]:
    attributes = _attribute_values(setup.sub(attributes or {}))
    name = setup.name(name_placeholder, "sqs")
    if attributes.get("FifoQueue") == "true" and not name.endswith(".fifo"):
        name = _NAMERS["sqs"](name + ".fifo", "")
    if name.endswith(".fifo"):
        attributes.setdefault("FifoQueue", "true")
    url = setup.client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = setup.queue_arn(url)
    setup.map(name_placeholder, name)
    setup.map(url_placeholder, url)
    setup.map_if_mentioned(
        "https://sqs.%s.amazonaws.com/%s/%s" % (REGION, ACCOUNT, name_placeholder), url
    )
    setup.map_if_mentioned(_arn("sqs", name_placeholder), arn)
    setup.record("sqs-queue", name=name, url=url, arn=arn)
    return url, arn


def _sqs_queue(setup: _Setup, entry: dict) -> None:
    _queue(setup, entry.get("QueueName") or "queue", entry.get("QueueUrl"), entry.get("Attributes"))


def _sns_topic(setup: _Setup, entry: dict) -> None:
    placeholder = entry.get("Name") or "topic"
    attributes = _attribute_values(setup.sub(entry.get("Attributes") or {}))
    name = setup.name(placeholder, "sns")
    if attributes.get("FifoTopic") == "true" and not name.endswith(".fifo"):
        name = _NAMERS["sns"](name + ".fifo", "")
    if name.endswith(".fifo"):
        attributes.setdefault("FifoTopic", "true")
    arn = setup.client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]
    setup.map(placeholder, name)
    setup.map(entry.get("TopicArn"), arn)
    setup.map_if_mentioned(_arn("sns", placeholder), arn)
    setup.record("sns-topic", name=name, arn=arn)


_TABLE_PARAMETERS = (
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
    "SSESpecification",
    "TableClass",
    "Tags",
)


def _dynamodb_table(setup: _Setup, entry: dict) -> None:
    placeholder = entry.get("TableName") or "table"
    params = {key: setup.sub(entry[key]) for key in _TABLE_PARAMETERS if key in entry}
    if "BillingMode" not in params and "ProvisionedThroughput" not in params:
        params["BillingMode"] = "PAY_PER_REQUEST"  # CreateTable needs one or the other
    elif params.get("BillingMode") == "PROVISIONED" and "ProvisionedThroughput" not in params:
        params["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    name = setup.name(placeholder, "dynamodb")
    dynamodb = setup.client("dynamodb")
    arn = dynamodb.create_table(TableName=name, **params)["TableDescription"]["TableArn"]
    # moto's tables are ACTIVE at once: the waiter's first DescribeTable returns.
    dynamodb.get_waiter("table_exists").wait(
        TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    setup.map(placeholder, name)
    setup.map_if_mentioned(_arn("dynamodb", "table/" + placeholder), arn)
    setup.record("dynamodb-table", name=name, arn=arn)


def _s3_bucket(setup: _Setup, entry: dict) -> None:
    placeholder = entry.get("Bucket") or "bucket"
    name = setup.name(placeholder, "s3")
    setup.client("s3").create_bucket(Bucket=name)  # us-east-1: no LocationConstraint
    setup.map(placeholder, name)
    setup.map_if_mentioned(_arn("s3", placeholder, regional=False), "arn:aws:s3:::" + name)
    setup.record("s3-bucket", name=name)


def _eventbridge_bus(setup: _Setup, entry: dict) -> None:
    placeholder = entry.get("Name") or entry.get("EventBusName") or "bus"
    events = setup.client("events")
    name = "default" if placeholder == "default" else setup.name(placeholder, "events-bus")
    if name == "default":
        arn = events.describe_event_bus(Name="default")["Arn"]
    else:
        arn = events.create_event_bus(Name=name)["EventBusArn"]
        setup.map(placeholder, name)
    setup.map(entry.get("EventBusArn") or entry.get("Arn"), arn)
    setup.map_if_mentioned(_arn("events", "event-bus/" + placeholder), arn)
    setup.record("eventbridge-bus", name=name, arn=arn)


def _put_rule(setup: _Setup, name: str, entry: dict) -> tuple[str, str]:
    bus = setup.resolved(entry["resource"], "EventBusName", entry.get("EventBusName") or "default")
    params: dict[str, Any] = {"Name": name, "EventBusName": bus, "State": "ENABLED"}
    for key in ("EventPattern", "ScheduleExpression", "State", "Description", "RoleArn"):
        if entry.get(key) is not None:
            params[key] = setup.sub(entry[key])
    if isinstance(params.get("EventPattern"), dict | list):
        params["EventPattern"] = json.dumps(params["EventPattern"])
    return bus, setup.client("events").put_rule(**params)["RuleArn"]


def _put_targets(setup: _Setup, kind: str, rule: str, bus: str, targets: list) -> None:
    answer = setup.client("events").put_targets(Rule=rule, EventBusName=bus, Targets=targets)
    if answer.get("FailedEntryCount"):
        raise RuntimeError("%s: PutTargets failed: %s" % (kind, answer["FailedEntries"]))


def _eventbridge_rule(setup: _Setup, entry: dict) -> None:
    placeholder = entry.get("Name") or entry.get("RuleName") or "rule"
    name = setup.name(placeholder, "events-rule")
    bus, arn = _put_rule(setup, name, entry)
    if entry.get("Targets"):
        _put_targets(setup, entry["resource"], name, bus, setup.sub(entry["Targets"]))
    setup.map(placeholder, name)
    setup.map(entry.get("RuleArn") or entry.get("Arn"), arn)
    rule_path = "rule/" + placeholder if bus == "default" else "rule/%s/%s" % (bus, placeholder)
    setup.map_if_mentioned(_arn("events", rule_path), arn)
    setup.record("eventbridge-rule", name=name, arn=arn)


def _eventbridge_rule_to_sqs_queue(setup: _Setup, entry: dict) -> None:
    """A new queue, a rule on the bus matching ``EventPattern`` and targeting it, and the
    queue policy letting EventBridge deliver."""
    url, queue_arn = _queue(
        setup, entry.get("QueueName") or "events-queue", entry.get("QueueUrl"), None
    )
    placeholder = entry.get("RuleName") or entry.get("Name")
    queue_name = url.rsplit("/", 1)[-1]
    name = (
        setup.name(placeholder, "events-rule")
        if placeholder
        else _NAMERS["events-rule"]("to-" + queue_name, "")
    )
    bus, rule_arn = _put_rule(setup, name, entry)
    setup.allow_on_queue(url, "events.amazonaws.com", rule_arn)
    _put_targets(setup, entry["resource"], name, bus, [{"Id": "sqs-queue", "Arn": queue_arn}])
    setup.map(placeholder, name)
    setup.map(entry.get("RuleArn"), rule_arn)
    setup.record("eventbridge-rule", name=name, arn=rule_arn)


def _sns_sqs_subscription(setup: _Setup, entry: dict) -> None:
    kind = entry["resource"]
    topic_arn = setup.resolved(kind, "TopicArn", entry.get("TopicArn"))
    if entry.get("QueueUrl"):
        url = setup.resolved(kind, "QueueUrl", entry["QueueUrl"])
        queue_arn = setup.queue_arn(url)
        setup.allow_on_queue(url, "sns.amazonaws.com", topic_arn)
    else:
        queue_arn = setup.resolved(kind, "QueueArn", entry.get("QueueArn") or entry.get("Endpoint"))
    attributes = _attribute_values(setup.sub(entry.get("Attributes") or {}))
    answer = setup.client("sns").subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )
    setup.map(entry.get("SubscriptionArn"), answer["SubscriptionArn"])
    setup.record(kind, arn=answer["SubscriptionArn"])


def _sqs_queue_policy_allow_sns(setup: _Setup, entry: dict) -> None:
    kind = entry["resource"]
    url = setup.resolved(kind, "QueueUrl", entry.get("QueueUrl"))
    setup.allow_on_queue(
        url, "sns.amazonaws.com", setup.resolved(kind, "TopicArn", entry.get("TopicArn"))
    )


def _api_call(setup: _Setup, entry: dict) -> None:
    service, operation = entry["service"], entry["operation"]
    method = xform_name(operation)  # check_supported made sure botocore has the operation
    try:
        getattr(setup.client(service), method)(**setup.sub(entry.get("params") or {}))
    except ResponseParserError as error:
        # moto answers an operation it does not implement with werkzeug's HTML error page
        # (its traceback reaches the server's log only after the answer).
        raise Unsupported(
            entry["resource"],
            "moto answered %s.%s with an error page, not an AWS response (most likely an "
            "operation it does not implement)" % (service, operation),
        ) from error


_CREATORS: dict[str, Callable[[_Setup, dict], None]] = {
    "sqs-queue": _sqs_queue,
    "sns-topic": _sns_topic,
    "dynamodb-table": _dynamodb_table,
    "s3-bucket": _s3_bucket,
    "eventbridge-bus": _eventbridge_bus,
    "eventbridge-rule": _eventbridge_rule,
    "eventbridge-rule-to-sqs-queue": _eventbridge_rule_to_sqs_queue,
    "sns-sqs-subscription": _sns_sqs_subscription,
    "sqs-queue-policy-allow-sns": _sqs_queue_policy_allow_sns,
    "api-call": _api_call,
}
SUPPORTED_KINDS = frozenset(_CREATORS)
