"""The designer's canvas gestures in a real browser: drop on an arrow, undo / redo (buttons and
keys), connect and re-target with the mouse, move along a chain with the keyboard, insert
from an arrow's + menu with the keyboard, delete, and the code view and the canvas following
each other both ways. The real orchestrator server on loopback, Debian's Chromium."""

from __future__ import annotations

import json

import pytest

from tests.orchestrator.api.orchestrator_server import Orchestrator
from tests.support.browser import open_page, shot

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    orchestrator = Orchestrator(tmp_path_factory.mktemp("canvas"), {})
    orchestrator.start()
    yield orchestrator
    orchestrator.stop()


@pytest.fixture
def page(browser, server):
    yield from open_page(browser, server.url + "/#/create")


def _states(page) -> list[str]:
    return sorted(
        page.locator("#designer-graph .node.state").evaluate_all(
            "els => els.map(e => e.dataset.state)"
        )
    )


def _wait_states(page, expected: list[str]) -> None:
    page.wait_for_function(
        "want => JSON.stringify(Array.from(document.querySelectorAll("
        "'#designer-graph .node.state')).map(e => e.dataset.state).sort()) === want",
        arg=json.dumps(sorted(expected), separators=(",", ":")),
    )


def _definition(page) -> dict:
    draft = page.evaluate("localStorage.getItem('console.designer.draft:(new)')")
    return json.loads(json.loads(draft)["text"])


def _insert(page, source: str, target: str):
    return page.locator(
        f"#designer-graph .insert[aria-label='Insert a state between {source} and {target}']"
    )


def _hello(page) -> None:
    page.wait_for_selector("#validation-result")
    page.select_option("#template", "hello-world")
    _wait_states(page, ["Done", "Greet", "Pause"])


def test_drop_on_an_arrow_then_undo_and_redo(page):
    _hello(page)
    page.locator("#palette [data-palette='pass']").drag_to(_insert(page, "Greet", "Pause"))
    _wait_states(page, ["Done", "Greet", "Pass", "Pause"])
    states = _definition(page)["States"]
    assert states["Greet"]["Next"] == "Pass" and states["Pass"]["Next"] == "Pause"
    page.click("#undo-btn")
    _wait_states(page, ["Done", "Greet", "Pause"])
    page.click("#redo-btn")
    _wait_states(page, ["Done", "Greet", "Pass", "Pause"])
    # The keys do the same outside the text fields and the code view.
    page.click("#palette-heading")
    page.keyboard.press("Control+z")
    _wait_states(page, ["Done", "Greet", "Pause"])
    page.keyboard.press("Control+Shift+z")
    _wait_states(page, ["Done", "Greet", "Pass", "Pause"])
    assert _definition(page)["States"]["Greet"]["Next"] == "Pass"


def test_connect_and_retarget_with_the_mouse(page):
    _hello(page)
    canvas = page.locator("#designer-graph svg")
    box = canvas.bounding_box()
    page.locator("#palette [data-palette='succeed']").drag_to(
        canvas, target_position={"x": 12, "y": box["height"] - 12}
    )
    _wait_states(page, ["Done", "Greet", "Pause", "Succeed"])
    nexts = [state.get("Next") for state in _definition(page)["States"].values()]
    assert "Succeed" not in nexts  # dropped on empty canvas: unconnected
    # From the dot under Greet to Succeed: Greet's Next.
    page.locator("#designer-graph [data-connect='Greet']").drag_to(
        page.locator("#designer-graph .node.state[data-state='Succeed']")
    )
    page.wait_for_function(
        '() => !!document.querySelector("#designer-graph .insert[aria-label='
        "'Insert a state between Greet and Succeed']\")"
    )
    assert _definition(page)["States"]["Greet"]["Next"] == "Succeed"
    # The arrow's head, dragged onto Pause: re-targeted.
    edge = _insert(page, "Greet", "Succeed").get_attribute("data-edge")
    page.locator(f"#designer-graph [data-retarget='{edge}']").drag_to(
        page.locator("#designer-graph .node.state[data-state='Pause']")
    )
    page.wait_for_function(
        '() => !!document.querySelector("#designer-graph .insert[aria-label='
        "'Insert a state between Greet and Pause']\")"
    )
    assert _definition(page)["States"]["Greet"]["Next"] == "Pause"
    # Dragging a state onto an arrow moves it there.
    page.locator("#designer-graph .node.state[data-state='Succeed']").drag_to(
        _insert(page, "Greet", "Pause")
    )
    page.wait_for_function(
        '() => !!document.querySelector("#designer-graph .insert[aria-label='
        "'Insert a state between Greet and Succeed']\")"
    )
    assert _definition(page)["States"]["Greet"]["Next"] == "Succeed"
    shot(page, "designer-canvas")


