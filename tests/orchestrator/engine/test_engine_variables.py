"""Workflow variables survive a restart: they are derived state, so replaying the journal
(the same recorded results and effect draws) rebuilds them exactly."""

import json

from engine_helpers import create, definition, finish_after_restart, wait_until_waiting

HTTP = "arn:aws:states:::http:invoke"


def test_variables_and_their_random_draws_replay_after_a_restart(make_engine, invoker):
    engine = make_engine(time_scale=1.0)
    sm = create(
        engine,
        name="vars",
        defn=definition(
            {
                "Draw": {
                    "Type": "Pass",
                    "Next": "Call",
                    "Assign": {
                        "id": "{% $uuid() %}",
                        "r": "{% $random() %}",
                        "n": "{% $states.input.n %}",
                    },
                },
                "Call": {
                    "Type": "Task",
                    "Resource": HTTP,
                    "Next": "Pause",
                    "Arguments": {"id": "{% $id %}"},
                    "Assign": {"echoed": "{% $states.result.echo.id %}", "n": "{% $n + 1 %}"},
                },
                "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
                "Done": {
                    "Type": "Pass",
                    "End": True,
                    "Output": {
                        "id": "{% $id %}",
                        "r": "{% $r %}",
                        "echoed": "{% $echoed %}",
                        "n": "{% $n %}",
                    },
                },
            },
            QueryLanguage="JSONata",
        ),
    )
    arn = engine.start_execution({"stateMachineArn": sm, "input": '{"n": 1}'})["executionArn"]
    wait_until_waiting(engine, arn)
    out, before, events = finish_after_restart(engine, make_engine, arn, time_scale=1.0)
    assert out["status"] == "SUCCEEDED"
    assert events[: len(before)] == before
    drawn = json.loads(
        next(e for e in events if e["type"] == "PassStateExited")["stateExitedEventDetails"][
            "assignedVariables"
        ]["id"]
    )
    final = json.loads(out["output"])
    assert final["id"] == final["echoed"] == drawn and final["n"] == 2
    assert len(invoker.calls) == 1  # the Task finished before the restart is not re-run
