"""The console's workflow designer end to end: the real orchestrator server (``python -m
orchestrator serve``) on a free loopback port, driven by Playwright in Debian's headless
Chromium, as ``test_console_e2e.py`` does.

The designer's code view is CodeMirror (``/console/vendor/codemirror.js``, bundled by
``make console``); the tests type into it, read its lines, and check what the engine then
holds through boto3. The README's ``docs/console-designer.png`` is taken here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.orchestrator.api.orchestrator_server import Orchestrator
from tests.support.aws import stepfunctions_client
from tests.support.browser import open_page, shot

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
BUNDLE = ROOT / "orchestrator" / "console" / "node_modules" / ".build" / "codemirror.js"
ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
PASS = {"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}}
# The editor's text: every line CodeMirror drew (the test definitions are short enough to be
# drawn whole).
EDITOR_TEXT = (
    "Array.from(document.querySelectorAll('#designer-editor .cm-line'))"
    ".map(l => l.textContent).join('\\n')"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not BUNDLE.is_file():
        pytest.fail(
            f"{BUNDLE} is missing: run `make console` (npm ci and the esbuild bundle)",
            pytrace=False,
        )
    orchestrator = Orchestrator(
        tmp_path_factory.mktemp("designer"), {"ORCHESTRATOR_TIME_SCALE": "0.01"}
    )
    orchestrator.start()
    yield orchestrator
    orchestrator.stop()


@pytest.fixture(scope="module")
def sfn(server):
    return stepfunctions_client(server.url, inject_host_prefix=False)


@pytest.fixture
def page(browser, server):
    yield from open_page(browser, server.url + "/", accept_downloads=True)


def _arn(sfn, name: str) -> str:
    machines = sfn.list_state_machines()["stateMachines"]
    return next(m["stateMachineArn"] for m in machines if m["name"] == name)


def _open(page, route: str) -> None:
    page.goto(page.url.split("#")[0] + "#" + route)
    page.wait_for_selector("#designer-editor .cm-content")
    page.wait_for_selector("#validation-result")


def _text(page) -> str:
    return page.evaluate(EDITOR_TEXT)


def _type_definition(page, definition: dict) -> None:
    """Replace the editor's text the way a user would: select all, then type (insert)."""
    page.click("#designer-editor .cm-content")
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(json.dumps(definition, indent=2))


def _wait_validated(page, expected: str) -> None:
    """Wait until the engine's verdict on the current text is shown ("no problems found" or
    a diagnostic code)."""
    page.wait_for_function(
        "code => (document.querySelector('#designer-diagnostics') || {}).textContent"
        "?.includes(code)",
        arg=expected,
    )


def test_create_from_the_hello_world_template_save_and_run(page, sfn):
    page.wait_for_selector("#create-machine")
    page.click("#create-machine")
    page.wait_for_selector("#designer-graph .node.state")
    page.select_option("#template", "hello-world")
    _wait_validated(page, "no problems found")
    drawn = page.locator("#designer-graph .node.state").evaluate_all(
        "els => els.map(e => e.dataset.state)"
    )
    assert sorted(drawn) == ["Done", "Greet", "Pause"]
    assert json.loads(_text(page))["StartAt"] == "Greet"
    # No name yet: Create waits for one.
    assert page.is_disabled("#save-btn")
    page.fill("#machine-name", "hello-designer")
    page.select_option("#machine-type-select", "STANDARD")
    page.select_option("#logging-level", "ALL")
    assert page.is_enabled("#save-btn")
    page.click("#save-btn")

    page.wait_for_selector("#save-msg.ok")
    assert "Created" in page.inner_text("#save-msg")
    assert page.url.split("#")[1].startswith("/designer/hello-designer")
    described = sfn.describe_state_machine(stateMachineArn=_arn(sfn, "hello-designer"))
    assert json.loads(described["definition"])["States"]["Pause"]["Type"] == "Wait"
    assert described["loggingConfiguration"]["level"] == "ALL"

    # Listed on the state machines page.
    page.click("nav[aria-label='Main'] >> text=State machines")
    page.wait_for_selector("#machines")
    assert "hello-designer" in page.locator("#machines tbody td:first-child").all_inner_texts()

    # Start it from the designer: the machine page's start form, then the execution view.
    _open(page, "/designer/hello-designer")
    assert page.is_enabled("#designer-start")
    page.click("#designer-start")
    page.wait_for_selector("#start-form")
    page.fill("#exec-input", '{"who": "designer"}')
    page.fill("#exec-name", "designed-1")
    page.click("#start-btn")
    page.wait_for_selector("#execution-graph .node.state")
    page.wait_for_selector("#exec-status .status-succeeded")
    assert "status-succeeded" in page.get_attribute(
        "#execution-graph [data-state='Greet']", "class"
    )


