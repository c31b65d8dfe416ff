"""Taking attendance through the HTTP API, and the present count it keeps on each enrolment."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import assert_error, call
from tests.factories import Clock, add_lesson, enroll, get_doc, make_course

NOW = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)
START = dt.datetime(2030, 1, 8, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, NOW)


@pytest.fixture
def course(owner_teacher, student, other_student):
    course_id = make_course(owner_teacher, title="Algebra")
    enroll(course_id, student, owner_teacher.uid)
    enroll(course_id, other_student, owner_teacher.uid)
    return course_id


@pytest.fixture
def lesson(api, clock, owner_teacher, course):
    return add_lesson(api, owner_teacher, course, START, title="Fractions")


def mark(api, persona, lesson_id: str, *records: tuple[str, str]):
    body = {"records": [{"student_uid": uid, "status": status} for uid, status in records]}
    return call(api, "post", f"/api/v1/lessons/{lesson_id}/attendance", persona, data=body)


def attended(course_id: str, student) -> int:
    return get_doc("enrollments", f"{course_id}_{student.uid}")["lessons_attended"]


class TestMarkAttendance:
    def test_the_teacher_marks_students_once_the_lesson_has_started(
        self, api, clock, owner_teacher, student, other_student, course, lesson
    ):
        clock.travel_to(START + dt.timedelta(minutes=5))
        response = mark(api, owner_teacher, lesson["id"], (student.uid, "present"), (other_student.uid, "excused"))
        assert response.status_code == 200, response.content
        items = {item["student_uid"]: item for item in response.json()["items"]}
        assert items[student.uid]["status"] == "present" and items[other_student.uid]["status"] == "excused"
        record = get_doc("attendance", f"{lesson['id']}_{student.uid}")
        assert record["lesson_title"] == "Fractions" and record["course_title"] == "Algebra"
        assert record["course_id"] == course and record["teacher_uid"] == owner_teacher.uid
        assert record["starts_at"] == START and record["marked_at"]
        assert attended(course, student) == 1 and attended(course, other_student) == 0

    def test_re_marking_updates_the_record_and_the_present_count(
        self, api, clock, owner_teacher, student, course, lesson
    ):
        clock.travel_to(START + dt.timedelta(hours=2))
        mark(api, owner_teacher, lesson["id"], (student.uid, "present"))
        mark(api, owner_teacher, lesson["id"], (student.uid, "present"))
        assert attended(course, student) == 1
        response = mark(api, owner_teacher, lesson["id"], (student.uid, "absent"))
        assert response.json()["items"][0]["status"] == "absent"
        assert get_doc("attendance", f"{lesson['id']}_{student.uid}")["status"] == "absent"
        assert attended(course, student) == 0
        mark(api, owner_teacher, lesson["id"], (student.uid, "present"))
        assert attended(course, student) == 1

    def test_presence_counts_across_lessons(self, api, clock, owner_teacher, student, course, lesson):
        second = add_lesson(api, owner_teacher, course, START + dt.timedelta(days=1))
        clock.travel_to(START + dt.timedelta(days=2))
        mark(api, owner_teacher, lesson["id"], (student.uid, "present"))
        mark(api, owner_teacher, second["id"], (student.uid, "present"))
        assert attended(course, student) == 2

    def test_an_admin_may_mark(self, api, clock, admin, student, course, lesson):
        clock.travel_to(START)
        assert mark(api, admin, lesson["id"], (student.uid, "present")).status_code == 200

    def test_before_the_start_it_is_a_409(self, api, clock, owner_teacher, student, course, lesson):
        clock.travel_to(START - dt.timedelta(minutes=1))
        assert_error(mark(api, owner_teacher, lesson["id"], (student.uid, "present")), 409, "lesson_not_started")
        assert get_doc("attendance", f"{lesson['id']}_{student.uid}") is None

    def test_a_cancelled_lesson_takes_no_attendance(self, api, clock, owner_teacher, student, course, lesson):
        call(api, "post", f"/api/v1/courses/{course}/lessons/{lesson['id']}/cancel", owner_teacher)
        clock.travel_to(START + dt.timedelta(hours=1))
        assert_error(mark(api, owner_teacher, lesson["id"], (student.uid, "present")), 409, "lesson_cancelled")

    def test_students_not_actively_enrolled_are_a_400_naming_them(
        self, api, clock, owner_teacher, student, make_user, course, lesson
    ):
        stranger = make_user("student")
        waiting = make_user("student")
        enroll(course, waiting, owner_teacher.uid, status="waitlisted")
        clock.travel_to(START + dt.timedelta(minutes=5))
        response = mark(
            api,
            owner_teacher,
            lesson["id"],
            (student.uid, "present"),
            (stranger.uid, "absent"),
            (waiting.uid, "absent"),
        )
        error = assert_error(response, 400, "not_enrolled")
        assert error["student_uids"] == [stranger.uid, waiting.uid]
        assert stranger.uid in error["message"] and waiting.uid in error["message"]
        assert get_doc("attendance", f"{lesson['id']}_{student.uid}") is None  # all or nothing
        assert attended(course, student) == 0

    def test_other_teachers_and_students_are_refused(self, api, clock, other_teacher, student, lesson):
        clock.travel_to(START + dt.timedelta(minutes=5))
        assert_error(mark(api, other_teacher, lesson["id"], (student.uid, "present")), 403)
        assert_error(mark(api, student, lesson["id"], (student.uid, "present")), 403, "wrong_role")

    def test_an_unknown_lesson_is_404(self, api, clock, owner_teacher, student):
        assert_error(mark(api, owner_teacher, "no-such-lesson", (student.uid, "present")), 404)

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"records": []},
            {"records": [{"student_uid": "x", "status": "late"}]},
            {"records": [{"status": "present"}]},
            {"records": [{"student_uid": "x", "status": "present"}, {"student_uid": "x", "status": "absent"}]},
            {"records": "present"},
        ],
    )
    def test_bad_input_is_a_400(self, api, clock, owner_teacher, lesson, body):
        response = call(api, "post", f"/api/v1/lessons/{lesson['id']}/attendance", owner_teacher, data=body)
        assert "records" in assert_error(response, 400)["fields"]


class TestReadAttendance:
    def test_the_teacher_reads_the_lessons_records_in_one_query(
        self, api, clock, owner_teacher, student, other_student, lesson
    ):
        clock.travel_to(START + dt.timedelta(minutes=5))
        mark(api, owner_teacher, lesson["id"], (student.uid, "present"), (other_student.uid, "absent"))
        response = call(api, "get", f"/api/v1/lessons/{lesson['id']}/attendance", owner_teacher)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["lesson_id"] == lesson["id"]
        assert sorted((item["student_uid"], item["status"]) for item in body["items"]) == sorted(
            [(student.uid, "present"), (other_student.uid, "absent")]
        )
        assert response["X-Firestore-Queries"] == "1"

    def test_it_pages(self, api, clock, owner_teacher, student, other_student, lesson):
        clock.travel_to(START + dt.timedelta(minutes=5))
        mark(api, owner_teacher, lesson["id"], (student.uid, "present"), (other_student.uid, "absent"))
        first = call(api, "get", f"/api/v1/lessons/{lesson['id']}/attendance?limit=1", owner_teacher).json()
        second = call(
            api,
            "get",
            f"/api/v1/lessons/{lesson['id']}/attendance?limit=1&cursor={first['next_cursor']}",
            owner_teacher,
        ).json()
        assert {first["items"][0]["student_uid"], second["items"][0]["student_uid"]} == {student.uid, other_student.uid}
        assert second["next_cursor"] is None

    def test_an_admin_reads_it_and_others_are_refused(self, api, clock, admin, other_teacher, student, lesson):
        assert call(api, "get", f"/api/v1/lessons/{lesson['id']}/attendance", admin).status_code == 200
        assert_error(call(api, "get", f"/api/v1/lessons/{lesson['id']}/attendance", other_teacher), 403)
        assert_error(call(api, "get", f"/api/v1/lessons/{lesson['id']}/attendance", student), 403)
        assert_error(call(api, "get", f"/api/v1/lessons/{lesson['id']}/attendance", None), 401)

    def test_an_unknown_lesson_is_404(self, api, clock, owner_teacher):
        assert_error(call(api, "get", "/api/v1/lessons/nope/attendance", owner_teacher), 404)
