"""Hostile input on every service: each is a clear 400 (or an ordinary 404) naming the field,
never a 500, and writes nothing (gunicorn's own errors: tests/integration)."""

import sqlite3

import pytest

# Per service: a valid body as bytes with one value left open (%s), the field of that value,
# and the table a POST writes to.
TEMPLATES = {
    "users": (b'{"name": %s, "email": "a@b.co"}', "name", "users"),
    "orders": (
        b'{"userId": "u-1", "items": [{"sku": "A", "quantity": 1, "unitPrice": %s}]}',
        "items[0].unitPrice",
        "orders",
    ),
    "notifications": (
        b'{"userId": "u-1", "channel": "sms", "message": %s}',
        "message",
        "notifications",
    ),
}
SERVICES = sorted(TEMPLATES)

VALUES = [
    # (id, the JSON value written in the body, error code)
    ("surrogate-escape", b'"a\\ud800b"', "VALIDATION_ERROR"),
    ("low-surrogate-escape", b'"\\udfff"', "VALIDATION_ERROR"),
    ("encoded-surrogate-bytes", b'"a\xed\xa0\x80"', "INVALID_JSON"),  # raw CESU-8, not UTF-8
    ("invalid-utf8-byte", b'"\xff"', "INVALID_JSON"),
    ("truncated-utf8", b'"caf\xc3"', "INVALID_JSON"),
    ("nan", b"NaN", "INVALID_JSON"),
    ("infinity", b"Infinity", "INVALID_JSON"),
    ("minus-infinity", b"-Infinity", "INVALID_JSON"),
    ("overflow", b"1e400", "VALIDATION_ERROR"),
    ("negative-overflow", b"-1.5e999", "VALIDATION_ERROR"),
    ("too-many-digits", b"9" * 5000, "VALIDATION_ERROR"),
    ("nested-too-deep", b"[" * 10_000 + b"]" * 10_000, "VALIDATION_ERROR"),
    ("nested-objects-too-deep", b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "VALIDATION_ERROR"),
]


def rows(app, table):
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT count(*) FROM %s" % table).fetchone()[0]


def post_raw(client, service, body, **headers):
    return client.post("/" + service, data=body, content_type="application/json", headers=headers)


def assert_refused(app, response, status, code, field, table):
    assert response.status_code == status
    assert response.is_json
    error = response.get_json()
    assert (error["error"], error["field"]) == (code, field), error
    assert field in error["message"]
    response.data.decode("utf-8")  # the error itself is clean UTF-8 (ASCII, in fact)
    assert rows(app, table) == 0


@pytest.mark.parametrize("value,code", [v[1:] for v in VALUES], ids=[v[0] for v in VALUES])
@pytest.mark.parametrize("service", SERVICES)
def test_bad_values_are_400_naming_the_field(make_app, service, value, code):
    template, field, table = TEMPLATES[service]
    app = make_app(service)
    response = post_raw(app.test_client(), service, template % value, **{"Idempotency-Key": "k-1"})
    if value.startswith(
        (b"[", b"{")
    ):  # the 33rd level down from the top: the field, then [0][0]... or .a.a...
        step = "[0]" if value.startswith(b"[") else ".a"
        levels = (
            field.count("[") + field.count(".") + 1
        )  # containers down to the field, the body included
        field += step * (32 - levels)
    assert_refused(app, response, 400, code, field, table)


@pytest.mark.parametrize("service", SERVICES)
def test_lone_surrogate_in_a_key_is_400_naming_it(make_app, service):
    template, _, table = TEMPLATES[service]
    app = make_app(service)
    body = template.replace(b"{", b'{"x\\ud800": 1, ', 1) % b"1"
    assert_refused(
        app, post_raw(app.test_client(), service, body), 400, "VALIDATION_ERROR", "x\\ud800", table
    )


@pytest.mark.parametrize("service", SERVICES)
def test_invalid_utf8_in_a_key_is_400_showing_the_byte(make_app, service):
    template, _, table = TEMPLATES[service]
    app = make_app(service)
    body = template.replace(b"{", b'{"x\xff": 1, ', 1) % b"1"
    assert_refused(
        app, post_raw(app.test_client(), service, body), 400, "INVALID_JSON", "x\\xff", table
    )


def test_the_first_bad_field_in_document_order_is_named(make_app):
    app = make_app("orders")
    body = (
        b'{"userId": "u-1", "items": [{"sku": "A", "quantity": 1, "unitPrice": 1},'
        b' {"sku": "\\ud800", "quantity": 1, "unitPrice": 1e400}]}'
    )
    assert_refused(
        app,
        post_raw(app.test_client(), "orders", body),
        400,
        "VALIDATION_ERROR",
        "items[1].sku",
        "orders",
    )