def test_keyboard_move_insert_and_delete(page):
    _hello(page)
    # Select Pause with the keyboard and move it before Greet.
    page.locator("#designer-graph .node.state[data-state='Pause']").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#selected-name:text('Pause')")
    page.keyboard.press("Alt+ArrowUp")
    page.wait_for_function(
        '() => !!document.querySelector("#designer-graph .insert[aria-label='
        "'Insert a state between Pause and Greet']\")"
    )
    definition = _definition(page)
    assert definition["StartAt"] == "Pause" and definition["States"]["Pause"]["Next"] == "Greet"
    # Insert a Wait on the arrow Pause -> Greet from its + menu.
    _insert(page, "Pause", "Greet").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#insert-menu")
    page.locator("#insert-menu [data-menu='wait']").focus()
    page.keyboard.press("Enter")
    _wait_states(page, ["Done", "Greet", "Pause", "Wait"])
    states = _definition(page)["States"]
    assert states["Pause"]["Next"] == "Wait" and states["Wait"]["Next"] == "Greet"
    # Delete it again: Pause goes straight to Greet.
    page.locator("#designer-graph .node.state[data-state='Wait']").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Delete")
    _wait_states(page, ["Done", "Greet", "Pause"])
    assert _definition(page)["States"]["Pause"]["Next"] == "Greet"


def test_the_code_view_and_the_canvas_follow_each_other(page):
    _hello(page)
    # Code -> canvas: a definition typed into the code view is drawn.
    page.click("#designer-editor .cm-content")
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(
        json.dumps(
            {
                "StartAt": "One",
                "States": {"One": {"Type": "Pass", "Next": "Two"}, "Two": {"Type": "Succeed"}},
            },
            indent=2,
        )
    )
    _wait_states(page, ["One", "Two"])
    # Canvas -> code: the inspector's rename shows in the code view's text.
    page.locator("#designer-graph .node.state[data-state='One']").click()
    page.fill("#inspector [data-field='Name']", "First")
    page.press("#inspector [data-field='Name']", "Enter")
    _wait_states(page, ["First", "Two"])
    text = page.inner_text("#designer-editor .cm-content")
    assert '"First"' in text and '"One"' not in text
    assert _definition(page)["StartAt"] == "First"


def test_nest_into_a_parallel_branch(page):
    _hello(page)
    page.locator("#palette [data-palette='parallel']").drag_to(_insert(page, "Greet", "Pause"))
    _wait_states(page, ["Branch1Pass", "Branch2Pass", "Done", "Greet", "Parallel", "Pause"])
    branch = page.locator("#designer-graph [data-group='g:Parallel:1'] rect")
    box = branch.bounding_box()
    page.locator("#palette [data-palette='wait']").drag_to(
        branch, target_position={"x": box["width"] - 30, "y": box["height"] - 6}
    )
    _wait_states(page, ["Branch1Pass", "Branch2Pass", "Done", "Greet", "Parallel", "Pause", "Wait"])
    states = _definition(page)["States"]
    assert states["Greet"]["Next"] == "Parallel" and states["Parallel"]["Next"] == "Pause"
    second = states["Parallel"]["Branches"][1]
    assert second["States"]["Branch2Pass"]["Next"] == "Wait"
    assert second["States"]["Wait"]["End"] is True
