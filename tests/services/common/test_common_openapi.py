"""GET /openapi.json: a valid OpenAPI 3.1 document that documents every route there is."""

import re

import pytest
from openapi_spec_validator import validate

SERVICES = ["users", "orders", "notifications"]


def documented(doc):
    return {(method.upper(), path) for path, item in doc["paths"].items() for method in item}


def served(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, path))
    return routes


def camel(path):
    # Flask rules use snake_case variables (<user_id>), the document camelCase ({userId}).
    return re.sub(
        r"\{(\w+)\}",
        lambda m: "{" + re.sub(r"_(\w)", lambda n: n.group(1).upper(), m.group(1)) + "}",
        path,
    )


@pytest.mark.parametrize("chaos", [False, True], ids=["chaos-off", "chaos-on"])
@pytest.mark.parametrize("service", SERVICES)
def test_document_is_valid_and_matches_the_routes(make_app, service, chaos):
    app = make_app(service, CHAOS_ENABLED=chaos)
    doc = app.test_client().get("/openapi.json").get_json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    assert documented(doc) == {(m, camel(p)) for m, p in served(app)}


@pytest.mark.parametrize("service", SERVICES)
def test_every_post_documents_idempotency_and_errors(make_app, service):
    doc = make_app(service).test_client().get("/openapi.json").get_json()
    post = doc["paths"]["/" + service]["post"]
    assert [p["name"] for p in post["parameters"]] == ["Idempotency-Key", "X-Request-Deadline"]
    assert {"201", "400", "413", "422", "504"} <= set(post["responses"])
    for case in ("surrogate", "1e400", "32 levels", "X-Request-Deadline"):
        assert case in post["responses"]["400"]["description"]


@pytest.mark.parametrize("service", SERVICES)
def test_every_post_documents_the_deadline_header(make_app, service):
    doc = make_app(service, CHAOS_ENABLED=True).test_client().get("/openapi.json").get_json()
    posts = [item["post"] for item in doc["paths"].values() if "post" in item]
    assert len(posts) == 2  # the resource's and /chaos
    for operation in posts:
        header = [p for p in operation["parameters"] if p["name"] == "X-Request-Deadline"]
        assert (
            header
            and header[0]["in"] == "header"
            and header[0]["schema"]["pattern"] == "^[0-9]{1,16}$"
        )
        assert {"400", "504"} <= set(operation["responses"])
    assert "X-Request-Deadline" in doc["info"]["description"]


def test_request_schemas_are_the_validation_schemas(make_app):
    from services.orders.schemas import CREATE_ORDER

    doc = make_app("orders").test_client().get("/openapi.json").get_json()
    assert (
        doc["paths"]["/orders"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        == CREATE_ORDER
    )
