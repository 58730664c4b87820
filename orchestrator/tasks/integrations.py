"""AWS service integrations with Step Functions' semantics (the calls go through
:mod:`.aws`).

**AWS SDK integrations** - ``arn:aws:states:::aws-sdk:SERVICE:ACTION`` for every service
and action of botocore's models. Developer guide, "Learning to use AWS service SDK
integrations": "Parameters in Step Functions are expressed in PascalCase, even if the
native service API is in camelCase" - so a parameter is matched to the model's member
with its first letter upper-cased (``StateMachineArn`` is ``sfn``'s ``stateMachineArn``),
and the response's members are given back the same way. A blob parameter is sent as the
JSON text of its value, text included (S3 PutObject's ``Body``); a text parameter given
as a JSON object or array is sent as its JSON text (StartExecution's ``Input``), a null
one is left out; a streamed blob comes back as text (S3 GetObject's ``Body``), timestamps in ISO 8601. Parameters the
model refuses fail with ``States.Runtime`` and botocore's own report. A service error is
``ServiceName.ErrorName`` - "Both the service name and error name are in Pascal case ...
always add the Exception suffix" (``S3.NoSuchKeyException``, ``Sfn.InvalidTokenException``,
``DynamoDb.ConditionalCheckFailedException``), with the cause the AWS SDK for Java 2.x
writes (``<message> (Service: Sfn, Status Code: 400, Request ID: ...)``).

**Optimized integrations** (developer guide, "Integrating optimized services"):
``sqs:sendMessage``, ``sns:publish``, ``dynamodb:getItem|putItem|updateItem|deleteItem``
and ``events:putEvents``. Their response (but ``events:putEvents``'s) is the service's
with ``SdkHttpMetadata``
(``AllHttpHeaders``, ``HttpHeaders``, ``HttpStatusCode``) and ``SdkResponseMetadata``
(``RequestId``), as recorded from AWS; ``MessageBody`` (SQS), ``Message`` (SNS) and an
entry's ``Detail`` (EventBridge) given as JSON that is not text are sent as its JSON
text; their errors are named ``SQS.``, ``SNS.``, ``DynamoDB.``, ``EventBridge.`` + the
error with ``Exception``, with the AWS SDK for Java 1.x's cause (``<message> (Service:
AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: ...; Proxy: null)``). ``events:putEvents`` fails with
``EventBridge.FailedEntry`` (the response as cause) when ``FailedEntryCount`` is not 0.

**S3 for the Distributed Map** (developer guide, "ItemReader (Map)", "ResultWriter (Map)"):
``arn:aws:states:::s3:getObject``, ``s3:listObjectsV2`` and ``s3:putObject`` are the
resources of an ItemReader and a ResultWriter (:mod:`orchestrator.asl.states.item_reader`,
:mod:`~orchestrator.asl.states.result_writer`), which read and write raw bytes: getObject
takes ``Range`` / ``IfMatch`` and answers ``{"Body": <base64>, "ETag", "Size"}`` (``Size``:
the whole object's, from ``Content-Range``), putObject sends a text ``Body`` as its UTF-8
bytes, listObjectsV2 answers as the aws-sdk integration does. Errors are ``S3.`` + the
error with ``Exception``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ..asl import resources
from ..asl.errors import RUNTIME, TASK_FAILED, StatesError
from ..asl.runtime import Invoke
from .aws import Aws, AwsError, AwsResponse, json_text, pascal_name, to_json
from .config import TasksConfig
from .transport import IO, CapExpired, Deadline, NetworkError

__all__ = ["AwsTasks", "OPTIMIZED", "S3_ACTIONS"]

# (service, action) -> (botocore service, operation, error prefix, Java 1.x service name)
OPTIMIZED: dict[tuple[str, str], tuple[str, str, str, str]] = {
    ("sqs", "sendMessage"): ("sqs", "SendMessage", "SQS", "AmazonSQS"),
    ("sns", "publish"): ("sns", "Publish", "SNS", "AmazonSNS"),
    ("dynamodb", "getItem"): ("dynamodb", "GetItem", "DynamoDB", "AmazonDynamoDBv2"),
    ("dynamodb", "putItem"): ("dynamodb", "PutItem", "DynamoDB", "AmazonDynamoDBv2"),
    ("dynamodb", "updateItem"): ("dynamodb", "UpdateItem", "DynamoDB", "AmazonDynamoDBv2"),
    ("dynamodb", "deleteItem"): ("dynamodb", "DeleteItem", "DynamoDB", "AmazonDynamoDBv2"),
    ("events", "putEvents"): ("events", "PutEvents", "EventBridge", "AmazonEventBridge"),
}
# The S3 actions of ItemReader / ResultWriter (see the module docstring).
S3_ACTIONS = {"getObject": "GetObject", "putObject": "PutObject", "listObjectsV2": "ListObjectsV2"}
# Optimized parameters a service wants as text, given as any JSON value.
_TEXT_PARAMETERS = {("sqs", "sendMessage"): "MessageBody", ("sns", "publish"): "Message"}


class AwsTasks:
    """Runs the Task of an AWS SDK or optimized integration (:meth:`handles` tells which)."""

    def __init__(self, config: TasksConfig, io: IO) -> None:
        self._config = config
        self.aws = Aws(config, io)

    @staticmethod
    def handles(parsed: resources.Resource) -> bool:
        if parsed.kind != resources.SERVICE:
            return False
        if parsed.service == "s3":
            return parsed.action in S3_ACTIONS
        return parsed.service.startswith("aws-sdk:") or (parsed.service, parsed.action) in (
            OPTIMIZED
        )

    async def __call__(
        self, invoke: Invoke, parsed: resources.Resource, state_deadline: float | None
    ) -> Any:
        deadline = Deadline.of(state_deadline, float(self._config.aws_timeout_seconds))
        parameters = invoke.parameters if invoke.parameters is not None else {}
        if not isinstance(parameters, dict):
            raise StatesError(
                RUNTIME,
                f"The parameters of {invoke.resource} must be a JSON object, "
                f"got {type(parameters).__name__}",
            )
        if parsed.service.startswith("aws-sdk:"):
            return await self._sdk(parsed, parameters, deadline)
        if parsed.service == "s3":
            return await self._s3(parsed.action, parameters, deadline)
        return await self._optimized(parsed, parameters, deadline)

    async def _s3(self, action: str, parameters: dict, deadline: Deadline) -> Any:
        """An ItemReader's / ResultWriter's S3 call (see the module docstring)."""
        operation = S3_ACTIONS[action]
        body = parameters.get("Body") if action == "putObject" else None
        if isinstance(body, str):
            parameters = {k: v for k, v in parameters.items() if k != "Body"}
        model = await self.aws.off_loop(self.aws.operation, "s3", operation)
        params = _to_model(model.input_shape, parameters)
        if isinstance(body, str):
            params["Body"] = body.encode("utf-8")  # its bytes, not a JSON text
        try:
            response = await self._s3_call(operation, params, deadline)
        except AwsError as exc:
            suffix = "" if exc.code.endswith("Exception") else "Exception"
            raise StatesError(
                f"S3.{exc.code}{suffix}",
                f"{exc.message} (Service: S3, Status Code: {exc.status}, "
                f"Request ID: {exc.request_id})",
            ) from None
        except (NetworkError, CapExpired) as exc:
            raise _unreachable("s3", exc, self._config) from None
        parsed = response.parsed
        if action != "getObject":
            return to_json(_from_model(model.output_shape, parsed))
        body = parsed["Body"].read()
        size = len(body)
        content_range = str(parsed.get("ContentRange") or "")  # bytes 0-9/1234
        if "/" in content_range and content_range.rsplit("/", 1)[1].isdigit():
            size = int(content_range.rsplit("/", 1)[1])
        return {
            "Body": base64.b64encode(body).decode("ascii"),
            "ETag": parsed.get("ETag"),
            "Size": size,
        }

    async def _s3_call(self, operation: str, params: dict, deadline: Deadline) -> AwsResponse:
        try:
            return await self.aws.call("s3", operation, params, deadline)
        except AwsError as exc:
            # An empty object has no byte 0: S3 refuses any Range (416); read it whole.
            if exc.code == "InvalidRange" and str(params.get("Range", "")).startswith("bytes=0-"):
                whole = {k: v for k, v in params.items() if k != "Range"}
                return await self.aws.call("s3", operation, whole, deadline)
            raise

    async def _sdk(self, parsed: resources.Resource, parameters: dict, deadline: Deadline) -> Any:
        name = parsed.service[len("aws-sdk:") :]
        # The models are read off the loop (see Aws.off_loop).
        service, operation, params, prefix = await self.aws.off_loop(
            self._sdk_request, name, parsed.action, parameters
        )
        try:
            response = await self.aws.call(service, operation.name, params, deadline)
        except AwsError as exc:
            suffix = "" if exc.code.endswith("Exception") else "Exception"
            raise StatesError(
                f"{prefix}.{exc.code}{suffix}",
                f"{exc.message} (Service: {prefix}, Status Code: {exc.status}, "
                f"Request ID: {exc.request_id}) (SDK Attempt Count: 1)",
            ) from None
        except (NetworkError, CapExpired) as exc:
            raise _unreachable(name, exc, self._config) from None
        shape = operation.output_shape
        return to_json(_from_model(shape, response.parsed) if shape else {})

    def _sdk_request(self, name: str, action: str, parameters: dict) -> tuple:
        """(botocore service, operation model, parameters in the model's terms, error
        prefix) of an aws-sdk Task; on an AWS thread."""
        service = self.aws.service(name)
        if service is None:
            raise StatesError(RUNTIME, f"botocore has no model for the AWS service '{name}'")
        model = self.aws.model(service)
        operation = _operation(model, action)
        if operation is None:
            raise StatesError(
                RUNTIME,
                f"The AWS service '{name}' has no action '{action}' in botocore's model",
            )
        params = _to_model(operation.input_shape, parameters) if operation.input_shape else {}
        return service, operation, params, pascal_name(model.service_id)

    async def _optimized(
        self, parsed: resources.Resource, parameters: dict, deadline: Deadline
    ) -> Any:
        key = (parsed.service, parsed.action)
        service, operation, prefix, java_name = OPTIMIZED[key]
        text = _TEXT_PARAMETERS.get(key)
        if text is not None and text in parameters:
            parameters = {**parameters, text: json_text(parameters[text])}
        if key == ("events", "putEvents") and isinstance(parameters.get("Entries"), list):
            parameters = {**parameters, "Entries": [_detail_text(e) for e in parameters["Entries"]]}
        model = await self.aws.off_loop(self.aws.operation, service, operation)
        params = _to_model(model.input_shape, parameters)
        try:
            response = await self.aws.call(service, operation, params, deadline)
        except AwsError as exc:
            suffix = "" if exc.code.endswith("Exception") else "Exception"
            raise StatesError(
                f"{prefix}.{exc.code}{suffix}",
                f"{exc.message} (Service: {java_name}; Status Code: {exc.status}; "
                f"Error Code: {exc.wire}; Request ID: {exc.request_id}; Proxy: null)",
            ) from None
        except (NetworkError, CapExpired) as exc:
            raise _unreachable(parsed.service, exc, self._config) from None
        body = to_json(response.parsed)
        if key == ("events", "putEvents"):  # recorded without the SDK's metadata
            if body.get("FailedEntryCount"):
                raise StatesError("EventBridge.FailedEntry", json_text(body))
            return body
        return {**body, **_sdk_metadata(response)}


def _detail_text(entry: Any) -> Any:
    """An EventBridge entry's ``Detail`` may be given as JSON (developer guide, "Call
    EventBridge with Step Functions"); the API wants its text."""
    if isinstance(entry, dict) and "Detail" in entry:
        return {**entry, "Detail": json_text(entry["Detail"])}
    return entry


