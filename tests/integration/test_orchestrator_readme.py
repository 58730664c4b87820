"""The README's "## Orchestrator" section, executed: every ``$ `` command of its console
blocks in order in one bash shell, and its boto3 snippet, against real services and a real
orchestrator (ports substituted), each answer compared with the one the README shows.

Comparison: JSON by keys and values, except that timestamps (keys ending in ``Date``, ``At``
or ``timestamp``) are compared by type only; in every string, JSON or plain text, UUIDs and
the ``$(date +%s)`` part of the ``readme-...`` execution names are masked first (ids and
names differ on every run), and a string holding JSON (an execution's ``input``/``output``
in the AWS API) is compared as JSON. Everything else must be exactly as shown.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.orchestrator.api.orchestrator_server import ROOT, Orchestrator
from tests.support.moto_server import MotoServer
from tests.support.readme import console_examples as examples
from tests.support.readme import readme_section

pytestmark = pytest.mark.integration

SERVICE_PORTS = {"users": 8001, "orders": 8002, "notifications": 8003}
ORCHESTRATOR_PORT = 8083
MOTO_PORT = 5000  # the section's local AWS emulator (moto's server mode)
VOLATILE_KEY = re.compile(r"(Date|At|timestamp)$")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RUN_NAME = re.compile(r"\b(readme(?:-[a-z]+)?-)\d+")
SEPARATOR = "@@@ next example @@@"
SHELL_TIMEOUT_S = 120
BIN = Path(sys.executable).parent  # the venv's bin: python, aws


def orchestrator_section(readme: str) -> str:
    return readme_section(readme, "Orchestrator")


def code_block(section: str, language: str) -> str:
    blocks = re.findall(r"```%s\n(.*?)```" % language, section, re.S)
    assert len(blocks) == 1, "expected one %s block in the section, found %d" % (
        language,
        len(blocks),
    )
    return blocks[0]


def substitute(text: str, urls: dict[str, str]) -> str:
    for name, port in SERVICE_PORTS.items():
        text = text.replace("http://127.0.0.1:%d" % port, urls[name])
    text = text.replace("http://127.0.0.1:%d" % ORCHESTRATOR_PORT, urls["orchestrator"])
    text = text.replace("http://127.0.0.1:%d" % MOTO_PORT, urls["moto"])
    # The README activates the checkout's venv; the test's interpreter may live in another.
    return text.replace(". .venv/bin/activate", ". %s/activate" % BIN)


def shell_env(home: Path) -> dict[str, str]:
    """The caller's environment without AWS settings, with the venv first on PATH and an
    empty AWS CLI home: only what the README's commands set may count."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ORCHESTRATOR_"))}
    env.update(
        {
            "PATH": "%s:%s" % (BIN, env.get("PATH", "")),
            "HOME": str(home),
            "AWS_CONFIG_FILE": str(home / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
        }
    )
    return env


def run_all(commands: list[str], urls: dict[str, str], home: Path) -> list[str]:
    script = ["set -u"]
    for command in commands:
        script += ["echo '%s'" % SEPARATOR, substitute(command, urls) + " 2>&1 || true", "echo"]
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        capture_output=True,
        text=True,
        timeout=SHELL_TIMEOUT_S,
        cwd=ROOT,
        env=shell_env(home),
    )
    assert result.returncode == 0, result.stderr
    outputs = result.stdout.split(SEPARATOR + "\n")[1:]
    assert len(outputs) == len(commands), result.stdout
    return [o.strip() for o in outputs]


def mask(text: str) -> str:
    return RUN_NAME.sub(r"\1<n>", UUID.sub("<uuid>", text))


def _as_json(text: str):
    if not text.startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def plausible(shown, actual, key: str = "") -> bool:
    if isinstance(shown, dict):
        return (
            isinstance(actual, dict)
            and shown.keys() == actual.keys()
            and all(plausible(shown[k], actual[k], k) for k in shown)
        )
    if isinstance(shown, list):
        return (
            isinstance(actual, list)
            and len(shown) == len(actual)
            and all(plausible(s, a, key) for s, a in zip(shown, actual))
        )
    if VOLATILE_KEY.search(key):
        # ISO 8601 strings (REST) or epoch seconds (AWS CLI v1): the same kind, any value.
        number = (int, float)
        return (isinstance(shown, str) and isinstance(actual, str) and bool(actual)) or (
            isinstance(shown, number)
            and isinstance(actual, number)
            and not isinstance(actual, bool)
        )
    if isinstance(shown, str) and isinstance(actual, str):
        shown_json, actual_json = _as_json(shown), _as_json(actual)
        if shown_json is not None:
            return actual_json is not None and plausible(shown_json, actual_json)
        return mask(shown) == mask(actual)
    return shown == actual and type(shown) is type(actual)


def matches(shown: str, actual: str, urls: dict[str, str] | None = None) -> bool:
    if urls is not None:  # the ports a README answer shows are the test's (a queue URL)
        shown = substitute(shown, urls)
    shown_json = _as_json(shown)
    if shown_json is None:
        return mask(shown) == mask(actual)
    actual_json = _as_json(actual)
    return actual_json is not None and plausible(shown_json, actual_json)


@pytest.fixture(scope="module")
def moto():
    """The section's local AWS emulator: moto's server mode, its own process."""
    with MotoServer() as server:
        yield server


