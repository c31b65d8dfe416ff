"""A parent's "My children" area and enrolling a child from a course page, through Django's test client."""

from __future__ import annotations

import datetime as dt

import pytest

from courses.catalog import services as catalog_services
from courses.enrolment import services as enrolment_services
from courses.lessons import services as lesson_services
from courses.progress import services as progress_services
from tests.factories import Clock
from tests.test_pages_courses import actor_of, signed_in, text

NOW = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)  # a Monday
COURSE = {
    "title": "Algebra for beginners",
    "description": "Equations, step by step.",
    "subject": "Maths",
    "level": "beginner",
    "language": "en",
    "status": "published",
}


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, NOW)


@pytest.fixture
def course(owner_teacher) -> dict:
    return catalog_services.create_course(actor=actor_of(owner_teacher), data=COURSE)


class TestMyChildren:
    def test_only_parents_open_the_area(self, student, owner_teacher, admin):
        for persona in (student, owner_teacher, admin):
            assert signed_in(persona).get("/children/").status_code == 403

    def test_a_parent_without_children_is_told_how_to_link_one(self, make_user):
        lone = make_user("parent", name="Lone Parent")
        page = text(signed_in(lone).get("/children/"))
        assert "No children linked yet." in page
        assert 'href="/profile/#family"' in page

    def test_the_list_shows_each_child_with_their_courses(self, parent, student, course):
        enrolment_services.enroll_student(actor=actor_of(student), course_id=course["id"])
        response = signed_in(parent).get("/children/")
        assert response.status_code == 200
        page = text(response)
        assert "Sam Student" in page
        assert f'href="/children/{student.uid}/"' in page
        assert "Algebra for beginners" in page and "Enrolled" in page

    def test_a_childs_page_shows_progress_schedule_history_and_teachers(
        self, clock, parent, student, owner_teacher, course
    ):
        enrolment_services.enroll_student(actor=actor_of(student), course_id=course["id"])
        teacher = actor_of(owner_teacher)
        past, _ = lesson_services.create_lesson(
            actor=teacher,
            course_id=course["id"],
            title="Linear equations",
            starts_at=NOW + dt.timedelta(hours=2),
            duration_minutes=60,
        )
        lesson_services.create_lesson(
            actor=teacher,
            course_id=course["id"],
            title="Quadratics",
            starts_at=NOW + dt.timedelta(days=3),
            duration_minutes=60,
        )
        clock.travel_to(NOW + dt.timedelta(hours=4))
        progress_services.mark_attendance(
            actor=teacher, lesson_id=past["id"], records=[{"student_uid": student.uid, "status": "present"}]
        )
        response = signed_in(parent).get(f"/children/{student.uid}/")
        assert response.status_code == 200
        page = text(response)
        assert "1 of 2 lessons attended" in page
        assert "Quadratics" in page  # coming up
        assert "Linear equations" in page and "Present" in page  # history with attendance
        assert 'action="/chat/new/"' in page and f'value="{owner_teacher.uid}"' in page
        assert owner_teacher.name in page

    def test_a_parent_cannot_open_a_child_not_linked_to_her(self, parent, other_student):
        response = signed_in(parent).get(f"/children/{other_student.uid}/")
        assert response.status_code == 403
        assert "not linked" in text(response)


class TestEnrolAChild:
    def test_the_course_page_shows_each_childs_state_and_an_enrol_button(self, parent, student, course):
        page = text(signed_in(parent).get(f"/courses/{course['id']}/"))
        assert "Sam Student" in page and "is not enrolled" in page
        assert f'action="/courses/{course["id"]}/enrol-child/"' in page

    def test_a_parent_enrols_her_child_and_the_page_says_so(self, parent, student, course):
        client = signed_in(parent)
        response = client.post(f"/courses/{course['id']}/enrol-child/", {"student_uid": student.uid})
        assert response.status_code == 302 and response["Location"] == f"/courses/{course['id']}/"
        page = text(client.get(response["Location"]))
        assert "Sam Student is enrolled." in page
        assert "is enrolled" in page and "enrol-child-1" not in page
        assert enrolment_services.get_enrollment(actor=actor_of(student), course_id=course["id"])["status"] == "active"

    def test_a_child_not_linked_is_refused_with_a_message_on_the_course_page(self, parent, other_student, course):
        client = signed_in(parent)
        response = client.post(f"/courses/{course['id']}/enrol-child/", {"student_uid": other_student.uid})
        assert response["Location"] == f"/courses/{course['id']}/"
        assert "This student is not linked to you." in text(client.get(response["Location"]))

    def test_a_get_on_the_enrol_address_goes_back_to_the_course(self, parent, course):
        response = signed_in(parent).get(f"/courses/{course['id']}/enrol-child/")
        assert response.status_code == 302 and response["Location"] == f"/courses/{course['id']}/"

    def test_a_paid_course_offers_the_checkout_for_the_child(self, parent, student, owner_teacher):
        paid = catalog_services.create_course(
            actor=actor_of(owner_teacher), data={**COURSE, "price": {"amount": 2500, "currency": "EUR"}}
        )
        page = text(signed_in(parent).get(f"/courses/{paid['id']}/"))
        assert f'data-student-uid="{student.uid}"' in page
        assert "Paying for Sam Student." in page

    def test_students_cannot_use_the_parents_form(self, student, course):
        assert (
            signed_in(student).post(f"/courses/{course['id']}/enrol-child/", {"student_uid": student.uid}).status_code
            == 403
        )
