"""Workflow variables survive a restart: they are derived state, so replaying the journal
(the same recorded results and effect draws) rebuilds them exactly (issue 7)."""
import json

from engine_helpers import create, definition

HTTP = "arn:aws:states:::http:invoke"


def history(engine, arn):
    return engine.get_execution_history({"executionArn": arn, "maxResults": 1000})["events"]


def test_variables_and_their_random_draws_replay_after_a_restart(make_engine, invoker):
    import time

    engine = make_engine(time_scale=1.0)
    sm = create(engine, name="vars", defn=definition({
        "Draw": {"Type": "Pass", "Next": "Call", "Assign": {
            "id": "{% $uuid() %}", "r": "{% $random() %}", "n": "{% $states.input.n %}"}},
        "Call": {"Type": "Task", "Resource": HTTP, "Next": "Pause",
                 "Arguments": {"id": "{% $id %}"},
                 "Assign": {"echoed": "{% $states.result.echo.id %}", "n": "{% $n + 1 %}"}},
        "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
        "Done": {"Type": "Pass", "End": True, "Output": {
            "id": "{% $id %}", "r": "{% $r %}", "echoed": "{% $echoed %}", "n": "{% $n %}"}}},
        QueryLanguage="JSONata"))
    arn = engine.start_execution({"stateMachineArn": sm, "input": '{"n": 1}'})["executionArn"]
    deadline = time.monotonic() + 30
    while not any(e["type"] == "WaitStateEntered" for e in history(engine, arn)):
        assert time.monotonic() < deadline
        time.sleep(0.005)
    before = history(engine, arn)
    engine.close()
    again = make_engine(time_scale=1.0)
    out = again.wait_for(arn, 30)
    assert out["status"] == "SUCCEEDED"
    events = history(again, arn)
    assert events[:len(before)] == before
    drawn = json.loads(next(e for e in events if e["type"] == "PassStateExited")
                       ["stateExitedEventDetails"]["assignedVariables"]["id"])
    final = json.loads(out["output"])
    assert final["id"] == final["echoed"] == drawn and final["n"] == 2
    assert len(invoker.calls) == 1  # the Task finished before the restart is not re-run
