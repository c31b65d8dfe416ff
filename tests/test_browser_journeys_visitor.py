"""A visitor's journey in headless Chromium against a live server: the catalog without signing in,
a search, a course page with its teacher, reviews and schedule, the teacher's public page, and
signing in from "Sign in to enrol", which comes back to the course. Every page is checked with
tests.browser.JourneyWatch (console errors, failed requests, framework wording, reopening)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from courses.catalog import services as catalog_services
from courses.enrolment import services as enrolment_services
from courses.feedback import services as feedback_services
from courses.lessons import services as lesson_services
from cplatform.actor import Actor
from tests.browser import JourneyWatch, browser, page, phone_page  # noqa: F401
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.live]


def actor_of(persona) -> Actor:
    return Actor(uid=persona.uid, email=persona.email, role=persona.role)


@pytest.fixture
def published(owner_teacher, student) -> dict:
    """A published course with a lesson next week and one review."""
    course = catalog_services.create_course(
        actor=actor_of(owner_teacher),
        data={
            "title": "Harmonica for everyone",
            "description": "Blow, draw and bend your first blues.",
            "subject": "Music",
            "level": "beginner",
            "language": "en",
            "status": "published",
            "price": {"amount": 2500, "currency": "EUR"},
        },
    )
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).replace(hour=17, minute=0, second=0, microsecond=0)
    lesson_services.create_lesson(
        actor=actor_of(owner_teacher), course_id=course["id"], title="First notes", starts_at=start, duration_minutes=45
    )
    return course


def test_a_visitor_browses_searches_reads_a_course_and_signs_in_to_enrol(
    page,  # noqa: F811
    live_server,
    published,
    owner_teacher,
    student,
    other_student,
):
    free = catalog_services.create_course(
        actor=actor_of(owner_teacher),
        data={"title": "Free rhythm", "subject": "Music", "level": "beginner", "language": "en", "status": "published"},
    )
    enrolment_services.enroll_student(actor=actor_of(other_student), course_id=free["id"])
    feedback_services.post_feedback(
        actor=actor_of(other_student), course_id=free["id"], rating=4, comment="Lovely teacher."
    )
    url = live_server
    watch = JourneyWatch(page)

    # "Courses" in the visitor's menu opens the catalog, never a login page.
    watch.visit(f"{url}/")
    page.click("nav a[href='/courses/']")
    page.wait_for_url(f"{url}/courses/")
    expect(page.locator("h1")).to_have_text("Courses")
    expect(page.locator("#results")).to_contain_text("Harmonica for everyone")
    watch.check_page()

    page.fill("#q", "harmonica")
    page.press("#q", "Enter")
    page.wait_for_url("**/courses/?q=harmonica*")
    expect(page.locator("#results")).to_contain_text("Harmonica for everyone")
    watch.check_page()
    watch.reopens()

    # The course page: title, teacher, description, price, schedule outline; enrolling asks to sign in.
    page.click("#results a:has-text('Harmonica for everyone')")
    expect(page.locator("#course-title")).to_have_text("Harmonica for everyone")
    expect(page.locator("#teacher-link")).to_have_text("Ada Lovelace")
    expect(page.locator("main")).to_contain_text("Blow, draw and bend your first blues.")
    expect(page.locator("main")).to_contain_text("25.00 EUR")
    expect(page.locator("#lessons")).to_contain_text("First notes")
    expect(page.locator("#lessons")).to_contain_text("UTC")
    expect(page.locator("#message-teacher")).to_have_count(0)
    course_url = page.url
    watch.check_page()
    watch.reopens()

    # The teacher's public page, with her courses and a sign-in link instead of "Message".
    page.click("#teacher-link")
    expect(page.locator("#teacher-name")).to_have_text("Ada Lovelace")
    expect(page.locator("#teacher-courses")).to_contain_text("Harmonica for everyone")
    expect(page.locator("#teacher-rating")).to_contain_text("4.0 out of 5 from 1 review")
    expect(page.locator("#sign-in-to-message")).to_be_visible()
    watch.check_page()
    watch.reopens()

    # A free course's page shows its review to visitors too.
    watch.visit(f"{url}/courses/{free['id']}/")
    expect(page.locator("#feedback")).to_contain_text("Lovely teacher.")

    # Signing in from the course page comes back to it.
    page.goto(course_url)
    page.click("#sign-in-to-enrol")
    page.wait_for_url("**/auth/login/?next=*")
    watch.check_page()
    page.fill("#email", student.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url(course_url)
    expect(page.locator("#course-title")).to_have_text("Harmonica for everyone")
    expect(page.locator("#sign-in-to-enrol")).to_have_count(0)
    watch.check_page()

    # An address outside the site is never followed after signing in.
    page.click("#logout-button")
    page.wait_for_url(f"{url}/auth/login/")
    page.goto(f"{url}/auth/login/?next=https://evil.example.com/")
    page.fill("#email", student.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url(f"{url}/")
    watch.assert_clean()


def test_a_visitor_on_a_phone_sees_one_header_row_and_styled_error_pages(
    phone_page,  # noqa: F811
    live_server,
    published,
):
    url = live_server
    watch = JourneyWatch(phone_page)
    watch.visit(f"{url}/courses/")
    brand, toggle = phone_page.locator(".brand").bounding_box(), phone_page.locator("#nav-toggle").bounding_box()
    assert abs((brand["y"] + brand["height"] / 2) - (toggle["y"] + toggle["height"] / 2)) < 8
    expect(phone_page.locator("#nav-login")).to_be_hidden()
    phone_page.click("#nav-toggle")
    expect(phone_page.locator("#nav-login")).to_be_visible()
    with watch.expecting_errors():
        response = phone_page.goto(f"{url}/courses/no-such-course/")
        assert response.status == 404
        expect(phone_page.locator("h1")).to_have_text("Page not found")
        expect(phone_page.locator("link[rel=icon]")).to_have_count(1)
    watch.assert_clean()
