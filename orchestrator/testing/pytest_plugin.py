"""The pytest plugin of :mod:`orchestrator.testing` (registered as ``pytest11`` entry point
``orchestrator``): the ``sfn`` fixture, and the session's workflow path coverage printed at
the end of the run and, with ``--sfn-coverage=FILE``, written as JSON. Under pytest-xdist
each worker sends what it saw to the controller, which reports the union."""

from __future__ import annotations

import json

import pytest

import orchestrator.testing as toolkit


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--sfn-coverage",
        metavar="FILE",
        default=None,
        help="write the workflows' path coverage (states, Choice branches, Catch and Retry "
        "paths) of this session as JSON to FILE",
    )


@pytest.fixture
def sfn():
    """:mod:`orchestrator.testing`: ``sfn.run_workflow(...)``, ``sfn.Throw(...)``."""
    return toolkit


def pytest_sessionfinish(session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand it to the controller
        workeroutput["sfn_coverage"] = json.dumps(toolkit.coverage.export())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    data = getattr(node, "workeroutput", {}).get("sfn_coverage")
    if data:
        toolkit.coverage.merge(json.loads(data))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    lines = toolkit.coverage.summary_lines()
    path = config.getoption("--sfn-coverage")
    if path:
        toolkit.coverage.write_json(path)
    if not lines:
        return
    terminalreporter.section("workflow path coverage")
    for line in lines:
        terminalreporter.write_line(line)
    if path:
        terminalreporter.write_line(f"(written to {path})")
