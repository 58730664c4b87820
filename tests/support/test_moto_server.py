"""tests/support/moto_server.py: moto's server mode in a process of its own, and the
``moto_server`` / ``moto`` fixtures of tests/support/moto_fixtures.py."""

from __future__ import annotations

import json
import os
import socket

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from tests.support.moto_server import MotoServer

pytest_plugins = ["tests.support.moto_fixtures"]
pytestmark = pytest.mark.integration


def test_the_server_answers_http_on_loopback(moto):
    assert moto.url.startswith("http://127.0.0.1:")
    assert moto.running()
    response = requests.get(moto.url + "/", timeout=5)  # S3 ListBuckets
    assert response.status_code == 200
    assert "ListAllMyBucketsResult" in response.text


def test_env_is_all_a_client_needs(moto, monkeypatch):
    assert moto.env() == {
        "AWS_ENDPOINT_URL": moto.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in moto.env().items():
        monkeypatch.setenv(name, value)
    sqs = boto3.session.Session().client("sqs")  # a fresh session reads the variables
    url = sqs.create_queue(QueueName="from-env")["QueueUrl"]
    assert url.startswith(moto.url + "/")
    assert moto.client("sqs").list_queues()["QueueUrls"] == [url]


def test_sqs_create_send_receive(moto):
    sqs = moto.client("sqs")
    url = sqs.create_queue(QueueName="round-trip")["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"hello": "moto"}))
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=5)
    [message] = received["Messages"]
    assert message["MessageId"] == sent["MessageId"]
    assert json.loads(message["Body"]) == {"hello": "moto"}
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []


def test_reset_clears_a_queue(moto):
    sqs = moto.client("sqs")
    url = sqs.create_queue(QueueName="cleared")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="left behind")
    moto.reset()
    assert sqs.list_queues().get("QueueUrls", []) == []
    with pytest.raises(ClientError) as error:
        sqs.get_queue_url(QueueName="cleared")
    assert error.value.response["Error"]["Code"] in (
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    )


@pytest.mark.parametrize("step", ["creates", "finds it gone"])
def test_each_test_starts_clean(moto, step):
    # Run twice in one session: the second run must not see the first one's queue.
    sqs = moto.client("sqs")
    assert sqs.list_queues().get("QueueUrls", []) == []
    sqs.create_queue(QueueName="only-mine")


def test_context_manager_starts_and_stops_its_own_process():
    with MotoServer() as server:
        assert server.client("s3").list_buckets()["Buckets"] == []
        process = server.process
    assert process is not None and process.returncode is not None
    assert not server.running()
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/", timeout=5)
    server.stop()  # twice is harmless


def test_a_server_that_cannot_start_raises_with_its_output():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = MotoServer(port=taken.getsockname()[1], start_timeout=30)
        with pytest.raises(RuntimeError, match="Address already in use"):
            server.start()
    assert not server.running()
