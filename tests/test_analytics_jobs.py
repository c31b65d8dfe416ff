"""Scheduled analytics: early warnings to teacher and linked parents (at most once a week per student and
course, with the reason), and a parent's weekly progress email per child through the notification settings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from firestore_operations import notifications as notification_store
from tests.conftest import call
from tests.factories import make_course

UTC = dt.UTC
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
NOW = dt.datetime(2026, 6, 15, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def locmem_email(settings):
    settings.EMAIL_BACKEND = LOCMEM
    settings.PUSH_BACKEND = "memory"


def stored(persona, kind: str) -> list[dict]:
    items = notification_store.list_notifications(persona.uid, unread_only=False, limit=100, cursor=None).items
    return [item for item in items if item["kind"] == kind]


def emails_to(persona) -> list:
    return [message for message in mail.outbox if persona.email in message.to]


@pytest.fixture
def course(owner_teacher):
    return make_course(owner_teacher, title="Algebra")


def enrol(course_id, teacher, student, when):
    from analytics import recorder

    recorder.enrollment_started(
        course_id=course_id,
        teacher_uid=teacher.uid,
        student_uid=student.uid,
        course_title="Algebra",
        student_name=student.name,
        promoted=False,
        at=when,
    )


def mark(course_id, teacher, lesson_id, starts_at, marks):
    from analytics import recorder

    recorder.attendance_marked(
        lesson_id=lesson_id,
        course_id=course_id,
        teacher_uid=teacher.uid,
        starts_at=starts_at,
        marks=marks,
        at=starts_at,
    )


@pytest.fixture
def absent_twice(course, owner_teacher, student, other_student, parent):
    """`student` (linked to `parent`) missed the last two lessons; `other_student` attended them."""
    enrol(course, owner_teacher, student, NOW - dt.timedelta(days=10))
    enrol(course, owner_teacher, other_student, NOW - dt.timedelta(days=10))
    for n, days in enumerate((6, 3)):
        mark(
            course,
            owner_teacher,
            f"lesson{n}",
            NOW - dt.timedelta(days=days),
            {student.uid: "absent", other_student.uid: "present"},
        )
    return course


class TestEarlyWarnings:
    def test_teacher_and_linked_parents_are_told_once_a_week_with_the_reason(
        self, absent_twice, owner_teacher, student, other_student, parent
    ):
        from analytics.jobs import send_early_warnings

        assert send_early_warnings(now=NOW)["flagged"] == 1
        for person in (owner_teacher, parent):
            [note] = stored(person, "progress.warning")
            assert note["title"] == f"{student.name} may need help in Algebra"
            assert note["body"] == f"{student.name} missed the last 2 lessons in a row (09 Jun, 12 Jun)."
            assert note["data"]["student_uid"] == student.uid
            [email] = emails_to(person)
            assert "missed the last 2 lessons in a row" in email.body
        assert stored(student, "progress.warning") == []  # the student is not told
        assert stored(other_student, "progress.warning") == []

        again = send_early_warnings(now=NOW + dt.timedelta(days=6))
        assert (again["flagged"], again["skipped_recent"]) == (0, 1)
        assert len(stored(owner_teacher, "progress.warning")) == 1
        later = send_early_warnings(now=NOW + dt.timedelta(days=7))
        assert later["flagged"] == 1
        assert len(stored(owner_teacher, "progress.warning")) == 2

    def test_two_students_of_one_course_each_reach_the_teachers_inbox(
        self, course, owner_teacher, student, other_student
    ):
        from analytics.jobs import send_early_warnings

        enrol(course, owner_teacher, student, NOW - dt.timedelta(days=30))
        enrol(course, owner_teacher, other_student, NOW - dt.timedelta(days=15))
        assert send_early_warnings(now=NOW)["flagged"] == 2
        bodies = sorted(email.body.split("\n")[0] for email in emails_to(owner_teacher))
        assert bodies == sorted(
            [
                f"{student.name} no activity for 30 days (since 16 May 2026).",
                f"{other_student.name} no activity for 15 days (since 31 May 2026).",
            ]
        )

    def test_the_thresholds_are_settings(self, settings, absent_twice, owner_teacher):
        from analytics.jobs import send_early_warnings

        settings.ANALYTICS_WARN_MISSED_IN_A_ROW = 3
        assert send_early_warnings(now=NOW)["flagged"] == 0
        settings.ANALYTICS_WARN_INACTIVE_DAYS = 5
        assert send_early_warnings(now=NOW)["flagged"] == 1  # enrolled 10 days ago, nothing since

    def test_the_warnings_api_shows_when_the_student_was_last_flagged(
        self, api, absent_twice, owner_teacher, student, monkeypatch
    ):
        from analytics.jobs import send_early_warnings
        from tests.factories import Clock

        Clock(monkeypatch, NOW)
        send_early_warnings(now=NOW)
        body = call(api, "get", "/api/v1/analytics/warnings", owner_teacher).json()
        assert [item["student_uid"] for item in body["items"]] == [student.uid]
        assert body["items"][0]["notified_at"] == "2026-06-15T09:00:00Z"


class TestParentSummaries:
    def test_one_email_per_child_per_week(self, api, absent_twice, owner_teacher, student, parent):
        from analytics import recorder
        from analytics.jobs import send_parent_summaries

        recorder.material_downloaded(
            course_id=absent_twice,
            teacher_uid=owner_teacher.uid,
            uid=student.uid,
            role="student",
            at=NOW - dt.timedelta(days=2),
        )
        result = send_parent_summaries(now=NOW)
        assert (result["sent"], result["children"]) == (1, 1)
        [note] = stored(parent, "progress.summary")
        assert note["title"] == f"Weekly progress: {student.name}"
        assert note["body"] == "\n".join(
            [
                f"{student.name}'s week (to 15 Jun 2026):",
                "- Algebra: attended 0 of 2 lessons, 1 material opened, last active 13 Jun.",
                "",
                "Needs attention:",
                "- Algebra: missed the last 2 lessons in a row (09 Jun, 12 Jun).",
            ]
        )
        [email] = emails_to(parent)
        assert email.subject.endswith(f"Weekly progress: {student.name}")
        assert "progress reports" in email.body  # the footer names the settings group

        again = send_parent_summaries(now=NOW + dt.timedelta(days=6))  # Sunday: same ISO week
        assert (again["sent"], again["already"]) == (0, 1)
        next_week = send_parent_summaries(now=NOW + dt.timedelta(days=7))
        assert next_week["sent"] == 1

    def test_the_parents_notification_settings_decide_the_email(self, api, absent_twice, parent):
        from analytics.jobs import send_parent_summaries

        body = {"groups": {"progress": {"email": False}}}
        assert call(api, "put", "/api/v1/notifications/settings", parent, data=body).status_code == 200
        send_parent_summaries(now=NOW)
        assert len(stored(parent, "progress.summary")) == 1
        assert emails_to(parent) == []


def test_the_management_command_runs_both_jobs(absent_twice, owner_teacher, parent, capsys, monkeypatch):
    from tests.factories import Clock

    Clock(monkeypatch, NOW)
    call_command("run_analytics_jobs")
    out = capsys.readouterr().out
    assert "warnings: 1 flagged of 2 active enrolments" in out
    assert "summaries: 1 sent" in out
