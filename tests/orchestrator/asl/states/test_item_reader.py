"""ItemReader, ItemBatcher and ResultWriter in the interpreter, with a fake S3 behind the
Task hook (the real S3 calls are tested against moto in
tests/orchestrator/api/test_api_distributed_map_s3.py and the recorded cases in
tests/conformance/test_item_reader_conformance.py).

The fake (:mod:`tests.support.fake_s3`) records the calls: small chunks force the reader
across chunk boundaries, through its second read, and into the object-changed check."""

from __future__ import annotations

import json

import pytest

from orchestrator.asl.runner import run
from orchestrator.asl.states import item_reader, result_writer
from orchestrator.asl.states.item_reader import java_order
from tests.support.fake_s3 import FakeS3


def reader_map(config: dict, key: str = "data.csv", **extra) -> dict:
    state = {
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": config,
            "Parameters": {"Bucket": "b", "Key": key},
        },
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "End": True}},
        },
        "End": True,
        **extra,
    }
    return {"StartAt": "M", "States": {"M": state}}


@pytest.fixture
def small_chunks(monkeypatch):
    """Reads of 7 bytes, and nothing kept: every source is read twice, in many pieces."""
    monkeypatch.setattr(item_reader, "CHUNK_BYTES", 7)
    monkeypatch.setattr(item_reader, "KEEP_BYTES", 0)


CSV = 'id,text\r\n1,"a, quoted\nline"\r\n2,plain\r\n\r\n3,"say ""hi"""\n4\n'
ROWS = [
    {"id": "1", "text": "a, quoted\nline"},
    {"id": "2", "text": "plain"},
    {"id": "3", "text": 'say "hi"'},
    {"id": "4", "text": ""},
]


