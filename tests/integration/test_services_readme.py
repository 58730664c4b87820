"""The README's "## Services" curl examples, executed in order in one shell against real
services (ports substituted), each answer compared with the one the README shows."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.readme import console_examples as examples
from tests.support.readme import readme_section

pytestmark = pytest.mark.integration

PORTS = {"users": 8001, "orders": 8002, "notifications": 8003}
# Values that differ on every run: compared by type only.
VOLATILE = re.compile(r"(Id|At)$")
SEPARATOR = "@@@ next example @@@"


def services_section(readme: str) -> str:
    return readme_section(readme, "Services")


def run_all(commands: list[str], urls: dict[str, str], cwd: Path) -> list[str]:
    script = ["set -u"]
    for command in commands:
        for name, port in PORTS.items():
            command = command.replace("http://127.0.0.1:%d" % port, urls[name])
        script += ["echo '%s'" % SEPARATOR, command + " 2>&1 || true", "echo"]
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)], capture_output=True, text=True, timeout=120, cwd=cwd
    )
    assert result.returncode == 0, result.stderr
    outputs = result.stdout.split(SEPARATOR + "\n")[1:]
    assert len(outputs) == len(commands), result.stdout
    return [o.strip() for o in outputs]


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
    if VOLATILE.search(key) and isinstance(shown, str):
        return isinstance(actual, str) and bool(actual)
    return shown == actual and type(shown) is type(actual)


def matches(shown: str, actual: str) -> bool:
    if shown.startswith("curl: ("):  # a transport error: its exact wording depends on timing
        return actual.startswith("curl: (")
    try:
        shown_json = json.loads(shown)
    except ValueError:
        return shown == actual
    try:
        return plausible(shown_json, json.loads(actual))
    except ValueError:
        return False


def test_readme_has_an_example_for_every_endpoint(repo_root):
    commands = " ".join(
        c for c, _ in examples(services_section((repo_root / "README.md").read_text()))
    )
    for needle in [
        "POST http://127.0.0.1:8001/users",
        "8001/users/$USER_ID",
        "POST http://127.0.0.1:8002/orders",
        "8002/orders/$ORDER_ID",
        "8002/orders?userId=",
        "POST http://127.0.0.1:8003/notifications",
        "8003/notifications/$NOTIFICATION_ID",
        "8003/notifications?userId=",
        "/health",
        "/ready",
        "/openapi.json",
        "POST http://127.0.0.1:8001/chaos",
        "DELETE http://127.0.0.1:8002/chaos",
        "curl -s http://127.0.0.1:8001/chaos",
    ]:
        assert needle in commands, needle


def test_readme_curl_examples_work_as_shown(stack, repo_root):
    pairs = examples(services_section((repo_root / "README.md").read_text()))
    assert len(pairs) >= 20
    actual = run_all(
        [c for c, _ in pairs], {name: getattr(stack, name).url for name in PORTS}, repo_root
    )
    for (command, shown), got in zip(pairs, actual):
        assert matches(shown, got), "README example\n  $ %s\nshows\n  %s\nbut answered\n  %s" % (
            command,
            shown,
            got,
        )
