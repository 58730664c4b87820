"""The orders service: ``create_app`` is what gunicorn serves (``services.orders:create_app()``).

``USERS_URL`` is required: without it the start-up fails with a message naming the
variable, rather than the first order failing later.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from flask import Flask

from services.common import ConfigError, Setting, make_app

from . import orders, store
from .users_client import UsersClient


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError("expected a number of seconds > 0")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("expected an integer >= 0")
    return value


SETTINGS = [
    Setting("USERS_URL", "USERS_URL", str, "base URL of the users service (required)"),
    Setting("USERS_TIMEOUT", "USERS_TIMEOUT", _positive_float, "seconds to wait for users"),
    Setting(
        "USERS_RETRIES", "USERS_RETRIES", _non_negative_int, "extra attempts on connection errors"
    ),
]


def _check(app: Flask) -> None:
    if "USERS_CLIENT" in app.config:  # a test injected a fake client
        return
    url = app.config.get("USERS_URL")
    if not url:
        raise ConfigError(
            "USERS_URL is not set: the orders service needs the users service's base URL, "
            "e.g. USERS_URL=http://127.0.0.1:8001"
        )
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError("USERS_URL=%r is invalid: expected http://host:port" % url)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = make_app(
        "orders",
        config=config,
        schema=store.SCHEMA,
        blueprints=[orders.bp],
        operations=orders.OPERATIONS,
        description="Orders of existing users. Every error is JSON {error, message[, field]}.",
        settings=SETTINGS,
        defaults={"USERS_TIMEOUT": 2.0, "USERS_RETRIES": 2},
        check=_check,
    )
    app.extensions["users_client"] = app.config.get("USERS_CLIENT") or UsersClient(
        app.config["USERS_URL"],
        timeout=app.config["USERS_TIMEOUT"],
        retries=app.config["USERS_RETRIES"],
    )
    return app
