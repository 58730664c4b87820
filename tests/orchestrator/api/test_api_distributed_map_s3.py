"""A Distributed Map over S3 against a real local AWS API: a real orchestrator process with
``AWS_ENDPOINT_URL`` pointing at moto's server mode (its own process on a loopback port).

A 100,000-line CSV read by an ItemReader, in batches of 1,000 (ItemBatcher with
BatchInput), with four failing batches tolerated and a ResultWriter whose every object is
checked; JSONL and an S3 Inventory manifest (gzipped CSV files) with the results
transformed and written as JSON Lines; the reader's and writer's failures named
``States.ItemReaderFailed`` / ``States.ResultWriterFailed`` and caught by name; and a
kill -9 of the orchestrator while the Map Run is half-way: the resumed execution starts no
child twice and writes each result once."""

from __future__ import annotations

import gzip
import json
import time

import pytest
from orchestrator_server import Orchestrator, wait_finished

from tests.support.aws import stepfunctions_client
from tests.support.processes import kill_group

pytest_plugins = ["tests.support.moto_fixtures"]
pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
ROWS = 100_000
BATCH = 1_000
FAILING = {0, 25_000, 50_000, 75_000}  # rows whose batch fails (the first row of 4 batches)

CSV_MAP = {
    "StartAt": "Rows",
    "States": {
        "Rows": {
            "Type": "Map",
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                "Parameters": {"Bucket.$": "$.bucket", "Key.$": "$.key"},
            },
            "ItemSelector": {
                "id.$": "$$.Map.Item.Value.id",
                "fail.$": "$$.Map.Item.Value.fail",
                "index.$": "$$.Map.Item.Index",
            },
            "ItemBatcher": {"MaxItemsPerBatch": BATCH, "BatchInput": {"source.$": "$.key"}},
            "MaxConcurrency": 10,
            "ToleratedFailureCount": len(FAILING),
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "results", "Prefix": "runs/csv"},
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Check",
                "States": {
                    "Check": {
                        "Type": "Choice",
                        "Choices": [
                            {"Variable": "$.Items[0].fail", "StringEquals": "yes", "Next": "Bad"}
                        ],
                        "Default": "Count",
                    },
                    "Bad": {"Type": "Fail", "Error": "Bad.Batch", "Cause": "a row says fail"},
                    "Count": {
                        "Type": "Pass",
                        "Parameters": {
                            "count.$": "States.ArrayLength($.Items)",
                            "first.$": "$.Items[0].id",
                            "source.$": "$.BatchInput.source",
                        },
                        "End": True,
                    },
                },
            },
            "End": True,
        }
    },
}


@pytest.fixture(scope="module")
def server(tmp_path_factory, moto_server):
    running = Orchestrator(tmp_path_factory.mktemp("orchestrator-s3"), moto_server.env())
    running.start()
    yield running
    running.stop()


@pytest.fixture
def sfn(server):
    return stepfunctions_client(server.url)


def machine(sfn, name: str, definition: dict) -> str:
    return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]


def run(sfn, name: str, definition: dict, data: dict) -> tuple[str, dict]:
    arn = sfn.start_execution(
        stateMachineArn=machine(sfn, name, definition), input=json.dumps(data)
    )["executionArn"]
    return arn, wait_finished(sfn, arn, seconds=300)


