"""Fixtures: the API app over a fake engine, its Flask client, and a boto3 client wired to it.

The boto3 client never opens a socket: a ``before-send`` hook hands botocore's prepared
request (signed, serialised exactly as for AWS) to the Flask test client and returns its
response, so botocore's own parser and exception factory judge our protocol.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from fake_engine import FakeEngine

from orchestrator.api import create_app


@pytest.fixture
def engine():
    return FakeEngine()


@pytest.fixture
def app(engine):
    return create_app(engine, {"STATEMACHINES_DIR": ""})


@pytest.fixture
def client(app):
    return app.test_client()


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_kwargs):
        yield self.data


@pytest.fixture
def sfn(client):
    boto = boto3.client(
        "stepfunctions",
        endpoint_url="http://127.0.0.1:8083",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}),
    )

    def send(request, **_kwargs):
        path = request.url.split("8083", 1)[1] or "/"
        headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        response = client.open(path, method=request.method, headers=headers, data=request.body)
        return AWSResponse(
            request.url, response.status_code, dict(response.headers.items()), _Raw(response.data)
        )

    boto.meta.events.register("before-send.sfn", send)
    return boto
