"""The console's status vocabulary has one home (orchestrator/console/statuses.py): what the
summary produces, what AWS's executions can be, what app.css styles and what app.js and
graph.js name must all agree with it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from orchestrator.api import shapes
from orchestrator.console import statuses
from orchestrator.console.graph import state_types
from orchestrator.console.summary import STATUSES, summarize
from tests.corpus import CASES

STATIC = Path(statuses.__file__).parent / "static"
NAMES = {entry["name"] for entry in statuses.vocabulary()["statuses"]}


def _static(name: str) -> str:
    return (STATIC / name).read_text()


def test_the_summary_ranks_exactly_the_state_statuses():
    assert STATUSES is statuses.STATUSES
    assert sorted(statuses.STATE_STATUSES) == sorted(STATUSES)
    assert set(STATUSES) <= NAMES


def test_every_status_a_summary_gives_is_in_the_vocabulary():
    seen: set = set()
    cases = [json.loads(p.read_text()) for p in sorted(CASES.glob("*/*.json"))]
    for case in cases:
        if not case.get("history") or case.get("history_order") == "reverse":
            continue
        definition = case["definition"] if isinstance(case["definition"], dict) else {}
        summary = summarize(case["history"], state_types(definition))
        for visit in summary["visits"]:
            seen.add(visit["status"])
            seen.update(attempt["status"] for attempt in visit["attempts"])
            seen.update(item["status"] for item in visit["iterations"])
        seen.update(state["status"] for state in summary["states"].values())
        seen.add(summary["status"].lower())
    assert seen <= NAMES, seen - NAMES
    assert {"timed_out", "caught", "not_reached"} <= seen  # the corpus covers the rare ones


def test_execution_statuses_are_aws_ones_and_have_a_tone():
    enum = shapes.service_model().shape_for("ExecutionStatus").enum
    assert set(statuses.EXECUTION_STATUSES) == set(enum) - {"PENDING_REDRIVE"}
    assert {name.lower() for name in statuses.EXECUTION_STATUSES} <= NAMES


def test_every_status_has_a_label_and_a_tone():
    for entry in statuses.vocabulary()["statuses"]:
        assert entry["label"] and re.fullmatch(r"[a-z]+", entry["tone"]), entry


def test_app_css_styles_the_tones_and_names_no_status():
    css = _static("app.css")
    assert set(re.findall(r"\.tone-([a-z_]+)", css)) == set(statuses.TONES.values())
    assert re.findall(r"\.(?:status|attempt)-[a-z_]+", css) == []


def test_the_scripts_list_no_statuses_and_name_only_known_ones():
    for name in ("app.js", "graph.js"):
        script = _static(name)
        for label in statuses.LABELS.values():
            assert '"%s"' % label not in script, (name, label)
        # No list of statuses: no two status names in a row.
        quoted = "|".join(sorted(NAMES | {n.upper() for n in NAMES}))
        listed = re.findall(r'"(?:%s)"\s*,\s*"(?:%s)"' % (quoted, quoted), script)
        assert listed == [], (name, listed)
        # The statuses the scripts test for or default to are in the vocabulary.
        named = re.findall(r'status\s*(?:===|!==)\s*"(\w+)"|status:\s*"(\w+)"', script)
        named += re.findall(r'statusBadge\([^;]*?"(\w+)"\s*:\s*"(\w+)"\)', script)
        found = {value.lower() for pair in named for value in pair if value}
        assert found and found <= NAMES, (name, found - NAMES)
