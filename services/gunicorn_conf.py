"""Gunicorn settings shared by the three services (``gunicorn -c services/gunicorn_conf.py``).

The bind address is given on the command line (Procfile, compose); the rest comes from the
environment so that one file serves ``make run``, the containers and the integration tests.
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"  # chaos "drop" closes the client socket; the sync worker handles that cleanly
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "70"))  # above the 60 s chaos delay maximum
graceful_timeout = int(
    os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "5")
)  # Ctrl-C stops within seconds
accesslog = None  # the app writes its own JSON line per request
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "warning")

# Without --bind on the command line (containers): HOST (default 127.0.0.1) and PORT.
if os.environ.get("PORT"):
    bind = ["%s:%s" % (os.environ.get("HOST", "127.0.0.1"), os.environ["PORT"])]


def post_worker_init(worker):
    """gunicorn's own error answers (414, 431, 400, 500...) are JSON too: see services/common/gunicorn_errors.py."""
    from services.common.gunicorn_errors import install

    install()
