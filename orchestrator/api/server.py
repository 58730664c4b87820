"""``python -m orchestrator serve``: the API under gunicorn, as production runs it.

One worker process with threads, because the engine (its scheduler, timers and journal
connection) lives inside the process: two workers would be two engines racing on one
journal. Equivalent to
``gunicorn -w 1 -k gthread --threads 16 -b HOST:PORT 'orchestrator.api:create_app()'``
(the Procfile runs exactly these options through :mod:`.gunicorn_conf`).
SIGTERM / Ctrl-C stop gunicorn gracefully; the worker's exit closes the engine.
"""
from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8083
THREADS = 16


def default_host() -> str:
    return os.environ.get("ORCHESTRATOR_HOST", DEFAULT_HOST)


def default_port() -> int:
    return int(os.environ.get("ORCHESTRATOR_PORT", DEFAULT_PORT))


def gunicorn_options(host: str, port: int, threads: int = THREADS) -> dict:
    return {
        "bind": "%s:%d" % (host, port),
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        # StartSyncExecution and `GET /executions/<id>?wait=` hold a request for minutes;
        # the gthread worker's heartbeat does not depend on request length, so this only
        # bounds a wedged worker.
        "timeout": 330,
        "graceful_timeout": int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "10")),
        # gunicorn's control socket defaults to one path per user: several gunicorns (the
        # services, parallel test servers) would fight over it, and nothing here uses it.
        "control_socket_disable": True,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": os.environ.get("GUNICORN_LOGLEVEL", "info"),
    }


class _Server(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Built in the worker (not the arbiter): the engine's threads must not cross a fork.
        from . import create_app

        return create_app()


def serve(host: str | None = None, port: int | None = None, threads: int = THREADS) -> int:
    _Server(gunicorn_options(host or default_host(), port or default_port(), threads)).run()
    return 0
