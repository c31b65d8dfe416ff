"""The admin's journey in headless Chromium against a live daphne: the admin home, users (filter,
disable/enable, change a role, delete after confirming), courses (feedback hidden and shown again,
archive) and a group room (create, rename, remove a member, mute). Every page is checked by
tests.browser.JourneyWatch (console, requests, wording, reopening)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from courses.catalog import services as catalog_services
from courses.enrolment import services as enrolment_services
from courses.feedback import services as feedback_services
from firestore_operations import outbox
from firestore_operations import users as user_store
from tests.browser import JourneyWatch, browser, log_in, page  # noqa: F401
from tests.test_admin_tasks_pages import failed_email
from tests.test_pages_courses import actor_of

pytestmark = [pytest.mark.browser, pytest.mark.live]

COURSE = {"title": "Algebra", "subject": "Maths", "level": "beginner", "language": "en", "status": "published"}


@pytest.fixture
def reviewed(owner_teacher, student) -> dict:
    course = catalog_services.create_course(actor=actor_of(owner_teacher), data=COURSE)
    enrolment_services.enroll_student(actor=actor_of(student), course_id=course["id"])
    feedback_services.post_feedback(actor=actor_of(student), course_id=course["id"], rating=1, comment="Rude words")
    return course


def test_an_admin_manages_users_courses_feedback_and_a_group(
    page,  # noqa: F811
    live_server,
    admin,
    owner_teacher,
    student,
    other_student,
    reviewed,
):
    url = live_server
    watch = JourneyWatch(page)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, url, admin)
    expect(page.locator("#admin-cards")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Browse and join")
    watch.check()

    # Users: filter by name, disable and enable, change a role.
    page.click("#card-admin-users")
    page.fill("#q", "Olive")
    page.click("#filter-users")
    row = page.locator(f"[data-uid='{other_student.uid}']")
    expect(row).to_be_visible()
    filtered_url = page.url
    row.locator("button:has-text('Disable')").click()
    expect(page.locator(".flash")).to_contain_text("is disabled")
    assert page.url == filtered_url
    expect(row).to_contain_text("Disabled")
    watch.check()
    row.locator("button:has-text('Enable')").click()
    expect(page.locator(".flash")).to_contain_text("can sign in again")
    row.locator("select[name=role]").select_option("parent")
    row.locator("button:has-text('Change role')").click()
    expect(page.locator(".flash")).to_contain_text("is now parent")
    assert user_store.get_profile(other_student.uid)["role"] == "parent"
    watch.check()

    # Delete, after the page that says what goes.
    row.locator("a:has-text('Delete')").click()
    expect(page.locator("#delete-user")).to_contain_text("This cannot be undone")
    watch.check()
    page.click("#confirm-delete")
    expect(page.locator(".flash")).to_contain_text("is deleted")
    assert page.url == f"{url}/admin/users/"
    assert user_store.get_profile(other_student.uid) is None
    watch.check()

    # Courses and feedback.
    page.click("#nav-admin")
    page.click("#card-admin-courses")
    page.select_option("#status", "published")
    page.click("#filter-courses")
    course_row = page.locator(f"[data-course='{reviewed['id']}']")
    course_row.locator("a:has-text('Feedback')").click()
    expect(page.locator("#admin-feedback")).to_contain_text("Rude words")
    page.click(f"[data-student='{student.uid}'] button:has-text('Hide')")
    expect(page.locator(".flash")).to_contain_text("is hidden")
    expect(page.locator(f"[data-student='{student.uid}']")).to_contain_text("Hidden")
    watch.check()
    page.click(f"[data-student='{student.uid}'] button:has-text('Show again')")
    expect(page.locator(".flash")).to_contain_text("visible again")
    page.goto(f"{url}/admin/courses/?status=published")
    page.locator(f"[data-course='{reviewed['id']}'] button:has-text('Archive')").click()
    expect(page.locator(".flash")).to_contain_text("is archived")
    expect(page.locator(f"[data-course='{reviewed['id']}']")).to_have_count(0)
    watch.check()

    # A group: create it with two people picked by name, rename it, remove one, mute it.
    page.goto(f"{url}/chat/")
    page.wait_for_function("() => window.cpLive && window.cpLive.connected")
    page.click("#new-chat-toggle")
    page.click("#new-group summary")
    page.fill("#group-name", "Staff and Sam")
    page.click("#group-create")
    expect(page.locator("#group-members-error")).to_contain_text("Add at least one member")
    for name in ("Ada", "Sam"):
        page.fill("#group-q", name)
        page.locator("#group-results button:has-text('Add')").first.click()
    expect(page.locator("#group-picked li")).to_have_count(2)
    page.click("#group-create")
    page.wait_for_url(re.compile(r".*/chat/[^/]+/$"))
    expect(page.locator("#room-name")).to_have_text("Staff and Sam")
    page.click("#room-settings-toggle")
    expect(page.locator("#room-members li")).to_have_count(3)
    page.fill("#rename-name", "Algebra staff")
    page.click("#rename-save")
    expect(page.locator("#room-name")).to_have_text("Algebra staff")
    page.locator(f"#room-members li[data-uid='{student.uid}'] button:has-text('Remove')").click()
    expect(page.locator("#room-members li")).to_have_count(2)
    page.click("#room-mute")
    expect(page.locator("#room-mute")).to_have_text("Unmute notifications")
    expect(page.locator(".room-item").first).to_contain_text("Algebra staff")
    watch.check()


def test_an_admin_sends_failed_work_again(page, live_server, admin):  # noqa: F811
    entry_id = failed_email("Your lesson moved", to="sam@example.com")
    watch = JourneyWatch(page)
    log_in(page, live_server, admin)
    page.click("#card-admin-tasks")
    row = page.locator(f"[data-task='{entry_id}']")
    expect(row).to_contain_text("Email: “Your lesson moved” to sam@example.com")
    row.locator("summary:has-text('Why it failed')").click()
    expect(row.locator(".task-error")).to_have_text("ConnectionRefusedError: the mail server is down")
    watch.check()
    row.locator("button:has-text('Send again')").click()
    expect(page.locator(".flash")).to_contain_text("Sent again.")
    expect(row).to_have_count(0)
    expect(page.locator("#no-failed-tasks")).to_contain_text("Nothing has failed.")
    watch.check()
    # The worker sent it: the entry is done.
    deadline = time.monotonic() + 20
    while outbox.get_entry(entry_id)["status"] != "done" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert outbox.get_entry(entry_id)["status"] == "done"
