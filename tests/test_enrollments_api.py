"""Enrolments: seats, waitlist, payments, parents, withdrawal, lists and the capacity under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from courses.enrolment import services
from courses.payments import has_paid_for_course
from cplatform.actor import Actor
from firestore_operations import payments
from firestore_operations import users as user_store
from firestore_operations.client import db
from tests.conftest import assert_error, call
from tests.test_courses_api import create_course, enrol, record_notifications, record_signals


@pytest.fixture
def caught_signals():
    yield from record_signals()


@pytest.fixture
def notifications(monkeypatch):
    return record_notifications(monkeypatch)


def course_doc(course_id: str) -> dict:
    return db().collection("courses").document(course_id).get().to_dict()


def withdraw(api, persona, course_id: str, query: str = ""):
    return call(api, "delete", f"/api/v1/courses/{course_id}/enrollment{query}", persona)


def make_students(count: int, prefix: str = "s") -> list[Actor]:
    """Student profiles written directly (no Auth accounts): enough for service-level calls."""
    actors = []
    for index in range(count):
        uid = f"{prefix}{index:03d}"
        user_store.create_profile(uid, {"uid": uid, "display_name": f"Student {index}", "role": "student"})
        actors.append(Actor(uid=uid, email=f"{uid}@example.com", role="student"))
    return actors


class TestEnrol:
    def test_a_student_enrols_and_the_teacher_hears_of_it(
        self, api, owner_teacher, student, notifications, caught_signals
    ):
        course = create_course(api, owner_teacher)
        caught_signals.clear()
        response = enrol(api, student, course["id"])
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "active" and body["student_uid"] == student.uid and body["enrolled_at"]
        assert body["course_title"] == course["title"] and body["teacher_name"] == "Ada Lovelace"
        assert body["student_name"] == "Sam Student" and body["lessons_attended"] == 0
        assert course_doc(course["id"])["enrolled_count"] == 1
        assert [(n["kind"], n["recipient_uids"]) for n in notifications] == [
            ("enrollment.created", [owner_teacher.uid])
        ]
        activated = {
            "course_id": course["id"],
            "student_uid": student.uid,
            "teacher_uid": owner_teacher.uid,
            "course_title": course["title"],
            "student_name": "Sam Student",
            "promoted": False,
        }
        assert caught_signals == [("enrollment_activated", activated)]

    def test_enrolling_again_changes_nothing(self, api, owner_teacher, student, notifications):
        course = create_course(api, owner_teacher)
        first = enrol(api, student, course["id"]).json()
        again = enrol(api, student, course["id"])
        assert again.status_code == 200 and again.json() == first
        assert course_doc(course["id"])["enrolled_count"] == 1 and len(notifications) == 1

    def test_a_parent_enrols_a_linked_child(self, api, owner_teacher, parent, student):
        course = create_course(api, owner_teacher)
        response = enrol(api, parent, course["id"], student_uid=student.uid)
        assert response.status_code == 201 and response.json()["student_uid"] == student.uid
        assert response.json()["enrolled_by"] == parent.uid
        mine = call(api, "get", f"/api/v1/courses/{course['id']}/enrollment", student)
        assert mine.status_code == 200 and mine.json()["status"] == "active"

    def test_a_parent_cannot_enrol_a_child_not_linked(self, api, owner_teacher, parent, other_student):
        course = create_course(api, owner_teacher)
        assert_error(enrol(api, parent, course["id"], student_uid=other_student.uid), 403, "permission_denied")

    def test_a_parent_must_name_the_child(self, api, owner_teacher, parent):
        course = create_course(api, owner_teacher)
        assert "student_uid" in assert_error(enrol(api, parent, course["id"]), 400)["fields"]

    def test_a_student_cannot_enrol_someone_else(self, api, owner_teacher, student, other_student):
        course = create_course(api, owner_teacher)
        assert_error(enrol(api, student, course["id"], student_uid=other_student.uid), 403)

    def test_teachers_and_admins_do_not_enrol(self, api, owner_teacher, other_teacher, admin):
        course = create_course(api, owner_teacher)
        for persona in (other_teacher, admin):
            assert_error(enrol(api, persona, course["id"]), 403, "wrong_role")

    def test_anonymous_callers_are_refused(self, api, owner_teacher):
        course = create_course(api, owner_teacher)
        assert_error(api.post(f"/api/v1/courses/{course['id']}/enrollment"), 401)

    def test_unknown_fields_are_400(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        assert_error(enrol(api, student, course["id"], seats=3), 400)

    def test_an_unknown_course_is_404(self, api, student):
        assert_error(enrol(api, student, "nope"), 404, "not_found")

    def test_drafts_and_archived_courses_are_409(self, api, owner_teacher, student):
        draft = create_course(api, owner_teacher, status="draft")
        archived = create_course(api, owner_teacher)
        call(api, "patch", f"/api/v1/courses/{archived['id']}", owner_teacher, data={"status": "archived"})
        for course in (draft, archived):
            assert_error(enrol(api, student, course["id"]), 409, "course_not_open")

    def test_a_withdrawn_student_can_enrol_again(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        enrol(api, student, course["id"])
        withdrawn = withdraw(api, student, course["id"])
        assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
        assert withdrawn.json()["withdrawn_at"]
        again = enrol(api, student, course["id"])
        assert again.status_code == 201 and again.json()["status"] == "active"
        assert again.json()["withdrawn_at"] is None

    def test_a_completed_enrolment_is_409(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        enrol(api, student, course["id"])
        db().collection("enrollments").document(f"{course['id']}_{student.uid}").update({"status": "completed"})
        assert_error(withdraw(api, student, course["id"]), 409, "already_completed")
        db().collection("enrollments").document(f"{course['id']}_{student.uid}").update({"status": "withdrawn"})
        db().collection("enrollments").document(f"{course['id']}_{student.uid}").update({"status": "completed"})
        assert enrol(api, student, course["id"]).status_code == 409


class TestPaidCourses:
    PRICE = {"amount": 2500, "currency": "EUR"}

    def test_a_paid_course_asks_for_payment_first(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher, price=self.PRICE)
        error = assert_error(enrol(api, student, course["id"]), 402, "payment_required")
        assert error["price"] == self.PRICE
        assert course_doc(course["id"])["enrolled_count"] == 0

    def test_a_completed_payment_opens_the_seat(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher, price=self.PRICE)
        payments.record_course_payment(
            course["id"], student.uid, status="completed", amount=2500, currency="EUR", payer_uid=student.uid
        )
        assert enrol(api, student, course["id"]).status_code == 201

    def test_a_pending_payment_is_not_enough(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher, price=self.PRICE)
        payments.record_course_payment(
            course["id"], student.uid, status="pending", amount=2500, currency="EUR", payer_uid=student.uid
        )
        assert_error(enrol(api, student, course["id"]), 402, "payment_required")

    def test_has_paid_reads_the_payment_document(self, owner_teacher, student):
        assert has_paid_for_course(student_uid=student.uid, course_id="c1") is False
        db().collection("course_payments").document(f"c1_{student.uid}").set({"status": "completed"})
        assert has_paid_for_course(student_uid=student.uid, course_id="c1") is True
        assert has_paid_for_course(student_uid="someone-else", course_id="c1") is False


class TestWaitlist:
    def test_a_full_course_waitlists_with_positions(self, api, owner_teacher, student, other_student, make_user):
        course = create_course(api, owner_teacher, capacity=1)
        third = make_user("student")
        assert enrol(api, student, course["id"]).status_code == 201
        waiting = enrol(api, other_student, course["id"])
        assert waiting.status_code == 202
        assert waiting.json()["status"] == "waitlisted" and waiting.json()["position"] == 1
        later = enrol(api, third, course["id"])
        assert later.status_code == 202 and later.json()["position"] == 2
        again = enrol(api, third, course["id"])
        assert again.status_code == 200 and again.json()["position"] == 2
        doc = course_doc(course["id"])
        assert (doc["enrolled_count"], doc["waitlist_count"]) == (1, 2)

    def test_a_freed_seat_goes_to_the_first_waiting_student(
        self, api, owner_teacher, student, other_student, make_user, notifications, caught_signals
    ):
        course = create_course(api, owner_teacher, capacity=1)
        third = make_user("student")
        enrol(api, student, course["id"])
        enrol(api, other_student, course["id"])
        enrol(api, third, course["id"])
        notifications.clear()
        caught_signals.clear()
        assert withdraw(api, student, course["id"]).json()["status"] == "withdrawn"
        promoted = call(api, "get", f"/api/v1/courses/{course['id']}/enrollment", other_student).json()
        assert promoted["status"] == "active" and promoted["enrolled_at"]
        still = call(api, "get", f"/api/v1/courses/{course['id']}/enrollment", third).json()
        assert still["status"] == "waitlisted" and still["position"] == 1
        doc = course_doc(course["id"])
        assert (doc["enrolled_count"], doc["waitlist_count"]) == (1, 1)
        kinds = {(n["kind"], tuple(n["recipient_uids"])) for n in notifications}
        assert ("enrollment.promoted", (other_student.uid,)) in kinds
        assert ("enrollment.withdrawn", (owner_teacher.uid,)) in kinds
        names = [(name, kwargs["student_uid"]) for name, kwargs in caught_signals]
        assert names == [("enrollment_ended", student.uid), ("enrollment_activated", other_student.uid)]

    def test_leaving_the_waitlist_moves_the_others_up(self, api, owner_teacher, student, other_student, make_user):
        course = create_course(api, owner_teacher, capacity=1)
        third = make_user("student")
        enrol(api, student, course["id"])
        enrol(api, other_student, course["id"])
        enrol(api, third, course["id"])
        assert withdraw(api, other_student, course["id"]).json()["status"] == "withdrawn"
        assert call(api, "get", f"/api/v1/courses/{course['id']}/enrollment", third).json()["position"] == 1
        doc = course_doc(course["id"])
        assert (doc["enrolled_count"], doc["waitlist_count"]) == (1, 1)

    def test_raising_the_capacity_fills_seats_from_the_waitlist(self, api, owner_teacher, student, other_student):
        course = create_course(api, owner_teacher, capacity=1)
        enrol(api, student, course["id"])
        enrol(api, other_student, course["id"])
        response = call(api, "patch", f"/api/v1/courses/{course['id']}", owner_teacher, data={"capacity": 2})
        assert response.status_code == 200
        assert response.json()["enrolled_count"] == 2 and response.json()["waitlist_count"] == 0
        mine = call(api, "get", f"/api/v1/courses/{course['id']}/enrollment", other_student).json()
        assert mine["status"] == "active"

    def test_twenty_students_race_for_the_last_five_seats(self, api, owner_teacher):
        course = create_course(api, owner_teacher, capacity=8)
        db().collection("courses").document(course["id"]).update({"enrolled_count": 3})
        students = make_students(20)

        def attempt(actor):
            return services.enroll_student(actor=actor, course_id=course["id"]).outcome

        with ThreadPoolExecutor(max_workers=20) as pool:
            outcomes = list(pool.map(attempt, students))
        assert outcomes.count("created") == 5 and outcomes.count("waitlisted") == 15
        rows = [doc.to_dict() for doc in db().collection("enrollments").stream()]
        assert sum(1 for row in rows if row["status"] == "active") == 5
        doc = course_doc(course["id"])
        assert (doc["enrolled_count"], doc["waitlist_count"], doc["waitlist_next_seq"]) == (8, 15, 16)
        seqs = sorted(row["waitlist_seq"] for row in rows if row["status"] == "waitlisted")
        assert seqs == list(range(1, 16))


class TestWithdraw:
    def test_a_parent_withdraws_a_linked_child(self, api, owner_teacher, parent, student):
        course = create_course(api, owner_teacher)
        enrol(api, student, course["id"])
        response = withdraw(api, parent, course["id"], f"?student_uid={student.uid}")
        assert response.status_code == 200 and response.json()["status"] == "withdrawn"
        assert course_doc(course["id"])["enrolled_count"] == 0

    def test_a_parent_cannot_withdraw_another_child(self, api, owner_teacher, parent, other_student):
        course = create_course(api, owner_teacher)
        enrol(api, other_student, course["id"])
        assert_error(withdraw(api, parent, course["id"], f"?student_uid={other_student.uid}"), 403)

    def test_withdrawing_twice_changes_nothing(self, api, owner_teacher, student, notifications):
        course = create_course(api, owner_teacher)
        enrol(api, student, course["id"])
        first = withdraw(api, student, course["id"]).json()
        second = withdraw(api, student, course["id"])
        assert second.status_code == 200 and second.json() == first
        assert [n["kind"] for n in notifications].count("enrollment.withdrawn") == 1
        assert course_doc(course["id"])["enrolled_count"] == 0

    def test_withdrawing_without_an_enrolment_is_404(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        assert_error(withdraw(api, student, course["id"]), 404, "not_found")
        assert_error(call(api, "get", f"/api/v1/courses/{course['id']}/enrollment", student), 404)

    def test_teachers_cannot_withdraw_students(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        enrol(api, student, course["id"])
        assert_error(withdraw(api, owner_teacher, course["id"], f"?student_uid={student.uid}"), 403, "wrong_role")


class TestDeletedStudents:
    def test_a_deleted_students_seat_goes_to_the_waitlist(self, api, owner_teacher, student, other_student):
        course = create_course(api, owner_teacher, capacity=1)
        enrol(api, student, course["id"])
        enrol(api, other_student, course["id"])
        assert call(api, "delete", "/api/v1/me", student).status_code == 204
        assert (
            call(api, "get", f"/api/v1/courses/{course['id']}/enrollment", other_student).json()["status"] == "active"
        )
        doc = course_doc(course["id"])
        assert (doc["enrolled_count"], doc["waitlist_count"]) == (1, 0)


class TestMyEnrollments:
    def test_a_student_lists_hers_in_one_query(self, api, owner_teacher, student, other_student):
        first = create_course(api, owner_teacher, title="First")
        second = create_course(api, owner_teacher, title="Second")
        enrol(api, student, first["id"])
        enrol(api, student, second["id"])
        enrol(api, other_student, first["id"])
        response = call(api, "get", "/api/v1/me/enrollments", student)
        assert response.status_code == 200 and response["X-Firestore-Queries"] == "1"
        items = response.json()["items"]
        assert [item["course_title"] for item in items] == ["Second", "First"]
        assert {item["student_uid"] for item in items} == {student.uid}

    def test_the_status_filter_and_pages(self, api, owner_teacher, student):
        ids = [create_course(api, owner_teacher, title=f"Course {index}")["id"] for index in range(3)]
        for course_id in ids:
            enrol(api, student, course_id)
        withdraw(api, student, ids[0])
        active = call(api, "get", "/api/v1/me/enrollments?status=active&limit=1", student).json()
        assert len(active["items"]) == 1 and active["next_cursor"]
        rest = call(api, "get", f"/api/v1/me/enrollments?status=active&limit=1&cursor={active['next_cursor']}", student)
        assert rest.json()["next_cursor"] is None
        assert {active["items"][0]["course_id"], rest.json()["items"][0]["course_id"]} == set(ids[1:])

    def test_a_parent_sees_the_childrens_enrolments(self, api, owner_teacher, parent, student, other_student):
        course = create_course(api, owner_teacher)
        enrol(api, student, course["id"])
        enrol(api, other_student, course["id"])
        response = call(api, "get", "/api/v1/me/enrollments", parent)
        assert response.status_code == 200 and response["X-Firestore-Queries"] == "1"
        assert [item["student_uid"] for item in response.json()["items"]] == [student.uid]
        one = call(api, "get", f"/api/v1/me/enrollments?student_uid={student.uid}", parent)
        assert len(one.json()["items"]) == 1
        assert_error(call(api, "get", f"/api/v1/me/enrollments?student_uid={other_student.uid}", parent), 403)

    def test_a_parent_without_children_gets_an_empty_list(self, api, make_user):
        lonely = make_user("parent")
        response = call(api, "get", "/api/v1/me/enrollments", lonely)
        assert response.status_code == 200 and response.json() == {"items": [], "next_cursor": None}

    def test_teachers_have_no_enrolments(self, api, owner_teacher):
        assert_error(call(api, "get", "/api/v1/me/enrollments", owner_teacher), 403, "wrong_role")

    def test_bad_parameters_are_400(self, api, student):
        assert_error(call(api, "get", "/api/v1/me/enrollments?status=lost", student), 400)
        assert_error(call(api, "get", "/api/v1/me/enrollments?cursor=zzz", student), 400)


class TestRoster:
    def test_the_owner_sees_the_roster_by_name_in_one_query(self, api, owner_teacher, student, other_student):
        course = create_course(api, owner_teacher, capacity=1)
        enrol(api, student, course["id"])
        enrol(api, other_student, course["id"])
        response = call(api, "get", f"/api/v1/courses/{course['id']}/enrollments", owner_teacher)
        assert response.status_code == 200 and response["X-Firestore-Queries"] == "1"
        assert [item["student_name"] for item in response.json()["items"]] == ["Olive Outsider", "Sam Student"]
        waiting = call(api, "get", f"/api/v1/courses/{course['id']}/enrollments?status=waitlisted", owner_teacher)
        assert [(i["student_uid"], i["waitlist_seq"]) for i in waiting.json()["items"]] == [(other_student.uid, 1)]

    def test_an_admin_sees_it_too(self, api, owner_teacher, admin):
        course = create_course(api, owner_teacher)
        assert call(api, "get", f"/api/v1/courses/{course['id']}/enrollments", admin).status_code == 200

    def test_others_are_refused(self, api, owner_teacher, other_teacher, student):
        course = create_course(api, owner_teacher)
        assert_error(call(api, "get", f"/api/v1/courses/{course['id']}/enrollments", other_teacher), 403)
        assert_error(call(api, "get", f"/api/v1/courses/{course['id']}/enrollments", student), 403, "wrong_role")

    def test_an_unknown_course_is_404(self, api, owner_teacher):
        assert_error(call(api, "get", "/api/v1/courses/nope/enrollments", owner_teacher), 404)


class TestCopiesFollow:
    def test_a_course_rename_reaches_its_enrolments(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        enrol(api, student, course["id"])
        call(api, "patch", f"/api/v1/courses/{course['id']}", owner_teacher, data={"title": "Algebra, renamed"})
        items = call(api, "get", "/api/v1/me/enrollments", student).json()["items"]
        assert items[0]["course_title"] == "Algebra, renamed"

    @pytest.mark.parametrize("who", ["teacher", "student"])
    def test_a_person_rename_reaches_the_enrolments(self, api, owner_teacher, student, who):
        course = create_course(api, owner_teacher)
        enrol(api, student, course["id"])
        persona = owner_teacher if who == "teacher" else student
        assert call(api, "patch", "/api/v1/me", persona, data={"display_name": "Renamed Person"}).status_code == 200
        item = call(api, "get", "/api/v1/me/enrollments", student).json()["items"][0]
        assert item[f"{who}_name"] == "Renamed Person"
