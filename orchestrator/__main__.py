"""Command line: ``python -m orchestrator run FILE --input JSON`` / ``validate FILE`` / ``serve``.

``python -m orchestrator run FILE.asl.json --input JSON`` runs one execution in-process,
with the same Task resources as the server, and prints its output (exit code non-zero on
failure, with Error and Cause on stderr); ``python -m orchestrator validate FILE`` prints
diagnostics (README.md, "Without the server"). Subcommands are argparse
subparsers so the server and other commands slot in beside these.

How ``run`` executes (by default): on an in-process :class:`~orchestrator.engine.Engine`
whose journal is an in-memory SQLite database, with the same
:class:`~orchestrator.tasks.TaskInvoker` the server builds from ``ORCHESTRATOR_CONFIG`` /
``ORCHESTRATOR_ENDPOINTS`` / ``ORCHESTRATOR_ALLOWED_HOSTS`` / ``ORCHESTRATOR_LAMBDAS`` and the
same engine settings (``ORCHESTRATOR_TIME_SCALE``, ``ORCHESTRATOR_SCALE_TASK_TIMEOUTS``,
``ORCHESTRATOR_WORKERS``, ...). Reusing the engine rather than writing a second real-time
driver means the CLI behaves exactly like the server: Wait states and retry backoff really
wait (scaled by the time scale), a Task's ``TimeoutSeconds`` races the real call, Parallel
branches and Map iterations call their resources concurrently, and idempotency keys are the
server's. Nothing outlives the process (the journal is in memory), so there is no resume;
a ``.waitForTaskToken`` Task waits for its ``TimeoutSeconds``/``HeartbeatSeconds`` because
no API is served to answer it.

``--virtual-clock`` instead runs :func:`orchestrator.asl.runner.run`: Task resources are
called synchronously, and when only timers remain the clock jumps to the next deadline, so
Waits and retry backoff take no time and jitter is drawn from a fixed seed (deterministic).

Each run gets a fresh execution name (a UUID, unless ``--name``): the shipped definitions
derive their ``Idempotency-Key`` from ``$$.Execution.Name``, so a fixed default name would
make every run replay the first run's responses.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from .asl.errors import DefinitionError

EXIT_FAILED = 1  # the execution failed / timed out, or validation found an ERROR
EXIT_BAD_INPUT = 2  # unreadable file, invalid JSON input, invalid definition or config
EXIT_INTERRUPTED = 130  # Ctrl-C (the execution is stopped)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SystemExit(_fail(f"cannot read {path}: {exc.strerror}")) from None


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> int:
    print(message, file=sys.stderr)
    return code


def _print_diagnostics(diagnostics) -> None:
    for d in diagnostics:
        location = d.location or "/"
        print(f"{d.severity}\t{d.code}\t{location}\t{d.message}")


def cmd_validate(args: argparse.Namespace) -> int:
    from .asl.validator import validate

    diagnostics = validate(_read(args.file))
    if not diagnostics:
        print("OK: no problems found")
        return 0
    _print_diagnostics(diagnostics)
    return EXIT_FAILED if any(d.severity == "ERROR" for d in diagnostics) else 0


def _report_invalid(diagnostics) -> int:
    print("Invalid definition:", file=sys.stderr)
    for d in diagnostics:
        print(f"  {d.severity} {d.code} {d.location or '/'}: {d.message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _machine_name(path: str) -> str:
    # AWS names allow letters, digits, '-' and '_' (80 at most); the file name may not.
    name = re.sub(r"[^A-Za-z0-9_-]", "-", Path(path).name.split(".")[0])[:80]
    return name or "state-machine"


def cmd_run(args: argparse.Namespace) -> int:
    from .asl.model import parse
    from .tasks import ConfigError, TaskInvoker, load_config

    definition = _read(args.file)
    input_text = _read(args.input_file) if args.input_file else args.input
    try:
        json.loads(input_text)
    except ValueError as exc:
        return _fail(f"--input is not valid JSON: {exc}")
    try:
        machine = parse(definition)
    except DefinitionError as exc:
        return _report_invalid(exc.diagnostics)
    try:
        invoker = TaskInvoker(load_config())
    except ConfigError as exc:
        return _fail(f"Task resource configuration: {exc}")
    name = args.name or str(uuid.uuid4())

    def show(event: dict) -> None:
        print(json.dumps(event, default=str), file=sys.stderr)

    shown = show if args.history else None
    try:
        if args.virtual_clock:
            outcome = _run_virtual(
                machine, input_text, name, _machine_name(args.file), invoker, shown
            )
        else:
            outcome = _run_on_engine(
                definition, input_text, name, _machine_name(args.file), invoker, shown
            )
    except _Refused as exc:
        return _fail(str(exc))
    finally:
        invoker.close()
    if outcome is None:  # interrupted
        return EXIT_INTERRUPTED
    status, output, error, cause = outcome
    if status == "SUCCEEDED":
        print(output)
        return 0
    print(f"Execution {status}", file=sys.stderr)
    print(f"Error: {error if error is not None else ''}", file=sys.stderr)
    print(f"Cause: {cause if cause is not None else ''}", file=sys.stderr)
    return EXIT_FAILED


class _Refused(Exception):
    """The engine refused the run (a name or setting AWS would reject): exit 2."""


def _run_virtual(machine, input_text: str, name: str, machine_name: str, invoker, show):
    from .asl.errors import RUNTIME, StatesError
    from .asl.runner import run
    from .tasks import WaitForCallback

    def invoke(command):
        result = invoker(command)
        if isinstance(result, WaitForCallback):
            # Nobody can answer the token: no API is served during a CLI run.
            raise StatesError(
                RUNTIME,
                f"'{command.resource}' waits for a task token, which "
                f"cannot be answered with --virtual-clock; run it "
                f"without --virtual-clock or on the server",
            )
        return result

    result = run(
        machine,
        input_text=input_text,
        invoke=invoke,
        state_machine_name=machine_name,
        execution_name=name,
        # The CLI is the driver, so it may read the wall clock (the core never does).
        start_time=datetime.now(UTC),
    )
    if show is not None:
        for event in result.history:
            show(event)
    return result.status, result.output_text, result.error, result.cause


def _run_on_engine(definition: str, input_text: str, name: str, machine_name: str, invoker, show):
    """Run on an engine over an in-memory journal; ``show`` gets each history event (read a
    page at a time, each page once), or nothing is read when it is None."""
    from .engine import ApiError, Engine, EngineConfig

    try:
        config = EngineConfig.from_env(
            db_path=":memory:", database_url=None, log_to_stdout=False, invoker=invoker
        )
    except ValueError as exc:
        raise _Refused(f"Engine configuration: {exc}") from None
    engine = Engine(config).start()
    arn = None
    try:
        machine_arn = engine.create_state_machine(
            {
                "name": machine_name,
                "definition": definition,
                "roleArn": f"arn:{config.partition}:iam::{config.account}:role/StepFunctionsRole",
            }
        )["stateMachineArn"]
        arn = engine.start_execution(
            {"stateMachineArn": machine_arn, "name": name, "input": input_text}
        )["executionArn"]
        described = engine.wait_for(arn)
        token = None
        while show is not None:
            page = engine.get_execution_history(
                {"executionArn": arn, "maxResults": 1000, "nextToken": token}
            )
            for event in page["events"]:
                show(event)
            token = page.get("nextToken")
            if not token:
                break
    except ApiError as exc:
        raise _Refused(f"{exc.code}: {exc.message}") from None
    except KeyboardInterrupt:
        if arn is not None:
            engine.stop_execution({"executionArn": arn, "error": "Interrupted", "cause": "Ctrl-C"})
        print("Interrupted: the execution was stopped", file=sys.stderr)
        return None
    finally:
        engine.close()
    return (
        described["status"],
        described.get("output"),
        described.get("error"),
        described.get("cause"),
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from .api.server import serve

    return serve(args.host, args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m orchestrator", description="Local AWS Step Functions engine."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p_run = sub.add_parser("run", help="run one execution in-process and print its output")
    p_run.add_argument("file", help="state machine definition (ASL JSON)")
    group = p_run.add_mutually_exclusive_group()
    group.add_argument("--input", default="{}", help="execution input as JSON (default {})")
    group.add_argument("--input-file", help="read the execution input from a file")
    p_run.add_argument(
        "--name",
        default=None,
        help="execution name (default: a new UUID; it feeds idempotency keys)",
    )
    p_run.add_argument(
        "--virtual-clock",
        action="store_true",
        help="jump over Waits and retry backoff instead of waiting (instant, "
        "deterministic); by default time is real, scaled by "
        "ORCHESTRATOR_TIME_SCALE",
    )
    p_run.add_argument(
        "--history",
        action="store_true",
        help="print the execution history (one JSON event per line) on stderr",
    )
    p_run.set_defaults(func=cmd_run)

    p_val = sub.add_parser("validate", help="print the definition's diagnostics")
    p_val.add_argument("file", help="state machine definition (ASL JSON)")
    p_val.set_defaults(func=cmd_validate)

    p_srv = sub.add_parser("serve", help="serve the AWS API and REST facade (gunicorn, one worker)")
    p_srv.add_argument(
        "--host", default=None, help="bind address (env ORCHESTRATOR_HOST, default 127.0.0.1)"
    )
    p_srv.add_argument(
        "--port", type=int, default=None, help="port (env ORCHESTRATOR_PORT, default 8083)"
    )
    p_srv.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