def read(s3, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def keys(s3, bucket: str, prefix: str = "") -> dict[str, int]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents") or []
    return {entry["Key"]: entry["Size"] for entry in listed}


def csv_rows() -> str:
    lines = ["id,name,fail"]
    lines += [f"{i},name {i},{'yes' if i in FAILING else 'no'}" for i in range(ROWS)]
    return "\n".join(lines) + "\n"


def test_a_100000_line_csv_in_batches_with_tolerated_failures_and_a_result_writer(sfn, moto):
    s3 = moto.client("s3")
    for bucket in ("data", "results"):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket="data", Key="rows.csv", Body=csv_rows().encode())
    arn, done = run(sfn, "csv-batches", CSV_MAP, {"bucket": "data", "key": "rows.csv"})
    assert done["status"] == "SUCCEEDED", done.get("cause")
    output = json.loads(done["output"])
    map_run_arn = output["MapRunArn"]
    run_uuid = map_run_arn.rsplit(":", 1)[1]
    base = f"runs/csv/{run_uuid}"
    assert output["ResultWriterDetails"] == {"Bucket": "results", "Key": f"{base}/manifest.json"}

    # Every object the ResultWriter wrote, and nothing else.
    written = keys(s3, "results")
    assert set(written) == {
        f"{base}/manifest.json",
        f"{base}/SUCCEEDED_0.json",
        f"{base}/FAILED_0.json",
    }
    manifest = json.loads(read(s3, "results", f"{base}/manifest.json"))
    assert manifest == {
        "DestinationBucket": "results",
        "MapRunArn": map_run_arn,
        "ResultFiles": {
            "FAILED": [{"Key": f"{base}/FAILED_0.json", "Size": written[f"{base}/FAILED_0.json"]}],
            "PENDING": [],
            "SUCCEEDED": [
                {"Key": f"{base}/SUCCEEDED_0.json", "Size": written[f"{base}/SUCCEEDED_0.json"]}
            ],
        },
    }

    children = {
        e["executionArn"]: e
        for page in sfn.get_paginator("list_executions").paginate(mapRunArn=map_run_arn)
        for e in page["executions"]
    }
    assert len(children) == ROWS // BATCH
    assert {child["itemCount"] for child in children.values()} == {BATCH}
    succeeded = json.loads(read(s3, "results", f"{base}/SUCCEEDED_0.json"))
    failed = json.loads(read(s3, "results", f"{base}/FAILED_0.json"))
    assert len(succeeded) == ROWS // BATCH - len(FAILING) and len(failed) == len(FAILING)
    firsts = set()
    for record in succeeded + failed:
        child = children[record["ExecutionArn"]]
        assert record["Name"] == child["name"] and record["Status"] == child["status"]
        assert record["StateMachineArn"] == child["stateMachineArn"]
        batch = json.loads(record["Input"])
        first = int(batch["Items"][0]["id"])
        firsts.add(first)
        assert batch["BatchInput"] == {"source": "rows.csv"}
        assert batch["Items"] == [
            {"id": str(i), "fail": "yes" if i in FAILING else "no", "index": i}
            for i in range(first, first + BATCH)
        ]
        if record["Status"] == "SUCCEEDED":
            assert first not in FAILING
            assert json.loads(record["Output"]) == {
                "count": BATCH,
                "first": str(first),
                "source": "rows.csv",
            }
        else:
            assert first in FAILING and record["Status"] == "FAILED"
            assert (record["Error"], record["Cause"]) == ("Bad.Batch", "a row says fail")
        assert record["StartDate"] <= record["StopDate"]
    assert firsts == set(range(0, ROWS, BATCH))  # every batch exactly once

    described = sfn.describe_map_run(mapRunArn=map_run_arn)
    assert described["status"] == "SUCCEEDED"
    items, executions = described["itemCounts"], described["executionCounts"]
    assert (items["total"], items["succeeded"], items["failed"]) == (
        ROWS,
        ROWS - 4 * BATCH,
        4 * BATCH,
    )
    assert (executions["total"], executions["succeeded"], executions["failed"]) == (100, 96, 4)
    assert executions["resultsWritten"] == 100
    history = sfn.get_execution_history(executionArn=arn, maxResults=100)["events"]
    assert [e["type"] for e in history][2:5] == [
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
    ]
    assert history[2]["mapStateStartedEventDetails"] == {"length": 0}


JSONL_MAP = {
    "QueryLanguage": "JSONata",
    "StartAt": "Lines",
    "States": {
        "Lines": {
            "Type": "Map",
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSONL", "MaxItems": "{% $states.input.max %}"},
                "Arguments": {"Bucket": "data", "Key": "{% $states.input.key %}"},
            },
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Arguments": {"Bucket": "results", "Prefix": "lines/"},
                "WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSONL"},
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Twice",
                "States": {
                    "Twice": {
                        "Type": "Pass",
                        "Output": "{% [$states.input.n, $states.input.n * 10] %}",
                        "End": True,
                    }
                },
            },
            "End": True,
        }
    },
}


