"""Every copied field and every dependent document has one owner that keeps it right.

Each test asserts the outcome in Firestore and Cloud Storage, not that an event was sent.
"""

from __future__ import annotations

import datetime as dt

import pytest
from google.cloud.firestore import FieldFilter

from firestore_operations import chat_rooms as room_store
from firestore_operations import storage
from firestore_operations.client import db
from tests.conftest import call
from tests.factories import Clock, lesson_body
from tests.test_courses_api import create_course
from tests.test_materials_api import uploaded

NOW = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)
T10 = dt.datetime(2030, 1, 8, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    return Clock(monkeypatch, NOW)


def schedule(api, teacher, course_id: str, starts_at=T10):
    return call(api, "post", f"/api/v1/courses/{course_id}/lessons", teacher, data=lesson_body(starts_at))


def docs(collection: str, **equal) -> list[dict]:
    query = db().collection(collection)
    for name, value in equal.items():
        query = query.where(filter=FieldFilter(name, "==", value))
    return [snap.to_dict() for snap in query.stream()]


class TestDeletingACourse:
    def test_its_lessons_materials_files_and_room_go_with_it(self, api, owner_teacher):
        course = create_course(api, owner_teacher)
        assert schedule(api, owner_teacher, course["id"]).status_code == 201
        material = uploaded(api, owner_teacher, course["id"])
        material_doc = (
            db().collection("courses").document(course["id"]).collection("materials").document(material["id"])
        )
        blob_path = material_doc.get().to_dict()["storage_path"]
        assert storage.read_bytes(blob_path) is not None
        room_id = room_store.course_room_id(course["id"])
        assert room_store.get_room(room_id) is not None
        teacher_msg = {"content": "Welcome", "client_id": "w1"}
        assert (
            call(api, "post", f"/api/v1/chat/rooms/{room_id}/messages", owner_teacher, data=teacher_msg).status_code
            == 201
        )

        assert call(api, "delete", f"/api/v1/courses/{course['id']}", owner_teacher).status_code == 204

        assert docs("lessons", course_id=course["id"]) == []
        assert list(db().collection("courses").document(course["id"]).collection("materials").stream()) == []
        assert storage.read_bytes(blob_path) is None
        assert room_store.get_room(room_id) is None
        assert list(db().collection("chat_rooms").document(room_id).collection("messages").stream()) == []

    def test_its_lessons_no_longer_block_the_teachers_calendar(self, api, owner_teacher):
        first = create_course(api, owner_teacher)
        assert schedule(api, owner_teacher, first["id"]).status_code == 201
        call(api, "delete", f"/api/v1/courses/{first['id']}", owner_teacher)
        second = create_course(api, owner_teacher, title="Geometry basics")
        assert schedule(api, owner_teacher, second["id"]).status_code == 201


class TestRenamingACourse:
    def test_every_copy_of_the_title_follows(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        lesson = schedule(api, owner_teacher, course["id"]).json()
        # An attendance record as marking writes it (with its copy of the course title).
        db().collection("attendance").document(f"{lesson['id']}_{student.uid}").set(
            {
                "lesson_id": lesson["id"],
                "course_id": course["id"],
                "student_uid": student.uid,
                "course_title": course["title"],
            }
        )
        renamed = call(
            api, "patch", f"/api/v1/courses/{course['id']}", owner_teacher, data={"title": "Algebra, second edition"}
        )
        assert renamed.status_code == 200, renamed.content

        assert {d["course_title"] for d in docs("lessons", course_id=course["id"])} == {"Algebra, second edition"}
        assert {d["course_title"] for d in docs("attendance", course_id=course["id"])} == {"Algebra, second edition"}
        assert room_store.get_room(room_store.course_room_id(course["id"]))["name"] == "Algebra, second edition"


class TestAccountsThatGo:
    def test_a_demoted_teacher_keeps_no_open_course(self, api, owner_teacher, admin):
        course = create_course(api, owner_teacher)
        changed = call(api, "patch", f"/api/v1/admin/users/{owner_teacher.uid}", admin, data={"role": "student"})
        assert changed.status_code == 200, changed.content
        assert db().collection("courses").document(course["id"]).get().to_dict()["status"] == "archived"

    def test_a_deleted_teachers_courses_are_archived(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        assert call(api, "post", f"/api/v1/courses/{course['id']}/enrollment", student, data={}).status_code == 201
        assert call(api, "delete", "/api/v1/me", owner_teacher).status_code == 204
        assert db().collection("courses").document(course["id"]).get().to_dict()["status"] == "archived"

    def test_a_deleted_account_leaves_every_member_list(self, api, owner_teacher, other_teacher):
        body = {"name": "Staff room", "member_uids": [other_teacher.uid]}
        room = call(api, "post", "/api/v1/chat/rooms", owner_teacher, data=body).json()
        assert call(api, "delete", "/api/v1/me", other_teacher).status_code == 204
        stored = room_store.get_room(room["id"])
        assert other_teacher.uid not in stored["member_uids"] and other_teacher.uid not in stored["member_names"]
        assert stored["member_count"] == 1
