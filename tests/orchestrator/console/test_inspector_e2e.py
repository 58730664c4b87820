"""The designer's inspector panel (``/console/static/inspector.js``) in a harness page: the real
orchestrator server serves the console's files, Playwright drives Debian's headless Chromium.

The harness is not the app: on a same-origin page it loads dom.js, designer-model.js and
inspector.js, holds the definition in ``window.def`` and implements the designer's ``apply``
(clone, mutate, store, ``insp.refresh()``), so every test reads ``window.def`` back and checks
the exact JSON an edit produced.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.orchestrator.api.orchestrator_server import Orchestrator
from tests.support.browser import open_page

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STATIC = "/console/static/"
RESOURCES = [
    {
        "title": "Invoke a Lambda function",
        "resource": "arn:aws:states:::lambda:invoke",
        "group": "AWS Lambda",
    },
    {"title": "Put an item", "resource": "arn:aws:states:::dynamodb:putItem", "group": "DynamoDB"},
]
HARNESS = """
window.def = null;
window.labels = [];
window.renames = [];
window.insp = DesignerInspector.create(document.getElementById("inspector"), {
  getDefinition: () => window.def,
  apply(mutate, label) {
    const copy = JSON.parse(JSON.stringify(window.def));
    try { mutate(copy); } catch (e) {
      if (e && e.name === "ModelError") { window.lastError = e.message; return false; }
      throw e;
    }
    window.def = copy;
    window.labels.push(label);
    window.insp.refresh();
    return true;
  },
  resources: %(resources)s,
  onRename: (oldName, newName) => window.renames.push([oldName, newName]),
  onSelect: (name) => window.insp.show(name),
  testState: async (request) => {
    const response = await fetch("/console/api/test-state", { method: "POST",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(request) });
    const body = await response.json();
    if (!response.ok) { const e = new Error(body.message); e.code = body.error; throw e; }
    return body;
  },
});
window.load = (definition, name) => {
  if (document.activeElement) document.activeElement.blur();
  window.def = definition;
  window.labels = [];
  window.renames = [];
  window.insp.setDiagnostics([]);
  window.insp.show(null);
  window.insp.show(name);
};
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    orchestrator = Orchestrator(tmp_path_factory.mktemp("inspector"))
    orchestrator.start()
    yield orchestrator
    orchestrator.stop()