def test_edit_break_fix_and_save_a_new_revision(page, sfn):
    created = sfn.create_state_machine(
        name="edit-me",
        definition=json.dumps(
            {
                "StartAt": "Greet",
                "States": {
                    "Greet": {"Type": "Pass", "Next": "Done"},
                    "Done": {"Type": "Succeed"},
                },
            }
        ),
        roleArn=ROLE,
    )
    before = sfn.describe_state_machine(stateMachineArn=created["stateMachineArn"])
    page.goto(page.url.split("#")[0] + "#/machines/edit-me")
    page.wait_for_selector("#edit-machine")
    page.click("#edit-machine")
    page.wait_for_selector("#designer-editor .cm-content")
    _wait_validated(page, "no problems found")
    assert page.is_disabled("#save-btn")  # nothing changed yet

    # Break it: a Next to a state that does not exist.
    definition = json.loads(_text(page))
    definition["States"]["Greet"]["Next"] = "Nowhere"
    _type_definition(page, definition)
    _wait_validated(page, "MISSING_TRANSITION_TARGET")
    diagnostic = page.locator("#diagnostic-list .diag-error[data-state='Greet']")
    assert "Missing 'Next' target: Nowhere" in diagnostic.inner_text()
    assert page.is_disabled("#save-btn")
    assert "error" in page.inner_text("#designer-status")
    # The engine's diagnostic is marked in the editor where its location (/States/Greet/Next) is.
    page.wait_for_selector("#designer-editor .cm-lintRange-error")
    marked = page.locator("#designer-editor .cm-lintRange-error").all_inner_texts()
    assert any('"Nowhere"' in text for text in marked)
    # Clicking it selects the state in the graph (badged) and its range in the editor.
    diagnostic.locator("button").click()
    node = page.locator("#designer-graph [data-state='Greet']")
    assert "selected" in node.get_attribute("class")
    assert "flag-error" in node.get_attribute("class")
    assert page.text_content("#designer-graph [data-state='Greet'] .badge") == "✖ 1"
    assert page.evaluate("document.getSelection().toString()") == '"Next": "Nowhere"'
    shot(page, "designer")
    # Ctrl+S is refused while an error remains, with a message.
    page.keyboard.press("Control+s")
    page.wait_for_selector("#save-msg.bad")
    assert "fix the 2 errors" in page.inner_text("#save-msg")  # Done is unreachable too

    # Fix it (a warning-free new definition) and save with Ctrl+S.
    definition["States"]["Greet"]["Next"] = "Done"
    definition["States"]["Greet"]["Result"] = {"edited": True}
    _type_definition(page, definition)
    _wait_validated(page, "no problems found")
    assert page.is_enabled("#save-btn")
    page.keyboard.press("Control+s")
    page.wait_for_selector("#save-msg.ok")
    assert "Saved" in page.inner_text("#save-msg")
    assert page.is_disabled("#save-btn")
    assert "No unsaved changes" in page.inner_text("#designer-status")

    after = sfn.describe_state_machine(stateMachineArn=created["stateMachineArn"])
    assert json.loads(after["definition"]) == definition
    assert after.get("revisionId") and after.get("revisionId") != before.get("revisionId")
    assert page.inner_text("#revision-id") == after["revisionId"]

    # A second save checks against the revision the first one made (no false conflict).
    definition["Comment"] = "saved twice"
    _type_definition(page, definition)
    _wait_validated(page, "no problems found")
    assert "Unsaved changes" in page.inner_text("#designer-status")
    page.click("#save-btn")
    page.wait_for_selector("#designer-status >> text=No unsaved changes")
    again = sfn.describe_state_machine(stateMachineArn=created["stateMachineArn"])
    assert json.loads(again["definition"])["Comment"] == "saved twice"
    assert again["revisionId"] != after["revisionId"]

    # Saved elsewhere in between: the save is refused (409 CONFLICT) and the text is kept.
    sfn.update_state_machine(
        stateMachineArn=created["stateMachineArn"], definition=json.dumps(PASS)
    )
    definition["Comment"] = "stale"
    _type_definition(page, definition)
    _wait_validated(page, "no problems found")
    page.click("#save-btn")
    page.wait_for_selector("#save-msg.bad")
    assert "Changed elsewhere" in page.inner_text("#save-msg")
    assert json.loads(_text(page))["Comment"] == "stale"
    kept = sfn.describe_state_machine(stateMachineArn=created["stateMachineArn"])
    assert json.loads(kept["definition"]) == PASS