@pytest.mark.parametrize(
    "depth,field", [(32, "body"), (33, "[0]" * 32)], ids=["at-the-limit", "over-the-limit"]
)
def test_nesting_limit_is_32_levels(make_app, depth, field):
    app = make_app("users")
    response = post_raw(app.test_client(), "users", b"[" * depth + b"]" * depth)
    # 32 levels parse (then the schema wants an object: "body"); 33 are refused before parsing.
    assert (response.status_code, response.get_json()["field"]) == (400, field)


def test_brackets_inside_strings_do_not_count_as_nesting(make_app):
    client = make_app("notifications").test_client()
    message = '[{\\"' * 50  # brackets, quotes and backslashes, all inside one string
    response = client.post(
        "/notifications",
        data='{"userId": "u-1", "channel": "sms", "message": "%s"}' % message,
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.get_json()["message"] == message.replace('\\"', '"')


@pytest.mark.parametrize(
    "body",
    ['{"name": "Ad\\ud83d\\ude00", "email": "a@b.co"}', '{"name": "Adé 😀", "email": "a@b.co"}'],
    ids=["escaped-pair", "utf8"],
)
def test_valid_unicode_is_accepted(make_app, body):
    client = make_app("users").test_client()
    response = client.post("/users", data=body.encode("utf-8"), content_type="application/json")
    assert response.status_code == 201
    assert response.get_json()["name"].startswith("Ad")


def test_utf16_body_is_still_accepted(make_app):
    client = make_app("users").test_client()
    body = '{"name": "Ada", "email": "a@b.co"}'.encode("utf-16")
    assert client.post("/users", data=body, content_type="application/json").status_code == 201


def test_chaos_switch_body_is_checked_too(make_app):
    client = make_app("users", CHAOS_ENABLED=True).test_client()
    response = client.post(
        "/chaos", data=b'{"rate": 1e400, "status": 503}', content_type="application/json"
    )
    assert (response.status_code, response.get_json()["field"]) == (400, "rate")
    assert client.get("/chaos").get_json()["active"] is False


# --- path segments, query parameters and headers -------------------------------------------
# werkzeug decodes %-escapes that are not UTF-8 to U+FFFD: no such record, an ordinary 404.
@pytest.mark.parametrize(
    "path,code",
    [
        ("/users/%ED%A0%80", "USER_NOT_FOUND"),
        ("/users/%FF", "USER_NOT_FOUND"),
        ("/orders/%ED%A0%80", "ORDER_NOT_FOUND"),
        ("/notifications/%C3", "NOTIFICATION_NOT_FOUND"),
    ],
)
def test_invalid_text_in_a_path_is_an_ordinary_404(make_app, path, code):
    response = make_app(path.split("/")[1]).test_client().get(path)
    assert (response.status_code, response.get_json()["error"]) == (404, code)
    response.data.decode("utf-8")


@pytest.mark.parametrize("value", ["%ED%A0%80", "%FF", "a%00b"])
@pytest.mark.parametrize("service", ["orders", "notifications"])
def test_invalid_text_in_a_query_parameter_is_400_naming_it(make_app, service, value):
    response = make_app(service).test_client().get("/%s?userId=%s" % (service, value))
    assert (response.status_code, response.get_json()["field"]) == (400, "userId")


# Header values reach the app as latin-1: raw UTF-8 (or worse) bytes look like "\xed\xa0\x80".
BAD_HEADER_TEXT = ["\xed\xa0\x80", "\xff\xfe", "caf\xc3\xa9", "a\x00b"]


@pytest.mark.parametrize("value", BAD_HEADER_TEXT)
@pytest.mark.parametrize("service", SERVICES)
def test_invalid_text_in_idempotency_key_is_400_naming_it(make_app, service, value):
    template, _, table = TEMPLATES[service]
    app = make_app(service)
    response = post_raw(
        app.test_client(),
        service,
        template % b'"ok"' if service != "orders" else template % b"1",
        **{"Idempotency-Key": value},
    )
    assert_refused(app, response, 400, "VALIDATION_ERROR", "Idempotency-Key", table)


@pytest.mark.parametrize("value", BAD_HEADER_TEXT)
def test_invalid_text_in_request_id_is_replaced_not_echoed(make_app, value):
    response = make_app("users").test_client().get("/users/nobody", headers={"X-Request-Id": value})
    assert response.status_code == 404
    assert (
        len(response.headers["X-Request-Id"]) == 32 and response.headers["X-Request-Id"].isalnum()
    )