def _operation(model: Any, action: str) -> Any:
    """The operation ``action`` names (camelCase in the resource: ``getObject``)."""
    name = action[:1].upper() + action[1:]
    return model.operation_model(name) if name in model.operation_names else None


def _sdk_metadata(response: AwsResponse) -> dict[str, Any]:
    """What the AWS SDK for Java 1.x adds to an optimized integration's response."""
    every: dict[str, list[str]] = {}
    last: dict[str, str] = {}
    for name, value in response.headers:
        every.setdefault(name, []).append(value)
        last[name] = value
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": every,
            "HttpHeaders": last,
            "HttpStatusCode": response.status,
        },
        "SdkResponseMetadata": {"RequestId": response.request_id},
    }


def _unreachable(service: str, exc: Exception, config: TasksConfig) -> StatesError:
    if isinstance(exc, CapExpired):
        cause = (
            f"The {service} endpoint did not answer within {config.aws_timeout_seconds:g} "
            f"seconds (awsTimeoutSeconds)"
        )
    else:
        cause = f"Unable to reach the {service} endpoint: {exc}"
    return StatesError(TASK_FAILED, cause)


def _member(members: Any, key: str) -> str | None:
    """The model member a PascalCase parameter ``key`` names."""
    if key in members:
        return key
    for name in members:
        if name[:1].upper() + name[1:] == key:
            return name
    return None


