"""The AWS integrations' pure parts: where calls go (botocore's precedence), service and
error names as Step Functions spells them, and parameters / responses mapped to and from
botocore's models. The calls themselves run against moto's server mode in
tests/conformance/test_aws_services.py and tests/orchestrator/api/test_api_aws_integrations.py."""

from __future__ import annotations

import json

import botocore.session
import pytest

from orchestrator.asl.errors import StatesError
from orchestrator.tasks.aws import Aws, pascal_name, to_json
from orchestrator.tasks.config import ConfigError, TasksConfig, load_config
from orchestrator.tasks.integrations import _from_model, _to_model

MODELS = botocore.session.get_session()


def aws(**config) -> Aws:
    return Aws(TasksConfig(**config), io=None)  # type: ignore[arg-type]  # no call is made


@pytest.mark.parametrize(
    ("env", "file", "service", "url"),
    [
        (
            {"SQS": "http://one", "": "http://all"},
            {"sqs": "http://f", "*": "http://g"},
            "sqs",
            "http://one",
        ),
        ({"": "http://all"}, {"sqs": "http://f"}, "sqs", "http://all"),
        ({}, {"sqs": "http://f", "*": "http://g"}, "sqs", "http://f"),
        ({}, {"*": "http://g"}, "dynamodb", "http://g"),
        ({"SECRETS_MANAGER": "http://sm"}, {}, "secretsmanager", "http://sm"),
    ],
)
def test_endpoints_follow_botocores_precedence(env, file, service, url):
    assert aws(aws_env_endpoints=env, aws_endpoints=file).endpoint(service) == url


def test_no_endpoint_is_a_runtime_error_naming_the_settings():
    with pytest.raises(StatesError) as info:
        aws().endpoint("sns")
    assert info.value.error == "States.Runtime"
    assert "AWS_ENDPOINT_URL_SNS" in info.value.cause and '"awsEndpoints"' in info.value.cause


def test_the_config_reads_the_file_and_botocores_variables(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"awsEndpoints": {"SQS": "http://q"}, "awsWorkers": 3}))
    env = {"AWS_ENDPOINT_URL": "http://all", "AWS_ENDPOINT_URL_S3": "http://s3", "OTHER": "x"}
    config = load_config(path, env)
    assert config.aws_endpoints == {"sqs": "http://q"}
    assert config.aws_env_endpoints == {"": "http://all", "S3": "http://s3"}
    assert config.aws_workers == 3
    path.write_text(json.dumps({"awsEndpoints": ["http://q"]}))
    with pytest.raises(ConfigError, match="awsEndpoints"):
        load_config(path, {})


@pytest.mark.parametrize(
    ("sdk_name", "botocore_name"),
    [
        ("sfn", "stepfunctions"),
        ("eventbridge", "events"),
        ("cloudwatchlogs", "logs"),
        ("acmpca", "acm-pca"),
        ("s3", "s3"),
        ("dynamodb", "dynamodb"),
        ("nosuchservice", None),
    ],
)
def test_step_functions_service_names_find_botocores_models(sdk_name, botocore_name):
    assert aws().service(sdk_name) == botocore_name


@pytest.mark.parametrize(
    ("service_id", "name"),
    [
        ("DynamoDB", "DynamoDb"),
        ("SFN", "Sfn"),
        ("ACM PCA", "AcmPca"),
        ("S3", "S3"),
        ("EventBridge", "EventBridge"),
        ("Secrets Manager", "SecretsManager"),
        ("Elastic Load Balancing v2", "ElasticLoadBalancingV2"),
    ],
)
def test_error_prefixes_are_the_java_sdks_service_names(service_id, name):
    assert pascal_name(service_id) == name


def test_parameters_are_mapped_to_the_models_members_and_types():
    start = MODELS.get_service_model("stepfunctions").operation_model("StartExecution")
    params = _to_model(
        start.input_shape,
        {"StateMachineArn": "arn:sm", "Input": {"a": [1]}, "Name": None, "Unknown": 1},
    )
    # PascalCase -> the model's camelCase; JSON for a text member as its text; null left out;
    # an unknown name kept, for botocore's validation to report.
    assert params == {"stateMachineArn": "arn:sm", "input": '{"a":[1]}', "Unknown": 1}
    put = MODELS.get_service_model("s3").operation_model("PutObject")
    assert _to_model(put.input_shape, {"Body": "text"})["Body"] == b'"text"'
    assert _to_model(put.input_shape, {"Body": {"k": 1}})["Body"] == b'{"k":1}'


def test_responses_come_back_in_pascal_case_with_map_keys_unchanged():
    describe = MODELS.get_service_model("stepfunctions").operation_model("DescribeExecution")
    response = _from_model(describe.output_shape, {"executionArn": "a", "status": "SUCCEEDED"})
    assert response == {"ExecutionArn": "a", "Status": "SUCCEEDED"}
    get = MODELS.get_service_model("dynamodb").operation_model("GetItem")
    item = {"Item": {"lowerKey": {"S": "v"}}}
    assert _from_model(get.output_shape, item) == item


def test_json_of_timestamps_and_bytes():
    import datetime as dt

    when = dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)
    assert to_json({"t": when, "b": b"\x00\x01"}) == {"t": "2026-01-02T03:04:05.678Z", "b": "AAE="}
