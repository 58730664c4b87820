"""A boto3 Step Functions client for a local orchestrator (dummy credentials, no retries:
a test sees the first answer)."""

from __future__ import annotations

import boto3
from botocore.config import Config


def stepfunctions_client(url: str, **config):
    return boto3.client(
        "stepfunctions",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 1}, **config),
    )
