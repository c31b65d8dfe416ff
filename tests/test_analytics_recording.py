"""Recording analytics: domain events become daily aggregates, exact in the viewer's time zone, without loss."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import call
from tests.factories import Clock, add_lesson, get_doc, make_course

UTC = dt.UTC


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def actor_of(persona):
    from cplatform.actor import Actor

    return Actor(uid=persona.uid, email=persona.email, role=persona.role)


def engagement(persona, first: str, last: str, tz: str, group: str = "day", **filters) -> dict:
    from analytics import services

    viewer = actor_of(persona)
    rng = services.viewer_range(
        actor=viewer,
        first=dt.date.fromisoformat(first),
        last=dt.date.fromisoformat(last),
        group=group,
        timezone=tz,
    )
    return services.engagement_report(actor=viewer, rng=rng, **filters)


def by_period(report: dict, *names: str) -> dict:
    return {row["period"]: tuple(row[name] for name in names) for row in report["series"]}


@pytest.fixture
def sign_ins(student, other_student):
    """Three sign-ins around midnight UTC on 1-2 March, none on the 3rd, one on the 4th."""
    from analytics import recorder

    assert recorder.signed_in(uid=student.uid, at=at(1, 23, 50))
    assert recorder.signed_in(uid=other_student.uid, at=at(2, 0, 10))
    assert recorder.signed_in(uid=student.uid, at=at(4, 12, 0))


class TestTimeZones:
    def test_days_follow_utc_for_a_utc_viewer_and_a_day_without_events_is_zero(self, admin, sign_ins):
        report = engagement(admin, "2026-03-01", "2026-03-04", "UTC")
        assert by_period(report, "sign_ins", "active_users") == {
            "2026-03-01": (1, 1),
            "2026-03-02": (1, 1),
            "2026-03-03": (0, 0),
            "2026-03-04": (1, 1),
        }
        assert report["totals"]["sign_ins"] == 3
        assert report["totals"]["active_users"] == 2
        assert (report["totals"]["dau"], report["totals"]["wau"], report["totals"]["mau"]) == (1, 2, 2)

    def test_a_viewer_east_of_utc_sees_both_sign_ins_on_the_second(self, admin, sign_ins):
        # Kolkata is UTC+5:30: 23:50 UTC on the 1st is 05:20 on the 2nd (a half-hour offset).
        report = engagement(admin, "2026-03-01", "2026-03-04", "Asia/Kolkata")
        assert by_period(report, "sign_ins", "active_users") == {
            "2026-03-01": (0, 0),
            "2026-03-02": (2, 2),
            "2026-03-03": (0, 0),
            "2026-03-04": (1, 1),
        }

    def test_a_viewer_west_of_utc_sees_both_sign_ins_on_the_first(self, admin, sign_ins):
        report = engagement(admin, "2026-03-01", "2026-03-04", "America/New_York")
        assert by_period(report, "sign_ins")["2026-03-01"] == (2,)
        assert by_period(report, "sign_ins")["2026-03-02"] == (0,)

    def test_a_range_edge_cuts_at_local_midnight(self, admin, sign_ins):
        # One day only, in New York: 00:10 UTC on the 2nd is still the 1st there.
        report = engagement(admin, "2026-03-02", "2026-03-02", "America/New_York")
        assert report["totals"]["sign_ins"] == 0
        report = engagement(admin, "2026-03-01", "2026-03-01", "America/New_York")
        assert report["totals"]["sign_ins"] == 2

    def test_the_daylight_saving_day_keeps_every_hour(self, admin, student):
        from analytics import recorder

        # New York springs forward on 8 March 2026: 05:30 and 07:30 UTC are 00:30 EST and 03:30 EDT.
        recorder.signed_in(uid=student.uid, at=at(8, 5, 30))
        recorder.signed_in(uid=student.uid, at=at(8, 7, 30))
        recorder.signed_in(uid=student.uid, at=at(9, 3, 59))  # 23:59 EDT on the 8th
        recorder.signed_in(uid=student.uid, at=at(9, 4, 0))  # 00:00 EDT on the 9th
        report = engagement(admin, "2026-03-08", "2026-03-09", "America/New_York")
        assert by_period(report, "sign_ins") == {"2026-03-08": (3,), "2026-03-09": (1,)}

    def test_weeks_and_months_group_local_days(self, admin, sign_ins):
        weeks = engagement(admin, "2026-02-23", "2026-03-08", "UTC", group="week")
        # 1 March 2026 is a Sunday: it belongs to the week of Monday 23 February.
        assert by_period(weeks, "sign_ins", "active_users") == {"2026-02-23": (1, 1), "2026-03-02": (2, 2)}
        months = engagement(admin, "2026-02-01", "2026-03-31", "America/New_York", group="month")
        assert by_period(months, "sign_ins", "active_users") == {"2026-02": (0, 0), "2026-03": (3, 2)}


class TestCourseCounters:
    def test_concurrent_views_of_one_course_lose_no_count(self, admin, owner_teacher, make_user):
        from analytics import recorder

        course_id = make_course(owner_teacher, title="Popular")
        viewers = [f"viewer{n}" for n in range(60)]

        def view(uid: str) -> bool:
            return recorder.course_viewed(
                course_id=course_id,
                teacher_uid=owner_teacher.uid,
                viewer_uid=uid,
                viewer_role="student",
                at=at(5, 10),
            )

        with ThreadPoolExecutor(max_workers=20) as pool:
            assert all(pool.map(view, viewers))
        course = engagement(admin, "2026-03-05", "2026-03-05", "UTC", course_id=course_id)
        assert course["totals"]["views"] == 60
        assert course["courses"] == [
            {
                "course_id": course_id,
                "course_title": "Popular",
                "active_students": 60,
                "views": 60,
                "enrollments": 0,
                "withdrawals": 0,
                "downloads": 0,
                "feedback": 0,
            }
        ]
        teacher = engagement(owner_teacher, "2026-03-05", "2026-03-05", "UTC")
        assert (teacher["totals"]["views"], teacher["totals"]["active_users"]) == (60, 60)
        platform = engagement(admin, "2026-03-05", "2026-03-05", "UTC")
        assert (platform["totals"]["views"], platform["totals"]["dau"]) == (60, 60)

    def test_views_spread_over_shards(self, owner_teacher, settings):
        from analytics import recorder
        from firestore_operations import analytics as store

        settings.ANALYTICS_COUNTER_SHARDS = 4
        course_id = make_course(owner_teacher)
        for n in range(40):
            recorder.course_viewed(
                course_id=course_id,
                teacher_uid=owner_teacher.uid,
                viewer_uid=f"u{n}",
                viewer_role="student",
                at=at(5, 9),
            )
        docs = store.daily_documents(
            kind="course", label="scope_id", values=[course_id], first_day="2026-03-05", last_day="2026-03-05"
        )
        assert 1 < len(docs) <= 4
        assert sum(doc["s"]["36"]["views"] for doc in docs) == 40

    def test_searches_keep_top_and_empty_queries(self, admin, student):
        from analytics import recorder

        for query, found in [("Algebra", 3), ("algebra ", 2), ("Élan", 0), ("python", 1), ("elan", 0)]:
            recorder.searched(query=query, result_count=found, uid=student.uid, at=at(6, 8))
        report = engagement(admin, "2026-03-06", "2026-03-06", "UTC")
        assert report["totals"]["searches"] == 5
        assert report["totals"]["searches_empty"] == 2
        assert report["top_queries"][:2] == [{"query": "algebra", "count": 2}, {"query": "elan", "count": 2}]
        assert report["empty_queries"] == [{"query": "elan", "count": 2}]


class TestFailures:
    def test_a_failed_recording_is_counted_and_never_fails_the_sign_in(self, api, student, monkeypatch):
        from django.core.cache import cache

        from analytics import recorder
        from firestore_operations import analytics as store

        def broken(**kwargs):
            raise RuntimeError("Firestore is down")

        monkeypatch.setattr(store, "record", broken)
        before = recorder.failure_count()
        response = call(api, "post", "/api/v1/auth/login", data={"email": student.email, "password": student.password})
        assert response.status_code == 200
        assert recorder.failure_count() == before + 1
        assert cache.get(recorder.FAILURES_KEY) == 1


class TestDomainEvents:
    def test_sign_in_course_view_search_and_message_are_counted_from_the_real_flows(
        self, api, admin, owner_teacher, student, monkeypatch
    ):
        Clock(monkeypatch, at(10, 9))
        course_id = make_course(owner_teacher, title="Algebra")
        assert (
            call(
                api, "post", "/api/v1/auth/login", data={"email": student.email, "password": student.password}
            ).status_code
            == 200
        )
        assert call(api, "get", f"/api/v1/courses/{course_id}", student).status_code == 200
        assert call(api, "get", "/api/v1/courses?q=zzzzqx", student).status_code == 200
        sent = call(api, "post", f"/api/v1/messages/{admin.uid}", student, data={"content": "Hello"})
        assert sent.status_code in (200, 201), sent.content
        report = engagement(admin, "2026-03-10", "2026-03-10", "UTC")
        totals = report["totals"]
        assert (totals["sign_ins"], totals["views"], totals["searches"], totals["searches_empty"]) == (1, 1, 1, 1)
        assert totals["messages"] == 1
        assert totals["dau"] == 1
        assert report["empty_queries"] == [{"query": "zzzzqx", "count": 1}]

    def test_enrolment_attendance_and_withdrawal_land_in_the_student_course_summary(
        self, api, owner_teacher, student, monkeypatch
    ):
        clock = Clock(monkeypatch, at(10, 9))
        course_id = make_course(owner_teacher, title="Algebra")
        assert call(api, "post", f"/api/v1/courses/{course_id}/enrollment", student).status_code in (200, 201)
        summary = get_doc("analytics_student_courses", f"{course_id}_{student.uid}")
        assert summary["active"] is True and summary["teacher_uid"] == owner_teacher.uid
        lesson = add_lesson(api, owner_teacher, course_id, at(11, 10))
        clock.travel_to(at(11, 11))
        body = {"records": [{"student_uid": student.uid, "status": "absent"}]}
        assert (
            call(api, "post", f"/api/v1/lessons/{lesson['id']}/attendance", owner_teacher, data=body).status_code == 200
        )
        body["records"][0]["status"] = "present"  # taken again: replaces the mark, counts once
        assert (
            call(api, "post", f"/api/v1/lessons/{lesson['id']}/attendance", owner_teacher, data=body).status_code == 200
        )
        summary = get_doc("analytics_student_courses", f"{course_id}_{student.uid}")
        assert summary["marks"] == {lesson["id"]: {"at": at(11, 10), "s": "present"}}
        assert call(api, "delete", f"/api/v1/courses/{course_id}/enrollment", student).status_code in (200, 204)
        summary = get_doc("analytics_student_courses", f"{course_id}_{student.uid}")
        assert (summary["active"], summary["ended_reason"]) == (False, "withdrawn")


def test_a_teachers_view_of_her_course_is_a_view_but_not_an_active_student(api, admin, owner_teacher, monkeypatch):
    Clock(monkeypatch, at(12, 9))
    course_id = make_course(owner_teacher, title="Algebra")
    assert call(api, "get", f"/api/v1/courses/{course_id}", owner_teacher).status_code == 200
    course = engagement(admin, "2026-03-12", "2026-03-12", "UTC", course_id=course_id)
    assert (course["totals"]["views"], course["totals"]["active_users"]) == (1, 0)
    platform = engagement(admin, "2026-03-12", "2026-03-12", "UTC")
    assert (platform["totals"]["views"], platform["totals"]["dau"]) == (1, 1)
