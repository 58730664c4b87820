"""The Distributed Map cases of ``../shared/conformance-more`` that read their items from S3
(``scenarios/test_base_scenarios.test_map_item_reader_*``, ``..._item_batching_*``:
ItemReader over JSON, CSV and a bucket listing, ReaderConfig.MaxItems, ItemBatcher),
recorded against AWS, run against a real local AWS API: moto's server mode, its own process
on a loopback port. Each case's bucket and objects are created on moto; the ItemReader's
S3 calls go through the engine's own Task resources, translated at the boundary as in
:mod:`tests.conformance.test_aws_services`.

Two maskings are the recording test's own: a listed object's ``Etag`` is recorded as
``<Etag-KEY>`` (so the ETag moto gives is mapped to that placeholder) and its
``LastModified`` as ``<date>`` (the harness masks our dates as ``date``); masking them, it
wrote the history's output texts back with spaces after ``,`` and ``:``, so those are
compared as JSON for that case. And the cases
recorded since AWS changed the Distributed Map's history links link ``MapStateExited`` to
``MapRunStarted``; they are compared as :data:`~tests.conformance.harness.MAP_RUN_LINK`
says (the link the older recordings show), and exactly those are relinked."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest

from tests.conformance.harness import compare
from tests.corpus import CORPUS
from tests.support.aws_setup import create_setup
from tests.support.moto_invoke import MotoInvoke

pytest_plugins = ["tests.support.moto_fixtures"]
pytestmark = pytest.mark.integration

FOLDER = CORPUS.parent / "conformance-more" / "cases" / "scenarios"
CASES = sorted(
    path
    for pattern in ("*test_map_item_reader_*.json", "*test_map_item_batching_*.json")
    for path in FOLDER.glob(pattern)
)


# Recorded after the Nov 2024 change of links (see harness.MAP_RUN_LINK).
RELINKED = {
    "test_map_item_batching_base_json_max_per_batch_jsonata",
    "test_map_item_reader_base_json_max_items_jsonata",
    "test_map_item_reader_base_json_with_items_path_INVALID_ITEMS_PATH",
    "test_map_item_reader_base_json_with_items_path_VALID_ITEMS_PATH_FROM_ITEM_READER",
    "test_map_item_reader_base_json_with_items_path_VALID_ITEMS_PATH_FROM_PREVIOUS",
}


def _relinked(history: list) -> list:
    types = {e["id"]: e["type"] for e in history}
    return [
        dict(e, previousEventId=e["previousEventId"] + 1)
        if e["type"] == "MapStateExited" and types[e["previousEventId"]] == "MapRunStarted"
        else e
        for e in history
    ]


def _etags(case: dict) -> dict[str, str]:
    """``<Etag-KEY>`` -> the ETag S3 gives each object the case puts (its body's MD5)."""
    return {
        f"<Etag-{entry['params']['Key']}>": '"'
        + hashlib.md5(entry["params"]["Body"].encode()).hexdigest()
        + '"'
        for entry in case.get("setup") or ()
        if entry.get("operation") == "PutObject"
    }


def _compact(event: dict) -> dict:
    """An event with its output text written compactly (as the engine writes JSON)."""
    out = copy.deepcopy(event)
    for key in ("stateExitedEventDetails", "executionSucceededEventDetails"):
        if key in out:
            value = json.loads(out[key]["output"])
            out[key]["output"] = json.dumps(value, separators=(",", ":"))
    return out


def test_the_cases_are_there():
    assert len(CASES) == 23, f"only {len(CASES)} ItemReader / ItemBatcher cases found"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem.rsplit(".", 1)[-1])
def test_case(path, moto, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    case = json.loads(path.read_text())
    name = path.stem.rsplit(".", 1)[-1]
    mapping = {**create_setup(case, moto), **_etags(case)}
    judged = json.loads(json.dumps(case).replace("<date>", "date"))
    relinked = _relinked(judged["history"])
    assert (relinked != judged["history"]) == (name in RELINKED)
    judged["history"] = relinked
    if _etags(case) and name.endswith("list_objects_v2"):
        judged["history"] = [_compact(event) for event in relinked]
    invoke = MotoInvoke(moto.url, mapping)
    try:
        problems = compare(judged, invoke)
    finally:
        invoke.invoker.close()
    assert not problems, "\n".join(problems)
