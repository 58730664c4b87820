"""Property-based run: schemathesis generates requests from each service's own OpenAPI
document and checks the real gunicorn service never answers 5xx and never contradicts the
document (status codes, content types, headers, response schemas), and that requests
violating the document are rejected with a 4xx. The one 5xx allowed is the documented 504
DEADLINE_EXCEEDED answering an X-Request-Deadline that has passed."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.integration


def not_a_server_error_but_a_deadline(ctx, response, case):
    """``not_a_server_error``, except for the documented 504 DEADLINE_EXCEEDED: schemathesis
    sends random X-Request-Deadline values, most of them long past."""
    if (
        response.status_code == 504
        and "X-Request-Deadline" in (case.headers or {})
        and response.json().get("error") == "DEADLINE_EXCEEDED"
    ):
        return None
    return not_a_server_error(ctx, response, case)


CHECKS = [
    not_a_server_error_but_a_deadline,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 40  # per operation and mode: keeps the three services well under a minute


def operations(service_url):
    doc = requests.get(service_url + "/openapi.json", timeout=5).json()
    assert "/chaos" not in doc["paths"] and all(
        "default" not in op["responses"] for item in doc["paths"].values() for op in item.values()
    )
    schema = schemathesis.openapi.from_dict(doc)
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        raw = doc["paths"][operation.path][operation.method.lower()]
        # Only an operation with inputs can be sent data that violates the document.
        modes = [GenerationMode.POSITIVE] + (
            [GenerationMode.NEGATIVE] if "parameters" in raw or "requestBody" in raw else []
        )
        found.append((operation, modes))
    return found


@pytest.mark.parametrize("name", ["users", "orders", "notifications"])
def test_no_server_errors_and_no_contradiction(plain_stack, name):
    service = getattr(plain_stack, name)
    session = requests.Session()
    for operation, modes in operations(service.url):
        for mode in modes:
            checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])

            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                response = case.call(base_url=service.url, session=session, timeout=10)
                case.validate_response(response, checks=checks)  # noqa: B023 (run() below)

            run()
