"""Content in headless Chromium against live daphne servers: known XSS payloads rendered on the
public pages and in the editor's preview never run, and an admin writes, previews, publishes a
post with a cover and finds it on /blog/."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser import browser, log_in, page, snap  # noqa: F401
from tests.conftest import call, start_daphne
from tests.test_content_api import XSS_PAYLOADS

pytestmark = [pytest.mark.browser, pytest.mark.live]

# alert()-style payloads too, so a dialog would show up if any of them ran.
ALERT_PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">a</a>',
]


@pytest.fixture(scope="module")
def uncached_server():
    """A daphne of our own with the content cache off: these tests write through the API in the
    test process, whose cache invalidation cannot reach another process's memory cache."""
    proc, url = start_daphne({"CONTENT_CACHE_SECONDS": "0"})
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def watch_for_scripts(tab) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    return dialogs


def assert_nothing_ran(tab, dialogs: list[str]) -> None:
    tab.wait_for_timeout(600)  # image errors and onload handlers fire after the load event
    assert tab.evaluate("() => window.__xss") is None
    assert dialogs == []


def test_xss_payloads_never_run_on_the_public_pages(page, uncached_server, api, admin, owner_teacher):  # noqa: F811
    url = uncached_server
    dialogs = watch_for_scripts(page)
    # The detector works: the same payload unsanitised does run in this browser.
    page.set_content('<img src=x onerror="window.__xss=1">')
    page.wait_for_function("() => window.__xss === 1")
    body = "\n\n".join(f"Payload {n}:\n\n{payload}" for n, payload in enumerate(XSS_PAYLOADS + ALERT_PAYLOADS))
    post = call(
        api,
        "post",
        "/api/v1/content/posts",
        admin,
        data={"title": "Payloads <script>window.__xss=1</script>", "body_md": body, "status": "published"},
    ).json()
    call(api, "post", "/api/v1/content/pages", admin, data={"title": "Terms", "body_md": body, "status": "published"})
    call(api, "post", "/api/v1/content/faqs", admin, data={"title": "Q?", "body_md": body, "status": "published"})
    course_id = call(
        api,
        "post",
        "/api/v1/courses",
        owner_teacher,
        data={"title": "Safe course", "subject": "Maths", "level": "beginner", "language": "en", "status": "published"},
    ).json()["id"]
    call(
        api,
        "post",
        f"/api/v1/content/courses/{course_id}/sections",
        owner_teacher,
        data={"title": "What you will learn", "body_md": body, "status": "published"},
    )

    page.goto(f"{url}/blog/{post['slug']}")
    expect(page.locator("#item-title")).to_have_text("Payloads <script>window.__xss=1</script>")
    expect(page.locator("#item-body")).to_contain_text("Payload 0:")
    assert page.locator("#item-body script, #item-body svg, #item-body iframe, #item-body [onerror]").count() == 0
    assert_nothing_ran(page, dialogs)
    snap(page, "content-xss-post")
    for path in ("/blog/", "/p/terms", "/faq/", "/blog/rss.xml"):
        page.goto(f"{url}{path}")
        assert_nothing_ran(page, dialogs)
    page.goto(f"{url}/faq/")
    page.click(".faq-entry summary")
    assert_nothing_ran(page, dialogs)

    log_in(page, url, owner_teacher)
    page.goto(f"{url}/courses/{course_id}/")
    expect(page.locator("#landing-sections")).to_contain_text("What you will learn")
    assert_nothing_ran(page, dialogs)
    assert page.js_errors == []


def test_an_admin_writes_previews_and_publishes_a_post(page, live_server, admin):  # noqa: F811
    url = live_server
    dialogs = watch_for_scripts(page)
    log_in(page, url, admin)
    page.goto(f"{url}/content/")
    page.click("#new-post")
    page.wait_for_url(f"{url}/content/posts/new/")
    page.wait_for_load_state("load")  # the editor's script is listening before we type
    page.fill("#title", "Ten tips for Quadratic Équations")
    expect(page.locator("#slug")).to_have_value("ten-tips-for-quadratic-equations")
    page.fill(
        "#body_md",
        '## Tip one\n\nFactor **first**.\n\n<img src=x onerror="window.__xss=1">\n\n| a | b |\n|---|---|\n| 1 | 2 |',
    )
    expect(page.locator("#preview h2")).to_have_text("Tip one")
    expect(page.locator("#preview strong")).to_have_text("first")
    expect(page.locator("#preview table td").first).to_have_text("1")
    expect(page.locator("#preview-status")).to_contain_text("min read")
    assert_nothing_ran(page, dialogs)
    page.fill("#tags", "maths, exams")
    page.select_option("#status", "published")
    snap(page, "content-editor")
    page.click("#save-item")
    expect(page.locator(".flash")).to_have_text("Created. Status: Published.")
    expect(page.locator("#item-state")).to_have_text("Published")

    cover = io.BytesIO()
    Image.new("RGB", (1200, 600), (30, 90, 200)).save(cover, format="PNG")
    page.set_input_files("#cover", {"name": "cover.png", "mimeType": "image/png", "buffer": cover.getvalue()})
    page.click("#cover-button")
    expect(page.locator("#cover-status")).to_have_text("The cover is saved.")
    assert page.eval_on_selector("#cover-progress", "node => node.value") == 100
    expect(page.locator("#cover-image")).to_be_visible()

    page.goto(f"{url}/blog/")
    link = page.locator("#post-list a", has_text="Ten tips for Quadratic Équations")
    expect(link).to_be_visible()
    link.click()
    page.wait_for_url(f"{url}/blog/ten-tips-for-quadratic-equations")
    expect(page.locator("#item-body strong")).to_have_text("first")
    expect(page.locator(".post-cover")).to_be_visible()
    assert page.evaluate("() => document.querySelector('.post-cover').naturalWidth") == 1200
    expect(page.locator("a.tag", has_text="#maths")).to_be_visible()
    assert_nothing_ran(page, dialogs)
    snap(page, "content-post")

    # Change the address: the old one forwards to the new one.
    page.click("#edit-item")
    page.wait_for_load_state("load")
    page.fill("#slug", "quadratic-tips")
    page.click("#save-item")
    expect(page.locator(".flash")).to_have_text("Saved. Status: Published.")
    page.goto(f"{url}/blog/ten-tips-for-quadratic-equations")
    page.wait_for_url(f"{url}/blog/quadratic-tips")
    expect(page.locator("#item-title")).to_have_text("Ten tips for Quadratic Équations")
    assert page.js_errors == []
