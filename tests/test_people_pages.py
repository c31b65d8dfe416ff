"""Person pages (from the people search, rosters, a child's teachers) and renaming a group room."""

from __future__ import annotations

import datetime as dt

import pytest

from courses.catalog import services as catalog_services
from courses.enrolment import services as enrolment_services
from courses.lessons import services as lesson_services
from courses.progress import services as progress_services
from messaging import services as chat
from tests.conftest import assert_error, call
from tests.factories import Clock
from tests.test_pages_courses import actor_of, signed_in, text

NOW = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)
COURSE = {"title": "Algebra", "subject": "Maths", "level": "beginner", "language": "en", "status": "published"}


@pytest.fixture
def taught(owner_teacher, student, monkeypatch) -> dict:
    """`student` attended one lesson of `owner_teacher`'s course."""
    clock = Clock(monkeypatch, NOW)
    course = catalog_services.create_course(actor=actor_of(owner_teacher), data=COURSE)
    enrolment_services.enroll_student(actor=actor_of(student), course_id=course["id"])
    lesson, _ = lesson_services.create_lesson(
        actor=actor_of(owner_teacher),
        course_id=course["id"],
        title="Linear equations",
        starts_at=NOW + dt.timedelta(hours=1),
        duration_minutes=60,
    )
    clock.travel_to(NOW + dt.timedelta(hours=3))
    progress_services.mark_attendance(
        actor=actor_of(owner_teacher),
        lesson_id=lesson["id"],
        records=[{"student_uid": student.uid, "status": "present"}],
    )
    return course


class TestPersonPage:
    def test_search_results_open_person_pages(self, owner_teacher, other_teacher):
        page = text(signed_in(owner_teacher).get("/users/?q=Grace"))
        assert f'href="/people/{other_teacher.uid}/"' in page

    def test_a_teacher_sees_her_students_courses_and_attendance_and_may_message(self, taught, owner_teacher, student):
        response = signed_in(owner_teacher).get(f"/people/{student.uid}/")
        assert response.status_code == 200
        page = text(response)
        assert "Sam Student" in page and "Courses with you" in page and "Algebra" in page
        assert "Linear equations" in page and "Present" in page
        assert 'id="message-person"' in page

    def test_another_teacher_sees_no_history_of_a_student_she_never_taught(self, taught, other_teacher, student):
        response = signed_in(other_teacher).get(f"/people/{student.uid}/")
        assert response.status_code == 403

    def test_a_teacher_profile_offers_message_only_to_who_may_write(self, owner_teacher, other_teacher, other_student):
        page = text(signed_in(other_teacher).get(f"/people/{owner_teacher.uid}/"))
        assert 'id="message-person"' in page and f'href="/teachers/{owner_teacher.uid}/"' in page
        assert 'id="message-person"' not in text(signed_in(other_student).get(f"/people/{owner_teacher.uid}/"))

    def test_a_parent_sees_her_childs_page_with_history(self, taught, parent, student):
        page = text(signed_in(parent).get(f"/people/{student.uid}/"))
        assert "Linear equations" in page and f'href="/children/{student.uid}/"' in page

    def test_my_own_person_page_is_my_profile(self, student):
        response = signed_in(student).get(f"/people/{student.uid}/")
        assert response.status_code == 302 and response["Location"] == "/profile/"

    def test_unknown_people_are_a_404_page(self, student):
        assert signed_in(student).get("/people/nobody/").status_code == 404


class TestRenameGroup:
    @pytest.fixture
    def group(self, owner_teacher, other_teacher) -> str:
        room = chat.create_group_room(actor=actor_of(owner_teacher), name="Staff", member_uids=[other_teacher.uid])
        return room["id"]

    def test_the_creator_renames_the_group(self, api, owner_teacher, group):
        response = call(api, "patch", f"/api/v1/chat/rooms/{group}", owner_teacher, data={"name": "  Staff room "})
        assert response.status_code == 200 and response.json()["name"] == "Staff room"
        assert chat.get_room(actor=actor_of(owner_teacher), room_id=group)["name"] == "Staff room"

    def test_admins_rename_any_group(self, api, admin, group):
        assert call(api, "patch", f"/api/v1/chat/rooms/{group}", admin, data={"name": "Teachers"}).status_code == 200

    def test_other_members_may_not_rename(self, api, other_teacher, group):
        assert_error(call(api, "patch", f"/api/v1/chat/rooms/{group}", other_teacher, data={"name": "Mine"}), 403)

    def test_a_blank_or_long_name_is_refused_in_words(self, api, owner_teacher, group):
        body = assert_error(call(api, "patch", f"/api/v1/chat/rooms/{group}", owner_teacher, data={"name": "  "}), 400)
        assert body["fields"]["name"] == ["Give the group a name."]
        assert_error(call(api, "patch", f"/api/v1/chat/rooms/{group}", owner_teacher, data={"name": "x" * 101}), 400)
        assert_error(call(api, "patch", f"/api/v1/chat/rooms/{group}", owner_teacher, data={"title": "x"}), 400)

    def test_direct_rooms_cannot_be_renamed(self, api, owner_teacher, other_teacher):
        room, _ = chat.open_direct_room(actor=actor_of(owner_teacher), other_uid=other_teacher.uid)
        assert_error(call(api, "patch", f"/api/v1/chat/rooms/{room['id']}", owner_teacher, data={"name": "Us"}), 409)

    def test_unknown_rooms_are_404(self, api, admin):
        assert_error(call(api, "patch", "/api/v1/chat/rooms/nope", admin, data={"name": "Us"}), 404)
