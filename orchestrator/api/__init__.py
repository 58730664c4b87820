"""The orchestrator's HTTP front (Flask): the AWS JSON 1.0 protocol (:mod:`.aws`), the REST
facade (:mod:`.rest`) and the web console with its JSON (:mod:`.console`).

The engine lives in this process (gunicorn runs ONE worker with threads), so the app
factory owns it: ``create_app()`` builds an Engine from the environment, starts it (which
resumes in-flight executions), registers the shipped definitions and closes the engine at
interpreter exit (gunicorn's SIGTERM ends the worker through ``sys.exit``).

Config (mapping, overrides the environment):
- ``STATEMACHINES_DIR``: definitions registered at start (env ``ORCHESTRATOR_STATEMACHINES_DIR``,
  default ``./statemachines``); an empty value registers nothing.
- ``MAX_CONTENT_LENGTH``: request size limit in bytes (default 8 MiB: a definition may be
  1 MiB characters, up to six bytes each once JSON-escaped).
- ``LONG_POLL_SLOTS``: requests that may wait for an execution at once (StartSyncExecution,
  ``?wait=``; default: the server's threads less eight, see :mod:`.server`); past that they
  are throttled (``ThrottlingException``, 429 on REST) instead of taking every thread.
"""

from __future__ import annotations

import atexit
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException, MethodNotAllowed

log = logging.getLogger(__name__)

DEFAULT_STATEMACHINES_DIR = "./statemachines"


def _settings(config: Mapping[str, Any] | None) -> dict:
    settings = {
        "STATEMACHINES_DIR": os.environ.get(
            "ORCHESTRATOR_STATEMACHINES_DIR", DEFAULT_STATEMACHINES_DIR
        ),
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "LONG_POLL_SLOTS": _long_poll_slots(),
    }
    settings.update(config or {})
    return settings


def _long_poll_slots() -> int:
    from .server import long_poll_slots

    return long_poll_slots()


def _build_engine():
    # Imported here so the API (and its tests with a fake engine) load without the engine.
    from ..engine.engine import Engine, EngineConfig

    engine = Engine(EngineConfig.from_env())
    engine.start()
    atexit.register(_close, engine)
    return engine


def _close(engine) -> None:
    log.info("closing the engine")
    engine.close()
    log.info("engine closed")


def _register(engine, directory: str | None) -> None:
    if not directory:
        return
    path = Path(directory)
    if not path.is_dir():
        log.warning("no state machines registered: %s is not a directory", path.resolve())
        return
    # A broken shipped definition stops the start with its diagnostics (fail fast).
    engine.register_directory(path)
    log.info("registered the state machines in %s", path.resolve())


def _http_error(exc: HTTPException):
    # Routing errors (404, 405, 413) in the REST facade's error shape.
    from .common import error_response

    code = exc.name.upper().replace(" ", "_")
    response = error_response(exc.code or 500, code, exc.description or "")
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return response


def _unexpected(exc: Exception):
    from .common import error_response

    log.exception("unhandled error")
    return error_response(500, "INTERNAL", "Internal error: %s" % type(exc).__name__)


def create_app(engine=None, config: Mapping[str, Any] | None = None) -> Flask:
    """Flask app serving ``engine`` (built from the environment and started when None)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=os.environ.get("ORCHESTRATOR_LOG_LEVEL", "INFO").upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    settings = _settings(config)
    app = Flask(__name__)
    app.config.update(settings)
    if isinstance(app.json, DefaultJSONProvider):  # it is, unless a test swapped it
        app.json.sort_keys = False  # keep AWS's member order in REST bodies
    if engine is None:
        engine = _build_engine()
    app.extensions["engine"] = engine
    from .aws import LongPolls

    app.extensions["long_polls"] = LongPolls(settings["LONG_POLL_SLOTS"])
    _register(engine, settings["STATEMACHINES_DIR"])

    from . import aws, console, rest

    app.register_blueprint(aws.bp)
    app.register_blueprint(rest.bp)
    app.register_blueprint(console.bp)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    return app
