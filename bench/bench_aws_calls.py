"""What an AWS service integration costs on top of the call itself.

Starts moto's server mode as its own process on a loopback port and sends ``--calls`` SQS
SendMessage requests (default 200) three ways, one at a time:

- **boto3**: a boto3 client straight to moto (the floor: the emulator's own time);
- **task**: the orchestrator's Task resource for ``arn:aws:states:::sqs:sendMessage``
  (``TaskInvoker``: botocore builds and signs, the Task resources' event loop carries the
  bytes, the response is shaped as the optimized integration's);
- **execution**: a whole one-Task STANDARD execution on the durable engine (SQLite journal
  in a temporary folder): start, journal, the call, the end.

It prints the median microseconds per call of each, and the ratios task/boto3 and
execution/boto3. Figures, not pass/fail: a failed call makes the exit status 1.

Usage: ``python bench/bench_aws_calls.py [--calls N] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestrator.asl.runtime import Invoke  # noqa: E402
from orchestrator.engine import Engine, EngineConfig  # noqa: E402
from orchestrator.tasks import TaskInvoker, TasksConfig  # noqa: E402
from tests.support.moto_server import MotoServer  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/bench"
WAYS = ("boto3", "task", "execution")


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with MotoServer() as moto:
        os.environ.update(moto.env())
        sqs = moto.client("sqs")
        # A queue of its own for each way: moto's SendMessage slows as a queue fills, which
        # would bias whichever way runs last.
        queues = {way: sqs.create_queue(QueueName=way)["QueueUrl"] for way in WAYS}
        config = TasksConfig(aws_env_endpoints={"": moto.url})

        def timed(call) -> list[float]:
            call()  # warm up (connections, clients, models)
            samples = []
            for _ in range(args.calls):
                started = time.perf_counter()
                call()
                samples.append(time.perf_counter() - started)
            return samples

        direct = timed(lambda: sqs.send_message(QueueUrl=queues["boto3"], MessageBody="m"))

        invoker = TaskInvoker(config)
        invoke = Invoke(
            resource="arn:aws:states:::sqs:sendMessage",
            parameters={"QueueUrl": queues["task"], "MessageBody": "m"},
            state_name="Send",
            key="bench",
        )
        try:
            task = timed(lambda: invoker(invoke))
        finally:
            invoker.close()

        definition = {
            "StartAt": "Send",
            "States": {
                "Send": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage",
                    "Parameters": {"QueueUrl": queues["execution"], "MessageBody": "m"},
                    "End": True,
                }
            },
        }
        failed: list[str] = []
        with tempfile.TemporaryDirectory() as folder:
            engine_config = EngineConfig(
                db_path=str(Path(folder) / "journal.db"), log_to_stdout=False, tasks=config
            )
            with Engine(engine_config) as engine:
                machine = engine.create_state_machine(
                    {"name": "send", "definition": json.dumps(definition), "roleArn": ROLE}
                )["stateMachineArn"]

                def one_execution() -> None:
                    arn = engine.start_execution({"stateMachineArn": machine})["executionArn"]
                    done = engine.wait_for(arn, 30)
                    if done["status"] != "SUCCEEDED":
                        failed.append(f"{done['status']}: {done.get('error')} {done.get('cause')}")

                execution = timed(one_execution)
    figures = {
        "calls": args.calls,
        "boto3_us": round(median_us(direct), 1),
        "task_us": round(median_us(task), 1),
        "execution_us": round(median_us(execution), 1),
    }
    figures["task_over_boto3"] = round(figures["task_us"] / figures["boto3_us"], 2)
    figures["execution_over_boto3"] = round(figures["execution_us"] / figures["boto3_us"], 2)
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"SQS SendMessage against moto, median of {args.calls} calls, one at a time:")
        print(f"  boto3 client:            {figures['boto3_us']:9.1f} us")
        print(
            f"  Task resource:           {figures['task_us']:9.1f} us  "
            f"({figures['task_over_boto3']}x boto3)"
        )
        print(
            f"  one-Task execution:      {figures['execution_us']:9.1f} us  "
            f"({figures['execution_over_boto3']}x boto3)"
        )
    for problem in failed[:3]:
        print("FAILED:", problem, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
