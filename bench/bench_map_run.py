"""A Distributed Map's cost per item: the in-process interpreter against the durable engine.

Every item of a DISTRIBUTED Map is a child execution (docs/architecture.md, "Map Runs"):
the interpreter builds its identity, its own history and its end; the durable engine also
writes its row, its events and the Map Run's record in the parent's journal write. This
prints, for ``--items`` Pass items (default 1,000; ``MaxConcurrency`` 0): the wall time of
the whole execution and the microseconds per item, best of ``--repeat`` runs (default 3),
for the in-process runner (``orchestrator.asl.runner.run``, virtual clock, nothing stored)
and for an ``Engine`` on a SQLite journal in a temporary folder, and the ratio between them
(what storing the children costs). Figures, not pass/fail: a wrong status or output makes
the exit status 1.

Usage: ``python bench/bench_map_run.py [--items N] [--repeat N] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time

from orchestrator.asl.runner import run
from orchestrator.engine import Engine, EngineConfig

ROLE = "arn:aws:iam::123456789012:role/bench"
DEFINITION = {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "P",
                "States": {"P": {"Type": "Pass", "End": True}},
            },
            "End": True,
        }
    },
}


def best_of(repeat: int, once) -> float:
    return min(once() for _ in range(repeat))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    items = list(range(args.items))
    wrong: list[str] = []

    def interpreter() -> float:
        started = time.perf_counter()
        result = run(DEFINITION, items)
        elapsed = time.perf_counter() - started
        if result.status != "SUCCEEDED" or result.output != items:
            wrong.append(f"runner: {result.status}")
        return elapsed

    with tempfile.TemporaryDirectory() as folder:
        engine = Engine(EngineConfig(db_path=f"{folder}/journal.db", log_to_stdout=False)).start()
        try:
            machine = engine.create_state_machine(
                {"name": "fan", "definition": json.dumps(DEFINITION), "roleArn": ROLE}
            )["stateMachineArn"]

            def durable() -> float:
                started = time.perf_counter()
                arn = engine.start_execution(
                    {"stateMachineArn": machine, "input": json.dumps(items)}
                )["executionArn"]
                out = engine.wait_for(arn, 600)
                elapsed = time.perf_counter() - started
                if out["status"] != "SUCCEEDED" or json.loads(out["output"]) != items:
                    wrong.append(f"engine: {out['status']}")
                return elapsed

            interpreter()  # warm-up
            runner_s = best_of(args.repeat, interpreter)
            engine_s = best_of(args.repeat, durable)
        finally:
            engine.close()
    figures = {
        "items": args.items,
        "runner_ms": round(runner_s * 1000, 1),
        "runner_us_per_item": round(runner_s / args.items * 1e6, 1),
        "engine_ms": round(engine_s * 1000, 1),
        "engine_us_per_item": round(engine_s / args.items * 1e6, 1),
        "engine_over_runner": round(engine_s / runner_s, 1),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"Distributed Map of {args.items} Pass items, best of {args.repeat}:")
        print(
            f"  in-process runner: {figures['runner_ms']} ms ({figures['runner_us_per_item']} us/item)"
        )
        print(
            f"  durable engine:    {figures['engine_ms']} ms ({figures['engine_us_per_item']} us/item)"
        )
        print(
            f"  engine / runner:   {figures['engine_over_runner']}x (storing the child executions)"
        )
    for problem in wrong:
        print("!!! MISMATCH", problem, file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
