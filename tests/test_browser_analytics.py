"""The analytics dashboard in headless Chromium: Chart.js draws from our own static files under the CSP,
each chart has its table, empty states show, and the CSV buttons download."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import browser, page, snap  # noqa: F401
from tests.factories import make_course
from tests.test_browser_courses import log_in

pytestmark = [pytest.mark.browser, pytest.mark.live]


def watch_console(tab) -> list[str]:
    """Console errors other than failed loads, and every failed load except the browser's favicon probe
    (CSP refusals show up as console errors)."""
    problems: list[str] = []
    tab.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and problems.append(message.text)
        ),
    )
    tab.on(
        "response",
        lambda response: (
            response.status >= 400
            and not response.url.endswith("/favicon.ico")
            and problems.append(f"{response.status} {response.url}")
        ),
    )
    return problems


def seed_teacher_activity(teacher, student, parent_of=None) -> str:
    """Today and yesterday (UTC): views, an enrolment, a download and two marked lessons."""
    from analytics import recorder

    now = dt.datetime.now(dt.UTC)
    course_id = make_course(teacher, title="Algebra")
    recorder.enrollment_started(
        course_id=course_id,
        teacher_uid=teacher.uid,
        student_uid=student.uid,
        course_title="Algebra",
        student_name=student.name,
        promoted=False,
        at=now - dt.timedelta(days=1),
    )
    for hours in (1, 2, 26):
        recorder.course_viewed(
            course_id=course_id,
            teacher_uid=teacher.uid,
            viewer_uid=student.uid,
            viewer_role="student",
            at=now - dt.timedelta(hours=hours),
        )
    recorder.material_downloaded(course_id=course_id, teacher_uid=teacher.uid, uid=student.uid, role="student", at=now)
    for n, status in enumerate(["present", "absent"]):
        starts = now - dt.timedelta(hours=20 - n)
        recorder.attendance_marked(
            lesson_id=f"lesson{n}",
            course_id=course_id,
            teacher_uid=teacher.uid,
            starts_at=starts,
            marks={student.uid: status},
            at=starts,
        )
    return course_id


def test_a_teacher_sees_charts_tables_and_downloads_csv(page, live_server, owner_teacher, student):  # noqa: F811
    seed_teacher_activity(owner_teacher, student)
    problems = watch_console(page)
    log_in(page, live_server, owner_teacher)
    page.click("#nav-analytics")
    page.wait_for_url(f"{live_server}/analytics/")
    expect(page.locator("h1")).to_have_text("Analytics")
    for chart in ("activity", "courses", "attendance"):
        expect(page.locator(f"#chart-{chart}")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#stat-views")).to_have_text("3")
    expect(page.locator("#courses-table tbody tr")).to_have_count(1)
    expect(page.locator("#courses-table tbody tr td").nth(1)).to_have_text("1")  # active students
    expect(page.locator("#progress-table tbody tr td").nth(5)).to_have_text("50 %")
    expect(page.locator("#revenue-empty")).to_be_visible()
    expect(page.locator("#warnings-empty")).to_be_visible()
    snap(page, "analytics-teacher")

    with page.expect_download() as info:
        page.click("#csv-engagement")
    download = info.value
    assert download.suggested_filename.startswith("engagement-") and download.suggested_filename.endswith(".csv")
    lines = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("period,active_users,sign_ins")
    assert len(lines) == 31

    page.select_option("select[name=group]", "week")
    page.click("#analytics-range button[type=submit]")
    expect(page.locator("#activity-table thead th").first).to_have_text("Week")
    expect(page.locator("#chart-activity")).to_have_attribute("data-drawn", "true")
    assert page.js_errors == [] and problems == []


def test_a_student_without_data_sees_empty_states(page, live_server, student):  # noqa: F811
    problems = watch_console(page)
    log_in(page, live_server, student)
    expect(page.locator("#nav-analytics")).to_have_text("Progress")
    page.click("#nav-analytics")
    expect(page.locator("#progress-empty")).to_be_visible()
    expect(page.locator("#warnings-empty")).to_be_visible()
    expect(page.locator("canvas")).to_have_count(0)
    expect(page.locator("#engagement")).to_have_count(0)
    expect(page.locator("#revenue")).to_have_count(0)
    assert page.js_errors == [] and problems == []


def test_a_parent_sees_the_linked_childs_progress(page, live_server, owner_teacher, student, parent):  # noqa: F811
    seed_teacher_activity(owner_teacher, student)
    log_in(page, live_server, parent)
    page.click("#nav-analytics")
    expect(page.locator("#chart-attendance")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#progress-table tbody tr")).to_have_count(1)
    expect(page.locator("#progress-table tbody tr td").nth(1)).to_have_text(student.name)
    assert page.js_errors == []


def test_a_bad_range_is_explained_on_the_page(page, live_server, admin):  # noqa: F811
    log_in(page, live_server, admin)
    page.goto(f"{live_server}/analytics/?from=2026-05-01&to=2026-04-01")
    expect(page.locator(".form-error")).to_contain_text("The start date must not be after the end date.")
    expect(page.locator("#engagement")).to_be_visible()
    assert page.js_errors == []
