"""The durable engine and the reference runner are two drivers of the same interpreter:
on every STANDARD execution case of the conformance corpus they must reach the same status,
error and cause, the same output (unless the definition reads the clock, the Context
object or random values, which differ between the two), and histories with the same event
types and links. All cases run concurrently in one engine (time scale 0.0001)."""

import json

import pytest

from orchestrator.asl.runner import run
from orchestrator.engine.errors import ApiError
from tests.conformance import harness

VARYING = (
    "$$",
    "States.UUID",
    "States.MathRandom",
    "$states.context",
    "$uuid",
    "$random",
    "$now",
    "$millis",
)


def standard_cases():
    out = []
    for entry in harness.selected_cases():
        case = harness.load(entry["file"])
        if case["kind"] == "execution" and case["state_machine_type"] == "STANDARD":
            out.append(case)
    return out


@pytest.mark.parametrize("postgres", [False, True], ids=["sqlite", "postgres"])
def test_engine_matches_the_reference_runner(make_engine, postgres):
    """On either store (the whole corpus on PostgreSQL too)."""
    engine = make_engine(time_scale=0.0001, postgres=postgres)
    started = []
    for i, case in enumerate(standard_cases()):
        text = (
            case["definition"]
            if isinstance(case["definition"], str)
            else json.dumps(case["definition"])
        )
        input_text = json.dumps(case["input"])
        try:
            reference = run(text, input_text=input_text)
        except Exception:
            continue  # invalid definitions are the validator's tests
        try:
            sm = engine.create_state_machine(
                {"name": f"case{i}", "definition": text, "roleArn": "arn:aws:iam::1:role/R"}
            )
        except ApiError:
            continue
        arn = engine.start_execution(
            {"stateMachineArn": sm["stateMachineArn"], "input": input_text}
        )["executionArn"]
        started.append((case["id"], text, arn, reference))
    assert len(started) > 300
    problems = []
    for case_id, text, arn, reference in started:
        out = engine.wait_for(arn, 60)
        events = engine.get_execution_history({"executionArn": arn, "maxResults": 1000})
        mine = [(e["type"], e["previousEventId"]) for e in events["events"]]
        theirs = [(e["type"], e["previousEventId"]) for e in reference.history]
        same = (out["status"], out.get("error")) == (reference.status, reference.error)
        same = same and mine == theirs
        if not any(marker in text for marker in VARYING):
            same = same and out.get("output") == reference.output_text
            same = same and out.get("cause") == reference.cause
        if not same:
            problems.append((case_id, out["status"], reference.status, out.get("cause")))
    assert problems == []
