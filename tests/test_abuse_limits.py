"""Loops that would turn the platform into a mail cannon: each email kind per course goes once in a
window, and enrolment changes are rate-limited."""

from __future__ import annotations

from tests.conftest import assert_error, call
from tests.test_courses_api import create_course, enrol
from tests.test_enrollments_api import withdraw


def test_an_enrol_withdraw_loop_sends_the_teacher_one_email_of_each_kind(api, owner_teacher, student, mailoutbox):
    course = create_course(api, owner_teacher)
    for _ in range(4):
        assert enrol(api, student, course["id"]).status_code == 201
        assert withdraw(api, student, course["id"]).status_code == 200
    to_teacher = [message.subject for message in mailoutbox if owner_teacher.email in message.to]
    assert len(to_teacher) == 2, to_teacher  # one "new student", one "a student left"
    inbox = call(api, "get", "/api/v1/notifications?limit=50", owner_teacher).json()["items"]
    assert len(inbox) == 8  # every change is still in the app


def test_enrolment_changes_are_rate_limited(api, owner_teacher, student, settings):
    settings.ENROLMENT_CHANGE_LIMIT = 3
    course = create_course(api, owner_teacher)
    enrol(api, student, course["id"])
    withdraw(api, student, course["id"])
    enrol(api, student, course["id"])
    response = withdraw(api, student, course["id"])
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0
