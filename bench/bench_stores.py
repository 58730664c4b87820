"""Journaled state transitions per second on each store: the SQLite file and PostgreSQL.

Runs, on an ``Engine`` over each store in turn, ``--executions`` concurrent executions
(default 50) of a Pass/Choice counting loop of ``--rounds`` rounds (default 200; two
transitions a round), every event journaled (an activation's events in one commit, group
commits across executions, as always), and prints
the wall time, the transitions per second and the ratio between the stores. PostgreSQL is
a server of its own, started by the bench in a temporary folder from Debian's binaries
(``apt-get install postgresql``; tests/support/postgres.py), on a loopback port. Durability
differs by default: PostgreSQL's ``fsync`` is on (a commit waits for its WAL to reach the
disk: it survives a power cut), the SQLite file runs with ``synchronous=NORMAL`` (a commit
survives ``kill -9`` of the orchestrator, not a power cut); ``--no-fsync`` turns
PostgreSQL's off for a like-for-like figure. Figures, not pass/fail: the exit status is 1
only when an execution does not succeed with the expected count.

Usage: ``python bench/bench_stores.py [--executions N] [--rounds N] [--no-fsync] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orchestrator.engine import Engine, EngineConfig  # noqa: E402
from orchestrator.engine.pg_store import PostgresStore  # noqa: E402
from orchestrator.engine.store import SqliteStore, Store  # noqa: E402
from tests.support.definitions import counting_loop  # noqa: E402
from tests.support.postgres import Cluster  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/bench"


def loop(rounds: int) -> str:
    return json.dumps(counting_loop(rounds))


def run(store: Store, folder: str, executions: int, rounds: int, wrong: list[str]) -> float:
    engine = Engine(EngineConfig(db_path=f"{folder}/unused.db", log_to_stdout=False), store)
    engine.start()
    try:
        machine = engine.create_state_machine(
            {"name": "count", "definition": loop(rounds), "roleArn": ROLE}
        )["stateMachineArn"]
        started = time.perf_counter()
        arns = [
            engine.start_execution({"stateMachineArn": machine, "input": '{"n": 0}'})[
                "executionArn"
            ]
            for _ in range(executions)
        ]
        for arn in arns:
            out = engine.wait_for(arn, 600)
            if out["status"] != "SUCCEEDED" or json.loads(out["output"]) != {"n": rounds}:
                wrong.append(f"{arn}: {out['status']}")
        return time.perf_counter() - started
    finally:
        engine.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--no-fsync", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    transitions = args.executions * (2 * args.rounds + 1)
    wrong: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="bench-stores-"))
    folder.chmod(0o755)  # the PostgreSQL server runs as the postgres user
    figures = {}
    try:
        figures["sqlite"] = run(
            SqliteStore(str(folder / "journal.db")),
            str(folder),
            args.executions,
            args.rounds,
            wrong,
        )
        cluster = Cluster(folder / "pg", fsync=not args.no_fsync)
        try:
            url = cluster.database()
            figures["postgresql"] = run(
                PostgresStore(url), str(folder), args.executions, args.rounds, wrong
            )
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rates = {name: transitions / seconds for name, seconds in figures.items()}
    if args.json:
        print(json.dumps({"transitions": transitions, "seconds": figures, "per_second": rates}))
    else:
        print(
            f"{args.executions} executions x {2 * args.rounds + 1} transitions, all journaled "
            f"(PostgreSQL fsync {'off' if args.no_fsync else 'on'}):"
        )
        for name, seconds in figures.items():
            print(f"  {name:<10} {seconds:7.2f} s  {rates[name]:9,.0f} transitions/s")
        print(f"  sqlite / postgresql: {rates['sqlite'] / rates['postgresql']:.2f}x")
    for line in wrong:
        print(f"!!! {line}", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
