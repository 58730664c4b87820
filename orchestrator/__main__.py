"""Command line: ``python -m orchestrator run FILE --input JSON`` / ``validate FILE``.

DESIGN.md: "``python -m orchestrator run FILE.asl.json --input JSON`` runs one execution
in-process and prints its output (exit code non-zero on failure, with Error and Cause on
stderr); ``python -m orchestrator validate FILE`` prints diagnostics." Subcommands are
argparse subparsers so the server and other commands slot in beside these.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from .asl.errors import DefinitionError

EXIT_FAILED = 1        # the execution failed / timed out, or validation found an ERROR
EXIT_BAD_INPUT = 2     # unreadable file, invalid JSON input, invalid definition


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SystemExit(_fail(f"cannot read {path}: {exc.strerror}"))


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


def cmd_run(args: argparse.Namespace) -> int:
    from .asl.runner import run
    definition = _read(args.file)
    input_text = _read(args.input_file) if args.input_file else args.input
    try:
        json.loads(input_text)
    except ValueError as exc:
        return _fail(f"--input is not valid JSON: {exc}")
    name = Path(args.file).name.split(".")[0]
    try:
        result = run(definition, input_text=input_text, state_machine_name=name,
                     execution_name=args.name,
                     # The CLI is the driver, so it may read the wall clock (the core never does).
                     start_time=datetime.now(timezone.utc))
    except DefinitionError as exc:
        print("Invalid definition:", file=sys.stderr)
        for d in exc.diagnostics:
            print(f"  {d.severity} {d.code} {d.location or '/'}: {d.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.history:
        for event in result.history:
            print(json.dumps(event, default=str), file=sys.stderr)
    if result.status == "SUCCEEDED":
        print(result.output_text)
        return 0
    print(f"Execution {result.status}", file=sys.stderr)
    print(f"Error: {result.error if result.error is not None else ''}", file=sys.stderr)
    print(f"Cause: {result.cause if result.cause is not None else ''}", file=sys.stderr)
    return EXIT_FAILED


def cmd_serve(args: argparse.Namespace) -> int:
    from .api.server import serve
    return serve(args.host, args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m orchestrator",
                                     description="Local AWS Step Functions engine.")
    sub = parser.add_subparsers(dest="command", required=True)

    p_run = sub.add_parser("run", help="run one execution in-process and print its output")
    p_run.add_argument("file", help="state machine definition (ASL JSON)")
    group = p_run.add_mutually_exclusive_group()
    group.add_argument("--input", default="{}", help="execution input as JSON (default {})")
    group.add_argument("--input-file", help="read the execution input from a file")
    p_run.add_argument("--name", default="cli-execution", help="execution name")
    p_run.add_argument("--history", action="store_true",
                       help="print the execution history (one JSON event per line) on stderr")
    p_run.set_defaults(func=cmd_run)

    p_val = sub.add_parser("validate", help="print the definition's diagnostics")
    p_val.add_argument("file", help="state machine definition (ASL JSON)")
    p_val.set_defaults(func=cmd_validate)

    p_srv = sub.add_parser("serve", help="serve the AWS API and REST facade (gunicorn, one worker)")
    p_srv.add_argument("--host", default=None, help="bind address (env ORCHESTRATOR_HOST, default 127.0.0.1)")
    p_srv.add_argument("--port", type=int, default=None, help="port (env ORCHESTRATOR_PORT, default 8083)")
    p_srv.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
