"""The parent's journey in headless Chromium against a live daphne: My children, a child's progress,
coming lessons, history and teachers; enrolling the child from a course page; writing to the teacher.
Every page is checked by tests.browser.JourneyWatch (console, requests, wording, reopening)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from courses.catalog import services as catalog_services
from courses.enrolment import services as enrolment_services
from courses.lessons import services as lesson_services
from courses.progress import services as progress_services
from tests.browser import JourneyWatch, browser, log_in, page  # noqa: F401
from tests.factories import Clock
from tests.test_pages_courses import actor_of

pytestmark = [pytest.mark.browser, pytest.mark.live]

COURSE = {"subject": "Maths", "level": "beginner", "language": "en", "status": "published"}


@pytest.fixture
def family(monkeypatch, owner_teacher, student, parent):
    """Sam (the parent's child) follows Algebra: one past lesson marked present, one coming up.
    Geometry is open and Sam is not in it."""
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    clock = Clock(monkeypatch, now - dt.timedelta(days=3))
    teacher = actor_of(owner_teacher)
    algebra = catalog_services.create_course(actor=teacher, data={**COURSE, "title": "Algebra"})
    geometry = catalog_services.create_course(actor=teacher, data={**COURSE, "title": "Geometry"})
    enrolment_services.enroll_student(actor=actor_of(student), course_id=algebra["id"])
    past, _ = lesson_services.create_lesson(
        actor=teacher,
        course_id=algebra["id"],
        title="Linear equations",
        starts_at=now - dt.timedelta(days=2),
        duration_minutes=60,
    )
    lesson_services.create_lesson(
        actor=teacher,
        course_id=algebra["id"],
        title="Quadratics",
        starts_at=now + dt.timedelta(days=2),
        duration_minutes=60,
    )
    clock.travel_to(now)
    progress_services.mark_attendance(
        actor=teacher, lesson_id=past["id"], records=[{"student_uid": student.uid, "status": "present"}]
    )
    return {"algebra": algebra, "geometry": geometry}


def test_a_parent_follows_her_child_enrols_her_and_writes_to_the_teacher(
    page,  # noqa: F811
    live_server,
    family,
    parent,
    student,
    owner_teacher,
):
    url = live_server
    watch = JourneyWatch(page)
    log_in(page, url, parent)
    expect(page.locator("#card-children")).to_be_visible()
    watch.check()

    # My children: Sam with the course she follows.
    page.click("#nav-children")
    expect(page.locator(f"[data-child='{student.uid}']")).to_contain_text("Algebra")
    watch.check()

    # Sam's page: progress, the coming lesson, the past one with attendance, the teacher.
    page.click(f"[data-child='{student.uid}'] .child-link")
    expect(page.locator("#child-name")).to_have_text(student.name)
    expect(page.locator("#child-courses")).to_contain_text("1 of 2 lessons attended")
    expect(page.locator("#child-schedule")).to_contain_text("Quadratics")
    expect(page.locator("#child-history")).to_contain_text("Linear equations")
    expect(page.locator("#child-history")).to_contain_text("Present")
    expect(page.locator("#child-teachers")).to_contain_text(owner_teacher.name)
    watch.check()
    child_url = page.url

    # A course page shows Sam's state; the parent enrols her.
    page.goto(f"{url}/courses/{family['geometry']['id']}/")
    expect(page.locator("#children-states")).to_contain_text("is not enrolled")
    page.click("#enrol-child-1")
    expect(page.locator(".flash")).to_have_text(f"{student.name} is enrolled. The teacher has been told.")
    assert page.url == f"{url}/courses/{family['geometry']['id']}/"
    expect(page.locator("#children-states")).to_contain_text("is enrolled")
    watch.check()

    # The enrol address opened by hand (a reload after the post, a bookmark) goes back to the course.
    page.goto(f"{url}/courses/{family['geometry']['id']}/enrol-child/")
    assert page.url == f"{url}/courses/{family['geometry']['id']}/"

    page.goto(child_url)
    expect(page.locator("#child-courses")).to_contain_text("Geometry")

    # The teacher's page, then a message to her from Sam's page.
    page.click(f"#child-teachers a[href='/people/{owner_teacher.uid}/']")
    expect(page.locator("#person-name")).to_have_text(owner_teacher.name)
    expect(page.locator("#message-person")).to_be_visible()
    watch.check()
    page.goto(child_url)
    page.click("#message-teacher-1")
    page.wait_for_url(re.compile(r".*/chat/dm_[^/]+/$"))
    expect(page.locator("#room-name")).to_have_text(owner_teacher.name)
    page.wait_for_function("() => window.cpLive && window.cpLive.connected")
    page.fill("#composer-text", "Hello, how is Sam doing?")
    page.press("#composer-text", "Enter")
    expect(page.locator(".message.mine").last).to_contain_text("Hello, how is Sam doing?")
    watch.check()
