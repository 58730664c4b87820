"""Side-by-side speed of our ASL interpreter and moto's Step Functions interpreter.

It runs the same definitions side by side, in one run, in this interpreter and in moto's
Step Functions interpreter, and prints microseconds per state transition for both and the
ratio. Our target: at least 20x fewer microseconds per transition than moto on every case,
with history recorded.

Both engines run the same definition (bench/definitions/*.asl.json) on the same input,
and both are measured the same way:

* transitions = the number of ``*StateEntered`` events in the execution history
  (ours: ``ExecutionResult.history``; moto: ``GetExecutionHistory``, paginated);
* time = ours: wall time of ``orchestrator.asl.runner.run(definition, input)``, history
  recorded; moto: from ``StartExecution`` until ``DescribeExecution`` reports a terminal
  status (moto runs executions in a background thread, so we poll every
  ``--poll-interval`` seconds). Definition parsing is inside the timed region on both
  sides (moto parses at StartExecution, ours inside ``run``).

Each case runs once unmeasured (warm-up) and then ``--repeat`` times per engine; the
median is reported. Outputs are compared with each other and with the expected output
computed here; any difference is printed loudly and makes the exit status 1.

Usage: ``python bench/bench_interpreter.py [--json] [--repeat N] [--scale F]
[--cases a,b] [--engines moto,ours]``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import logging
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFINITIONS_DIR = BENCH_DIR / "definitions"
if str(REPO_ROOT) not in sys.path:  # `python bench/bench_interpreter.py` from anywhere
    sys.path.insert(0, str(REPO_ROOT))

TARGET_RATIO = 20.0
TERMINAL_STATUSES = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One benchmark case: a definition file plus how to build its input and check it."""

    name: str
    file: str
    default_size: int
    describe: str
    make_input: Callable[[int], Any]
    expected_output: Callable[[int], Any]
    expected_transitions: Callable[[int], int]
    # Engines that can run the case: moto evaluates JSONata through jpype and the Java
    # JSONata library, which it does not install, so the JSONata loop is ours only.
    engines: tuple[str, ...] = ("moto", "ours")

    def definition(self) -> dict:
        return load_definition(self.file)


def load_definition(file: str) -> dict:
    return json.loads((DEFINITIONS_DIR / file).read_text())


_DATA = {
    "name": "alpha",
    "numbers": [1, 2, 3, 4, 5, 6, 7],
    "obj": {"a": 1, "b": [1, 2], "c": {"d": "x"}},
    "text": '{"k":[1,2,{"z":null}]}',
    # No booleans or objects here: moto's ArrayUnique hashes items in a Python set,
    # so it drops `true` next to `1` and raises on objects (AWS does neither).
    "duplicates": [1, 2, 2, "a", "a", 1.5, 1.5, None, None],
    "patch": {"b": "over", "e": 2.5},
    "csv": "red,green,blue",
}


def _intrinsics_expected(n: int) -> dict:
    """The output of the last `Compute` pass (entered with i = n - 1)."""
    i = n - 1
    d = _DATA
    return {
        "i": i + 1,
        "n": n,
        "data": d,
        "label": f"item {i} of {n} named {d['name']}",
        "digest": hashlib.sha256(f"{d['name']}-{i}".encode()).hexdigest(),
        "md5": hashlib.md5(d["name"].encode()).hexdigest(),
        "partitions": [d["numbers"][k : k + 3] for k in range(0, len(d["numbers"]), 3)],
        "json": json.dumps(d["obj"], separators=(",", ":")),
        "parsed": json.loads(d["text"]),
        "roundTrip": d["obj"],
        "tuple": [i, d["name"], d["obj"]],
        "contains": i in d["numbers"],
        "range": [1, 3, 5, 7, 9],
        "third": d["numbers"][2],
        "length": len(d["numbers"]),
        "unique": [1, 2, "a", 1.5, None],
        "encoded": base64.b64encode(d["name"].encode()).decode(),
        "decoded": "hello world",
        "merged": {**d["obj"], **d["patch"]},
        "words": d["csv"].split(","),
        "nested": 5,
        "sum": len(d["numbers"]) + i,
        "state": "Compute",
        "constant": {"kind": "bench", "tags": ["a", "b"]},
    }


