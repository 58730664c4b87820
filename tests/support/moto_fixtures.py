"""The moto server as pytest fixtures (a pytest plugin module: a test module that needs them
says ``pytest_plugins = ["tests.support.moto_fixtures"]``).

* ``moto_server``: one :class:`~tests.support.moto_server.MotoServer` per test session, that
  is per xdist worker, stopped when the session ends.
* ``moto``: that server, reset first (``POST /moto-api/reset``), so each test starts with no
  queue, topic, table or bucket left by an earlier one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.moto_server import MotoServer


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


@pytest.fixture
def moto(moto_server: MotoServer) -> Iterator[MotoServer]:
    moto_server.reset()
    yield moto_server