@pytest.fixture(scope="module")
def orchestrator(stack, moto, tmp_path_factory):
    """A real orchestrator serving the repository's statemachines/, its endpoint map pointed
    at the stack's ports, retry backoff a hundred times faster (time scale 0.01), its AWS
    service integrations calling moto (``AWS_ENDPOINT_URL``, as the section says)."""
    work = tmp_path_factory.mktemp("orchestrator-readme")
    stack.write_endpoint_map(work / "endpoints.json")
    running = Orchestrator(
        work,
        {
            "AWS_ENDPOINT_URL": moto.url,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "ORCHESTRATOR_CONFIG": str(work / "endpoints.json"),
            "ORCHESTRATOR_STATEMACHINES_DIR": str(ROOT / "statemachines"),
            "ORCHESTRATOR_TIME_SCALE": "0.01",
            # The section's mocked test cases ("SFN_MOCK_CONFIG=... make run").
            "SFN_MOCK_CONFIG": str(ROOT / "statemachines" / "MockConfigFile.json"),
        },
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture
def urls(services, orchestrator, moto) -> dict[str, str]:
    found = {name: getattr(services, name).url for name in SERVICE_PORTS}
    found["orchestrator"] = orchestrator.url
    found["moto"] = moto.url
    return found


def test_section_shows_every_way_in():
    section = orchestrator_section((ROOT / "README.md").read_text())
    commands = " ".join(c for c, _ in examples(section))
    for needle in [
        "POST http://127.0.0.1:8083/executions",
        "/executions/order_flow:$NAME?wait=",
        "/executions/$1/history",
        "POST http://127.0.0.1:8002/chaos",
        "export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1",
        "aws stepfunctions list-state-machines --endpoint-url http://127.0.0.1:8083",
        "aws stepfunctions start-execution --endpoint-url http://127.0.0.1:8083",
        "aws stepfunctions describe-execution --endpoint-url http://127.0.0.1:8083",
        "aws stepfunctions get-execution-history --endpoint-url http://127.0.0.1:8083",
        "AWS_DISABLE_HOST_PREFIX_INJECTION=true aws stepfunctions start-sync-execution",
        "aws stepfunctions create-state-machine-alias --endpoint-url http://127.0.0.1:8083",
        "aws stepfunctions update-state-machine --endpoint-url http://127.0.0.1:8083",
        "aws stepfunctions list-state-machine-versions --endpoint-url http://127.0.0.1:8083",
        "aws stepfunctions list-tags-for-resource --endpoint-url http://127.0.0.1:8083",
        "aws stepfunctions get-activity-task --endpoint-url http://127.0.0.1:8083",
        "aws stepfunctions send-task-success --endpoint-url http://127.0.0.1:8083",
        "aws stepfunctions redrive-execution --endpoint-url http://127.0.0.1:8083",
        "aws stepfunctions describe-map-run --endpoint-url http://127.0.0.1:8083",
        "aws stepfunctions update-map-run --endpoint-url http://127.0.0.1:8083",
        "aws stepfunctions list-executions --endpoint-url http://127.0.0.1:8083 --map-run-arn",
        "AWS_DISABLE_HOST_PREFIX_INJECTION=true aws stepfunctions test-state",
        "stateMachine:order_flow#UsersFlaky",
        "python -m orchestrator validate statemachines/order_flow.asl.json",
        "stateMachine:order_audit",
        "stateMachine:order_import",
        "aws sqs receive-message --endpoint-url http://127.0.0.1:5000",
        "python -m orchestrator run statemachines/examples/hello.asl.json",
    ]:
        assert needle in commands, needle
    assert "boto3.client(" in code_block(section, "python")


def test_section_lists_every_orchestrator_variable():
    """The configuration table names every ORCHESTRATOR_* variable the code reads."""
    section = orchestrator_section((ROOT / "README.md").read_text())
    read = set()
    for path in (ROOT / "orchestrator").rglob("*.py"):
        read |= set(re.findall(r"""["'](ORCHESTRATOR_[A-Z_]+)["']""", path.read_text()))
    table = set(re.findall(r"^\| (.*?) \|", section, re.M))
    documented = set(re.findall(r"`(ORCHESTRATOR_[A-Z_]+)`", " ".join(table)))
    assert read and read <= documented, sorted(read - documented)


def test_console_examples_work_as_shown(urls, tmp_path):
    pairs = examples(orchestrator_section((ROOT / "README.md").read_text()))
    assert len(pairs) >= 25
    actual = run_all([c for c, _ in pairs], urls, tmp_path)
    for (command, shown), got in zip(pairs, actual):
        assert matches(shown, got, urls), (
            "README example\n  $ %s\nshows\n  %s\nbut answered\n  %s"
            % (
                command,
                shown,
                got,
            )
        )


def test_boto3_snippet_prints_what_is_shown(urls, tmp_path):
    section = orchestrator_section((ROOT / "README.md").read_text())
    code = substitute(code_block(section, "python"), urls)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=SHELL_TIMEOUT_S,
        cwd=tmp_path,
        env=shell_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    shown = code_block(section, "text").strip()
    assert matches(shown, result.stdout.strip()), (
        "README shows\n%s\nbut the snippet printed\n%s" % (shown, result.stdout)
    )
