"""Feedback and ratings: who may rate, one per student, exact averages under concurrency, replies, moderation."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from courses.enrolment import services as enrolment_services
from courses.feedback import services
from firestore_operations.client import db
from tests.conftest import assert_error, call
from tests.test_courses_api import create_course, enrol, record_notifications
from tests.test_enrollments_api import course_doc, make_students


@pytest.fixture
def notifications(monkeypatch):
    return record_notifications(monkeypatch)


def post(api, persona, course_id: str, **data):
    return call(api, "post", f"/api/v1/courses/{course_id}/feedback", persona, data=data)


def ratings(course_id: str) -> tuple[float, int, int]:
    doc = course_doc(course_id)
    return doc["rating_avg"], doc["rating_count"], doc["rating_sum"]


def enrolled_course(api, teacher, *students) -> dict:
    course = create_course(api, teacher)
    for persona in students:
        assert enrol(api, persona, course["id"]).status_code == 201
    return course


class TestPost:
    def test_an_enrolled_student_rates_and_the_teacher_hears_of_it(self, api, owner_teacher, student, notifications):
        course = enrolled_course(api, owner_teacher, student)
        notifications.clear()
        response = post(api, student, course["id"], rating=4, comment="Clear and kind.")
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["rating"], body["comment"], body["student_name"]) == (4, "Clear and kind.", "Sam Student")
        assert body["reply"] is None and body["hidden"] is False and body["posted_at"]
        assert ratings(course["id"]) == (4.0, 1, 4)
        assert [(n["kind"], n["recipient_uids"]) for n in notifications] == [("feedback.received", [owner_teacher.uid])]

    def test_posting_again_replaces_the_rating(self, api, owner_teacher, student, other_student, notifications):
        course = enrolled_course(api, owner_teacher, student, other_student)
        post(api, student, course["id"], rating=2)
        post(api, other_student, course["id"], rating=5)
        again = post(api, student, course["id"], rating=3, comment="Better now.")
        assert again.status_code == 200 and again.json()["rating"] == 3
        assert ratings(course["id"]) == (4.0, 2, 8)
        assert [n["kind"] for n in notifications].count("feedback.received") == 2

    def test_a_withdrawn_student_may_still_rate(self, api, owner_teacher, student):
        course = enrolled_course(api, owner_teacher, student)
        call(api, "delete", f"/api/v1/courses/{course['id']}/enrollment", student)
        assert post(api, student, course["id"], rating=5).status_code == 201

    def test_a_waitlisted_student_may_not(self, api, owner_teacher, student, other_student):
        course = create_course(api, owner_teacher, capacity=1)
        enrol(api, student, course["id"])
        assert enrol(api, other_student, course["id"]).status_code == 202
        assert_error(post(api, other_student, course["id"], rating=1), 403, "permission_denied")
        call(api, "delete", f"/api/v1/courses/{course['id']}/enrollment", other_student)
        assert_error(post(api, other_student, course["id"], rating=1), 403, "permission_denied")

    def test_strangers_and_other_roles_may_not(self, api, owner_teacher, other_student, parent):
        course = create_course(api, owner_teacher)
        assert_error(post(api, other_student, course["id"], rating=5), 403, "permission_denied")
        for persona in (owner_teacher, parent):
            assert_error(post(api, persona, course["id"], rating=5), 403, "wrong_role")
        assert_error(call(api, "post", f"/api/v1/courses/{course['id']}/feedback", data={"rating": 5}), 401)

    def test_bad_ratings_are_400(self, api, owner_teacher, student):
        course = enrolled_course(api, owner_teacher, student)
        for body in ({"rating": 0}, {"rating": 6}, {"rating": "five"}, {}, {"rating": 3, "comment": "x" * 2001}):
            response = call(api, "post", f"/api/v1/courses/{course['id']}/feedback", student, data=body)
            assert_error(response, 400, "invalid")

    def test_an_unknown_course_is_404(self, api, student):
        assert_error(post(api, student, "nope", rating=3), 404)

    def test_ten_students_rating_at_once_keep_the_average_exact(self, api, owner_teacher):
        course = create_course(api, owner_teacher)
        students = make_students(10)
        for actor in students:
            enrolment_services.enroll_student(actor=actor, course_id=course["id"])
        scores = [1, 2, 3, 4, 5, 5, 4, 3, 2, 2]

        def rate(pair):
            actor, score = pair
            return services.post_feedback(actor=actor, course_id=course["id"], rating=score, comment="")[1]

        with ThreadPoolExecutor(max_workers=10) as pool:
            created = list(pool.map(rate, zip(students, scores, strict=True)))
        assert all(created)
        assert ratings(course["id"]) == (3.1, 10, 31)


class TestList:
    def test_newest_first_in_one_query_with_pages(self, api, owner_teacher, student, other_student):
        course = enrolled_course(api, owner_teacher, student, other_student)
        post(api, student, course["id"], rating=3, comment="first")
        post(api, other_student, course["id"], rating=5, comment="second")
        path = f"/api/v1/courses/{course['id']}/feedback"
        first = call(api, "get", f"{path}?limit=1", other_student)
        assert first.status_code == 200 and first["X-Firestore-Queries"] == "1"
        assert [item["comment"] for item in first.json()["items"]] == ["second"]
        rest = call(api, "get", f"{path}?limit=1&cursor={first.json()['next_cursor']}", other_student).json()
        assert [item["comment"] for item in rest["items"]] == ["first"] and rest["next_cursor"] is None

    def test_any_signed_in_user_reads_it(self, api, owner_teacher, student, other_teacher):
        course = enrolled_course(api, owner_teacher, student)
        post(api, student, course["id"], rating=4)
        response = call(api, "get", f"/api/v1/courses/{course['id']}/feedback", other_teacher)
        assert len(response.json()["items"]) == 1
        assert_error(api.get(f"/api/v1/courses/{course['id']}/feedback"), 401)

    def test_a_draft_course_feedback_is_404_to_others(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher, status="draft")
        assert_error(call(api, "get", f"/api/v1/courses/{course['id']}/feedback", student), 404)

    def test_a_bad_cursor_is_400(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        assert_error(call(api, "get", f"/api/v1/courses/{course['id']}/feedback?cursor=abc", student), 400)


class TestReply:
    def test_the_teacher_replies_once(self, api, owner_teacher, student):
        course = enrolled_course(api, owner_teacher, student)
        post(api, student, course["id"], rating=2, comment="Too fast.")
        path = f"/api/v1/courses/{course['id']}/feedback/{student.uid}/reply"
        response = call(api, "post", path, owner_teacher, data={"reply": "I will slow down, thank you."})
        assert response.status_code == 200, response.content
        assert response.json()["reply"] == "I will slow down, thank you." and response.json()["replied_at"]
        assert_error(call(api, "post", path, owner_teacher, data={"reply": "Again"}), 409, "already_replied")

    def test_others_cannot_reply(self, api, owner_teacher, other_teacher, student, admin):
        course = enrolled_course(api, owner_teacher, student)
        post(api, student, course["id"], rating=2)
        path = f"/api/v1/courses/{course['id']}/feedback/{student.uid}/reply"
        assert_error(call(api, "post", path, other_teacher, data={"reply": "Hi"}), 403, "permission_denied")
        for persona in (student, admin):
            assert_error(call(api, "post", path, persona, data={"reply": "Hi"}), 403, "wrong_role")

    def test_replying_to_missing_feedback_is_404(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        path = f"/api/v1/courses/{course['id']}/feedback/{student.uid}/reply"
        assert_error(call(api, "post", path, owner_teacher, data={"reply": "Hi"}), 404)

    def test_an_empty_reply_is_400(self, api, owner_teacher, student):
        course = enrolled_course(api, owner_teacher, student)
        post(api, student, course["id"], rating=2)
        path = f"/api/v1/courses/{course['id']}/feedback/{student.uid}/reply"
        assert "reply" in assert_error(call(api, "post", path, owner_teacher, data={"reply": ""}), 400)["fields"]


class TestHide:
    def test_hidden_feedback_leaves_the_list_and_the_average(self, api, owner_teacher, student, other_student, admin):
        course = enrolled_course(api, owner_teacher, student, other_student)
        post(api, student, course["id"], rating=1, comment="abusive words")
        post(api, other_student, course["id"], rating=5)
        path = f"/api/v1/courses/{course['id']}/feedback/{student.uid}/hide"
        response = call(api, "post", path, admin, data={"hidden": True})
        assert response.status_code == 200 and response.json()["hidden"] is True
        assert ratings(course["id"]) == (5.0, 1, 5)
        listing = call(api, "get", f"/api/v1/courses/{course['id']}/feedback", other_student)
        assert listing["X-Firestore-Queries"] == "1"
        assert [item["student_uid"] for item in listing.json()["items"]] == [other_student.uid]
        as_admin = call(api, "get", f"/api/v1/courses/{course['id']}/feedback", admin).json()["items"]
        assert {item["student_uid"] for item in as_admin} == {student.uid, other_student.uid}

    def test_an_edit_keeps_hidden_feedback_hidden_and_out_of_the_average(self, api, owner_teacher, student, admin):
        course = enrolled_course(api, owner_teacher, student)
        post(api, student, course["id"], rating=1)
        call(api, "post", f"/api/v1/courses/{course['id']}/feedback/{student.uid}/hide", admin, data={"hidden": True})
        again = post(api, student, course["id"], rating=2)
        assert again.status_code == 200 and again.json()["hidden"] is True
        assert ratings(course["id"]) == (0.0, 0, 0)

    def test_showing_it_again_restores_the_average_and_hiding_twice_changes_nothing(
        self, api, owner_teacher, student, admin
    ):
        course = enrolled_course(api, owner_teacher, student)
        post(api, student, course["id"], rating=3)
        path = f"/api/v1/courses/{course['id']}/feedback/{student.uid}/hide"
        call(api, "post", path, admin, data={"hidden": True})
        call(api, "post", path, admin, data={"hidden": True})
        assert ratings(course["id"]) == (0.0, 0, 0)
        assert call(api, "post", path, admin, data={"hidden": False}).json()["hidden"] is False
        assert ratings(course["id"]) == (3.0, 1, 3)

    def test_only_admins_hide(self, api, owner_teacher, student):
        course = enrolled_course(api, owner_teacher, student)
        post(api, student, course["id"], rating=1)
        path = f"/api/v1/courses/{course['id']}/feedback/{student.uid}/hide"
        for persona in (owner_teacher, student):
            assert_error(call(api, "post", path, persona, data={"hidden": True}), 403, "wrong_role")
        assert (
            db()
            .collection("courses")
            .document(course["id"])
            .collection("feedback")
            .document(student.uid)
            .get()
            .to_dict()["hidden"]
            is False
        )

    def test_missing_feedback_and_bad_input(self, api, owner_teacher, student, admin):
        course = create_course(api, owner_teacher)
        path = f"/api/v1/courses/{course['id']}/feedback/{student.uid}/hide"
        assert_error(call(api, "post", path, admin, data={"hidden": True}), 404)
        assert "hidden" in assert_error(call(api, "post", path, admin, data={}), 400)["fields"]


class TestRenames:
    def test_a_students_rename_reaches_her_feedback_in_every_course(self, api, owner_teacher, other_teacher, student):
        courses = [enrolled_course(api, owner_teacher, student), enrolled_course(api, other_teacher, student)]
        for course in courses:
            assert post(api, student, course["id"], rating=5, comment="Great.").status_code == 201
        assert call(api, "patch", "/api/v1/me", student, data={"display_name": "Samantha S"}).status_code == 200
        for course in courses:
            items = call(api, "get", f"/api/v1/courses/{course['id']}/feedback", student).json()["items"]
            assert [item["student_name"] for item in items] == ["Samantha S"]
