"""Lessons of a course through the HTTP API: create, list, change, cancel, overlaps, availability, notifications."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from rest_framework.test import APIClient

from tests.conftest import assert_error, call
from tests.factories import Clock, add_lesson, enroll, get_doc, iso_z, lesson_body, make_course, set_availability

NOW = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)  # a Monday
T10 = dt.datetime(2030, 1, 8, 10, 0, tzinfo=dt.UTC)  # Tuesday 10:00 UTC


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, NOW)


@pytest.fixture
def notified(monkeypatch):
    """Every call of the notification hook, instead of delivering it."""
    calls: list[dict] = []
    monkeypatch.setattr("messaging.notify.notify", lambda **kwargs: calls.append(kwargs))
    return calls


@pytest.fixture
def course(owner_teacher):
    return make_course(owner_teacher, title="Algebra")


def lessons_path(course_id: str) -> str:
    return f"/api/v1/courses/{course_id}/lessons"


def create(api, persona, course_id, starts_at=T10, **fields):
    return call(api, "post", lessons_path(course_id), persona, data=lesson_body(starts_at, **fields))


class TestCreateLesson:
    def test_the_owner_schedules_a_lesson_stored_in_utc(self, api, clock, owner_teacher, course):
        response = create(
            api,
            owner_teacher,
            course,
            starts_at=dt.datetime(2030, 1, 8, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            duration_minutes=90,
            description="Bring a calculator.",
            meeting_url="https://meet.example.com/abc",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["starts_at"] == "2030-01-08T10:00:00Z" and body["ends_at"] == "2030-01-08T11:30:00Z"
        assert body["course_title"] == "Algebra" and body["teacher_uid"] == owner_teacher.uid
        assert body["status"] == "scheduled" and body["warnings"] == []
        assert body["meeting_url"] == "https://meet.example.com/abc"
        assert get_doc("courses", course)["lesson_count"] == 1

    def test_an_admin_schedules_for_the_courses_teacher(self, api, clock, admin, owner_teacher, course):
        response = create(api, admin, course)
        assert response.status_code == 201, response.content
        assert response.json()["teacher_uid"] == owner_teacher.uid

    def test_other_teachers_and_students_are_refused(self, api, clock, other_teacher, student, course):
        assert_error(create(api, other_teacher, course), 403)
        assert_error(create(api, student, course), 403)
        assert get_doc("courses", course)["lesson_count"] == 0

    def test_an_unknown_course_is_404(self, api, clock, owner_teacher):
        assert_error(create(api, owner_teacher, "no-such-course"), 404, "not_found")

    def test_it_needs_a_sign_in(self, api, clock, course):
        assert_error(create(api, None, course), 401)

    def test_an_archived_course_takes_no_new_lessons(self, api, clock, owner_teacher):
        archived = make_course(owner_teacher, status="archived")
        assert_error(create(api, owner_teacher, archived), 409, "course_archived")

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("duration_minutes", 4),
            ("duration_minutes", 481),
            ("starts_at", "2030-01-08T10:00:00"),
            ("starts_at", "2030-01-08"),
            ("starts_at", "next tuesday"),
            ("meeting_url", "http://meet.example.com/abc"),
            ("title", ""),
        ],
    )
    def test_bad_input_is_a_400_naming_the_field(self, api, clock, owner_teacher, course, field, value):
        body = {**lesson_body(T10), field: value}
        error = assert_error(call(api, "post", lessons_path(course), owner_teacher, data=body), 400, "invalid")
        assert field in error["fields"]

    def test_a_lesson_in_the_past_is_refused(self, api, clock, owner_teacher, course):
        error = assert_error(create(api, owner_teacher, course, starts_at=NOW - dt.timedelta(hours=1)), 400)
        assert "starts_at" in error["fields"]

    def test_unknown_fields_are_refused(self, api, clock, owner_teacher, course):
        error = assert_error(create(api, owner_teacher, course, status="cancelled"), 400)
        assert "status" in error["fields"]

    def test_it_notifies_the_active_students_only(self, api, clock, notified, owner_teacher, student, other_student):
        course = make_course(owner_teacher, title="Algebra")
        enroll(course, student, owner_teacher.uid)
        enroll(course, other_student, owner_teacher.uid, status="waitlisted")
        lesson = create(api, owner_teacher, course).json()
        assert notified == [
            {
                "recipient_uids": [student.uid],
                "kind": "lesson.created",
                "title": "New lesson: Fractions",
                "body": "Algebra: Fractions on Tue 08 Jan 2030 10:00 UTC.",
                "data": {"course_id": course, "lesson_id": lesson["id"]},
                "actor_uid": owner_teacher.uid,
            }
        ]


class TestOverlaps:
    def test_an_overlapping_lesson_in_another_course_is_409_naming_the_clash(self, api, clock, owner_teacher, course):
        first = add_lesson(api, owner_teacher, course, T10, title="Quadratics")
        other_course = make_course(owner_teacher, title="Geometry")
        response = create(api, owner_teacher, other_course, starts_at=T10 + dt.timedelta(minutes=30))
        error = assert_error(response, 409, "lesson_overlap")
        assert error["conflicting_lesson"] == {
            "id": first["id"],
            "title": "Quadratics",
            "course_id": course,
            "course_title": "Algebra",
            "starts_at": "2030-01-08T10:00:00Z",
            "ends_at": "2030-01-08T11:00:00Z",
        }
        assert "Quadratics" in error["message"] and first["id"] in error["message"]
        assert get_doc("courses", other_course)["lesson_count"] == 0

    def test_a_lesson_ending_inside_another_overlaps_too(self, api, clock, owner_teacher, course):
        add_lesson(api, owner_teacher, course, T10, duration_minutes=60)
        assert_error(
            create(api, owner_teacher, course, starts_at=T10 - dt.timedelta(minutes=30)), 409, "lesson_overlap"
        )
        long_before = T10 - dt.timedelta(hours=7)
        assert_error(create(api, owner_teacher, course, starts_at=long_before, duration_minutes=480), 409)

    def test_back_to_back_lessons_do_not_overlap(self, api, clock, owner_teacher, course):
        add_lesson(api, owner_teacher, course, T10, duration_minutes=60)
        assert create(api, owner_teacher, course, starts_at=T10 + dt.timedelta(hours=1)).status_code == 201
        assert create(api, owner_teacher, course, starts_at=T10 - dt.timedelta(hours=1)).status_code == 201
        assert get_doc("courses", course)["lesson_count"] == 3

    def test_another_teachers_lessons_never_clash(self, api, clock, owner_teacher, other_teacher, course):
        add_lesson(api, owner_teacher, course, T10)
        theirs = make_course(other_teacher)
        assert create(api, other_teacher, theirs, starts_at=T10).status_code == 201

    def test_a_cancelled_lesson_frees_its_slot(self, api, clock, owner_teacher, course):
        lesson = add_lesson(api, owner_teacher, course, T10)
        call(api, "post", f"{lessons_path(course)}/{lesson['id']}/cancel", owner_teacher)
        assert create(api, owner_teacher, course, starts_at=T10).status_code == 201

    def test_five_simultaneous_overlapping_creates_let_exactly_one_through(self, api, clock, owner_teacher):
        courses = [make_course(owner_teacher, title=f"Course {n}") for n in range(5)]
        barrier = threading.Barrier(5)
        statuses: list[int] = []
        codes: list[str] = []

        def attempt(index: int) -> None:
            client = APIClient()
            body = lesson_body(T10 + dt.timedelta(minutes=10 * index), title=f"Race {index}")
            barrier.wait()
            response = call(client, "post", lessons_path(courses[index]), owner_teacher, data=body)
            statuses.append(response.status_code)
            if response.status_code != 201:
                codes.append(response.json()["error"]["code"])

        threads = [threading.Thread(target=attempt, args=(n,)) for n in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [201, 409, 409, 409, 409], (statuses, codes)
        assert set(codes) <= {"lesson_overlap", "contention"}
        assert sum(get_doc("courses", course_id)["lesson_count"] for course_id in courses) == 1
        assert get_doc("teacher_schedules", owner_teacher.uid)["writes"] == 1

    def test_moving_a_lesson_onto_another_is_409(self, api, clock, owner_teacher, course):
        first = add_lesson(api, owner_teacher, course, T10, title="First")
        second = add_lesson(api, owner_teacher, course, T10 + dt.timedelta(hours=2))
        response = call(
            api,
            "patch",
            f"{lessons_path(course)}/{second['id']}",
            owner_teacher,
            data={"starts_at": iso_z(T10 + dt.timedelta(minutes=45))},
        )
        error = assert_error(response, 409, "lesson_overlap")
        assert error["conflicting_lesson"]["id"] == first["id"]

    def test_a_lesson_may_move_within_its_own_slot(self, api, clock, owner_teacher, course):
        lesson = add_lesson(api, owner_teacher, course, T10)
        response = call(
            api,
            "patch",
            f"{lessons_path(course)}/{lesson['id']}",
            owner_teacher,
            data={"starts_at": iso_z(T10 + dt.timedelta(minutes=30)), "duration_minutes": 90},
        )
        assert response.status_code == 200, response.content
        assert response.json()["ends_at"] == "2030-01-08T12:00:00Z"


class TestAvailability:
    def test_a_lesson_outside_availability_is_accepted_with_a_warning(self, api, clock, owner_teacher, course):
        set_availability(owner_teacher, [{"weekday": 1, "start": "14:00", "end": "18:00"}])
        response = create(api, owner_teacher, course, starts_at=T10)
        assert response.status_code == 201, response.content
        assert response.json()["warnings"] == ["outside_availability"]

    def test_slots_are_read_in_the_teachers_timezone(self, api, clock, owner_teacher, course):
        # Tuesday 10:00 UTC is 05:00 in New York (EST, UTC-5).
        set_availability(owner_teacher, [{"weekday": 1, "start": "05:00", "end": "06:00"}], "America/New_York")
        response = create(api, owner_teacher, course, starts_at=T10)
        assert response.status_code == 201 and response.json()["warnings"] == []

    def test_adjacent_slots_cover_a_lesson_across_them(self, api, clock, owner_teacher, course):
        slots = [{"weekday": 1, "start": "09:00", "end": "10:30"}, {"weekday": 1, "start": "10:30", "end": "12:00"}]
        set_availability(owner_teacher, slots)
        assert create(api, owner_teacher, course, starts_at=T10, duration_minutes=120).json()["warnings"] == []

    def test_moving_a_lesson_out_of_availability_warns(self, api, clock, owner_teacher, course):
        set_availability(owner_teacher, [{"weekday": 1, "start": "09:00", "end": "12:00"}])
        lesson = add_lesson(api, owner_teacher, course, T10)
        assert lesson["warnings"] == []
        moved = call(
            api,
            "patch",
            f"{lessons_path(course)}/{lesson['id']}",
            owner_teacher,
            data={"starts_at": iso_z(T10 + dt.timedelta(hours=3))},
        )
        assert moved.status_code == 200 and moved.json()["warnings"] == ["outside_availability"]


class TestListLessons:
    def test_anyone_who_sees_the_course_lists_its_lessons_by_start_in_one_query(
        self, api, clock, owner_teacher, student, other_student, course
    ):
        enroll(course, student, owner_teacher.uid)
        later = add_lesson(api, owner_teacher, course, T10 + dt.timedelta(days=1), meeting_url="https://m.example/1")
        sooner = add_lesson(api, owner_teacher, course, T10, meeting_url="https://m.example/2")
        member = call(api, "get", lessons_path(course), student)
        assert member.status_code == 200, member.content
        assert [item["id"] for item in member.json()["items"]] == [sooner["id"], later["id"]]
        assert member.json()["items"][0]["meeting_url"] == "https://m.example/2"
        assert member["X-Firestore-Queries"] == "1"
        outsider = call(api, "get", lessons_path(course), other_student)
        assert outsider.status_code == 200
        assert [item["meeting_url"] for item in outsider.json()["items"]] == [None, None]
        assert outsider["X-Firestore-Queries"] == "1"
        assert int(outsider["X-Firestore-Reads"]) <= 4  # course, enrolment check, two lessons

    def test_it_pages_with_a_cursor(self, api, clock, owner_teacher, course):
        ids = [add_lesson(api, owner_teacher, course, T10 + dt.timedelta(days=day))["id"] for day in range(3)]
        first = call(api, "get", f"{lessons_path(course)}?limit=2", owner_teacher).json()
        assert [item["id"] for item in first["items"]] == ids[:2] and first["next_cursor"]
        second = call(api, "get", f"{lessons_path(course)}?limit=2&cursor={first['next_cursor']}", owner_teacher)
        assert [item["id"] for item in second.json()["items"]] == ids[2:] and second.json()["next_cursor"] is None

    def test_since_skips_earlier_lessons(self, api, clock, owner_teacher, course):
        add_lesson(api, owner_teacher, course, T10)
        later = add_lesson(api, owner_teacher, course, T10 + dt.timedelta(days=2))
        response = call(api, "get", f"{lessons_path(course)}?since=2030-01-09T00:00:00Z", owner_teacher)
        assert [item["id"] for item in response.json()["items"]] == [later["id"]]

    def test_a_foreign_cursor_is_a_400(self, api, clock, owner_teacher, course):
        assert_error(call(api, "get", f"{lessons_path(course)}?cursor=bm9wZQ", owner_teacher), 400)

    def test_cancelled_lessons_stay_listed_as_cancelled(self, api, clock, owner_teacher, student, course):
        lesson = add_lesson(api, owner_teacher, course, T10)
        call(api, "delete", f"{lessons_path(course)}/{lesson['id']}", owner_teacher)
        items = call(api, "get", lessons_path(course), student).json()["items"]
        assert [(item["id"], item["status"]) for item in items] == [(lesson["id"], "cancelled")]

    def test_a_drafts_lessons_are_hidden_from_students(self, api, clock, owner_teacher, student):
        draft = make_course(owner_teacher, status="draft")
        add_lesson(api, owner_teacher, draft, T10)
        assert call(api, "get", lessons_path(draft), owner_teacher).status_code == 200
        assert_error(call(api, "get", lessons_path(draft), student), 404)

    def test_one_lesson_reads_through_its_course(self, api, clock, owner_teacher, student, course):
        lesson = add_lesson(api, owner_teacher, course, T10)
        response = call(api, "get", f"{lessons_path(course)}/{lesson['id']}", student)
        assert response.status_code == 200 and response.json()["title"] == "Fractions"
        other = make_course(owner_teacher)
        assert_error(call(api, "get", f"{lessons_path(other)}/{lesson['id']}", student), 404)
        assert_error(call(api, "get", f"{lessons_path(course)}/nope", student), 404)


class TestUpdateLesson:
    def test_the_owner_changes_a_lesson_and_students_hear_of_it(
        self, api, clock, notified, owner_teacher, student, course
    ):
        enroll(course, student, owner_teacher.uid)
        lesson = add_lesson(api, owner_teacher, course, T10)
        notified.clear()
        response = call(
            api,
            "patch",
            f"{lessons_path(course)}/{lesson['id']}",
            owner_teacher,
            data={"title": "Fractions II", "starts_at": "2030-01-09T15:00:00+01:00", "location": "Room 4"},
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["title"] == "Fractions II" and body["starts_at"] == "2030-01-09T14:00:00Z"
        assert body["location"] == "Room 4" and body["sequence"] == 1
        assert [(c["kind"], c["recipient_uids"], c["data"]) for c in notified] == [
            ("lesson.updated", [student.uid], {"course_id": course, "lesson_id": lesson["id"]})
        ]
        assert "Wed 09 Jan 2030 14:00 UTC" in notified[0]["body"]

    def test_an_unchanged_patch_notifies_nobody(self, api, clock, notified, owner_teacher, student, course):
        enroll(course, student, owner_teacher.uid)
        lesson = add_lesson(api, owner_teacher, course, T10)
        notified.clear()
        response = call(
            api, "patch", f"{lessons_path(course)}/{lesson['id']}", owner_teacher, data={"title": "Fractions"}
        )
        assert response.status_code == 200 and notified == []

    def test_others_are_refused(self, api, clock, owner_teacher, other_teacher, student, course):
        lesson = add_lesson(api, owner_teacher, course, T10)
        path = f"{lessons_path(course)}/{lesson['id']}"
        assert_error(call(api, "patch", path, other_teacher, data={"title": "Mine"}), 403)
        assert_error(call(api, "patch", path, student, data={"title": "Mine"}), 403)

    def test_an_unknown_lesson_is_404(self, api, clock, owner_teacher, course):
        assert_error(call(api, "patch", f"{lessons_path(course)}/nope", owner_teacher, data={"title": "X"}), 404)

    def test_an_empty_or_unknown_change_is_a_400(self, api, clock, owner_teacher, course):
        lesson = add_lesson(api, owner_teacher, course, T10)
        path = f"{lessons_path(course)}/{lesson['id']}"
        assert_error(call(api, "patch", path, owner_teacher, data={}), 400)
        assert (
            "status"
            in assert_error(call(api, "patch", path, owner_teacher, data={"status": "cancelled"}), 400)["fields"]
        )
        assert (
            "duration_minutes"
            in assert_error(call(api, "patch", path, owner_teacher, data={"duration_minutes": 500}), 400)["fields"]
        )

    def test_a_cancelled_lesson_cannot_change(self, api, clock, owner_teacher, course):
        lesson = add_lesson(api, owner_teacher, course, T10)
        path = f"{lessons_path(course)}/{lesson['id']}"
        call(api, "delete", path, owner_teacher)
        assert_error(call(api, "patch", path, owner_teacher, data={"title": "Back"}), 409, "lesson_cancelled")

    def test_a_started_lesson_keeps_its_time_but_takes_new_notes(self, api, clock, owner_teacher, course):
        lesson = add_lesson(api, owner_teacher, course, T10)
        path = f"{lessons_path(course)}/{lesson['id']}"
        clock.travel_to(T10 + dt.timedelta(minutes=5))
        assert_error(call(api, "patch", path, owner_teacher, data={"duration_minutes": 30}), 409, "lesson_started")
        assert call(api, "patch", path, owner_teacher, data={"description": "Notes"}).status_code == 200

    def test_a_lesson_cannot_move_into_the_past(self, api, clock, owner_teacher, course):
        lesson = add_lesson(api, owner_teacher, course, T10)
        past = iso_z(NOW - dt.timedelta(days=1))
        response = call(api, "patch", f"{lessons_path(course)}/{lesson['id']}", owner_teacher, data={"starts_at": past})
        assert "starts_at" in assert_error(response, 400)["fields"]


class TestCancelLesson:
    def test_the_owner_cancels_and_students_hear_of_it(self, api, clock, notified, owner_teacher, student, course):
        enroll(course, student, owner_teacher.uid)
        lesson = add_lesson(api, owner_teacher, course, T10)
        notified.clear()
        path = f"{lessons_path(course)}/{lesson['id']}/cancel"
        response = call(api, "post", path, owner_teacher, data={"reason": "I am ill."})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "cancelled" and body["cancel_reason"] == "I am ill." and body["cancelled_at"]
        assert get_doc("courses", course)["lesson_count"] == 0
        assert [(c["kind"], c["recipient_uids"]) for c in notified] == [("lesson.cancelled", [student.uid])]
        assert "I am ill." in notified[0]["body"]

    def test_delete_cancels_and_repeating_it_is_harmless(self, api, clock, notified, owner_teacher, student, course):
        enroll(course, student, owner_teacher.uid)
        lesson = add_lesson(api, owner_teacher, course, T10)
        notified.clear()
        path = f"{lessons_path(course)}/{lesson['id']}"
        first = call(api, "delete", path, owner_teacher)
        assert first.status_code == 200 and first.json()["status"] == "cancelled"
        assert call(api, "delete", path, owner_teacher).json()["status"] == "cancelled"
        assert get_doc("courses", course)["lesson_count"] == 0
        assert [c["kind"] for c in notified] == ["lesson.cancelled"]

    def test_an_admin_cancels(self, api, clock, owner_teacher, admin, course):
        lesson = add_lesson(api, owner_teacher, course, T10)
        assert call(api, "post", f"{lessons_path(course)}/{lesson['id']}/cancel", admin).status_code == 200

    def test_others_are_refused(self, api, clock, owner_teacher, other_teacher, student, course):
        lesson = add_lesson(api, owner_teacher, course, T10)
        path = f"{lessons_path(course)}/{lesson['id']}"
        assert_error(call(api, "post", f"{path}/cancel", other_teacher), 403)
        assert_error(call(api, "post", f"{path}/cancel", student), 403, "wrong_role")
        assert_error(call(api, "delete", path, student), 403)
        assert get_doc("courses", course)["lesson_count"] == 1

    def test_an_unknown_lesson_is_404(self, api, clock, owner_teacher, course):
        assert_error(call(api, "post", f"{lessons_path(course)}/nope/cancel", owner_teacher), 404)

    def test_a_started_lesson_cannot_be_cancelled(self, api, clock, owner_teacher, course):
        lesson = add_lesson(api, owner_teacher, course, T10)
        clock.travel_to(T10 + dt.timedelta(minutes=1))
        response = call(api, "post", f"{lessons_path(course)}/{lesson['id']}/cancel", owner_teacher)
        assert_error(response, 409, "lesson_started")