@pytest.fixture(scope="module")
def page(browser, server):
    harness = HARNESS % {"resources": json.dumps(RESOURCES)}
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<link rel="stylesheet" href="{STATIC}app.css"><link rel="stylesheet" href="{STATIC}inspector.css">
</head><body><main><div id="inspector" style="width: 340px"></div></main>
<script src="{STATIC}dom.js"></script><script src="{STATIC}designer-model.js"></script>
<script src="{STATIC}inspector.js"></script>
<script>{harness}</script></body></html>"""
    # A same-origin page that is not the app, then the harness in it.
    for page in open_page(browser, server.url + "/console/api/config"):
        page.set_content(html)
        yield page


def load(page, definition: dict, name: str | None) -> None:
    page.evaluate("([d, n]) => window.load(d, n)", [definition, name])


def definition(page) -> dict:
    return page.evaluate("window.def")


def field(page, path: str):
    return page.locator(f'#inspector [data-field="{path}"]')


def control(page, key: str):
    return page.locator(f'#inspector [data-key="{key}"]')


def focused_key(page) -> str | None:
    return page.evaluate("document.activeElement && document.activeElement.dataset.key || null")


def expect_invalid(page, path: str, message: str) -> None:
    target = field(page, path)
    expect(target).to_have_attribute("aria-invalid", "true")
    described = target.get_attribute("aria-describedby")
    expect(page.locator(f"#{described}")).to_contain_text(message)


def a11y_problems(page) -> list[str]:
    """Duplicate ids, controls without a label (or an id outside "insp-"), buttons that are not
    type="button" or have no accessible name."""
    return page.evaluate(
        """() => {
          const root = document.getElementById("inspector");
          const ids = [...root.querySelectorAll("[id]")].map((e) => e.id);
          const out = ids.filter((id, i) => ids.indexOf(id) !== i).map((id) => "duplicate id " + id);
          for (const c of root.querySelectorAll("input, select, textarea")) {
            const label = root.querySelector(`label[for="${c.id}"]`);
            if (!c.id.startsWith("insp-") || !label) out.push("unlabelled " + c.id);
          }
          for (const b of root.querySelectorAll("button")) {
            const named = b.getAttribute("aria-label") || b.textContent.trim();
            if (b.type !== "button" || !named) out.push("button " + b.outerHTML);
          }
          return out;
        }"""
    )


def task_machine(**task) -> dict:
    return {
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Next": "B",
                **task,
            },
            "B": {"Type": "Pass", "End": True},
            "C": {"Type": "Fail", "Error": "Oops"},
        },
    }


def test_retry_rows_add_edit_move_remove(page):
    load(page, task_machine(), "A")
    control(page, "Retry:add").click()
    assert definition(page)["States"]["A"]["Retry"] == [{"ErrorEquals": ["States.ALL"]}]
    assert focused_key(page) == "Retry/0/ErrorEquals"
    assert field(page, "Retry/0/MaxAttempts").get_attribute("placeholder") == "3"
    assert field(page, "Retry/0/IntervalSeconds").get_attribute("placeholder") == "1"
    assert field(page, "Retry/0/BackoffRate").get_attribute("placeholder") == "2.0"

    field(page, "Retry/0/MaxAttempts").fill("5")
    field(page, "Retry/0/BackoffRate").fill("1.5")
    field(page, "Retry/0/JitterStrategy").select_option("FULL")
    control(page, "Retry:add").click()
    field(page, "Retry/1/ErrorEquals").fill("States.Timeout, States.TaskFailed")
    field(page, "Retry/1/IntervalSeconds").fill("x")
    expect_invalid(page, "Retry/1/IntervalSeconds", "whole number")
    field(page, "Retry/1/IntervalSeconds").fill("10")
    assert definition(page)["States"]["A"]["Retry"] == [
        {
            "ErrorEquals": ["States.ALL"],
            "MaxAttempts": 5,
            "BackoffRate": 1.5,
            "JitterStrategy": "FULL",
        },
        {"ErrorEquals": ["States.Timeout", "States.TaskFailed"], "IntervalSeconds": 10},
    ]

    control(page, "Retry/1:up").click()
    retry = definition(page)["States"]["A"]["Retry"]
    assert [r["ErrorEquals"][0] for r in retry] == ["States.Timeout", "States.ALL"]
    assert focused_key(page) == "Retry/0:down"  # the moved row's other move button
    control(page, "Retry/0:remove").click()
    assert definition(page)["States"]["A"]["Retry"] == [
        {
            "ErrorEquals": ["States.ALL"],
            "MaxAttempts": 5,
            "BackoffRate": 1.5,
            "JitterStrategy": "FULL",
        }
    ]
    field(page, "Retry/0/MaxAttempts").fill("")  # an empty optional input deletes the field
    field(page, "Retry/0/JitterStrategy").select_option(label="(default: NONE)")
    control(page, "Retry/0:remove").click()
    assert "Retry" not in definition(page)["States"]["A"]
    assert focused_key(page) == "Retry:add"
    assert page.evaluate("window.labels") == [
        "Add retrier",
        "Set MaxAttempts",
        "Set BackoffRate",
        "Set JitterStrategy",
        "Add retrier",
        "Set ErrorEquals",
        "Set IntervalSeconds",
        "Move retrier",
        "Remove retrier",
        "Set MaxAttempts",
        "Set JitterStrategy",
        "Remove retrier",
    ]


def test_catch_row_next_select_and_follow(page):
    load(page, task_machine(), "A")
    control(page, "Catch:add").click()
    assert definition(page)["States"]["A"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "Next": "B"}
    ]
    options = field(page, "Catch/0/Next").locator("option").all_inner_texts()
    assert options == ["A", "B", "C"]
    field(page, "Catch/0/Next").select_option("C")
    field(page, "Catch/0/ResultPath").fill("$.error")
    field(page, "Catch/0/ErrorEquals").fill("States.TaskFailed")
    assert definition(page)["States"]["A"]["Catch"] == [
        {"ErrorEquals": ["States.TaskFailed"], "Next": "C", "ResultPath": "$.error"}
    ]
    control(page, "Catch/0/Next:go").click()
    assert page.evaluate("window.insp.selected()") == "C"
    assert field(page, "Error").input_value() == "Oops"


def test_rename_rewrites_references_and_reports_a_taken_name(page):
    load(page, task_machine(), "B")
    field(page, "Name").fill("A")
    field(page, "Name").press("Enter")
    expect_invalid(page, "Name", "already")
    assert "B" in definition(page)["States"]

    field(page, "Name").fill("Finish")
    assert "B" in definition(page)["States"]  # not per keystroke
    field(page, "Name").press("Enter")
    states = definition(page)["States"]
    assert list(states) == ["A", "Finish", "C"]
    assert states["A"]["Next"] == "Finish"
    assert page.evaluate("window.renames") == [["B", "Finish"]]
    assert page.evaluate("window.insp.selected()") == "Finish"
    assert field(page, "Name").input_value() == "Finish"
    assert field(page, "Name").get_attribute("aria-invalid") is None


def test_next_select_end_and_back(page):
    load(page, task_machine(), "A")
    assert field(page, "Next").locator("option").all_inner_texts() == ["(end)", "A", "B", "C"]
    field(page, "Next").select_option(label="(end)")
    assert definition(page)["States"]["A"] == {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "End": True,
    }
    field(page, "Next").select_option("C")
    assert definition(page)["States"]["A"] == {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Next": "C",
    }
    assert page.evaluate("window.labels") == ["Set Next", "Set Next"]


def test_choice_builder_jsonpath(page):
    machine = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "StringEquals": "a", "Next": "B"}],
            },
            "B": {"Type": "Succeed"},
        },
    }
    load(page, machine, "C")

    def choices() -> list:
        return definition(page)["States"]["C"]["Choices"]

    control(page, "Choices/0:op").select_option("NumericGreaterThan")
    assert choices() == [{"Variable": "$.x", "NumericGreaterThan": 0, "Next": "B"}]
    field(page, "Choices/0/NumericGreaterThan").fill("5")
    control(page, "Choices/0:kind").select_option("And")
    assert choices() == [{"And": [{"Variable": "$.x", "NumericGreaterThan": 5}], "Next": "B"}]
    control(page, "Choices/0/And:add").click()
    assert focused_key(page) == "Choices/0/And/1:kind"
    field(page, "Choices/0/And/1/Variable").fill("$.flag")
    control(page, "Choices/0/And/1:op").select_option("BooleanEquals")
    field(page, "Choices/0/And/1/BooleanEquals").select_option("false")
    assert choices() == [
        {
            "And": [
                {"Variable": "$.x", "NumericGreaterThan": 5},
                {"Variable": "$.flag", "BooleanEquals": False},
            ],
            "Next": "B",
        }
    ]
    control(page, "Choices/0:kind").select_option("Not")
    assert choices() == [
        {
            "Not": {
                "And": [
                    {"Variable": "$.x", "NumericGreaterThan": 5},
                    {"Variable": "$.flag", "BooleanEquals": False},
                ]
            },
            "Next": "B",
        }
    ]
    control(page, "Choices:add").click()
    field(page, "Choices/1/Comment").fill("second")
    field(page, "Default").select_option("C")
    state = definition(page)["States"]["C"]
    assert state["Choices"][1] == {
        "Variable": "$",
        "StringEquals": "",
        "Next": "B",
        "Comment": "second",
    }
    assert state["Default"] == "C"
    field(page, "Default").select_option(label="(none)")
    assert "Default" not in definition(page)["States"]["C"]


def test_choice_rules_jsonata(page):
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "C",
        "States": {"C": {"Type": "Choice", "Choices": []}, "B": {"Type": "Succeed"}},
    }
    load(page, machine, "C")
    control(page, "Choices:add").click()
    assert definition(page)["States"]["C"]["Choices"] == [{"Condition": "{% true %}", "Next": "B"}]
    assert field(page, "Choices/0/Variable").count() == 0
    field(page, "Choices/0/Condition").fill("{% $states.input.n > 1 %}")
    field(page, "Choices/0/Output").fill('{% {"n": $states.input.n} %}')
    field(page, "Choices/0/Assign").fill('{"seen": true}')
    assert definition(page)["States"]["C"]["Choices"] == [
        {
            "Condition": "{% $states.input.n > 1 %}",
            "Next": "B",
            "Output": '{% {"n": $states.input.n} %}',
            "Assign": {"seen": True},
        }
    ]
    # JSONata states have Output/Assign, not the JSONPath fields.
    assert field(page, "Output").count() == 1
    assert field(page, "InputPath").count() == 0


def test_wait_mode_switch(page):
    machine = {
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 5, "Next": "B"}, "B": {"Type": "Succeed"}},
    }
    load(page, machine, "W")
    assert control(page, "Wait:mode").locator("option").all_inner_texts() == [
        "Seconds",
        "Timestamp",
        "SecondsPath",
        "TimestampPath",
    ]
    control(page, "Wait:mode").focus()  # as a keyboard user has it
    control(page, "Wait:mode").select_option("TimestampPath")
    assert definition(page)["States"]["W"] == {"Type": "Wait", "TimestampPath": "$", "Next": "B"}
    assert focused_key(page) == "Wait:mode"
    field(page, "TimestampPath").fill("$.when")
    control(page, "Wait:mode").select_option("Seconds")
    field(page, "Seconds").fill("30")
    assert definition(page)["States"]["W"] == {"Type": "Wait", "Seconds": 30, "Next": "B"}

    load(page, {"QueryLanguage": "JSONata", **machine}, "W")
    assert control(page, "Wait:mode").locator("option").all_inner_texts() == [
        "Seconds",
        "Timestamp",
    ]
    field(page, "Seconds").fill("{% $states.input.delay %}")
    assert definition(page)["States"]["W"]["Seconds"] == "{% $states.input.delay %}"
    control(page, "Wait:mode").select_option("Timestamp")
    field(page, "Timestamp").fill("2030-01-01T00:00:00Z")
    assert definition(page)["States"]["W"] == {
        "Type": "Wait",
        "Timestamp": "2030-01-01T00:00:00Z",
        "Next": "B",
    }


def test_map_fields(page):
    machine = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Each",
                    "States": {"Each": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }
    load(page, machine, "M")
    assert field(page, "ItemReader").count() == 0  # distributed fields come with DISTRIBUTED
    field(page, "ItemsPath").fill("$.items")
    field(page, "MaxConcurrency").fill("4")
    field(page, "ItemSelector").fill('{"value.$": "$$.Map.Item.Value"}')
    field(page, "ItemProcessor/ProcessorConfig/Mode").select_option("DISTRIBUTED")
    assert definition(page)["States"]["M"]["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "STANDARD",
    }
    field(page, "ItemProcessor/ProcessorConfig/ExecutionType").select_option("EXPRESS")
    field(page, "ToleratedFailurePercentage").fill("10.5")
    field(page, "ToleratedFailureCountPath").fill("$.maxFailures")
    field(page, "Label").fill("Batch")
    field(page, "ItemReader").fill('{"Resource": "arn:aws:states:::s3:getObject"}')
    field(page, "ResultPath").fill("$.results")
    state = definition(page)["States"]["M"]
    assert {k: v for k, v in state.items() if k != "ItemProcessor"} == {
        "Type": "Map",
        "End": True,
        "ItemsPath": "$.items",
        "MaxConcurrency": 4,
        "ItemSelector": {"value.$": "$$.Map.Item.Value"},
        "ToleratedFailurePercentage": 10.5,
        "ToleratedFailureCountPath": "$.maxFailures",
        "Label": "Batch",
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject"},
        "ResultPath": "$.results",
    }
    assert state["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "EXPRESS",
    }
    field(page, "ItemProcessor/ProcessorConfig/Mode").select_option(label="(default: INLINE)")
    assert "ProcessorConfig" not in definition(page)["States"]["M"]["ItemProcessor"]
    control(page, "ItemProcessor:go").click()
    assert page.evaluate("window.insp.selected()") == "Each"


def test_parallel_branches_add_and_remove(page):
    machine = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Branch", "States": {"Branch": {"Type": "Pass", "End": True}}}
                ],
                "End": True,
            }
        },
    }
    load(page, machine, "P")
    assert control(page, "Branches/0:remove").is_disabled()  # a Parallel keeps one branch
    control(page, "Branches:add").click()
    branches = definition(page)["States"]["P"]["Branches"]
    assert branches[1] == {
        "StartAt": "Branch2",
        "States": {"Branch2": {"Type": "Pass", "End": True}},
    }
    control(page, "Branches/0:remove").click()
    assert [b["StartAt"] for b in definition(page)["States"]["P"]["Branches"]] == ["Branch2"]
    assert page.evaluate("window.labels") == ["Add branch", "Remove branch"]


def test_invalid_json_is_marked_and_not_applied(page):
    load(page, task_machine(), "A")
    before = definition(page)
    field(page, "Parameters").fill('{"a": ')
    expect_invalid(page, "Parameters", "Not valid JSON")
    assert definition(page) == before
    # Another refresh keeps the draft and its mark while the control has focus.
    page.evaluate("window.insp.refresh()")
    assert field(page, "Parameters").input_value() == '{"a": '
    expect_invalid(page, "Parameters", "Not valid JSON")
    field(page, "Parameters").fill('{"a.$": "$.b"}')
    assert definition(page)["States"]["A"]["Parameters"] == {"a.$": "$.b"}
    assert field(page, "Parameters").get_attribute("aria-invalid") is None
    field(page, "Parameters").fill("")
    assert definition(page) == before


def test_diagnostics_mark_controls(page):
    load(page, task_machine(Parameters={"x": 1}), "A")
    page.evaluate(
        """() => window.insp.setDiagnostics([
          { severity: "ERROR", code: "MISSING_TRANSITION_TARGET", message: "No state named Z.",
            location: "/States/A/Next", state: "A" },
          { severity: "WARNING", code: "SCHEMA_VALIDATION_FAILED", message: "Odd parameter.",
            location: "/States/A/Parameters/x", state: "A" },
          { severity: "ERROR", code: "OTHER", message: "Not this state.", location: "/States/B", state: "B" },
        ])"""
    )
    expect_invalid(page, "Next", "No state named Z.")
    expect_invalid(page, "Parameters", "Odd parameter.")
    items = page.locator("#inspector .insp-diags li")
    assert items.count() == 2
    assert "MISSING_TRANSITION_TARGET" in items.nth(0).inner_text()
    items.nth(0).locator("button").click()
    assert focused_key(page) == "Next"
    assert field(page, "Comment").get_attribute("aria-invalid") is None


def test_refresh_keeps_focus_and_caret_while_typing(page):
    load(page, task_machine(), "A")
    field(page, "Comment").click()
    page.keyboard.type("Hello")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.keyboard.type("XY")
    assert field(page, "Comment").input_value() == "HelXYlo"
    assert definition(page)["States"]["A"]["Comment"] == "HelXYlo"
    assert focused_key(page) == "Comment"
    assert page.evaluate("window.labels").count("Set Comment") == 7  # one per keystroke
    # Numbers while typing: "1." keeps its text (the value is 1 meanwhile).
    field(page, "TimeoutSeconds").click()
    page.keyboard.type("12")
    assert definition(page)["States"]["A"]["TimeoutSeconds"] == 12
    assert focused_key(page) == "TimeoutSeconds"


def test_forms_per_type_and_accessibility(page):
    def fields() -> set[str]:
        return set(
            page.locator("#inspector [data-field]").evaluate_all(
                "els => els.map(e => e.dataset.field)"
            )
        )

    load(page, task_machine(), "C")
    assert {"Error", "Cause", "ErrorPath", "CausePath"} <= fields()
    assert not {"Assign", "InputPath", "OutputPath", "Next"} & fields()
    load(page, {"QueryLanguage": "JSONata", **task_machine()}, "A")
    assert {"Arguments", "Output", "Assign", "TimeoutSeconds", "Credentials"} <= fields()
    assert not {"Parameters", "ResultPath", "InputPath", "TimeoutSecondsPath"} & fields()
    load(
        page,
        {"StartAt": "S", "States": {"S": {"Type": "Succeed"}, "P": {"Type": "Pass", "End": True}}},
        "S",
    )
    assert {"InputPath", "OutputPath"} <= fields() and "Assign" not in fields()
    load(
        page,
        {"StartAt": "S", "States": {"S": {"Type": "Succeed"}, "P": {"Type": "Pass", "End": True}}},
        "P",
    )
    assert {"Result", "Parameters", "ResultPath", "Assign"} <= fields()

    # The Resource presets set Resource; every control has a label and a unique id.
    load(page, task_machine(Retry=[{"ErrorEquals": ["States.ALL"]}]), "A")
    control(page, "Resource:pick").select_option(label="Put an item")
    assert definition(page)["States"]["A"]["Resource"] == "arn:aws:states:::dynamodb:putItem"
    assert a11y_problems(page) == []
    load(
        page,
        {
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "Choices": [
                        {
                            "And": [
                                {"Variable": "$.a", "IsPresent": True},
                                {"Not": {"Variable": "$.b", "StringEquals": "x"}},
                            ]
                        }
                    ],
                }
            },
        },
        "C",
    )
    assert a11y_problems(page) == []
    load(
        page,
        {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "End": True,
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "E",
                        "States": {"E": {"Type": "Pass", "End": True}},
                    },
                }
            },
        },
        "M",
    )
    assert a11y_problems(page) == []
    load(page, task_machine(), "Missing")
    assert "Select a state" in page.inner_text("#inspector")
    assert page.evaluate("window.insp.selected()") is None


def test_test_this_state_runs_teststate_on_the_selected_state(page):
    machine = {
        "StartAt": "Pick",
        "States": {
            "Pick": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericGreaterThan": 3, "Next": "Big"}],
                "Default": "Small",
            },
            "Big": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "ResultSelector": {"size.$": "$.Payload.size"},
                "End": True,
            },
            "Small": {"Type": "Succeed"},
        },
    }
    load(page, machine, "Pick")
    page.click("#insp-test summary")
    page.fill("#insp-test-input", '{"n": 5}')
    page.click("#insp-test-run")
    facts = page.locator("#insp-test-result .insp-test-facts")
    expect(facts).to_have_attribute("data-status", "SUCCEEDED")
    expect(facts).to_contain_text("Big")  # the next state
    expect(facts).to_contain_text("afterInputPath")  # DEBUG, the default level

    # A Task with a mocked result: the ResultSelector applied to it.
    page.evaluate("() => window.insp.show('Big')")
    page.click("#insp-test summary")
    page.fill("#insp-test-mock", '{"Payload": {"size": "XL"}}')
    page.select_option("#insp-test-level", "INFO")
    page.click("#insp-test-run")
    expect(facts).to_have_attribute("data-status", "SUCCEEDED")
    expect(facts).to_contain_text('{"size":"XL"}')
    # A bad mock is the API's error, shown in the panel.
    page.fill("#insp-test-mock", "not json")
    page.click("#insp-test-run")
    expect(facts).to_have_attribute("data-status", "API_ERROR")
    expect(facts).to_contain_text("Mocked result must be valid JSON")
    # The panel keeps its texts and answer across a rebuild of the form.
    page.evaluate("() => window.insp.refresh()")
    assert page.input_value("#insp-test-mock") == "not json"
    assert a11y_problems(page) == []
