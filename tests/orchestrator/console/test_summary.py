"""History -> per-state outcome, on histories AWS recorded (the conformance corpus) and on
small hand-written ones for what the corpus lacks (a retry that then succeeds, a run in
progress)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.console.graph import state_types
from orchestrator.console.summary import (
    STATUSES,
    Summarizer,
    pipeline_steps,
    query_languages,
    state_status,
    summarize,
    timestamp_ms,
)
from tests.corpus import CASES


def _case(name: str) -> dict:
    return json.loads((CASES / f"{name}.json").read_text())


def _summary(name: str) -> dict:
    case = _case(name)
    return summarize(case["history"], state_types(case["definition"]))


def _outcomes(summary: dict) -> dict:
    return {name: (s["status"], s["attempts"]) for name, s in summary["states"].items()}


# (corpus case, execution status, {state: (status, attempts)})
CORPUS = [
    (
        "states_variables/test_error_output.test_task_catch_error_with_retry_TASK_CATCH_ERROR_OUTPUT_WITH_RETRY",
        "SUCCEEDED",
        {"Task": ("caught", 2), "Fallback": ("succeeded", 0), "Finish": ("not_reached", 0)},
    ),
    (
        "scenarios/test_base_scenarios.test_lambda_invoke_with_retry_base",
        "SUCCEEDED",
        {"InvokeLambdaWithRetry": ("caught", 4), "HandleError": ("succeeded", 0)},
    ),
    # AWS records no ParallelStateFailed: the retry and the exit without success tell.
    (
        "states_variables/test_error_output.test_parallel_catch_error_PARALLEL_CATCH_ERROR_OUTPUT_WITH_RETRY",
        "SUCCEEDED",
        {
            "ParallelState": ("caught", 2),
            "Fallback": ("succeeded", 0),
            "Finish": ("not_reached", 0),
        },
    ),
    # A Fail state inside a Map iteration fails the Map and the execution.
    (
        "scenarios/test_base_scenarios.test_map_state_break_condition",
        "FAILED",
        {
            "StartState": ("succeeded", 0),
            "MapState": ("failed", 1),
            "Break": ("failed", 0),
            "Equals3": ("succeeded", 0),
            "Final": ("not_reached", 0),
        },
    ),
    (
        "error_handling/test_task_service_lambda.test_invoke_timeout",
        "SUCCEEDED",
        {"Start": ("caught", 1), "EndWithHandler": ("succeeded", 0)},
    ),
    ("error_handling/test_task_lambda.test_raise_exception", "FAILED", {"Start": ("failed", 1)}),
]


@pytest.mark.parametrize("name,status,expected", CORPUS, ids=[c[0].split(".")[-1] for c in CORPUS])
def test_corpus_histories(name, status, expected):
    summary = _summary(name)
    assert summary["status"] == status == _case(name)["expected"]["status"]
    outcomes = _outcomes(summary)
    assert {k: outcomes[k] for k in expected} == expected


def test_every_recorded_history_summarises_to_the_recorded_status():
    cases = [json.loads(p.read_text()) for p in sorted(CASES.glob("*/*.json"))]
    with_history = [c for c in cases if c.get("history") and c.get("history_order") != "reverse"]
    assert len(with_history) > 300
    for case in with_history:
        summary = summarize(
            case["history"],
            state_types(case["definition"]) if isinstance(case["definition"], dict) else {},
        )
        assert summary["status"] == case["expected"]["status"], case["id"]
        for state in summary["states"].values():
            assert state["status"] in STATUSES, case["id"]
            # A state that ran has visits; one that did not has none.
            assert (state["status"] == "not_reached") == (not state["visits"]), case["id"]


def test_caught_state_keeps_its_error_and_pipeline():
    summary = _summary(
        "states_variables/test_error_output.test_task_catch_error_with_retry_"
        "TASK_CATCH_ERROR_OUTPUT_WITH_RETRY"
    )
    (visit,) = [v for v in summary["visits"] if v["name"] == "Task"]
    assert visit["error"] == "Exception"
    assert [a["status"] for a in visit["attempts"]] == ["failed", "failed"]
    assert visit["retries"] == 1
    assert visit["pipeline"]["input"] == {"inputData": "dummy"}
    assert visit["pipeline"]["parameters"]["Payload"] == {"foo": "foobar"}
    assert visit["pipeline"]["result"] is None  # no attempt succeeded
    assert visit["pipeline"]["output"]["stateError"]["Error"] == "Exception"


def test_map_iterations_are_counted_and_linked():
    summary = _summary("scenarios/test_base_scenarios.test_map_state_break_condition")
    (map_visit,) = [v for v in summary["visits"] if v["name"] == "MapState"]
    assert [i["status"] for i in map_visit["iterations"]][-1] == "failed"
    inner = [v for v in summary["visits"] if v["name"] == "Equals3"]
    assert [v["iteration"] for v in inner] == list(range(len(inner)))
    assert {v["parentId"] for v in inner} == {map_visit["id"]}


# --- hand-written histories ------------------------------------------------------------
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _history(*rows):
    """rows: (type, previousEventId, seconds after T0, details or None)."""
    events = []
    for i, (etype, prev, seconds, details) in enumerate(rows, start=1):
        event = {
            "id": i,
            "previousEventId": prev,
            "type": etype,
            "timestamp": T0 + timedelta(seconds=seconds),
        }
        if details is not None:
            key = (
                "stateEnteredEventDetails"
                if etype.endswith("StateEntered")
                else "stateExitedEventDetails"
                if etype.endswith("StateExited")
                else etype[0].lower() + etype[1:] + "EventDetails"
            )
            event[key] = details
        events.append(event)
    return events


RETRIED = _history(
    ("ExecutionStarted", 0, 0, {"input": '{"a":1}'}),
    ("TaskStateEntered", 1, 0, {"name": "Fetch", "input": '{"a":1}'}),
    (
        "TaskScheduled",
        2,
        0,
        {"parameters": '{"url":"x"}', "resource": "invoke", "resourceType": "http"},
    ),
    ("TaskStarted", 3, 0, {}),
    ("TaskFailed", 4, 1, {"error": "States.Http.StatusCode.503", "cause": "busy"}),
    (
        "TaskScheduled",
        5,
        3,
        {"parameters": '{"url":"x"}', "resource": "invoke", "resourceType": "http"},
    ),
    ("TaskStarted", 6, 3, {}),
    ("TaskSucceeded", 7, 4, {"output": '{"rate":2}'}),
    ("TaskStateExited", 8, 4, {"name": "Fetch", "output": '{"a":1,"rate":2}'}),
    ("ExecutionSucceeded", 9, 4, {"output": '{"a":1,"rate":2}'}),
)


def test_retried_then_succeeded():
    summary = summarize(RETRIED, {"Fetch": "Task", "Other": "Pass"})
    assert _outcomes(summary) == {"Fetch": ("retried", 2), "Other": ("not_reached", 0)}
    (visit,) = summary["visits"]
    first, second = visit["attempts"]
    assert (first["status"], first["error"], first["durationMs"]) == (
        "failed",
        "States.Http.StatusCode.503",
        1000.0,
    )
    assert (second["status"], second["backoffMs"], second["result"]) == (
        "succeeded",
        2000.0,
        {"rate": 2},
    )
    assert visit["error"] is None  # the retry fixed it
    assert visit["durationMs"] == 4000.0
    assert visit["pipeline"] == {
        "input": {"a": 1},
        "parameters": {"url": "x"},
        "result": {"rate": 2},
        "output": {"a": 1, "rate": 2},
    }
    assert summary["durationMs"] == 4000.0


@pytest.mark.parametrize(
    "cut,expected",
    [
        (2, "running"),  # just entered
        (5, "running"),  # failed once, waiting for the retry: still running
        (8, "running"),  # second attempt succeeded, not exited yet
        (9, "retried"),
    ],
    ids=["entered", "in-backoff", "before-exit", "exited"],
)
def test_running_prefixes(cut, expected):
    summary = summarize(RETRIED[:cut])
    assert summary["status"] == ("RUNNING" if cut < 10 else "SUCCEEDED")
    assert summary["states"]["Fetch"]["status"] == expected


def test_stopped_execution_aborts_the_open_state():
    events = _history(
        ("ExecutionStarted", 0, 0, {"input": "{}"}),
        ("WaitStateEntered", 1, 0, {"name": "Nap", "input": "{}"}),
        ("ExecutionAborted", 2, 5, {}),
    )
    summary = summarize(events)
    assert summary["status"] == "ABORTED"
    assert summary["states"]["Nap"]["status"] == "aborted"
    assert summary["visits"][0]["durationMs"] == 5000.0


def test_failing_branch_state_fails_and_its_sibling_is_aborted():
    # The engine's record of a Parallel whose Map branch fails on its ItemsPath.
    events = _history(
        ("ExecutionStarted", 0, 0, {"input": "{}"}),
        ("ParallelStateEntered", 1, 0, {"name": "P", "input": "{}"}),
        ("ParallelStateStarted", 2, 0, None),
        ("WaitStateEntered", 3, 0, {"name": "W", "input": "{}"}),
        ("MapStateEntered", 3, 0, {"name": "M", "input": "{}"}),
        ("MapStateAborted", 5, 0, None),
        ("ParallelStateFailed", 6, 0, None),
        ("ExecutionFailed", 7, 0, {"error": "States.Runtime", "cause": "no items"}),
    )
    summary = summarize(events)
    assert _outcomes(summary) == {"P": ("failed", 1), "W": ("aborted", 0), "M": ("failed", 0)}
    by_name = {v["name"]: v for v in summary["visits"]}
    assert by_name["W"]["branch"] == 0 and by_name["M"]["branch"] == 1
    assert by_name["M"]["error"] == "States.Runtime"


@pytest.mark.parametrize(
    "statuses,expected",
    [
        ([], "not_reached"),
        (["succeeded", "retried"], "retried"),
        (["succeeded", "caught", "retried"], "caught"),
        (["caught", "failed"], "failed"),
        (["failed", "running"], "running"),
    ],
)
def test_state_status_picks_the_most_telling(statuses, expected):
    assert state_status(statuses) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        (datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC), 1000.0),
        (1.5, 1500.0),
        ("1970-01-01T00:00:02Z", 2000.0),
        ("timestamp", None),
        (None, None),
    ],
)
def test_timestamp_ms(value, expected):
    assert timestamp_ms(value) == expected


# --- both query languages: variables, EvaluationFailed, pipeline step names ------------


def _lang_summary(name: str) -> dict:
    case = _case(name)
    return summarize(
        case["history"], state_types(case["definition"]), query_languages(case["definition"])
    )


def _visits(summary: dict, name: str) -> list[dict]:
    return [v for v in summary["visits"] if v["name"] == name]


@pytest.mark.parametrize(
    "definition,expected",
    [
        ({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}, {"A": "JSONPath"}),
        (
            {
                "QueryLanguage": "JSONata",
                "StartAt": "A",
                "States": {"A": {"Type": "Pass", "End": True}},
            },
            {"A": "JSONata"},
        ),
        # A JSONPath machine may hold JSONata states; a Map's processor inherits the Map's.
        (
            {
                "StartAt": "A",
                "States": {
                    "A": {"Type": "Pass", "QueryLanguage": "JSONata", "Next": "M"},
                    "M": {
                        "Type": "Map",
                        "QueryLanguage": "JSONata",
                        "ItemProcessor": {
                            "StartAt": "In",
                            "States": {"In": {"Type": "Pass", "End": True}},
                        },
                        "Next": "P",
                    },
                    "P": {
                        "Type": "Parallel",
                        "Branches": [
                            {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}
                        ],
                        "End": True,
                    },
                },
            },
            {"A": "JSONata", "M": "JSONata", "In": "JSONata", "P": "JSONPath", "B": "JSONPath"},
        ),
        ("not a definition", {}),
    ],
)
def test_query_languages(definition, expected):
    assert query_languages(definition) == expected


# (corpus case, state, visit index, assigned variables (a subset), query language)
ASSIGNED = [
    # JSONPath Assign: values recorded as JSON texts come back as JSON values.
    (
        "assign/test_assign_base.test_base_cases_BASE_SCOPE_MAP",
        "State0",
        0,
        {"x": 42, "items": [1, 2, 3]},
        "JSONPath",
    ),
    (
        "assign/test_assign_base.test_base_cases_BASE_SCOPE_MAP",
        "Inner",
        2,
        {"innerX": 42},
        "JSONPath",
    ),
    (
        "assign/test_assign_base.test_base_cases_BASE_VAR",
        "State1",
        0,
        {"varname2": "varname2", "varnameconstant_int": 0, "varnameconstant_bool": True},
        "JSONPath",
    ),
    # A Catch's Assign in a JSONata Task: $states.errorOutput.
    (
        "assign/test_assign_reference_variables.test_assign_in_catch_state",
        "Task",
        0,
        {"result": {"Error": "Exception"}},
        "JSONata",
    ),
]


@pytest.mark.parametrize(
    "name,state,index,subset,language",
    ASSIGNED,
    ids=[f"{c[0].split('.')[-1]}-{c[1]}" for c in ASSIGNED],
)
def test_assigned_variables_per_visit(name, state, index, subset, language):
    visit = _visits(_lang_summary(name), state)[index]
    assert visit["queryLanguage"] == language
    assigned = visit["assignedVariables"]
    for key, value in subset.items():
        if isinstance(value, dict):
            assert {k: assigned[key][k] for k in value} == value
        else:
            assert assigned[key] == value


def test_states_without_assign_have_no_variables_and_the_state_merges_its_visits():
    summary = _lang_summary("assign/test_assign_base.test_base_cases_BASE_SCOPE_MAP")
    assert _visits(summary, "State1")[0]["assignedVariables"] is None
    assert summary["states"]["State1"]["assignedVariables"] is None
    assert summary["states"]["Inner"]["assignedVariables"] == {"innerX": 42}
    assert summary["states"]["State2"]["assignedVariables"] == {"final": 42}
    assert all(v["evaluationFailed"] is None for v in summary["visits"])


EVALUATION_FAILED = [
    (
        "assign/test_assign_reference_variables.test_undefined_reference_BASE_UNDEFINED_OUTPUT",
        "State0",
        "Output",
        "returned nothing (undefined)",
    ),
    (
        "assign/test_assign_reference_variables.test_undefined_reference_BASE_UNDEFINED_ASSIGN",
        "State0",
        "Assign/result",
        "$doesNotExist",
    ),
    (
        "assign/test_assign_reference_variables.test_undefined_reference_BASE_UNDEFINED_ARGUMENTS",
        "State0",
        "Arguments",
        "$doesNotExist",
    ),
]


@pytest.mark.parametrize(
    "name,state,location,in_cause",
    EVALUATION_FAILED,
    ids=[c[0].split("_BASE_")[-1] for c in EVALUATION_FAILED],
)
def test_evaluation_failed_belongs_to_its_state(name, state, location, in_cause):
    case = _case(name)
    summary = _lang_summary(name)
    (recorded,) = [
        e["evaluationFailedEventDetails"]
        for e in case["history"]
        if e["type"] == "EvaluationFailed"
    ]
    (visit,) = _visits(summary, state)
    failed = visit["evaluationFailed"]
    assert failed == {
        "error": recorded["error"],
        "cause": recorded["cause"],
        "location": recorded["location"],
    }
    assert (failed["error"], failed["location"]) == ("States.QueryEvaluationError", location)
    assert in_cause in failed["cause"]
    assert (visit["status"], visit["error"]) == ("failed", "States.QueryEvaluationError")
    assert summary["states"][state]["evaluationFailed"] == failed
    assert summary["states"][state]["queryLanguage"] == "JSONata"


def test_jsonata_task_pipeline_is_named_for_arguments_and_output():
    summary = _lang_summary(
        "evaluate_jsonata/test_base_evaluate_expressions.test_base_task_TIMEOUT_SECONDS"
    )
    (visit,) = _visits(summary, "Start")
    assert [s["label"] for s in visit["pipelineSteps"]] == [
        "State input",
        "Arguments",
        "Result",
        "Output",
    ]
    assert [s["key"] for s in visit["pipelineSteps"]] == ["input", "parameters", "result", "output"]
    # Arguments: the effective task input, as TaskScheduled recorded it.
    assert visit["pipeline"]["parameters"]["Payload"] == {}
    assert visit["pipeline"]["parameters"]["FunctionName"].endswith("<lambda-function-name>")
    assert visit["pipeline"]["result"]["ExecutedVersion"] == "$LATEST"


def test_jsonata_map_items_pipeline():
    summary = _lang_summary(
        "evaluate_jsonata/test_base_evaluate_expressions.test_base_map_from_input_ITEMS"
    )
    (start,) = _visits(summary, "Start")
    assert start["queryLanguage"] == "JSONata"
    assert start["pipeline"]["input"] == {"input_value": [1, 2, 3]}
    assert start["pipeline"]["output"] == [1, 2, 3]
    assert [v["pipeline"]["output"] for v in _visits(summary, "Process")] == [1, 2, 3]
    assert all(v["queryLanguage"] == "JSONata" for v in _visits(summary, "Process"))


def test_jsonpath_pipeline_names_are_unchanged():
    assert [s["label"] for s in pipeline_steps("JSONPath")] == [
        "State input",
        "Effective input (parameters)",
        "Result",
        "State output",
    ]
    summary = _lang_summary("assign/test_assign_base.test_base_cases_BASE_SCOPE_MAP")
    assert all(v["pipelineSteps"] == pipeline_steps("JSONPath") for v in summary["visits"])
    # Without languages every state is JSONPath, as before.
    case = _case("evaluate_jsonata/test_base_evaluate_expressions.test_base_task_TIMEOUT_SECONDS")
    (visit,) = summarize(case["history"], state_types(case["definition"]))["visits"]
    assert visit["queryLanguage"] == "JSONPath"


def test_a_redriven_execution_runs_again_after_its_end():
    """ExecutionRedriven: the execution is running again; the Task's second call is its
    second attempt, and the end that matters is the last one."""
    t0 = datetime(2024, 1, 1, tzinfo=UTC)

    def ev(i, prev, t, details=None, key=None):
        e = {"id": i, "previousEventId": prev, "type": t, "timestamp": t0 + timedelta(seconds=i)}
        if details is not None:
            e[key] = details
        return e

    R = "arn:aws:lambda:us-east-1:123456789012:function:B"
    events = [
        ev(
            1,
            0,
            "ExecutionStarted",
            {"input": "{}", "roleArn": "r"},
            "executionStartedEventDetails",
        ),
        ev(2, 0, "TaskStateEntered", {"name": "B", "input": "{}"}, "stateEnteredEventDetails"),
        ev(
            3,
            2,
            "LambdaFunctionScheduled",
            {"input": "{}", "resource": R},
            "lambdaFunctionScheduledEventDetails",
        ),
        ev(4, 3, "LambdaFunctionStarted"),
        ev(
            5,
            4,
            "LambdaFunctionFailed",
            {"error": "Down", "cause": "x"},
            "lambdaFunctionFailedEventDetails",
        ),
        ev(6, 5, "ExecutionFailed", {"error": "Down", "cause": "x"}, "executionFailedEventDetails"),
        ev(7, 6, "ExecutionRedriven", {"redriveCount": 1}, "executionRedrivenEventDetails"),
        ev(
            8,
            4,
            "LambdaFunctionScheduled",
            {"input": "{}", "resource": R},
            "lambdaFunctionScheduledEventDetails",
        ),
        ev(9, 8, "LambdaFunctionStarted"),
        ev(
            10,
            9,
            "LambdaFunctionSucceeded",
            {"output": '{"ok":1}'},
            "lambdaFunctionSucceededEventDetails",
        ),
        ev(
            11,
            10,
            "TaskStateExited",
            {"name": "B", "output": '{"ok":1}'},
            "stateExitedEventDetails",
        ),
        ev(12, 11, "ExecutionSucceeded", {"output": '{"ok":1}'}, "executionSucceededEventDetails"),
    ]
    summary = summarize(events, {"B": "Task"})
    assert (summary["status"], summary["error"]) == ("SUCCEEDED", None)
    assert _outcomes(summary) == {"B": ("retried", 2)}
    running = summarize(events[:7], {"B": "Task"})
    assert (running["status"], running["error"], running["stopMs"]) == ("RUNNING", None, None)


def _recorded_histories() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(CASES.rglob("*.json")):
        case = json.loads(path.read_text())
        if isinstance(case, dict) and case.get("history") and case.get("definition"):
            out.append((path.stem, case))
    return out


def test_fed_a_part_at_a_time_the_summary_is_the_same_as_at_once():
    """The console's poll folds in only the new events: on every recorded history, a
    Summarizer fed three events at a time (its result read after each part, as each poll
    does) ends with exactly what summarize() gives for the whole history, and each middle
    result equals summarize() of the history so far."""
    cases = _recorded_histories()
    assert len(cases) > 100
    for name, case in cases:
        history = case["history"]
        states = state_types(case["definition"])
        languages = query_languages(case["definition"])
        summarizer = Summarizer(states, languages)
        for end in range(3, len(history) + 3, 3):
            summarizer.feed(history[end - 3 : end])
            if end % 9 == 0 or end >= len(history):
                so_far = summarize(history[:end], states, languages)
                assert summarizer.result() == so_far, (name, end)
        assert summarizer.result() == summarize(history, states, languages), name


def test_the_result_can_show_only_the_newest_visits():
    case = _case(
        "states_variables/test_error_output.test_task_catch_error_with_retry_TASK_CATCH_ERROR_OUTPUT_WITH_RETRY"
    )
    whole = summarize(case["history"], state_types(case["definition"]))
    summarizer = Summarizer(state_types(case["definition"]))
    summarizer.feed(case["history"])
    newest = summarizer.result(max_visits=1)
    assert newest["visitCount"] == whole["visitCount"] == len(whole["visits"]) > 1
    assert newest["visits"] == whole["visits"][-1:]
    assert newest["states"] == whole["states"]  # each state's figures cover every visit
    assert newest["lastEventId"] == case["history"][-1]["id"]
