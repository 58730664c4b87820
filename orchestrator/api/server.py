"""``python -m orchestrator serve``: the API under gunicorn, as production runs it.

One worker process with threads, because the engine (its scheduler, timers and journal
connection) lives inside the process: two workers would be two engines racing on one
journal. Equivalent to
``gunicorn -w 1 -k gthread --threads 32 -b HOST:PORT 'orchestrator.api:create_app()'``
(the Procfile runs exactly these options through :mod:`.gunicorn_conf`).
SIGTERM / Ctrl-C stop gunicorn gracefully; the worker's exit closes the engine.
"""

from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8083
# Request threads. Requests that wait for an execution (StartSyncExecution, ?wait=) may
# hold at most THREADS - RESERVED_THREADS of them (aws.LongPolls): the rest of the API
# always has threads left.
THREADS = 32
RESERVED_THREADS = 8


def long_poll_slots(threads: int = THREADS) -> int:
    return max(1, threads - RESERVED_THREADS)


def json_errors(status_int: int, reason: str, message: str) -> bytes:
    """An HTTP error gunicorn answers itself (before the app runs: request line too long,
    too many headers, a malformed header) as JSON, in both error shapes this server speaks:
    ``__type``/``message`` (AWS protocol) and ``error``/``message`` (REST, console)."""
    import json

    code = reason.upper().replace(" ", "_") or "ERROR"
    body = json.dumps({"__type": code, "error": code, "message": message or reason})
    return (
        "HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Type: application/json\r\n"
        "Content-Length: %d\r\n\r\n%s" % (status_int, reason, len(body), body)
    ).encode("latin-1")


def _install_json_errors(worker) -> None:
    """gunicorn writes its own errors as HTML through ``gunicorn.util.write_error``, with no
    setting to change the body; replacing that function (looked up at call time by the
    worker's ``handle_error``) in the worker process is the smallest way to answer JSON."""
    from gunicorn import util

    def write_error(sock, status_int, reason, mesg):
        util.write_nonblock(sock, json_errors(status_int, reason, mesg))

    util.write_error = write_error


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
        "post_worker_init": _install_json_errors,
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


# botocore's variable for Step Functions' endpoint: aws-sdk:sfn Tasks call this engine's own
# API unless it names another (orchestrator/tasks/aws.py).
SELF_ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_SFN"


def self_endpoint(host: str, port: int) -> str:
    """The URL this server answers on, as a client on this machine reaches it."""
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    return "http://%s:%d" % (f"[{host}]" if ":" in host else host, port)


def default_self_endpoint(host: str, port: int) -> None:
    """aws-sdk:sfn Tasks reach this server unless ``AWS_ENDPOINT_URL_SFN`` names another
    (set before the worker starts: the engine reads it when it loads its Task config)."""
    os.environ.setdefault(SELF_ENDPOINT_VARIABLE, self_endpoint(host, port))


def serve(host: str | None = None, port: int | None = None, threads: int = THREADS) -> int:
    host, port = host or default_host(), port or default_port()
    default_self_endpoint(host, port)
    _Server(gunicorn_options(host, port, threads)).run()
    return 0
