"""A student's lesson history and course progress, through the HTTP API, for each kind of viewer."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import assert_error, call
from tests.factories import Clock, add_lesson, enroll, make_course, set_enrollment_status

NOW = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
T0 = dt.datetime(2030, 1, 8, 10, 0, tzinfo=dt.UTC)
LATER = T0 + 10 * DAY  # when the tests look back


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, NOW)


@pytest.fixture
def history(api, clock, owner_teacher, other_teacher, student):
    """Sam in Ada's Algebra (3 past lessons, one cancelled, one future) and Grace's finished Art (1 past)."""
    algebra = make_course(owner_teacher, title="Algebra")
    art = make_course(other_teacher, title="Art")
    enroll(algebra, student, owner_teacher.uid)
    enroll(art, student, other_teacher.uid)
    lessons = {
        "alg1": add_lesson(api, owner_teacher, algebra, T0, title="Alg 1"),
        "alg2": add_lesson(api, owner_teacher, algebra, T0 + DAY, title="Alg 2"),
        "alg_cancelled": add_lesson(api, owner_teacher, algebra, T0 + 2 * DAY, title="Alg X"),
        "alg3": add_lesson(api, owner_teacher, algebra, T0 + 3 * DAY, title="Alg 3"),
        "alg_future": add_lesson(api, owner_teacher, algebra, LATER + DAY, title="Alg 9"),
        "art1": add_lesson(api, other_teacher, art, T0 + 4 * DAY, title="Art 1"),
    }
    call(api, "delete", f"/api/v1/courses/{algebra}/lessons/{lessons['alg_cancelled']['id']}", owner_teacher)
    clock.travel_to(LATER)
    attendance = [
        (owner_teacher, "alg1", "present"),
        (owner_teacher, "alg2", "absent"),
        (other_teacher, "art1", "present"),
    ]
    for teacher, key, status in attendance:
        body = {"records": [{"student_uid": student.uid, "status": status}]}
        response = call(api, "post", f"/api/v1/lessons/{lessons[key]['id']}/attendance", teacher, data=body)
        assert response.status_code == 200, response.content
    set_enrollment_status(art, student, "completed")  # a finished course stays in the history
    return {"algebra": algebra, "art": art, **{key: lesson["id"] for key, lesson in lessons.items()}}


def rows(response) -> list[tuple[str, str | None]]:
    assert response.status_code == 200, response.content
    return [(item["title"], item["attendance"]) for item in response.json()["items"]]


EVERYTHING = [("Art 1", "present"), ("Alg 3", None), ("Alg 2", "absent"), ("Alg 1", "present")]


class TestMyLessonHistory:
    def test_a_student_sees_past_lessons_newest_first_with_attendance(self, api, student, history):
        response = call(api, "get", "/api/v1/me/lesson-history", student)
        assert rows(response) == EVERYTHING
        first = response.json()["items"][0]
        assert first["lesson_id"] == history["art1"] and first["course_title"] == "Art" and first["marked_at"]
        assert response.json()["student_uid"] == student.uid
        # Her enrolments, one lesson query, and one batched lookup of her records.
        assert response["X-Firestore-Queries"] == "2"

    def test_it_pages_newest_first(self, api, student, history):
        first = call(api, "get", "/api/v1/me/lesson-history?limit=3", student).json()
        second = call(api, "get", f"/api/v1/me/lesson-history?limit=3&cursor={first['next_cursor']}", student).json()
        titles = [item["title"] for item in first["items"] + second["items"]]
        assert titles == [title for title, _ in EVERYTHING] and second["next_cursor"] is None

    def test_a_student_without_courses_has_an_empty_history(self, api, clock, other_student):
        assert rows(call(api, "get", "/api/v1/me/lesson-history", other_student)) == []

    def test_it_is_for_students(self, api, clock, owner_teacher):
        assert_error(call(api, "get", "/api/v1/me/lesson-history", owner_teacher), 403, "wrong_role")

    def test_a_bad_cursor_is_a_400(self, api, student, history):
        assert_error(call(api, "get", "/api/v1/me/lesson-history?cursor=bm9wZQ", student), 400)


class TestStudentLessonHistory:
    def path(self, student) -> str:
        return f"/api/v1/students/{student.uid}/lesson-history"

    def test_a_linked_parent_and_an_admin_see_everything(self, api, parent, admin, student, history):
        assert rows(call(api, "get", self.path(student), parent)) == EVERYTHING
        assert rows(call(api, "get", self.path(student), admin)) == EVERYTHING

    def test_a_teacher_sees_only_her_own_courses(self, api, owner_teacher, other_teacher, student, history):
        assert rows(call(api, "get", self.path(student), owner_teacher)) == EVERYTHING[1:]
        assert rows(call(api, "get", self.path(student), other_teacher)) == EVERYTHING[:1]

    def test_strangers_are_refused(self, api, make_user, other_student, student, history):
        assert_error(call(api, "get", self.path(student), make_user("teacher")), 403)
        assert_error(call(api, "get", self.path(student), make_user("parent")), 403)
        assert_error(call(api, "get", self.path(student), other_student), 403)
        assert_error(call(api, "get", self.path(student), None), 401)

    def test_an_unknown_student_is_404(self, api, clock, admin, owner_teacher):
        assert_error(call(api, "get", "/api/v1/students/nobody/lesson-history", admin), 404)
        assert_error(call(api, "get", f"/api/v1/students/{owner_teacher.uid}/lesson-history", admin), 404)


class TestCourseProgress:
    def path(self, course_id: str, student=None) -> str:
        return f"/api/v1/courses/{course_id}/progress" + (f"?student_uid={student.uid}" if student else "")

    def test_a_student_sees_her_progress(self, api, student, history):
        response = call(api, "get", self.path(history["algebra"]), student)
        assert response.status_code == 200, response.content
        # 4 lessons not cancelled, 3 of them over, present at 1.
        assert response.json() == {
            "course_id": history["algebra"],
            "student_uid": student.uid,
            "enrollment_status": "active",
            "lessons_total": 4,
            "lessons_completed": 3,
            "lessons_attended": 1,
            "percent": 25,
            "attendance_percent": 33,
        }

    def test_the_parent_the_owner_and_an_admin_name_the_student(
        self, api, parent, owner_teacher, admin, student, history
    ):
        for viewer in (parent, owner_teacher, admin):
            response = call(api, "get", self.path(history["algebra"], student), viewer)
            assert response.status_code == 200, response.content
            assert response.json()["lessons_attended"] == 1

    def test_a_lesson_in_progress_is_not_completed(self, api, clock, student, history):
        clock.travel_to(LATER + DAY + dt.timedelta(minutes=30))
        assert call(api, "get", self.path(history["algebra"]), student).json()["lessons_completed"] == 3
        clock.travel_to(LATER + DAY + dt.timedelta(minutes=60))
        assert call(api, "get", self.path(history["algebra"]), student).json()["lessons_completed"] == 4

    def test_others_are_refused(self, api, other_teacher, other_student, make_user, student, history):
        course = history["algebra"]
        assert_error(call(api, "get", self.path(course, student), other_teacher), 403)
        assert_error(call(api, "get", self.path(course, student), other_student), 403)
        assert_error(call(api, "get", self.path(course, student), make_user("parent")), 403)

    def test_the_student_must_be_named_and_enrolled(self, api, owner_teacher, other_student, history):
        assert (
            "student_uid" in assert_error(call(api, "get", self.path(history["algebra"]), owner_teacher), 400)["fields"]
        )
        assert_error(call(api, "get", self.path(history["algebra"], other_student), owner_teacher), 404)
        assert_error(call(api, "get", self.path(history["algebra"]), other_student), 404)

    def test_an_unknown_course_is_404(self, api, clock, student):
        assert_error(call(api, "get", "/api/v1/courses/nope/progress", student), 404)