def test_jsonl_flattened_into_json_lines_and_a_result_writer_without_a_resource(sfn, moto):
    s3 = moto.client("s3")
    for bucket in ("data", "results"):
        s3.create_bucket(Bucket=bucket)
    lines = "".join(json.dumps({"n": n}) + "\n" for n in range(1, 8)) + "\n"  # a blank line
    s3.put_object(Bucket="data", Key="n.jsonl", Body=lines.encode())
    _, done = run(sfn, "jsonl", JSONL_MAP, {"key": "n.jsonl", "max": 5})
    assert done["status"] == "SUCCEEDED", done.get("cause")
    output = json.loads(done["output"])
    base = f"lines/{output['MapRunArn'].rsplit(':', 1)[1]}"
    assert output["ResultWriterDetails"]["Key"] == f"{base}/manifest.json"
    body = read(s3, "results", f"{base}/SUCCEEDED_0.jsonl").decode()
    values = [json.loads(line) for line in body.splitlines()]
    assert sorted(values) == sorted([1, 10, 2, 20, 3, 30, 4, 40, 5, 50])  # MaxItems 5, flat
    assert body.endswith("\n") and len(body.splitlines()) == 10

    # Only a WriterConfig: the transformed results are the Map's output; nothing written.
    before = keys(s3, "results")
    preview = json.loads(json.dumps(JSONL_MAP))
    preview["States"]["Lines"]["ResultWriter"] = {"WriterConfig": {"Transformation": "FLATTEN"}}
    _, done = run(sfn, "jsonl-preview", preview, {"key": "n.jsonl", "max": 0})
    assert json.loads(done["output"]) == [1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60, 7, 70]
    assert keys(s3, "results") == before


MANIFEST_MAP = {
    "StartAt": "Objects",
    "States": {
        "Objects": {
            "Type": "Map",
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "MANIFEST"},
                "Parameters": {"Bucket": "inventory", "Key": "list/manifest.json"},
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                "StartAt": "Key",
                "States": {"Key": {"Type": "Pass", "OutputPath": "$.Key", "End": True}},
            },
            "End": True,
        }
    },
}


def test_an_s3_inventory_manifest_of_gzipped_csv_files(sfn, moto):
    s3 = moto.client("s3")
    s3.create_bucket(Bucket="inventory")
    files = []
    for part, names in enumerate((["a.txt", "b.txt"], ["c.txt"])):
        data = "".join(f'"photos","{name}","{len(name)}"\n' for name in names).encode()
        s3.put_object(Bucket="inventory", Key=f"list/data/{part}.csv.gz", Body=gzip.compress(data))
        files.append({"key": f"list/data/{part}.csv.gz", "size": 1, "MD5checksum": "-"})
    manifest = {
        "sourceBucket": "photos",
        "destinationBucket": "arn:aws:s3:::inventory",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, Size",
        "files": files,
    }
    s3.put_object(Bucket="inventory", Key="list/manifest.json", Body=json.dumps(manifest).encode())
    _, done = run(sfn, "inventory", MANIFEST_MAP, {})
    assert done["status"] == "SUCCEEDED", done.get("cause")
    assert json.loads(done["output"]) == ["a.txt", "b.txt", "c.txt"]


def _caught(reader: dict, writer: dict | None = None) -> dict:
    state = {
        "Type": "Map",
        "ItemReader": reader,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "End": True}},
        },
        "Catch": [
            {
                "ErrorEquals": ["States.ItemReaderFailed", "States.ResultWriterFailed"],
                "Next": "Caught",
            }
        ],
        "End": True,
    }
    if writer is not None:
        state["ResultWriter"] = writer
    return {"StartAt": "M", "States": {"M": state, "Caught": {"Type": "Pass", "End": True}}}