CASES: list[Case] = [
    Case(
        name="counting_loop",
        file="counting_loop.asl.json",
        default_size=250,
        describe="Pass/Choice loop counting to n with States.MathAdd",
        make_input=lambda n: {"n": n},
        expected_output=lambda n: {"i": n, "n": n},
        expected_transitions=lambda n: 2 * n + 3,
    ),
    Case(
        name="counting_loop_jsonata",
        file="counting_loop_jsonata.asl.json",
        default_size=250,
        describe="the counting loop in JSONata: variables, Choice Condition, Output",
        make_input=lambda n: {"n": n},
        expected_output=lambda n: {"i": n, "n": n},
        expected_transitions=lambda n: 2 * n + 3,
        engines=("ours",),
    ),
    Case(
        name="intrinsics_loop",
        file="intrinsics_loop.asl.json",
        default_size=50,
        describe="Parameters with 24 keys / 17 intrinsic kinds, n loop rounds",
        make_input=lambda n: {"i": 0, "n": n, "data": _DATA},
        expected_output=_intrinsics_expected,
        expected_transitions=lambda n: 2 * n + 1,
    ),
    Case(
        name="map_1000",
        file="map_1000.asl.json",
        default_size=1000,
        describe="inline Map, MaxConcurrency 0, one Pass per item, n items",
        make_input=lambda n: {"items": [1000 + k for k in range(n)]},
        expected_output=lambda n: [{"v": 1000 + 2 * k} for k in range(n)],
        expected_transitions=lambda n: n + 1,
    ),
    Case(
        name="parallel_10",
        file="parallel_10.asl.json",
        default_size=10,
        describe="Parallel of 10 branches x 3 Pass, n loop rounds",
        make_input=lambda n: {"i": 0, "n": n},
        expected_output=lambda n: {"i": n, "n": n, "branch": 0},
        expected_transitions=lambda n: 32 * n + 1,
    ),
]
CASES_BY_NAME = {case.name: case for case in CASES}


def count_transitions(history: list) -> int:
    """Transitions = `*StateEntered` events, the same rule for both engines."""
    return sum(1 for event in history if _event_type(event).endswith("StateEntered"))


def _event_type(event: Any) -> str:
    if isinstance(event, dict):
        return str(event.get("type", ""))
    return str(getattr(event, "type", ""))


@dataclass
class Run:
    """One measured execution."""

    seconds: float
    transitions: int
    status: str
    output: Any
    error: str | None = None
    cause: str | None = None
    # moto only: ExecutionStarted -> last event, from history timestamps (ms resolution).
    history_span_seconds: float | None = None


def _decode_output(output: Any) -> Any:
    return json.loads(output) if isinstance(output, (str, bytes)) else output


# --------------------------------------------------------------------------- engines


class OursEngine:
    """Our interpreter, in-process: `orchestrator.asl.runner.run(definition, input)`."""

    name = "ours"

    def __init__(self) -> None:
        from orchestrator.asl import runner  # imported late: the bench must run without it

        self._run = runner.run

    def execute(self, definition: dict, input_value: Any) -> Run:
        start = time.perf_counter()
        result = self._run(definition, input_value)
        seconds = time.perf_counter() - start
        return Run(
            seconds=seconds,
            transitions=count_transitions(result.history),
            status=str(getattr(result.status, "value", result.status)),
            output=_decode_output(result.output),
            error=result.error,
            cause=result.cause,
        )


class MotoEngine:
    """moto's Step Functions interpreter (LocalStack-derived) behind the boto3 client."""

    name = "moto"
    _ROLE = "arn:aws:iam::123456789012:role/bench"

    def __init__(self, poll_interval: float) -> None:
        # Dummy credentials: moto never checks them, botocore insists on having some.
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        os.environ.setdefault("AWS_SESSION_TOKEN", "testing")
        os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
        # moto logs every failed state with the whole parse tree; keep the table readable.
        logging.getLogger("moto").setLevel(logging.CRITICAL)
        import boto3
        from moto import mock_aws

        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        self._client = boto3.client("stepfunctions", region_name="us-east-1")
        self._poll_interval = poll_interval
        self._machines: dict[str, str] = {}
        self._executions = 0

    def close(self) -> None:
        self._mock.stop()

    def _machine_arn(self, definition: dict) -> str:
        """Create each state machine once, outside the timed region."""
        key = json.dumps(definition, sort_keys=True)
        if key not in self._machines:
            response = self._client.create_state_machine(
                name=f"bench-{len(self._machines)}",
                definition=json.dumps(definition),
                roleArn=self._ROLE,
            )
            self._machines[key] = response["stateMachineArn"]
        return self._machines[key]

    def execute(self, definition: dict, input_value: Any) -> Run:
        machine = self._machine_arn(definition)
        self._executions += 1
        # An explicit name: moto 5.2 names every unnamed execution "None", so the second
        # unnamed StartExecution fails with ExecutionAlreadyExists.
        name = f"run-{self._executions}"
        payload = json.dumps(input_value)
        client = self._client
        start = time.perf_counter()
        arn = client.start_execution(stateMachineArn=machine, name=name, input=payload)[
            "executionArn"
        ]
        while True:
            description = client.describe_execution(executionArn=arn)
            if description["status"] in TERMINAL_STATUSES:
                break
            time.sleep(self._poll_interval)
        seconds = time.perf_counter() - start
        history = self._history(arn)
        span = (
            (history[-1]["timestamp"] - history[0]["timestamp"]).total_seconds()
            if history
            else None
        )
        return Run(
            seconds=seconds,
            transitions=count_transitions(history),
            status=description["status"],
            output=_decode_output(description["output"]) if "output" in description else None,
            error=description.get("error"),
            cause=description.get("cause"),
            history_span_seconds=span,
        )

    def _history(self, arn: str) -> list[dict]:
        events: list[dict] = []
        kwargs: dict[str, Any] = {}
        while True:
            page = self._client.get_execution_history(executionArn=arn, maxResults=1000, **kwargs)
            events.extend(page["events"])
            if not page.get("nextToken"):
                return events
            kwargs = {"nextToken": page["nextToken"]}


