"""Shared fixtures of the browser tests: one headless Chromium per session, driven by Playwright.

Playwright's own browser download is not reachable on every machine (CI has no internet), so the tests
drive the system's Chromium (Debian's `chromium` package, or the path in KERAS_WORKSHOP_CHROMIUM).
Every test here carries the `browser` mark: `pytest -m browser` runs them alone, `-m "not browser"`
leaves them out. Without a Chromium they are skipped with the reason.
"""

import os
import shutil

import pytest


def chromium_path():
    """The system Chromium to drive, or None."""
    for candidate in (os.environ.get("KERAS_WORKSHOP_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in item.nodeid or item.nodeid.startswith("browser/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium found: install it (sudo apt-get install chromium) or set KERAS_WORKSHOP_CHROMIUM")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        # --no-sandbox: Chromium refuses to start its sandbox as root (containers, CI).
        chromium = playwright.chromium.launch(executable_path=path, headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()
