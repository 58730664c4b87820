"""Fixtures shared by every test folder."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def postgres_cluster():
    """A real PostgreSQL server of this test session (tests/support/postgres.py), started
    the first time a test asks for it."""
    from tests.support.postgres import Cluster

    # Not under pytest's tmp_path: the server runs as the postgres user, who must reach it.
    folder = Path(tempfile.mkdtemp(prefix="pg-cluster-"))
    folder.chmod(0o755)
    cluster = Cluster(folder / "cluster")
    try:
        yield cluster
    finally:
        try:
            cluster.stop("immediate")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