# --------------------------------------------------------------------------- measuring


def measure(
    engines: dict[str, Any], case: Case, size: int, repeat: int, deadline: float
) -> dict[str, dict]:
    """Warm up each engine once, then run `repeat` rounds, alternating engines within a
    round so both see the same machine load; past `deadline` stop after the current round."""
    definition = case.definition()
    input_value = case.make_input(size)
    engines = {name: engine for name, engine in engines.items() if name in case.engines}
    warmups = {name: _execute(engine, definition, input_value) for name, engine in engines.items()}
    measured: dict[str, list[Run]] = {name: [] for name in engines}
    for _ in range(repeat):
        for name, engine in engines.items():
            measured[name].append(_execute(engine, definition, input_value))
        if time.perf_counter() > deadline:
            break
    return {name: _summarise(warmups[name], runs) for name, runs in measured.items()}


def _execute(engine: Any, definition: dict, input_value: Any) -> Run:
    """An engine that raises (a rejected definition, an API error) is a result to report."""
    start = time.perf_counter()
    try:
        return engine.execute(definition, input_value)
    except Exception as exc:  # noqa: BLE001 - reported as a mismatch, not a crash
        return Run(
            time.perf_counter() - start, 0, "RAISED", None, type(exc).__name__, str(exc)[:500]
        )


def _summarise(warmup: Run, runs: list[Run]) -> dict:
    median = statistics.median(r.seconds for r in runs)
    last = runs[-1]
    result = {
        "runs": len(runs),
        "seconds": [round(r.seconds, 6) for r in runs],
        "median_seconds": median,
        "transitions": last.transitions,
        "us_per_transition": median * 1e6 / last.transitions if last.transitions else None,
        "status": last.status,
        "output": last.output,
        "error": last.error,
        "cause": last.cause,
        "consistent": all(
            (r.status, r.output, r.transitions)
            == (warmup.status, warmup.output, warmup.transitions)
            for r in runs
        ),
    }
    spans = [r.history_span_seconds for r in runs if r.history_span_seconds is not None]
    if spans and last.transitions:
        # Cross-check for the polling overhead: the engine's own first-to-last event time.
        result["history_span_us_per_transition"] = statistics.median(spans) * 1e6 / last.transitions
    return result


def check(case: Case, size: int, results: dict[str, dict]) -> list[str]:
    """Every way the engines disagree with each other or with the expected result."""
    problems = []
    expected_output = case.expected_output(size)
    expected_transitions = case.expected_transitions(size)
    for engine, r in results.items():
        if r["status"] != "SUCCEEDED":
            problems.append(
                f"{engine}: status {r['status']} error={r['error']!r} cause={r['cause']!r}"
            )
        elif r["output"] != expected_output:
            problems.append(f"{engine}: output differs from expected: {_short(r['output'])}")
        if r["transitions"] != expected_transitions:
            problems.append(
                f"{engine}: {r['transitions']} transitions, expected {expected_transitions}"
            )
        if not r["consistent"]:
            problems.append(f"{engine}: repeated runs gave different status/output/transitions")
    if len(results) == 2:
        a, b = results.values()
        if (a["status"], a["output"]) != (b["status"], b["output"]):
            problems.append("moto and ours produced different results")
    return problems


