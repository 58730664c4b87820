"""A full disk and a read-only journal, for real: the orchestrator's data directory is a
small tmpfs of the test's own (mounting needs root, which CI has). While the journal cannot
be written, /ready says why, writes get a clear 503 ServiceUnavailable, acknowledged
executions wait in memory; when space returns they finish, nothing lost."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest
import requests

from tests.orchestrator.api.orchestrator_server import Orchestrator
from tests.support.aws import stepfunctions_client

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root"),
]

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
NAP = {
    "StartAt": "Nap",
    "States": {
        "Nap": {"Type": "Wait", "Seconds": 1, "Next": "P"},
        "P": {"Type": "Pass", "End": True},
    },
}


@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(disk)], check=True)
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def _ready(server) -> requests.Response:
    return requests.get(server.url + "/ready", timeout=5)


def _until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # polling a condition, bounded; not timing anything
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def _fill(disk) -> None:
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:  # ENOSPC: the disk is full
        pass
    finally:
        os.close(fd)


def test_a_full_disk_pauses_the_engine_and_loses_nothing(small_disk, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    server = Orchestrator(work, {"ORCHESTRATOR_DATA_DIR": str(small_disk)}).start()
    try:
        sfn = stepfunctions_client(server.url)
        machine = sfn.create_state_machine(name="nap", definition=json.dumps(NAP), roleArn=ROLE)[
            "stateMachineArn"
        ]
        arns = [sfn.start_execution(stateMachineArn=machine)["executionArn"] for _ in range(5)]
        _fill(small_disk)  # the naps end while the disk is full
        _until(lambda: _ready(server).status_code == 503)
        assert "full" in _ready(server).json()["message"]
        with pytest.raises(sfn.exceptions.ClientError) as err:
            sfn.start_execution(stateMachineArn=machine)
        assert err.value.response["Error"]["Code"] == "ServiceUnavailable"
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        # The naps end: their activations cannot be written, so they wait in memory.
        _until(lambda: "the journal cannot be written" in server.log())
        assert {sfn.describe_execution(executionArn=a)["status"] for a in arns} == {"RUNNING"}

        (small_disk / "filler").unlink()
        _until(lambda: _ready(server).status_code == 200)
        _until(
            lambda: (
                {sfn.describe_execution(executionArn=a)["status"] for a in arns} == {"SUCCEEDED"}
            )
        )
        assert sfn.start_execution(stateMachineArn=machine)["executionArn"]
    finally:
        server.stop()


def test_a_read_only_journal_is_reported_at_start_and_nothing_is_lost(small_disk, tmp_path):
    """A journal on a file system that went read-only (remounted while the engine was
    down; a live remount needs no open writers, so this is how it can be made for real):
    the engine refuses to start and says why; back to read-write, it resumes everything.
    (A journal that turns read-only under a running engine takes the full-disk path above:
    tests/orchestrator/engine/test_engine_isolation.py checks it with SQLite's own
    read-only error.)"""
    work = tmp_path / "work"
    work.mkdir()
    server = Orchestrator(
        work, {"ORCHESTRATOR_DATA_DIR": str(small_disk), "ORCHESTRATOR_TIME_SCALE": "0.01"}
    )
    server.start()
    sfn = stepfunctions_client(server.url)
    machine = sfn.create_state_machine(
        name="nap",
        definition=json.dumps(
            {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 100, "End": True}}}
        ),
        roleArn=ROLE,
    )["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    server.terminate()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        with pytest.raises(RuntimeError, match="did not start"):
            server.start()
        assert "cannot be written" in server.log() or "unable to open" in server.log()
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    server.start()
    try:
        sfn = stepfunctions_client(server.url)
        _until(lambda: sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED")
    finally:
        server.stop()
