"""The console's browser tests share one Chromium per module (tests/support/browser.py)."""

from tests.support.browser import browser  # noqa: F401  (the fixture)
