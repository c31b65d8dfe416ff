"""Playwright fixtures for browser tests: the system Chromium, headless, a fresh context per test.

Import the fixtures into a test module
(`from tests.browser import browser, page, phone_page  # noqa: F401`) and use
`live_server` from conftest (a daphne subprocess) for the URL. Never run `playwright install`: it downloads a
browser; /usr/bin/chromium comes from the system packages (scripts/system-packages.sh).

Set BROWSER_SCREENSHOTS=<dir> to keep a screenshot of each step `snap()` names.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
TIMEOUT_MS = 15_000


# Module scope: Playwright's sync API keeps an event loop marked as running in this thread while it
# is started, which breaks async_to_sync in later non-browser tests; conftest runs browser tests last.
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/system-packages.sh (make test does)")
    # Playwright's sync API runs an event loop in this thread; Django then refuses its sync-only
    # calls here unless told that this test thread is not really async.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


def _new_page(browser, options: dict):
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.js_errors = errors
    return context, tab


@pytest.fixture
def page(browser):
    """A desktop-sized tab in a fresh context (no cookies from other tests)."""
    context, tab = _new_page(browser, DESKTOP)
    yield tab
    context.close()


@pytest.fixture
def phone_page(browser):
    """A 390x844 phone-sized touch tab in a fresh context."""
    context, tab = _new_page(browser, PHONE)
    yield tab
    context.close()


def snap(tab, name: str) -> None:
    """Keep a full-page screenshot when BROWSER_SCREENSHOTS names a folder (for looking at pages)."""
    folder = os.environ.get("BROWSER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def overflow(tab) -> dict:
    """How far the page is wider than the window (0 when nothing sticks out sideways)."""
    return tab.evaluate(
        """() => ({
            scroll: document.documentElement.scrollWidth,
            inner: window.innerWidth,
            culprits: [...document.querySelectorAll('body *')]
                .filter((node) => node.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 5)
                .map((node) => node.tagName.toLowerCase() + (node.id ? '#' + node.id : '')
                    + (node.className && typeof node.className === 'string' ? '.' + node.className : '')),
        })"""
    )