@pytest.mark.parametrize(
    ("key", "body", "reader_config", "writer", "error", "cause"),
    [
        ("none.csv", None, {"InputType": "CSV"}, None, "States.ItemReaderFailed", "NoSuchKey"),
        ("dup.csv", "a,a\n1,2\n", {"InputType": "CSV"}, None, "States.ItemReaderFailed",
         "CSV headers cannot contain duplicates."),
        ("obj.json", '{"a": 1}', {"InputType": "JSON"}, None, "States.ItemReaderFailed",
         "Attempting to map over non-iterable node."),
        ("bad.jsonl", '{"a": 1}\n{oops\n', {"InputType": "JSONL"}, None,
         "States.ItemReaderFailed", "is not valid JSON"),
        ("ok.json", "[1, 2]", {"InputType": "JSON"},
         {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "missing"}},
         "States.ResultWriterFailed", "NoSuchBucket"),
    ],
    ids=["missing-object", "duplicate-headers", "not-an-array", "bad-jsonl", "missing-bucket"],
)  # fmt: skip
def test_reader_and_writer_failures_are_named_and_caught(
    sfn, moto, key, body, reader_config, writer, error, cause
):
    s3 = moto.client("s3")
    s3.create_bucket(Bucket="data")
    if body is not None:
        s3.put_object(Bucket="data", Key=key, Body=body.encode())
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": reader_config,
        "Parameters": {"Bucket": "data", "Key": key},
    }
    arn, done = run(sfn, f"fails-{key.replace('.', '-')}", _caught(reader, writer), {})
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"])["Error"] == error
    assert cause in json.loads(done["output"])["Cause"]
    types = [e["type"] for e in sfn.get_execution_history(executionArn=arn)["events"]]
    assert types[2:6] == ["MapStateStarted", "MapRunStarted", "MapRunFailed", "MapStateFailed"]


SLOW_MAP = {
    "StartAt": "Rows",
    "States": {
        "Rows": {
            "Type": "Map",
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                "Parameters": {"Bucket": "data", "Key": "slow.csv"},
            },
            "ItemBatcher": {"MaxItemsPerBatch": 50},
            "MaxConcurrency": 2,
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "results", "Prefix": "slow"},
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Wait",
                "States": {
                    "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
                    "Done": {"Type": "Pass", "OutputPath": "$.Items[0].id", "End": True},
                },
            },
            "End": True,
        }
    },
}


def test_a_kill_9_half_way_through_the_map_run(tmp_path, moto):
    s3 = moto.client("s3")
    for bucket in ("data", "results"):
        s3.create_bucket(Bucket=bucket)
    rows = 1_000  # 20 batches, 2 at a time, 1 s each: about 10 s
    s3.put_object(
        Bucket="data",
        Key="slow.csv",
        Body=("id\n" + "".join(f"{i}\n" for i in range(rows))).encode(),
    )
    server = Orchestrator(tmp_path, moto.env()).start()
    try:
        sfn = stepfunctions_client(server.url)
        arn = sfn.start_execution(stateMachineArn=machine(sfn, "slow", SLOW_MAP), input="{}")[
            "executionArn"
        ]
        map_run_arn = _map_run_half_done(sfn, arn)
        kill_group(server.process)  # kill -9
        server.start()
        sfn = stepfunctions_client(server.url)
        done = wait_finished(sfn, arn, seconds=120)
        assert done["status"] == "SUCCEEDED", done.get("cause")
        children = [
            e
            for page in sfn.get_paginator("list_executions").paginate(mapRunArn=map_run_arn)
            for e in page["executions"]
        ]
        assert len(children) == rows // 50
        for child in children:  # each started once: one ExecutionStarted in its history
            types = [
                e["type"]
                for e in sfn.get_execution_history(executionArn=child["executionArn"])["events"]
            ]
            assert types.count("ExecutionStarted") == 1 and types[-1] == "ExecutionSucceeded"
        base = f"slow/{map_run_arn.rsplit(':', 1)[1]}"
        records = json.loads(read(s3, "results", f"{base}/SUCCEEDED_0.json"))
        assert sorted(int(json.loads(r["Output"])) for r in records) == list(range(0, rows, 50))
        assert set(keys(s3, "results")) == {f"{base}/manifest.json", f"{base}/SUCCEEDED_0.json"}
    finally:
        server.stop()


def _map_run_half_done(sfn, arn: str) -> str:
    """The Map Run's ARN once some, not all, of its children have succeeded (bounded wait:
    the API has nothing to block on for a Map Run's progress, so this polls it)."""
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline, "the Map Run never got half-way"
        runs = sfn.list_map_runs(executionArn=arn)["mapRuns"]
        if runs:
            counts = sfn.describe_map_run(mapRunArn=runs[0]["mapRunArn"])["executionCounts"]
            if 4 <= counts["succeeded"] < counts["total"] - 4:
                return runs[0]["mapRunArn"]
        time.sleep(0.1)
