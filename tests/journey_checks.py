"""A journey's watchdog (parent and admin journeys): fails on console errors, page errors, failed
requests, HTTP errors, framework-default messages, and pages that do not reopen from their URL.

Part A adds a shared helper at the end of tests/browser.py; the coordinator merges the two.
"""

from __future__ import annotations

import re

from tests.browser import TIMEOUT_MS
from tests.conftest import PASSWORD

# DRF's and Django's stock messages, and the browser's own pattern message: never shown to people.
FRAMEWORK_DEFAULTS = (
    "This field may not be blank.",
    "This field is required.",
    "A valid integer is required.",
    "does not match the required pattern",
    "Enter a valid",
    "is not a valid choice",
    "Not a valid string.",
    "Method Not Allowed",
)
ISO_TIMESTAMP = re.compile(r"\b20\d\d-\d\d-\d\dT\d\d:\d\d")


class Watch:
    """Listens on one tab for the whole journey; `check(tab)` after each step asserts the page is clean."""

    def __init__(self, tab):
        self.problems: list[str] = []
        tab.on("console", self._console)
        tab.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        tab.on("requestfailed", self._failed)
        tab.on("response", self._response)

    def _failed(self, request) -> None:
        # ERR_ABORTED is the browser dropping what the page it leaves was still loading (a click
        # that navigates, a form that posts): the journey's own doing, not a broken request.
        if "ERR_ABORTED" in str(request.failure):
            return
        self.problems.append(f"request failed: {request.method} {request.url} {request.failure}")

    def _console(self, message) -> None:
        if message.type != "error":
            return
        # The favicon's 404 (see _response) is also reported on the console.
        if str((message.location or {}).get("url", "")).endswith("/favicon.ico"):
            return
        self.problems.append(f"console: {message.text} at {(message.location or {}).get('url')}")

    def _response(self, response) -> None:
        # Browsers ask for /favicon.ico by themselves; part A serves one (until then it is a 404 here).
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def check(self, tab) -> None:
        """The page shows no framework wording or ISO timestamp and reopens from its URL (a GET
        answered 200); nothing went wrong so far."""
        body = tab.inner_text("body")
        for phrase in FRAMEWORK_DEFAULTS:
            assert phrase not in body, f"{tab.url} shows the framework's {phrase!r}"
        assert not ISO_TIMESTAMP.search(body), f"{tab.url} shows an ISO timestamp"
        reopened = tab.context.request.get(tab.url, max_redirects=0)
        assert reopened.status == 200, f"{tab.url} does not reopen: {reopened.status}"
        assert not self.problems, self.problems


def log_in(tab, url: str, persona) -> None:
    tab.set_default_timeout(TIMEOUT_MS)
    tab.goto(f"{url}/auth/login/")
    tab.fill("#email", persona.email)
    tab.fill("#password", PASSWORD)
    tab.click("button[type=submit]:has-text('Log in')")
    tab.wait_for_url(f"{url}/")