def _short(value: Any, limit: int = 300) -> str:
    text = json.dumps(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def print_table(rows: list[dict], out=sys.stdout) -> None:
    header = ("case", "transitions", "moto us/tr", "ours us/tr", "ratio", "target")
    lines = [header]
    for row in rows:
        moto, ours = row["engines"].get("moto"), row["engines"].get("ours")
        transitions = (ours or moto or {}).get("transitions")
        ratio = row.get("ratio")
        lines.append(
            (
                row["case"],
                str(transitions) if transitions is not None else "-",
                _fmt(moto and moto["us_per_transition"]),
                _fmt(ours and ours["us_per_transition"], 2),
                "-" if ratio is None else f"{ratio:,.1f}x",
                "-" if ratio is None else ("ok" if ratio >= TARGET_RATIO else "MISSED"),
            )
        )
    widths = [max(len(line[k]) for line in lines) for k in range(len(header))]
    for n, line in enumerate(lines):
        cells = [
            cell.ljust(w) if k == 0 else cell.rjust(w)
            for k, (cell, w) in enumerate(zip(line, widths))
        ]
        print("  ".join(cells), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.add_argument("--repeat", type=int, default=3, help="measured runs per case and engine")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every case's size")
    parser.add_argument(
        "--cases", default=",".join(CASES_BY_NAME), help="comma-separated case names"
    )
    parser.add_argument("--engines", default="moto,ours", help="comma-separated: moto, ours")
    parser.add_argument(
        "--poll-interval", type=float, default=0.001, help="moto DescribeExecution poll (s)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=90.0,
        help="seconds; past it every case/engine stops after one measured run",
    )
    args = parser.parse_args(argv)

    cases = [CASES_BY_NAME[name] for name in args.cases.split(",") if name]
    wanted = [name for name in args.engines.split(",") if name]
    deadline = time.perf_counter() + args.budget
    engines: dict[str, Any] = {}
    notes: list[str] = []
    if "moto" in wanted:
        engines["moto"] = MotoEngine(args.poll_interval)
        if any("moto" not in case.engines for case in cases):
            notes.append(
                "moto cannot evaluate JSONata (it needs jpype and the Java JSONata "
                "library): JSONata cases run on ours only"
            )
    if "ours" in wanted:
        try:
            engines["ours"] = OursEngine()
        except ImportError as exc:
            notes.append(f"our interpreter is not available ({exc}); moto only")

    rows, failures = [], []
    try:
        for case in cases:
            size = max(1, round(case.default_size * args.scale))
            results = measure(engines, case, size, args.repeat, deadline)
            row: dict[str, Any] = {
                "case": case.name,
                "size": size,
                "describe": case.describe,
                "engines": results,
            }
            if "moto" in results and "ours" in results and results["ours"]["us_per_transition"]:
                row["ratio"] = (
                    results["moto"]["us_per_transition"] / results["ours"]["us_per_transition"]
                )
            row["problems"] = check(case, size, results)
            failures += [f"{case.name}: {p}" for p in row["problems"]]
            rows.append(row)
    finally:
        if "moto" in engines:
            engines["moto"].close()

    if args.json:
        for row in rows:
            for r in row["engines"].values():
                r["output"] = _short(r["output"], 200)
        print(
            json.dumps(
                {
                    "target_ratio": TARGET_RATIO,
                    "python": platform.python_version(),
                    "moto": _version("moto"),
                    "repeat": args.repeat,
                    "poll_interval_seconds": args.poll_interval,
                    "notes": notes,
                    "cases": rows,
                    "mismatches": failures,
                },
                indent=2,
            )
        )
    else:
        print(
            f"ASL interpreter benchmark: median of {args.repeat} runs, microseconds per state transition "
            f"(transitions = *StateEntered events; history recorded)"
        )
        print_table(rows)
        loops = {row["case"]: row["engines"].get("ours") for row in rows}
        if loops.get("counting_loop") and loops.get("counting_loop_jsonata"):
            print(
                f"counting loop, ours: JSONPath {_fmt(loops['counting_loop']['us_per_transition'], 2)}"
                f" us/transition, JSONata {_fmt(loops['counting_loop_jsonata']['us_per_transition'], 2)}"
                " us/transition"
            )
        for note in notes:
            print(f"note: {note}")
    for failure in failures:
        print(f"!!! MISMATCH {failure}", file=sys.stderr)
    return 1 if failures else 0


def _version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    sys.exit(main())