def test_csv_across_chunk_boundaries_quoted_newlines_crlf_and_a_second_read(small_chunks):
    s3 = FakeS3({"data.csv": CSV})
    result = run(reader_map({"InputType": "CSV"}), invoke=s3)
    assert (result.status, result.output) == ("SUCCEEDED", ROWS)
    ranges = [p["Range"] for a, p in s3.calls if a == "getObject"]
    chunks = -(-len(CSV.encode()) // 7)
    assert len(ranges) == 2 * chunks  # read twice (nothing kept), 7 bytes at a time
    assert all("IfMatch" in p for a, p in s3.calls[chunks:])  # the second read is pinned


def test_a_utf8_bom_and_a_character_split_between_two_chunks(small_chunks):
    text = "\ufeffname\nJosé Ñandú\n"
    s3 = FakeS3({"data.csv": text})
    assert run(reader_map({"InputType": "CSV"}), invoke=s3).output == [{"name": "José Ñandú"}]


def test_given_headers_a_delimiter_and_max_items():
    s3 = FakeS3({"data.csv": "1|2|3\n4|5\n6|7|8\n"})
    config = {
        "InputType": "CSV",
        "CSVHeaderLocation": "GIVEN",
        "CSVHeaders": ["a", "b"],
        "CSVDelimiter": "PIPE",
        "MaxItems": 2,
    }
    result = run(reader_map(config), invoke=s3)
    assert result.output == [{"a": "1", "b": "2"}, {"a": "4", "b": "5"}]


def test_the_object_changing_between_the_two_reads_fails_the_map(small_chunks):
    s3 = FakeS3({"data.csv": CSV})
    s3.change_after = -(-len(CSV.encode()) // 7)  # right after the first read
    result = run(reader_map({"InputType": "CSV"}), invoke=s3)
    assert result.status == "FAILED"
    assert result.error == "States.ItemReaderFailed"
    assert result.cause == "The object s3://b/data.csv changed while the Map Run read it"


def test_jsonl_and_json(small_chunks):
    s3 = FakeS3({"l.jsonl": '{"n": 1}\n\n[2]\n"three"\n', "a.json": '[{"n": 1}, 2]'})
    assert run(reader_map({"InputType": "JSONL"}, "l.jsonl"), invoke=s3).output == [
        {"n": 1},
        [2],
        "three",
    ]
    assert run(reader_map({"InputType": "JSON"}, "a.json"), invoke=s3).output == [{"n": 1}, 2]


def test_a_listing_over_several_pages_is_read_again_with_its_tokens(monkeypatch):
    monkeypatch.setattr(item_reader, "LIST_PAGE", 2)
    monkeypatch.setattr(item_reader, "KEEP_BYTES", 0)
    s3 = FakeS3({f"k{i}": "x" * i for i in range(5)})
    definition = reader_map({})
    definition["States"]["M"]["ItemReader"] = {
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "Parameters": {"Bucket": "b"},
    }
    result = run(definition, invoke=s3)
    assert [item["Key"] for item in result.output] == [f"k{i}" for i in range(5)]
    assert [item["Size"] for item in result.output] == list(range(5))
    tokens = [p.get("ContinuationToken") for a, p in s3.calls]
    assert tokens == [None, "2", "4", None, "2", "4"]


def test_batches_by_count_and_by_bytes_with_the_item_selector():
    items = [{"v": "x" * 10, "i": i} for i in range(7)]
    s3 = FakeS3({"a.json": json.dumps(items)})
    batcher = {"MaxItemsPerBatch": 3, "BatchInput": {"tag": "t"}}
    selector = {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value.v"}
    definition = reader_map({"InputType": "JSON"}, "a.json", ItemBatcher=batcher)
    definition["States"]["M"]["ItemSelector"] = selector
    out = run(definition, invoke=s3).output
    assert [len(b["Items"]) for b in out] == [3, 3, 1]
    assert all(b["BatchInput"] == {"tag": "t"} for b in out)
    assert [item["i"] for b in out for item in b["Items"]] == list(range(7))
    # Bytes: each item is {"i":N,"v":"xxxxxxxxxx"} (24 bytes); the head {"Items":[]} is 12.
    definition["States"]["M"]["ItemBatcher"] = {"MaxInputBytesPerBatch": 12 + 24 * 2 + 1}
    out = run(definition, invoke=s3).output
    assert [len(b["Items"]) for b in out] == [2, 2, 2, 1]
    assert all(len(json.dumps(b, separators=(",", ":"))) <= 61 for b in out)


def test_a_result_writer_splits_its_files_and_lists_them_in_the_manifest(monkeypatch):
    monkeypatch.setattr(result_writer, "FILE_BYTES", 50)
    items = [{"n": i} for i in range(20)]
    s3 = FakeS3({"a.json": json.dumps(items)})
    writer = {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "out", "Prefix": "p/"},
        "WriterConfig": {"Transformation": "COMPACT"},
    }
    definition = reader_map({"InputType": "JSON"}, "a.json", ResultWriter=writer)
    result = run(definition, invoke=s3)
    assert result.status == "SUCCEEDED"
    key = result.output["ResultWriterDetails"]["Key"]
    assert key == f"p/{result.output['MapRunArn'].rsplit(':', 1)[1]}/manifest.json"
    manifest = json.loads(s3.objects[key])
    files = manifest["ResultFiles"]["SUCCEEDED"]
    assert len(files) > 1 and manifest["ResultFiles"]["FAILED"] == []
    written = [json.loads(s3.objects[f["Key"]]) for f in files]
    assert [f["Size"] for f in files] == [len(s3.objects[f["Key"]]) for f in files]
    assert sorted(n["n"] for part in written for n in part) == list(range(20))  # COMPACT


def test_a_negative_max_items_path_fails_as_aws_says():
    s3 = FakeS3({"data.csv": "a\n1\n"})
    definition = reader_map({"InputType": "CSV", "MaxItemsPath": "$.max"})
    result = run(definition, {"max": -1}, invoke=s3)
    assert (result.error, result.cause) == (
        "States.ItemReaderFailed",
        "field MaxItems must be positive",
    )
    assert [e["type"] for e in result.history][2:6] == [
        "MapStateStarted",
        "MapRunStarted",
        "MapRunFailed",
        "MapStateFailed",
    ]


def test_java_hash_map_order():
    assert java_order(["0", "True", "{}"]) == [0, 2, 1]  # recorded by AWS
    assert java_order(["H1", ""]) == [1, 0]
    # 13 keys: the table has grown to 32 buckets.
    keys = [f"column{i}" for i in range(13)]
    assert sorted(java_order(keys)) == list(range(13))
