"""A student's journey in headless Chromium against a live server: find a course, enrol, rate it
(first with a mistake), follow progress on My courses, the week and the history, notification
settings, a parent code that survives a reload, and deleting the account. Every page is checked with
tests.browser.JourneyWatch."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from courses.catalog import services as catalog_services
from courses.lessons import services as lesson_services
from cplatform.actor import Actor
from tests.browser import JourneyWatch, browser, log_in, page  # noqa: F401
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.live]


def actor_of(persona) -> Actor:
    return Actor(uid=persona.uid, email=persona.email, role=persona.role)


def test_a_student_enrols_rates_follows_progress_and_deletes_her_account(
    page,  # noqa: F811
    live_server,
    owner_teacher,
    student,
):
    url = live_server
    course = catalog_services.create_course(
        actor=actor_of(owner_teacher),
        data={
            "title": "Watercolour basics",
            "subject": "Art",
            "level": "beginner",
            "language": "en",
            "status": "published",
        },
    )
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0)
    lesson_services.create_lesson(
        actor=actor_of(owner_teacher), course_id=course["id"], title="Washes", starts_at=start, duration_minutes=60
    )
    course_url = f"{url}/courses/{course['id']}/"
    watch = JourneyWatch(page)
    log_in(page, url, student)
    expect(page.locator("#nav-profile")).to_have_text("Sam Student")
    watch.check_page()

    # Find and enrol.
    page.click("nav a[href='/courses/']")
    page.fill("#q", "watercolour")
    page.press("#q", "Enter")
    page.click("#results a:has-text('Watercolour basics')")
    page.wait_for_url(course_url)
    page.click("#enrol-button")
    expect(page.locator(".flash")).to_have_text("You are enrolled. Welcome to the course!")
    assert page.url == course_url
    watch.reopens()
    expect(page.locator("#enrolment-state")).to_have_text("You are enrolled.")

    # A rating without stars is told next to the stars, the address stays the course's, and a reload
    # sends nothing again.
    with watch.expecting_errors():
        page.fill("#comment", "Clear and calm.")
        page.click("#feedback-button")
        expect(page.locator("#rating-error")).to_have_text("Choose a rating from 1 to 5 stars.")
        expect(page.locator("#comment")).to_have_value("Clear and calm.")
        watch.check_page()
    page.wait_for_function("() => window.location.pathname.endsWith('/courses/" + course["id"] + "/')")
    with page.expect_response(lambda response: response.url.split("#")[0] == course_url) as reloaded:
        page.reload()
    assert reloaded.value.request.method == "GET"
    expect(page.locator("#rating-error")).to_have_count(0)
    page.check("input[name=rating][value='5']")
    page.fill("#comment", "Clear and calm.")
    page.click("#feedback-button")
    expect(page.locator(".flash")).to_have_text("Thank you for your feedback!")
    expect(page.locator("#feedback")).to_contain_text("Clear and calm.")
    watch.check_page()

    # A GET on a form's address goes to its page instead of a bare 405.
    page.goto(f"{course_url}enrol/")
    page.wait_for_url(course_url)

    # My courses shows progress; the week and history speak in the profile's time zone.
    page.click("nav a[href='/courses/']")
    page.click("#my-courses-link")
    expect(page.locator("#enrollments")).to_contain_text("Watercolour basics")
    expect(page.locator("#enrollments")).to_contain_text("0 of 1 lesson attended (0%)")
    watch.check_page()
    watch.reopens()
    watch.visit(f"{url}/schedule/?week={start.date().isoformat()}")
    expect(page.locator(".slot", has_text="Washes")).to_contain_text("09:30\u201310:30 UTC")
    watch.visit(f"{url}/history/")

    # Notification settings: nothing meant for teachers.
    watch.visit(f"{url}/notifications/")
    expect(page.locator("#settings")).not_to_contain_text("Ratings and reviews of your courses")
    expect(page.locator("#feedback-in_app")).to_have_count(0)
    page.click("#save-settings")
    expect(page.locator(".flash")).to_have_text("Your notification settings are saved.")
    watch.reopens()

    # A parent code: reloading shows the same code, never a new one.
    page.click("#nav-profile")
    page.click("#parent-code-button")
    code = page.locator("#link-code").inner_text()
    expect(page.locator(".link-code")).to_contain_text("UTC")
    page.reload()
    expect(page.locator("#link-code")).to_have_text(code)
    watch.check_page()

    # Deleting the account says what goes, wants the password, and ends the session.
    page.click("#delete-account-link")
    expect(page.locator("#deletion-effects")).to_contain_text("Your places in courses and on waitlists")
    watch.check_page()
    with watch.expecting_errors():
        page.fill("#password", "not-my-password")
        page.check("#confirm")
        page.click("#delete-account-button")
        expect(page.locator("#password-error")).to_have_text("That is not your password.")
        watch.check_page()
    page.fill("#password", PASSWORD)
    page.check("#confirm")
    page.click("#delete-account-button")
    page.wait_for_url(f"{url}/")
    expect(page.locator(".flash")).to_contain_text("Your account is deleted.")
    expect(page.locator("#nav-login")).to_be_attached()
    watch.assert_clean()
