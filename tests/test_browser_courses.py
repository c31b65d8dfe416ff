"""Whole journeys through the courses pages in headless Chromium, against a live daphne server:
a teacher publishes a course, schedules a lesson and uploads a material; a student finds it, enrols,
sees the lesson in her week and downloads the material (on a phone)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser import browser, log_in, overflow, page, phone_page, snap  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.live]

# Big enough that the upload reports progress more than once; plain UTF-8 text is an accepted type.
NOTES = ("Quadratic equations: worked examples.\n" * 40_000).encode()


def test_a_teacher_publishes_and_a_student_enrols_and_downloads(
    page,  # noqa: F811
    phone_page,  # noqa: F811
    live_server,
    owner_teacher,
    student,
):
    url = live_server
    lesson_day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)

    # --- the teacher: a course, a lesson, a material ---------------------------------------------
    log_in(page, url, owner_teacher)
    page.goto(f"{url}/courses/new/")
    page.fill("#title", "Quantum knitting for beginners")
    page.fill("#description", "Purl, knit and superpose.\nNo experience needed.")
    page.fill("#subject", "Crafts")
    page.select_option("#level", "beginner")
    page.fill("#tags", "wool, physics")
    page.fill("#capacity", "20")
    snap(page, "b4-course-new")
    page.click("#publish-course")
    expect(page.locator(".flash")).to_have_text("Your course is published.")
    expect(page.locator("#course-title")).to_have_text("Quantum knitting for beginners")
    course_url = page.url

    page.click("#manage-lessons")
    page.fill("#title", "Casting on")
    page.fill("#starts_at", f"{lesson_day.isoformat()}T10:00")
    page.fill("#duration_minutes", "90")
    page.fill("#location", "Studio 3")
    page.click("#schedule-lesson")
    expect(page.locator(".flash")).to_contain_text("“Casting on” is scheduled")
    expect(page.locator("#lesson-list")).to_contain_text("Casting on")
    snap(page, "b4-lessons")

    page.goto(course_url)
    page.fill("#material-title", "Week 1 notes")
    page.set_input_files("#material-file", {"name": "week1.txt", "mimeType": "text/plain", "buffer": NOTES})
    page.click("#upload-button")
    expect(page.locator("#upload-status")).to_have_text("Uploaded “Week 1 notes”.")
    assert page.eval_on_selector("#upload-progress", "node => node.value") == 100
    expect(page.locator("#upload-progress")).to_be_visible()
    expect(page.locator("#materials-list .material-link")).to_have_text(["Week 1 notes"])
    snap(page, "b4-course-teacher")
    assert page.js_errors == []

    # --- the student, on a phone: search, enrol, schedule, download --------------------------------
    log_in(phone_page, url, student)
    phone_page.goto(f"{url}/courses/")
    phone_page.fill("#q", "quant knit")
    phone_page.press("#q", "Enter")
    phone_page.wait_for_url("**/courses/?q=quant+knit*")
    snap(phone_page, "b4-catalog-phone")
    phone_page.click("#results a:has-text('Quantum knitting for beginners')")
    phone_page.click("#enrol-button")
    expect(phone_page.locator(".flash")).to_have_text("You are enrolled. Welcome to the course!")
    expect(phone_page.locator("#enrolment-state")).to_have_text("You are enrolled.")
    expect(phone_page.locator("#lessons")).to_contain_text("Casting on")
    snap(phone_page, "b4-course-phone")

    link = phone_page.locator("#materials-list a.material-link", has_text="Week 1 notes")
    with phone_page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == "week1.txt"
    fetched = phone_page.request.get(f"{url}{link.get_attribute('href')}")
    assert fetched.status == 200 and fetched.body() == NOTES

    phone_page.goto(f"{url}/schedule/?week={lesson_day.isoformat()}")
    slot = phone_page.locator(".slot", has_text="Casting on")
    expect(slot).to_contain_text("10:00\u201311:30")
    expect(slot).to_contain_text("Quantum knitting for beginners")
    expect(phone_page.locator("#ics-link")).to_have_attribute("href", "/api/v1/me/schedule.ics")
    # On a phone the days stack: Monday sits above Tuesday, and nothing sticks out sideways.
    # Both boxes are read in one step: read one by one, a layout change in between (the scroll bar
    # appearing once the zone-aware times render) moved the second by a pixel and a half on CI.
    monday, tuesday = phone_page.evaluate(
        "[1, 2].map(n => document.getElementById(`day-${n}`).closest('.day').getBoundingClientRect().toJSON())"
    )
    assert tuesday["y"] > monday["y"] and tuesday["x"] == monday["x"], (monday, tuesday)
    measured = overflow(phone_page)
    assert measured["scroll"] <= measured["inner"], measured
    snap(phone_page, "b4-schedule-phone")
    phone_page.click("#next-week")
    expect(phone_page.locator(".slot")).to_have_count(0)
    assert phone_page.js_errors == []

    # The teacher's own week on a desktop shows seven columns side by side.
    page.goto(f"{url}/schedule/?week={lesson_day.isoformat()}")
    expect(page.locator(".slot", has_text="Casting on")).to_be_visible()
    boxes = [page.locator(f"#day-{n}").bounding_box() for n in range(1, 8)]
    assert len({round(box["y"]) for box in boxes}) == 1
    snap(page, "b4-schedule-desktop")
