"""Gunicorn settings for the orchestrator: ``gunicorn -c python:orchestrator.api.gunicorn_conf
'orchestrator.api:create_app()'`` (Procfile, containers).

The same options as ``python -m orchestrator serve`` (one worker, 32 threads, bind from
``ORCHESTRATOR_HOST`` / ``ORCHESTRATOR_PORT``), taken from :func:`server.gunicorn_options`
so the two ways to start the server cannot drift apart; aws-sdk:sfn Tasks call this server
(``AWS_ENDPOINT_URL_SFN``'s default), as with ``serve``.
"""

from orchestrator.api.server import (
    default_host,
    default_port,
    default_self_endpoint,
    gunicorn_options,
)

default_self_endpoint(default_host(), default_port())
globals().update(gunicorn_options(default_host(), default_port()))
