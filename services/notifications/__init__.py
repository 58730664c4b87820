"""The notifications service: ``create_app`` is what gunicorn serves
(``services.notifications:create_app()``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from services.common import make_app

from . import notifications, store


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    return make_app(
        "notifications",
        config=config,
        schema=store.SCHEMA,
        blueprints=[notifications.bp],
        operations=notifications.OPERATIONS,
        description="Notifications to users (sending is simulated). Every error is JSON {error, message[, field]}.",
    )