def test_a_draft_survives_a_reload_and_can_be_discarded(page, sfn):
    sfn.create_state_machine(name="drafty", definition=json.dumps(PASS), roleArn=ROLE)
    _open(page, "/designer/drafty")
    draft = json.loads(_text(page))
    draft["States"]["Only"]["Result"] = {"draft": 1}
    _type_definition(page, draft)
    page.wait_for_selector("#designer-status >> text=Unsaved changes")
    assert page.is_visible("#discard-draft")

    # Leaving with unsaved changes asks first (beforeunload); the draft is back after reload.
    dialogs: list = []

    def accept(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    page.once("dialog", accept)
    page.reload()
    page.wait_for_selector("#designer-editor .cm-content")
    assert dialogs == ["beforeunload"]
    assert json.loads(_text(page)) == draft
    assert "Draft restored" in page.inner_text("#designer-status")
    assert "Restored your unsaved draft" in page.inner_text("#save-msg")
    assert page.is_enabled("#save-btn")
    # Nothing was saved.
    assert (
        json.loads(sfn.describe_state_machine(stateMachineArn=_arn(sfn, "drafty"))["definition"])
        == PASS
    )

    page.once("dialog", lambda dialog: dialog.accept())  # "Discard the draft ...?"
    page.click("#discard-draft")
    page.wait_for_selector("#save-msg >> text=Draft discarded")
    assert json.loads(_text(page)) == PASS
    assert page.is_hidden("#discard-draft")
    page.reload()  # not dirty: no dialog
    page.wait_for_selector("#designer-editor .cm-content")
    assert json.loads(_text(page)) == PASS
    assert "Draft restored" not in page.inner_text("#designer-status")


def test_a_taken_name_is_refused_and_the_text_kept(page, sfn):
    sfn.create_state_machine(name="taken", definition=json.dumps(PASS), roleArn=ROLE)
    _open(page, "/create")
    page.select_option("#template", "blank")
    _wait_validated(page, "no problems found")
    mine = json.loads(_text(page))
    mine["Comment"] = "mine, not the taken one"
    _type_definition(page, mine)
    page.fill("#machine-name", "taken")
    _wait_validated(page, "no problems found")
    page.click("#save-btn")
    page.wait_for_selector("#save-msg.bad")
    message = page.inner_text("#save-msg")
    assert "Name taken" in message and "taken" in message and "already exists" in message
    assert page.get_attribute("#machine-name", "aria-invalid") == "true"
    assert json.loads(_text(page)) == mine
    assert page.url.endswith("#/create")
    # The existing machine is untouched.
    assert (
        json.loads(sfn.describe_state_machine(stateMachineArn=_arn(sfn, "taken"))["definition"])
        == PASS
    )


def test_export_and_import(page, tmp_path):
    _open(page, "/create")
    page.select_option("#template", "hello-world")
    _wait_validated(page, "no problems found")
    page.fill("#machine-name", "exported")
    with page.expect_download() as download:
        page.click("#export-btn")
    assert download.value.suggested_filename == "exported.asl.json"
    saved = tmp_path / "exported.asl.json"
    download.value.save_as(saved)
    assert json.loads(saved.read_text())["StartAt"] == "Greet"

    imported = {"StartAt": "FromFile", "States": {"FromFile": {"Type": "Succeed"}}}
    upload = tmp_path / "imported.asl.json"
    upload.write_text(json.dumps(imported))
    page.set_input_files("#import-file", str(upload))
    page.wait_for_selector("#save-msg >> text=Imported")
    assert json.loads(_text(page)) == imported
    page.wait_for_selector("#designer-graph [data-state='FromFile']")
