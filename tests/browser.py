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


# =====================================================================================================
# Journey checks, shared by the persona journeys (tests/test_browser_journeys_*.py).
#
#   watch = JourneyWatch(tab)         # before the first goto: listens for console errors, failed requests
#   watch.visit(url)                  # goto + check_page + reopens
#   watch.check_page()                # no framework default message, ISO timestamp or bare error page
#   watch.reopens()                   # the address bar's URL opens the same page again (same <h1>)
#   with watch.expecting_errors():    # a step that is meant to answer 4xx (a form shown with its errors)
#   watch.assert_clean()              # at the end: nothing went wrong along the way
# =====================================================================================================

import contextlib  # noqa: E402
import re  # noqa: E402

# Texts that only a framework (DRF, Django) writes: a page showing one has skipped our wording.
FRAMEWORK_DEFAULTS = (
    "This field may not be blank.",
    "This field is required.",
    "This field may not be null.",
    "A valid integer is required.",
    "A valid number is required.",
    "does not match the required pattern",
    "is not a valid choice.",
    "Ensure this field has",
    "Ensure this value is",
    "Enter a valid URL.",
    "Datetime has wrong format",
    "Expected a list of items",
    "Not a valid string.",
    "Method Not Allowed",
    "Server Error (500)",
    "CSRF verification failed",
    "The requested resource was not found on this server.",
)
ISO_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
# Chromium logs a failed document or resource load to the console; a 4xx the step asked for is fine.
_LOAD_FAILURE = re.compile(r"Failed to load resource: the server responded with a status of (\d{3})")


class JourneyWatch:
    """Collects what must never happen on a journey: console errors, uncaught exceptions, failed
    requests and 5xx answers (any status >= 400 outside `expecting_errors`)."""

    def __init__(self, tab):
        self.tab = tab
        self.problems: list[str] = []
        self._expecting = 0
        tab.on("console", self._on_console)
        tab.on("pageerror", lambda exc: self.problems.append(f"uncaught exception on {tab.url}: {exc}"))
        tab.on("requestfailed", self._on_request_failed)
        tab.on("response", self._on_response)

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        failure = _LOAD_FAILURE.search(message.text)
        if failure and self._expecting and int(failure.group(1)) < 500:
            return
        self.problems.append(f"console error on {self.tab.url}: {message.text}")

    def _on_request_failed(self, request) -> None:
        failure = request.failure or ""
        # A navigation that replaces a page still loading aborts its requests: not a fault of the page.
        if "ERR_ABORTED" in failure:
            return
        self.problems.append(f"request failed: {request.method} {request.url} ({failure})")

    def _on_response(self, response) -> None:
        status = response.status
        if status >= 500 or (status >= 400 and not self._expecting):
            self.problems.append(f"{status} answer: {response.request.method} {response.url}")

    @contextlib.contextmanager
    def expecting_errors(self):
        """A step meant to answer 4xx (a form shown again with its errors, a refused page)."""
        self._expecting += 1
        try:
            yield
        finally:
            self._expecting -= 1

    def check_page(self) -> None:
        """The page speaks to people: no framework default message and no ISO timestamp in its text."""
        text = self.tab.inner_text("body")
        for default in FRAMEWORK_DEFAULTS:
            assert default not in text, f"framework default {default!r} on {self.tab.url}"
        match = ISO_TIMESTAMP.search(text)
        assert match is None, f"ISO timestamp {match.group(0) if match else ''!r} on {self.tab.url}"
        assert self.tab.title().strip() not in ("", "cplatform · cplatform"), (
            f"no page title of its own on {self.tab.url}"
        )

    def reopens(self) -> None:
        """Opening the address bar's URL again shows the same page (post/redirect/get holds)."""
        # Without the #fragment: going to the same address plus a fragment only scrolls, it loads nothing.
        url = self.tab.url.split("#")[0]
        heading = self.tab.locator("h1").first.inner_text() if self.tab.locator("h1").count() else ""
        response = self.tab.goto(url)
        assert response is not None and response.status < 400, f"{url} does not reopen ({response and response.status})"
        if heading:
            assert self.tab.locator("h1").first.inner_text() == heading, f"{url} reopens as another page"
        self.check_page()

    def visit(self, url: str) -> None:
        """Open a page and check it (it must answer below 400)."""
        response = self.tab.goto(url)
        assert response is not None and response.status < 400, f"{url} answered {response and response.status}"
        self.check_page()
        self.reopens()

    def assert_clean(self) -> None:
        assert self.problems == [], "\n".join(self.problems)

    def check(self) -> None:
        """After a step: the page speaks to people, its URL answers 200 again without a redirect (a
        request on the side, so the journey stays where it is), and nothing went wrong so far."""
        self.check_page()
        reopened = self.tab.context.request.get(self.tab.url, max_redirects=0)
        assert reopened.status == 200, f"{self.tab.url} does not reopen: {reopened.status}"
        self.assert_clean()


def log_in(tab, url: str, persona) -> None:
    """Sign in through the login page; it lands on the home page."""
    tab.goto(f"{url}/auth/login/")
    tab.fill("#email", persona.email)
    tab.fill("#password", persona.password)
    tab.click("button[type=submit]:has-text('Log in')")
    tab.wait_for_url(f"{url}/")
