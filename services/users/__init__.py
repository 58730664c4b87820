"""The users service: ``create_app`` is what gunicorn serves (``services.users:create_app()``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from services.common import make_app

from . import store, users


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    return make_app(
        "users",
        config=config,
        schema=store.SCHEMA,
        blueprints=[users.bp],
        operations=users.OPERATIONS,
        description="Users of the shop. Every error is JSON {error, message[, field]}.",
    )