def _to_model(shape: Any, value: Any) -> Any:
    """A Task's parameters in the model's member names and types (see the docstring)."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = _member(shape.members, key)
            if name is not None and item is None:
                continue  # null: the member is not sent (the SDK's null)
            out[name or key] = item if name is None else _to_model(shape.members[name], item)
        return out
    if kind == "list" and isinstance(value, list):
        return [_to_model(shape.member, item) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: _to_model(shape.value, item) for key, item in value.items()}
    if kind == "string" and isinstance(value, dict | list):
        # A text member given as JSON is sent as its JSON text (StartExecution's input:
        # services/test_sfn_start_execution_implicit_json_serialisation).
        return json.dumps(value, separators=(",", ":"))
    if kind == "blob":
        # Every JSON value, text included, is sent as its JSON text: AWS stored the Body
        # "text data" of an S3 PutObject as "\"text data\"" (the recorded ETag is that
        # text's MD5).
        return json.dumps(value, separators=(",", ":")).encode("utf-8")
    return value


def _from_model(shape: Any, value: Any) -> Any:
    """A response with its members in PascalCase (map keys unchanged)."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        out = {}
        for name, item in value.items():
            member = shape.members.get(name)
            key = name[:1].upper() + name[1:]
            out[key] = item if member is None else _from_model(member, item)
        return out
    if kind == "list" and isinstance(value, list):
        return [_from_model(shape.member, item) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: _from_model(shape.value, item) for key, item in value.items()}
    return value
