"""A Distributed Map over a CSV in S3: time and memory against the number of rows.

Starts moto's server mode as its own process on a loopback port and, for each ``--rows``
size (default 100,000 and 1,000,000), in a fresh process of its own: uploads a CSV of that
many rows (from a file, in parts), then runs on the durable engine (SQLite journal in a
temporary folder) a Distributed Map whose ItemReader reads it, ItemBatcher groups
``--batch`` rows per child execution (default 1,000) and ResultWriter writes the results
back to S3. It prints, per size, the execution's wall time, the rows per second, the
process's peak resident memory during the run over what it held before (``ru_maxrss``),
and the ratios between the largest and smallest sizes: time should grow with the rows,
memory should not (the reader streams the object in ranged reads and the writer writes a
file whenever it holds 8 MiB). Figures, not pass/fail: a failed execution makes the exit
status 1.

Usage: ``python bench/bench_map_s3.py [--rows 100000,1000000] [--batch N] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestrator.engine import Engine, EngineConfig  # noqa: E402
from orchestrator.tasks import TasksConfig  # noqa: E402
from tests.support.moto_server import MotoServer  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/bench"


def definition(batch: int) -> dict:
    return {
        "StartAt": "Rows",
        "States": {
            "Rows": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                    "Parameters": {"Bucket": "data", "Key": "rows.csv"},
                },
                "ItemBatcher": {"MaxItemsPerBatch": batch},
                "MaxConcurrency": 20,
                "ResultWriter": {
                    "Resource": "arn:aws:states:::s3:putObject",
                    "Parameters": {"Bucket": "results", "Prefix": "bench"},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Count",
                    "States": {
                        "Count": {
                            "Type": "Pass",
                            "Parameters": {"n.$": "States.ArrayLength($.Items)"},
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    }


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def one(rows: int, batch: int, moto_url: str) -> dict:
    """One size, in this process: upload, then the timed execution."""
    import boto3
    from botocore.config import Config

    s3 = boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )
    for bucket in ("data", "results"):
        s3.create_bucket(Bucket=bucket)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rows.csv"
        with path.open("w") as out:
            out.write("id,name,amount\n")
            for i in range(rows):
                out.write(f"{i},customer {i},{i % 997}.50\n")
        size = path.stat().st_size
        s3.upload_file(str(path), "data", "rows.csv")
        path.unlink()
        config = EngineConfig(
            db_path=str(Path(folder) / "journal.db"),
            log_to_stdout=False,
            tasks=TasksConfig(aws_env_endpoints={"": moto_url}),
        )
        with Engine(config) as engine:
            machine = engine.create_state_machine(
                {"name": "rows", "definition": json.dumps(definition(batch)), "roleArn": ROLE}
            )["stateMachineArn"]
            before = peak_mib()
            started = time.perf_counter()
            arn = engine.start_execution({"stateMachineArn": machine})["executionArn"]
            done = engine.wait_for(arn, 3600)
            seconds = time.perf_counter() - started
            after = peak_mib()
    return {
        "rows": rows,
        "bytes": size,
        "status": done["status"],
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "peak_mib_over_start": round(after - before, 1),
        "peak_mib": round(after, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child run
    parser.add_argument("--moto", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one, args.batch, args.moto)))
        return 0
    sizes = [int(n) for n in args.rows.split(",")]
    results = []
    with MotoServer() as moto:
        env = {**os.environ, **moto.env()}
        for rows in sizes:
            moto.reset()
            child = subprocess.run(
                [sys.executable, __file__, "--one", str(rows), "--batch", str(args.batch)]
                + ["--moto", moto.url],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode != 0:
                print(child.stderr, file=sys.stderr)
                return 1
            results.append(json.loads(child.stdout))
    small, large = results[0], results[-1]
    figures = {
        "batch": args.batch,
        "sizes": results,
        "time_ratio": round(large["seconds"] / small["seconds"], 2),
        "rows_ratio": round(large["rows"] / small["rows"], 2),
        "memory_ratio": round(
            max(large["peak_mib_over_start"], 1) / max(small["peak_mib_over_start"], 1), 2
        ),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"Distributed Map over a CSV in S3 (moto), {args.batch} rows per child, durable engine:"
        )
        for r in results:
            print(
                f"  {r['rows']:>9,} rows ({r['bytes'] / 2**20:6.1f} MiB): {r['seconds']:8.2f} s, "
                f"{r['rows_per_second']:>8,} rows/s, peak memory +{r['peak_mib_over_start']:.1f} MiB "
                f"(process {r['peak_mib']:.0f} MiB) - {r['status']}"
            )
        print(
            f"  {figures['rows_ratio']}x the rows: {figures['time_ratio']}x the time, "
            f"{figures['memory_ratio']}x the memory"
        )
    return 0 if all(r["status"] == "SUCCEEDED" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
