"""A teacher's journey in headless Chromium against a live server: a course form with mistakes, a
draft deleted, a published course with a cover the cards show, weekly availability and the
scheduler's warning that links to it, attendance for a past lesson (the history shows it), a reply
to a review and the waitlist in the roster. Every page is checked with tests.browser.JourneyWatch."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from courses.catalog import services as catalog_services
from courses.enrolment import services as enrolment_services
from courses.feedback import services as feedback_services
from courses.lessons import services as lesson_services
from cplatform.actor import Actor
from tests.browser import JourneyWatch, browser, log_in, page  # noqa: F401
from tests.factories import Clock

pytestmark = [pytest.mark.browser, pytest.mark.live]


def actor_of(persona) -> Actor:
    return Actor(uid=persona.uid, email=persona.email, role=persona.role)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (200, 90, 40)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def taught(monkeypatch, owner_teacher, student, other_student) -> dict:
    """A full one-seat course: Sam enrolled (and reviewed it), Olive waiting, one lesson yesterday."""
    now = dt.datetime.now(dt.UTC)
    clock = Clock(monkeypatch, now - dt.timedelta(days=2))
    course = catalog_services.create_course(
        actor=actor_of(owner_teacher),
        data={
            "title": "Chess openings",
            "subject": "Chess",
            "level": "intermediate",
            "language": "en",
            "status": "published",
            "capacity": 1,
        },
    )
    enrolment_services.enroll_student(actor=actor_of(student), course_id=course["id"])
    enrolment_services.enroll_student(actor=actor_of(other_student), course_id=course["id"])
    lesson, _ = lesson_services.create_lesson(
        actor=actor_of(owner_teacher),
        course_id=course["id"],
        title="The Italian game",
        starts_at=(now - dt.timedelta(days=1)).replace(microsecond=0),
        duration_minutes=60,
    )
    clock.travel_to(now)
    feedback_services.post_feedback(actor=actor_of(student), course_id=course["id"], rating=4, comment="Sharp lines!")
    return {"course": course, "lesson": lesson}


def test_a_teacher_builds_a_course_schedules_takes_attendance_and_answers(
    page,  # noqa: F811
    live_server,
    owner_teacher,
    student,
    taught,
):
    url = live_server
    page.on("dialog", lambda dialog: dialog.accept())
    watch = JourneyWatch(page)
    log_in(page, url, owner_teacher)
    expect(page.locator("#nav-profile")).to_have_text("Ada Lovelace")

    # A course form with mistakes keeps its address and says what to fix next to each field.
    watch.visit(f"{url}/courses/new/")
    expect(page.locator("#language")).to_have_js_property("tagName", "SELECT")
    with watch.expecting_errors():
        page.fill("#title", "")
        page.click("#save-draft")
        expect(page.locator("#title-error")).to_have_text("Please fill this in.")
        expect(page.locator("#subject-error")).to_have_text("Please fill this in.")
        watch.check_page()
    assert page.url == f"{url}/courses/new/"

    # A draft, then deleted.
    page.fill("#title", "Endgames, draft")
    page.fill("#subject", "Chess")
    page.click("#save-draft")
    expect(page.locator(".flash")).to_have_text("Your course is saved as a draft.")
    page.click("#edit-course")
    page.click("#delete-course")
    page.wait_for_url(f"{url}/courses/?mine=1")
    expect(page.locator(".flash")).to_contain_text("is deleted.")
    watch.check_page()

    # A published course in French, with a cover that the catalog's cards show.
    page.goto(f"{url}/courses/new/")
    page.fill("#title", "Échecs pour débutants")
    page.fill("#subject", "Chess")
    page.select_option("#language", "fr")
    page.click("#publish-course")
    expect(page.locator(".flash")).to_have_text("Your course is published.")
    course_url = page.url
    page.click("#edit-course")
    page.set_input_files("#cover", {"name": "board.png", "mimeType": "image/png", "buffer": png_bytes()})
    page.click("#cover-upload")
    expect(page.locator(".flash")).to_contain_text("The new cover is up")
    expect(page.locator("#cover-preview")).to_be_visible()
    watch.reopens()
    watch.visit(f"{url}/courses/?mine=1")
    card = page.locator(".course-card", has_text="Échecs pour débutants")
    expect(card.locator("img.course-cover")).to_be_visible()

    # Weekly availability; a lesson outside it warns and links back to it.
    page.click("#nav-profile")
    page.fill("#start-0-0", "09:00")
    page.fill("#end-0-0", "12:00")
    page.click("#save-availability")
    expect(page.locator(".flash")).to_have_text("Your weekly availability is saved (1 time slot).")
    watch.reopens()
    expect(page.locator("#start-0-0")).to_have_value("09:00")
    tuesday = dt.date.today() + dt.timedelta(days=(1 - dt.date.today().weekday()) % 7 or 7)
    page.goto(course_url)
    page.click("#manage-lessons")
    page.fill("#title", "Opening principles")
    page.fill("#starts_at", f"{tuesday.isoformat()}T18:00")
    page.fill("#duration_minutes", "60")
    page.click("#schedule-lesson")
    expect(page.locator(".flash")).to_contain_text("outside your weekly availability")
    expect(page.locator(".flash")).to_contain_text("18:00 UTC")
    watch.check_page()
    page.click("#availability-link")
    page.wait_for_url(f"{url}/profile/#availability")

    # Attendance for yesterday's lesson; the student's history then shows it.
    course_id, lesson_id = taught["course"]["id"], taught["lesson"]["id"]
    watch.visit(f"{url}/courses/{course_id}/lessons/?past=1")
    page.click(f"a[href='/courses/{course_id}/lessons/{lesson_id}/attendance/']")
    expect(page.locator("#attendance-form")).to_contain_text("Sam Student")
    page.select_option("#mark-1", "present")
    page.click("#save-attendance")
    expect(page.locator(".flash")).to_have_text("Attendance is saved: 1 of 1 marked present.")
    expect(page.locator("#mark-1")).to_have_value("present")
    watch.reopens()
    watch.visit(f"{url}/students/{student.uid}/history/")
    expect(page.locator("main")).to_contain_text("The Italian game")
    expect(page.locator("main")).to_contain_text("Present")

    # The roster with its waitlist, and a reply to the review.
    watch.visit(f"{url}/courses/{course_id}/")
    expect(page.locator("#roster")).to_contain_text("Sam Student")
    expect(page.locator("#waitlist")).to_contain_text("Olive Outsider")
    page.click(".reply-box summary")
    page.fill(".reply-form textarea", "Thank you, Sam: next up, the Sicilian.")
    page.click(".reply-form button[type=submit]")
    expect(page.locator(".flash")).to_have_text("Your reply is posted under the review.")
    expect(page.locator(".feedback-reply")).to_contain_text("next up, the Sicilian")
    watch.reopens()

    # Teachers see the notification settings for reviews of their courses.
    watch.visit(f"{url}/notifications/")
    expect(page.locator("#feedback-in_app")).to_have_count(1)
    # Notification times follow the same rule as the pages (profile zone, labelled; UTC here).
    expect(page.locator("#notification-list time").first).to_contain_text("UTC")
    watch.assert_clean()
