"""The analytics API: scoping per role, exact progress and revenue numbers, CSV downloads, the schema."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from google.cloud import firestore

from firestore_operations.client import db
from tests.conftest import assert_error, call
from tests.factories import Clock, make_course

UTC = dt.UTC


def at(day: int, hour: int = 10, minute: int = 0, month: int = 4) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


RANGE = "from=2026-04-01&to=2026-04-30&tz=UTC"


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, at(30, 12))


@pytest.fixture
def courses(owner_teacher, other_teacher):
    return {
        "algebra": make_course(owner_teacher, title="Algebra"),
        "geometry": make_course(owner_teacher, title="Geometry"),
        "french": make_course(other_teacher, title="French"),
    }


@pytest.fixture
def seeded(clock, courses, owner_teacher, other_teacher, student, other_student):
    """April 2026: two students in Algebra, one in French; four Algebra lessons marked."""
    from analytics import recorder

    algebra, french = courses["algebra"], courses["french"]
    for person, course, teacher in [
        (student, algebra, owner_teacher),
        (other_student, algebra, owner_teacher),
        (student, french, other_teacher),
    ]:
        recorder.enrollment_started(
            course_id=course,
            teacher_uid=teacher.uid,
            student_uid=person.uid,
            course_title="Algebra" if course == algebra else "French",
            student_name=person.name,
            promoted=False,
            at=at(1),
        )
    lessons = {"l1": at(6), "l2": at(13), "l3": at(20), "l4": at(27)}
    marks = {
        "l1": {student.uid: "present", other_student.uid: "absent"},
        "l2": {student.uid: "present", other_student.uid: "excused"},
        "l3": {student.uid: "absent", other_student.uid: "absent"},
        "l4": {student.uid: "present", other_student.uid: "absent"},
    }
    for lesson_id, starts_at in lessons.items():
        recorder.attendance_marked(
            lesson_id=lesson_id,
            course_id=algebra,
            teacher_uid=owner_teacher.uid,
            starts_at=starts_at,
            marks=marks[lesson_id],
            at=starts_at + dt.timedelta(hours=1),
        )
    for day in (7, 8, 8):
        recorder.material_downloaded(
            course_id=algebra, teacher_uid=owner_teacher.uid, uid=student.uid, role="student", at=at(day)
        )
    recorder.material_downloaded(
        course_id=algebra, teacher_uid=owner_teacher.uid, uid=student.uid, role="student", at=at(2, month=5)
    )  # after the range
    recorder.enrollment_ended(
        course_id=algebra,
        teacher_uid=owner_teacher.uid,
        student_uid=other_student.uid,
        course_title="Algebra",
        reason="withdrawn",
        at=at(28),
    )
    for n in range(3):
        recorder.course_viewed(
            course_id=algebra, teacher_uid=owner_teacher.uid, viewer_uid=student.uid, viewer_role="student", at=at(9)
        )
    recorder.course_viewed(
        course_id=french, teacher_uid=other_teacher.uid, viewer_uid=student.uid, viewer_role="student", at=at(9)
    )
    return courses


def get(api, persona, path: str):
    return call(api, "get", f"/api/v1/analytics/{path}", persona)


class TestEngagementScoping:
    def test_a_teacher_sees_her_courses_only(self, api, owner_teacher, seeded):
        response = get(api, owner_teacher, f"engagement?{RANGE}")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["scope"] == {"kind": "teacher", "id": owner_teacher.uid}
        assert body["totals"]["views"] == 3
        assert body["totals"]["enrollments"] == 2 and body["totals"]["withdrawals"] == 1
        assert body["totals"]["downloads"] == 3
        assert [row["course_title"] for row in body["courses"]] == ["Algebra"]
        algebra = body["courses"][0]
        assert (algebra["views"], algebra["active_students"], algebra["downloads"]) == (3, 2, 3)
        assert len(body["series"]) == 30

    def test_another_teachers_course_is_not_found(self, api, owner_teacher, seeded):
        assert_error(get(api, owner_teacher, f"engagement?{RANGE}&course_id={seeded['french']}"), 404, "not_found")

    def test_a_teacher_cannot_ask_for_another_teacher(self, api, owner_teacher, other_teacher, seeded):
        assert_error(get(api, owner_teacher, f"engagement?{RANGE}&teacher_uid={other_teacher.uid}"), 404)

    def test_the_admin_sees_the_platform_and_any_teacher(self, api, admin, other_teacher, seeded):
        platform = get(api, admin, f"engagement?{RANGE}").json()
        assert platform["scope"]["kind"] == "platform" and platform["totals"]["views"] == 4
        teacher = get(api, admin, f"engagement?{RANGE}&teacher_uid={other_teacher.uid}").json()
        assert teacher["totals"]["views"] == 1 and teacher["courses"][0]["course_title"] == "French"

    @pytest.mark.parametrize("persona", ["student", "parent"])
    def test_students_and_parents_are_refused(self, api, request, persona, seeded):
        assert_error(get(api, request.getfixturevalue(persona), f"engagement?{RANGE}"), 403)

    def test_signed_out_is_refused(self, api, seeded):
        assert get(api, None, f"engagement?{RANGE}").status_code in (401, 403)

    def test_bad_input_is_a_400_naming_the_field(self, api, admin):
        body = assert_error(get(api, admin, "engagement?from=2026-05-01&to=2026-04-01"), 400)
        assert "from" in body["fields"]
        body = assert_error(get(api, admin, "engagement?tz=Mars/Olympus"), 400)
        assert "tz" in body["fields"]
        body = assert_error(get(api, admin, "engagement?grup=day"), 400)
        assert "grup" in body["fields"]
        assert_error(get(api, admin, "engagement?format=xml"), 400)

    def test_the_viewers_profile_time_zone_is_the_default(self, api, owner_teacher, seeded):
        from firestore_operations import users as user_store

        user_store.update_profile(owner_teacher.uid, {"timezone": "Pacific/Auckland"})
        body = get(api, owner_teacher, "engagement?from=2026-04-01&to=2026-04-30").json()
        assert body["timezone"] == "Pacific/Auckland"
        # 10:00 UTC on 9 April is 22:00 the same day in Auckland (NZST, UTC+12).
        views = {row["period"]: row["views"] for row in body["series"]}
        assert views["2026-04-09"] == 3


class TestProgress:
    def test_a_teacher_gets_exact_attendance_completion_and_dropout(self, api, owner_teacher, student, seeded):
        body = get(api, owner_teacher, f"progress?{RANGE}").json()
        rows = {row["student_name"]: row for row in body["students"]}
        mine = rows[student.name]
        assert (mine["lessons_attended"], mine["lessons_missed"], mine["lessons_excused"]) == (3, 1, 0)
        assert mine["attendance_rate"] == 0.75
        assert mine["materials_opened"] == 3  # the download in May is outside the range
        assert mine["status"] == "active"
        other = next(row for name, row in rows.items() if name != student.name)
        assert (other["lessons_attended"], other["lessons_missed"], other["lessons_excused"]) == (0, 3, 1)
        assert other["attendance_rate"] == 0.0 and other["status"] == "withdrawn"
        [course] = body["courses"]
        assert (course["members"], course["completed"], course["dropped"]) == (2, 0, 1)
        assert (course["completion_rate"], course["dropout_rate"]) == (0.0, 0.5)
        assert [(lesson["present"], lesson["absent"], lesson["excused"]) for lesson in course["lessons"]] == [
            (1, 1, 0),
            (1, 0, 1),
            (0, 2, 0),
            (1, 1, 0),
        ]

    def test_the_range_limits_the_lessons_counted(self, api, owner_teacher, student, seeded):
        body = get(api, owner_teacher, "progress?from=2026-04-10&to=2026-04-21&tz=UTC").json()
        mine = next(row for row in body["students"] if row["student_uid"] == student.uid)
        assert (mine["lessons_attended"], mine["lessons_missed"], mine["materials_opened"]) == (1, 1, 0)

    def test_a_student_sees_only_herself(self, api, student, other_student, seeded):
        body = get(api, student, f"progress?{RANGE}").json()
        assert {row["student_uid"] for row in body["students"]} == {student.uid}
        assert {row["course_title"] for row in body["students"]} == {"Algebra", "French"}
        assert_error(get(api, student, f"progress?{RANGE}&student_uid={other_student.uid}"), 403)

    def test_a_parent_sees_linked_children_only(self, api, parent, student, other_student, seeded):
        body = get(api, parent, f"progress?{RANGE}").json()
        assert {row["student_uid"] for row in body["students"]} == {student.uid}
        assert_error(get(api, parent, f"progress?{RANGE}&student_uid={other_student.uid}"), 403)

    def test_a_teacher_sees_only_her_courses_students(self, api, other_teacher, student, seeded):
        body = get(api, other_teacher, f"progress?{RANGE}").json()
        assert {(row["course_title"], row["student_uid"]) for row in body["students"]} == {("French", student.uid)}
        assert_error(get(api, other_teacher, f"progress?{RANGE}&course_id={seeded['algebra']}"), 404)

    def test_the_admin_sees_every_enrolment(self, api, admin, seeded):
        body = get(api, admin, f"progress?{RANGE}").json()
        assert len(body["students"]) == 3


def earnings(teacher_uid: str, month: str, course_id: str, title: str, gross: int, refunds: int) -> None:
    """teacher_earnings as the payments app writes them (firestore_operations/payments.py _add_totals)."""
    db().collection("teacher_earnings").document(f"{teacher_uid}_{month}").set(
        {
            "teacher_uid": teacher_uid,
            "month": month,
            "by_currency": {"EUR": {"gross": gross, "refunds": refunds, "payments": 1}},
            "courses": {course_id: {"title": title, "EUR": {"gross": gross, "refunds": refunds}}},
            "updated_at": firestore.SERVER_TIMESTAMP,
        }
    )


class TestRevenue:
    def test_no_payments_answers_zeros(self, api, admin, clock):
        response = get(api, admin, "revenue?from=2026-02-01&to=2026-04-30&group=month")
        assert response.status_code == 200, response.content
        body = response.json()
        assert [(row["period"], row["gross"], row["net"]) for row in body["series"]] == [
            ("2026-02", 0, 0),
            ("2026-03", 0, 0),
            ("2026-04", 0, 0),
        ]
        assert body["totals"] == [
            {"currency": "EUR", "gross": 0, "refunds": 0, "platform_fee": 0, "net": 0, "membership": 0}
        ]

    def test_gross_refunds_fee_and_net_per_month_course_and_teacher(
        self, api, admin, owner_teacher, other_teacher, courses, clock
    ):
        earnings(owner_teacher.uid, "2026-03", courses["algebra"], "Algebra", 10000, 2000)
        earnings(owner_teacher.uid, "2026-04", courses["algebra"], "Algebra", 5000, 0)
        earnings(other_teacher.uid, "2026-04", courses["french"], "French", 3000, 0)
        body = get(api, admin, "revenue?from=2026-03-01&to=2026-04-30&group=month").json()
        assert [
            (row["period"], row["gross"], row["refunds"], row["platform_fee"], row["net"]) for row in body["series"]
        ] == [
            ("2026-03", 10000, 2000, 800, 7200),
            ("2026-04", 8000, 0, 800, 7200),
        ]
        assert [(row["course_title"], row["gross"], row["net"]) for row in body["courses"]] == [
            ("Algebra", 15000, 11700),
            ("French", 3000, 2700),
        ]
        assert [(row["teacher_name"], row["gross"]) for row in body["teachers"]] == [
            (owner_teacher.name, 15000),
            (other_teacher.name, 3000),
        ]
        mine = get(api, owner_teacher, "revenue?from=2026-03-01&to=2026-04-30&group=month").json()
        assert [row["gross"] for row in mine["series"]] == [10000, 5000]
        assert [row["teacher_uid"] for row in mine["teachers"]] == [owner_teacher.uid]

    def test_scoping_and_grouping(self, api, owner_teacher, other_teacher, student, parent, clock):
        assert_error(get(api, owner_teacher, f"revenue?group=month&teacher_uid={other_teacher.uid}"), 404)
        assert_error(get(api, student, "revenue?group=month"), 403)
        assert_error(get(api, parent, "revenue?group=month"), 403)
        body = assert_error(get(api, owner_teacher, "revenue?group=day"), 400)
        assert "group" in body["fields"]


class TestWarnings:
    def test_two_missed_lessons_in_a_row_are_flagged_with_the_reason(
        self, api, owner_teacher, student, other_student, seeded
    ):
        from analytics import recorder

        # The withdrawn student is not flagged; the active one attended the last lesson.
        assert get(api, owner_teacher, "warnings").json()["items"] == []
        recorder.enrollment_started(
            course_id=seeded["algebra"],
            teacher_uid=owner_teacher.uid,
            student_uid=other_student.uid,
            course_title="Algebra",
            student_name=other_student.name,
            promoted=False,
            at=at(29),
        )
        [item] = get(api, owner_teacher, "warnings").json()["items"]
        assert item["student_uid"] == other_student.uid
        assert item["reasons"] == ["missed the last 2 lessons in a row (20 Apr, 27 Apr)"]
        assert item["notified_at"] is None

    def test_no_activity_for_the_idle_days_is_flagged_to_each_scope(
        self, api, admin, other_teacher, parent, student, other_student, clock, seeded
    ):
        # Enrolled in French on 1 April and nothing since: 29 days by 30 April.
        [item] = get(api, other_teacher, "warnings").json()["items"]
        assert (item["course_title"], item["reasons"]) == ("French", ["no activity for 29 days (since 01 Apr 2026)"])
        assert [row["course_title"] for row in get(api, parent, "warnings").json()["items"]] == ["French"]
        assert [row["course_title"] for row in get(api, student, "warnings").json()["items"]] == ["French"]
        assert_error(get(api, student, f"warnings?student_uid={other_student.uid}"), 403)
        clock.travel_to(at(20, 12, month=5))
        items = get(api, admin, "warnings").json()["items"]
        reasons = {(item["course_title"], item["student_uid"]): item["reasons"] for item in items}
        assert reasons == {
            ("Algebra", student.uid): ["no activity for 18 days (since 02 May 2026)"],
            ("French", student.uid): ["no activity for 49 days (since 01 Apr 2026)"],
        }


def rows_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


class TestCsv:
    def test_engagement_as_csv(self, api, owner_teacher, seeded):
        response = get(api, owner_teacher, f"engagement?{RANGE}&format=csv")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="engagement-2026-04-01-2026-04-30.csv"'
        rows = rows_of(response)
        assert rows[0][:3] == ["period", "active_users", "sign_ins"]
        assert len(rows) == 31
        views = rows[0].index("views")
        assert [row[views] for row in rows[1:] if row[0] == "2026-04-09"] == ["3"]

    def test_progress_csv_quotes_and_defuses_formulas(self, api, owner_teacher, student, seeded):
        from firestore_operations import analytics as store

        db().collection(store.STUDENT_COURSES).document(f"{seeded['algebra']}_{student.uid}").update(
            {"student_name": '=HYPERLINK("x"), "Bob"'}
        )
        rows = rows_of(get(api, owner_teacher, f"progress?{RANGE}&format=csv"))
        assert rows[0][:4] == ["course_id", "course_title", "student_uid", "student_name"]
        names = [row[3] for row in rows[1:]]
        assert '\'=HYPERLINK("x"), "Bob"' in names

    def test_revenue_and_warnings_as_csv(self, api, admin, clock):
        rows = rows_of(get(api, admin, "revenue?from=2026-04-01&to=2026-04-30&group=month&format=csv"))
        assert rows == [
            ["period", "currency", "gross", "refunds", "platform_fee", "net", "membership"],
            ["2026-04", "EUR", "0", "0", "0", "0", "0"],
        ]
        rows = rows_of(get(api, admin, "warnings?format=csv"))
        assert rows == [
            ["course_id", "course_title", "student_uid", "student_name", "reasons", "last_activity", "notified_at"]
        ]

    def test_an_error_stays_json_when_csv_was_asked(self, api, student):
        response = get(api, student, "engagement?format=csv")
        assert response["Content-Type"].startswith("application/json")
        assert_error(response, 403)


def test_the_schema_describes_the_four_reports(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for name in ("engagement", "progress", "revenue", "warnings"):
        get_op = paths[f"/api/v1/analytics/{name}"]["get"]
        assert set(get_op["responses"]["200"]["content"]) == {"application/json", "text/csv"}
        params = {param["name"] for param in get_op["parameters"]}
        assert "format" in params
    engagement_params = {param["name"] for param in paths["/api/v1/analytics/engagement"]["get"]["parameters"]}
    assert {"from", "to", "group", "tz", "course_id", "teacher_uid"} <= engagement_params
