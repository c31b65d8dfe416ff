"""My schedule (JSON and iCalendar) for teachers, students and parents, through the HTTP API."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from icalendar import Calendar

from tests.conftest import assert_error, call
from tests.factories import Clock, add_lesson, enroll, make_course

NOW = dt.datetime(2030, 1, 9, 12, 0, tzinfo=dt.UTC)  # Wednesday; this week is Mon 7 - Mon 14 January
MON = dt.datetime(2030, 1, 7, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, NOW)


def schedule(api, persona, suffix: str = "", **params):
    query = f"?{urlencode(params)}" if params else ""
    return call(api, "get", f"/api/v1/me/schedule{suffix}{query}", persona)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def week(api, clock, owner_teacher, other_teacher, student, other_student):
    """Two of Ada's courses and one of Grace's, lessons this week and next; Sam is in Algebra and Art."""
    algebra = make_course(owner_teacher, title="Algebra")
    geometry = make_course(owner_teacher, title="Geometry")
    art = make_course(other_teacher, title="Art")
    enroll(algebra, student, owner_teacher.uid)
    enroll(art, student, other_teacher.uid)
    enroll(geometry, student, owner_teacher.uid, status="waitlisted")
    enroll(geometry, other_student, owner_teacher.uid)
    lessons = {
        "algebra_thu": add_lesson(api, owner_teacher, algebra, MON + dt.timedelta(days=3, hours=10)),
        "geometry_fri": add_lesson(api, owner_teacher, geometry, MON + dt.timedelta(days=4, hours=9)),
        "art_thu": add_lesson(api, other_teacher, art, MON + dt.timedelta(days=3, hours=8)),
        "algebra_next": add_lesson(api, owner_teacher, algebra, MON + dt.timedelta(days=8, hours=10)),
    }
    return {"algebra": algebra, "geometry": geometry, "art": art, **lessons}


class TestMySchedule:
    def test_a_teacher_sees_what_she_teaches_this_week_in_one_query(self, api, owner_teacher, week):
        response = schedule(api, owner_teacher)
        assert ids(response) == [week["algebra_thu"]["id"], week["geometry_fri"]["id"]]
        body = response.json()
        assert body["from"] == "2030-01-07T00:00:00Z" and body["to"] == "2030-01-14T00:00:00Z"
        assert body["items"][0]["course_title"] == "Algebra" and body["items"][0]["title"] == "Fractions"
        assert response["X-Firestore-Queries"] == "1"

    def test_a_student_sees_the_lessons_of_courses_she_is_active_in(self, api, student, week):
        response = schedule(api, student)
        assert ids(response) == [week["art_thu"]["id"], week["algebra_thu"]["id"]]
        assert response["X-Firestore-Queries"] == "2"  # her enrolments, then the lessons

    def test_cancelled_lessons_stay_in_the_schedule(self, api, owner_teacher, student, week):
        lesson = week["algebra_thu"]
        call(api, "delete", f"/api/v1/courses/{week['algebra']}/lessons/{lesson['id']}", owner_teacher)
        items = schedule(api, student).json()["items"]
        assert [item["status"] for item in items if item["id"] == lesson["id"]] == ["cancelled"]

    def test_a_parent_sees_the_childrens_lessons_with_their_uids(self, api, parent, student, week):
        response = schedule(api, parent)
        assert ids(response) == [week["art_thu"]["id"], week["algebra_thu"]["id"]]
        assert [item["student_uids"] for item in response.json()["items"]] == [[student.uid], [student.uid]]

    def test_a_parent_without_children_has_an_empty_schedule(self, api, clock, make_user):
        assert ids(schedule(api, make_user("parent"))) == []

    def test_an_explicit_range_with_dates_and_datetimes(self, api, owner_teacher, week):
        assert ids(schedule(api, owner_teacher, **{"from": "2030-01-10", "to": "2030-01-20"})) == [
            week["algebra_thu"]["id"],
            week["geometry_fri"]["id"],
            week["algebra_next"]["id"],
        ]
        narrow = {"from": "2030-01-11T00:00:00Z", "to": "2030-01-11T12:00:00+02:00"}
        assert ids(schedule(api, owner_teacher, **narrow)) == [week["geometry_fri"]["id"]]

    def test_dates_are_read_in_the_given_timezone(self, api, owner_teacher, week):
        # Thursday 10:00 UTC is already Friday 00:00 in Kiritimati (UTC+14): outside "Thursday" there.
        thursday = {"from": "2030-01-10", "to": "2030-01-11"}
        assert ids(schedule(api, owner_teacher, **thursday)) == [week["algebra_thu"]["id"]]
        assert ids(schedule(api, owner_teacher, tz="Pacific/Kiritimati", **thursday)) == []

    def test_it_pages_with_a_cursor(self, api, student, week):
        first = schedule(api, student, limit=1).json()
        assert len(first["items"]) == 1 and first["next_cursor"]
        second = schedule(api, student, limit=1, cursor=first["next_cursor"]).json()
        assert [first["items"][0]["id"], second["items"][0]["id"]] == [week["art_thu"]["id"], week["algebra_thu"]["id"]]
        assert second["next_cursor"] is None

    def test_more_than_thirty_courses_are_read_in_chunks(self, api, clock, owner_teacher, student):
        courses = [make_course(owner_teacher, title=f"Course {n}") for n in range(32)]
        for course_id in courses:
            enroll(course_id, student, owner_teacher.uid)
        first = add_lesson(api, owner_teacher, courses[0], MON + dt.timedelta(days=3, hours=9))
        last = add_lesson(api, owner_teacher, courses[31], MON + dt.timedelta(days=3, hours=8))
        response = schedule(api, student)
        assert ids(response) == [last["id"], first["id"]]
        assert response["X-Firestore-Queries"] == "3"  # enrolments + two chunks of courses
        page = schedule(api, student, limit=1).json()
        assert [item["id"] for item in page["items"]] == [last["id"]]
        rest = schedule(api, student, limit=1, cursor=page["next_cursor"]).json()
        assert [item["id"] for item in rest["items"]] == [first["id"]] and rest["next_cursor"] is None

    def test_admins_have_no_schedule(self, api, clock, admin):
        assert_error(schedule(api, admin), 403, "wrong_role")

    def test_it_needs_a_sign_in(self, api, clock):
        assert_error(schedule(api, None), 401)

    @pytest.mark.parametrize(
        "params",
        [
            {"from": "2030-01-01", "to": "2030-04-05"},  # 94 days
            {"from": "2030-01-10", "to": "2030-01-10"},
            {"from": "2030-01-10", "to": "2030-01-09"},
            {"from": "yesterday"},
            {"to": "2030-13-01"},
            {"tz": "Mars/Olympus"},
            {"cursor": "bm9wZQ"},
        ],
    )
    def test_a_bad_range_is_a_400(self, api, clock, owner_teacher, params):
        assert_error(schedule(api, owner_teacher, **params), 400)

    def test_ninety_two_days_are_fine(self, api, clock, owner_teacher):
        assert schedule(api, owner_teacher, **{"from": "2030-01-01", "to": "2030-04-03"}).status_code == 200


class TestCalendarFeed:
    def test_it_is_an_icalendar_feed_of_the_schedule(self, api, owner_teacher, other_teacher, student, week):
        lesson = week["algebra_thu"]
        call(
            api,
            "patch",
            f"/api/v1/courses/{week['algebra']}/lessons/{lesson['id']}",
            owner_teacher,
            data={"location": "Room 4", "meeting_url": "https://meet.example.com/alg"},
        )
        call(api, "post", f"/api/v1/courses/{week['art']}/lessons/{week['art_thu']['id']}/cancel", other_teacher)
        response = schedule(api, student, suffix=".ics", **{"from": "2030-01-07", "to": "2030-01-14"})
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/calendar")
        assert b"DTSTART:20300110T100000Z" in response.content
        events = {str(e["uid"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}
        assert set(events) == {f"lesson-{lesson['id']}@cplatform", f"lesson-{week['art_thu']['id']}@cplatform"}
        algebra = events[f"lesson-{lesson['id']}@cplatform"]
        assert str(algebra["summary"]) == "Algebra: Fractions"
        assert algebra.decoded("dtstart") == dt.datetime(2030, 1, 10, 10, tzinfo=dt.UTC)
        assert algebra.decoded("dtend") == dt.datetime(2030, 1, 10, 11, tzinfo=dt.UTC)
        assert str(algebra["location"]) == "Room 4" and str(algebra["url"]) == "https://meet.example.com/alg"
        assert str(algebra["status"]) == "CONFIRMED" and int(algebra["sequence"]) == 1
        assert str(events[f"lesson-{week['art_thu']['id']}@cplatform"]["status"]) == "CANCELLED"

    def test_it_defaults_to_a_month_back_and_two_ahead(self, api, owner_teacher, week):
        response = schedule(api, owner_teacher, suffix=".ics")
        events = Calendar.from_ical(response.content).walk("VEVENT")
        assert len(events) == 3  # this week's two and next week's one

    def test_calendar_apps_asking_for_text_calendar_get_it(self, api, owner_teacher, week):
        response = api.get("/api/v1/me/schedule.ics", HTTP_ACCEPT="text/calendar", **owner_teacher.auth)
        assert response.status_code == 200 and response.content.startswith(b"BEGIN:VCALENDAR")

    def test_refusals_are_json_errors(self, api, clock, admin, owner_teacher):
        assert_error(api.get("/api/v1/me/schedule.ics", HTTP_ACCEPT="text/calendar"), 401)
        assert_error(schedule(api, admin, suffix=".ics"), 403, "wrong_role")
        too_long = {"from": "2030-01-01", "to": "2031-01-01"}
        response = api.get(
            f"/api/v1/me/schedule.ics?{urlencode(too_long)}", HTTP_ACCEPT="text/calendar", **owner_teacher.auth
        )
        assert_error(response, 400)
