"""The application-factory kit the three services share (Flask's application factory
pattern: ``create_app`` builds a configured app; nothing global is configured on import).

Configuration comes from one place, in this order: defaults, then the environment, then
the ``config`` mapping a test passes to ``create_app``. A setting that is present but
malformed stops the start-up with a message naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask

from . import chaos, db, deadline, health, observability, openapi
from .errors import register_error_handlers

DEFAULT_MAX_BODY_BYTES = 64 * 1024


class ConfigError(RuntimeError):
    """A missing or malformed setting; raised at start-up so the process fails fast."""


@dataclass(frozen=True)
class Setting:
    """An environment variable feeding a config key."""

    env: str
    key: str
    parse: Callable[[str], Any] = str
    help: str = ""


def parse_bool(text: str) -> bool:
    if text not in ("0", "1", ""):
        raise ValueError("expected 1 or 0")
    return text == "1"


def parse_positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("expected a positive integer")
    return value


def parse_non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("expected an integer >= 0")
    return value


def read_environment(settings: list[Setting], environ: Mapping[str, str]) -> dict:
    values = {}
    for setting in settings:
        raw = environ.get(setting.env)
        if raw is None:
            continue
        try:
            values[setting.key] = setting.parse(raw.strip())
        except ValueError as exc:
            raise ConfigError("%s=%r is invalid: %s" % (setting.env, raw, exc)) from None
    return values


def common_settings(service: str) -> list[Setting]:
    return [
        Setting("%s_DB" % service.upper(), "DATABASE", str, "SQLite file of the service"),
        Setting(
            "MAX_BODY_BYTES",
            "MAX_CONTENT_LENGTH",
            parse_positive_int,
            "request body limit (413 above)",
        ),
        Setting("CHAOS_ENABLED", "CHAOS_ENABLED", parse_bool, "1 turns on /chaos"),
        Setting(
            "DEADLINE_MARGIN_MS",
            "DEADLINE_MARGIN_MS",
            parse_non_negative_int,
            "no write commits later than this many ms before the request's X-Request-Deadline",
        ),
    ]


def make_app(
    service: str,
    *,
    config: Mapping[str, Any] | None,
    schema: str,
    blueprints: list[Blueprint],
    operations: list[openapi.Operation],
    description: str,
    settings: Sequence[Setting] = (),
    defaults: Mapping[str, Any] | None = None,
    check: Callable[[Flask], None] | None = None,
) -> Flask:
    """Build one service: config, database, error handlers, logs, probes, chaos, OpenAPI."""
    app = Flask("services.%s" % service)
    data_dir = os.environ.get("DATA_DIR", "./data")
    app.config.update(
        SERVICE_NAME=service,
        DATABASE=os.path.join(data_dir, "%s.db" % service),
        MAX_CONTENT_LENGTH=DEFAULT_MAX_BODY_BYTES,
        CHAOS_ENABLED=False,
        DEADLINE_MARGIN_MS=deadline.DEFAULT_MARGIN_MS,
    )
    app.config.update(defaults or {})
    app.config.update(read_environment(common_settings(service) + list(settings), os.environ))
    app.config.update(config or {})
    if check is not None:
        check(app)

    register_error_handlers(app)
    observability.init_app(app)
    db.init_app(app, schema)
    deadline.init_app(app)  # before chaos: a request already too late draws nothing
    chaos.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(openapi.bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)

    documented = (
        list(operations)
        + health.OPERATIONS
        + (chaos.OPERATIONS if app.config["CHAOS_ENABLED"] else [])
    )
    app.extensions["openapi"] = openapi.build_document(
        "%s service" % service, description, documented, chaos=app.config["CHAOS_ENABLED"]
    )
    return app
