"""What docker-compose.yml, the Dockerfiles and the compose endpoint map promise, read statically.

A named volume per database (each service owns its data); healthchecks, and ``depends_on``
with ``condition: service_healthy``; published ports bound to ``127.0.0.1`` by default;
every setting through ``${VAR:-default}``; ``statemachines/`` mounted read-only into the
orchestrator; the endpoint map pointing at compose host names. These checks need no
Docker engine, so they run everywhere; test_compose.py runs the real stack.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
# What `docker compose up` starts: every service but those of a profile.
DEFAULT = {name: spec for name, spec in SERVICES.items() if not spec.get("profiles")}
DATABASES = {
    "users": "USERS_DB",
    "orders": "ORDERS_DB",
    "notifications": "NOTIFICATIONS_DB",
    "orchestrator": "ORCHESTRATOR_DATA_DIR",
}
# Fixed wiring inside the containers, not settings: which app, and where the volumes are.
WIRING = {
    "SERVICE",
    "USERS_DB",
    "ORDERS_DB",
    "NOTIFICATIONS_DB",
    "ORCHESTRATOR_DATA_DIR",
    "ORCHESTRATOR_STATEMACHINES_DIR",
}
SETTING = re.compile(r"\$\{[A-Z_]+:-[^}]*\}")


def test_the_four_services_and_one_named_volume_per_database():
    assert sorted(DEFAULT) == sorted(DATABASES)
    data_volumes = {
        name: [v for v in spec["volumes"] if v.endswith(":/data")] for name, spec in DEFAULT.items()
    }
    assert all(len(v) == 1 for v in data_volumes.values()), data_volumes
    names = [v[0].split(":")[0] for v in data_volumes.values()]
    assert len(set(names)) == len(names) and set(names) <= set(COMPOSE["volumes"]), names


@pytest.mark.parametrize("name", sorted(DATABASES))
def test_each_service_is_healthchecked_published_on_loopback_and_configurable(name):
    spec = SERVICES[name]
    assert spec["healthcheck"]["test"][:2] == ["CMD", "python"]  # the slim image has no curl
    assert "/health" in spec["healthcheck"]["test"][-1]
    [published] = spec["ports"]
    assert published.startswith("${PUBLISH_ADDRESS:-127.0.0.1}:"), published
    for key, value in spec["environment"].items():
        assert key in WIRING or SETTING.search(str(value)), f"{name}: {key}={value!r} is hard-coded"


def test_dependants_start_when_their_dependencies_are_healthy():
    conditions = {
        name: {dep: cond["condition"] for dep, cond in spec.get("depends_on", {}).items()}
        for name, spec in SERVICES.items()
    }
    assert conditions == {
        "users": {},
        "notifications": {},
        "orders": {"users": "service_healthy"},
        "orchestrator": {s: "service_healthy" for s in ("users", "orders", "notifications")},
        "aws": {},
    }


def test_the_orchestrator_reads_statemachines_read_only_with_the_compose_endpoint_map():
    spec = SERVICES["orchestrator"]
    assert "./statemachines:/app/statemachines:ro" in spec["volumes"]
    assert spec["environment"]["ORCHESTRATOR_CONFIG"].startswith("/app/statemachines/")
    assert "endpoints.compose.json" in spec["environment"]["ORCHESTRATOR_CONFIG"]


def test_the_aws_profile_adds_a_local_aws_emulator_the_orchestrator_calls():
    spec = SERVICES["aws"]
    assert spec["profiles"] == ["aws"]  # `docker compose up` alone does not start it
    assert spec["build"]["dockerfile"] == "orchestrator/aws-emulator.Dockerfile"
    [published] = spec["ports"]
    assert published.startswith("${PUBLISH_ADDRESS:-127.0.0.1}:${AWS_EMULATOR_PORT:-5000}:")
    assert "AWS_EMULATOR_PORT" in spec["healthcheck"]["test"][-1]
    orchestrator = SERVICES["orchestrator"]["environment"]
    assert orchestrator["AWS_ENDPOINT_URL"] == "${AWS_ENDPOINT_URL:-http://aws:5000}"
    dockerfile = (REPO / "orchestrator" / "aws-emulator.Dockerfile").read_text()
    assert 'constraints.txt "moto[server]"' in dockerfile  # the version make test pins
    assert "\nUSER app\n" in dockerfile


def test_the_compose_endpoint_map_is_the_local_one_with_compose_host_names():
    local = json.loads((REPO / "statemachines" / "endpoints.json").read_text())
    compose = json.loads((REPO / "statemachines" / "endpoints.compose.json").read_text())
    # Same Lambda map, connections and limits: only where the services are differs.
    assert {k: v for k, v in compose.items() if k not in ("endpoints", "allowlist")} == {
        k: v for k, v in local.items() if k not in ("endpoints", "allowlist")
    }
    assert compose["endpoints"].keys() == local["endpoints"].keys()
    assert all(key == value for key, value in compose["endpoints"].items())
    # Inside a container 127.0.0.1 is the container itself: nothing may point there.
    assert not any("127.0.0.1" in h or "localhost" in h for h in compose.get("allowlist", []))


@pytest.mark.parametrize(
    "dockerfile, code",
    [
        ("services/Dockerfile", "COPY services "),
        ("orchestrator/Dockerfile", "COPY orchestrator "),
    ],
)
def test_dockerfiles_install_dependencies_before_the_code_and_run_unprivileged(dockerfile, code):
    all_lines = [
        line
        for line in (REPO / dockerfile).read_text().splitlines()
        if line and not line.startswith((" ", "#"))
    ]
    # Build-only stages (`FROM ... AS name`, e.g. the console's npm install) come first; the
    # runtime image is the last stage, built on the plain base image.
    stages = [i for i, line in enumerate(all_lines) if line.startswith("FROM ")]
    assert all(all_lines[i].startswith("FROM python:3.13-slim") for i in stages)
    lines = all_lines[stages[-1] :]
    assert lines[0] == "FROM python:3.13-slim"
    deps = next(
        i for i, line in enumerate(lines) if line.startswith("COPY pyproject.toml constraints.txt")
    )
    assert deps < next(i for i, line in enumerate(lines) if line.startswith(code))
    assert [line for line in lines if line.startswith("USER")] == ["USER app"]
    probe = (REPO / dockerfile).read_text().split("\nHEALTHCHECK", 1)[1].split("\n", 2)[1]
    assert probe.strip().startswith('CMD ["python", "-c"') and "/health" in probe, probe


def test_dockerignore_keeps_local_state_out_of_the_images():
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".git", ".venv", "data", "tests", "**/__pycache__", "**/node_modules"} <= ignored
