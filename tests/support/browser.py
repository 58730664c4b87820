"""What the console's browser tests share: Debian's Chromium driven by Playwright (it never
downloads a browser: no ``playwright install``), the window size, the wait limit and where
the README's screenshots go."""

from __future__ import annotations

from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 900}
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the console's browser tests need Debian's Chromium "
            "(`apt-get install -y chromium`; .ci/run installs it)",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser, url: str, **context_options):
    """A page on ``url`` in a fresh context; yields it and then fails on JavaScript errors."""
    context = browser.new_context(viewport=VIEWPORT, **context_options)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto(url)
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def shot(page, name: str, **options) -> None:
    """Writes ``docs/console-<name>.png`` (the README's screenshots)."""
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / f"console-{name}.png"), **options)
