"""Courses catalog API: create, read, change, archive/delete, covers, the catalog list, rules, demo data."""

from __future__ import annotations

import io

import pytest
from google.cloud.firestore import FieldFilter
from PIL import Image

from courses import events as signals
from courses.catalog import serializers as s
from firestore_operations.client import db
from tests.conftest import assert_error, call
from tests.emulators import firestore_rest

COURSE = {
    "title": "Algebra from scratch",
    "description": "Equations, functions and graphs for curious beginners.",
    "subject": "Mathematics",
    "level": "beginner",
    "language": "en",
    "tags": ["algebra", "equations"],
    "price": None,
    "capacity": None,
    "status": "published",
}


def create_course(api, teacher, **overrides) -> dict:
    """Create a course through the API (published and free unless told otherwise)."""
    response = call(api, "post", "/api/v1/courses", teacher, data={**COURSE, **overrides})
    assert response.status_code == 201, response.content
    return response.json()


def enrol(api, persona, course_id: str, **data):
    return call(api, "post", f"/api/v1/courses/{course_id}/enrollment", persona, data=data)


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def record_signals():
    """Generator for a fixture: yields the (signal name, kwargs) of course signals sent meanwhile."""
    sent: list[tuple[str, dict]] = []
    receivers = {}
    for name in ("course_created", "enrollment_activated", "enrollment_ended", "course_deleted"):

        def receiver(sender, _name=name, **kwargs):
            kwargs.pop("signal", None)
            sent.append((_name, kwargs))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver)
    yield sent
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


def record_notifications(monkeypatch) -> list[dict]:
    """Every notify() call made from now on, as kwargs."""
    sent: list[dict] = []
    monkeypatch.setattr("messaging.notify.notify", lambda **kwargs: sent.append(kwargs))
    return sent


@pytest.fixture
def caught_signals():
    yield from record_signals()


@pytest.fixture
def notifications(monkeypatch):
    return record_notifications(monkeypatch)


class TestCreate:
    def test_a_teacher_creates_a_course_with_her_name_copied(self, api, owner_teacher, caught_signals):
        body = create_course(api, owner_teacher, price={"amount": 4900, "currency": "EUR"}, capacity=12)
        assert body["title"] == COURSE["title"] and body["status"] == "published"
        assert body["teacher_uid"] == owner_teacher.uid and body["teacher_name"] == "Ada Lovelace"
        assert body["price"] == {"amount": 4900, "currency": "EUR"} and body["is_free"] is False
        assert body["capacity"] == 12 and body["seats_left"] == 12
        assert body["rating_avg"] == 0 and body["rating_count"] == 0 and body["enrolled_count"] == 0
        assert body["published_at"] and body["created_at"] and body["cover_url"] is None
        assert [name for name, _ in caught_signals] == ["course_created"]
        assert caught_signals[0][1]["course"]["id"] == body["id"]

    def test_a_draft_has_no_publication_date(self, api, owner_teacher):
        body = create_course(api, owner_teacher, status="draft")
        assert body["status"] == "draft" and body["published_at"] is None

    def test_free_is_a_null_price(self, api, owner_teacher):
        body = create_course(api, owner_teacher)
        assert body["price"] is None and body["is_free"] is True and body["seats_left"] is None

    def test_students_cannot_create_courses(self, api, student):
        assert_error(call(api, "post", "/api/v1/courses", student, data=COURSE), 403, "wrong_role")

    def test_anonymous_callers_are_refused(self, api):
        assert_error(call(api, "post", "/api/v1/courses", data=COURSE), 401)

    def test_it_names_every_missing_field(self, api, owner_teacher):
        error = assert_error(call(api, "post", "/api/v1/courses", owner_teacher, data={}), 400, "invalid")
        assert {"title", "subject", "level", "language"} <= set(error["fields"])

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("level", "expert"),
            ("language", "English"),
            ("price", {"amount": 0, "currency": "EUR"}),
            ("price", {"amount": 10, "currency": "euro"}),
            ("price", {"amount": 1.5, "currency": "EUR"}),
            ("capacity", 0),
            ("title", "!!!"),
            ("tags", ["x" * 31]),
            ("status", "archived"),
        ],
    )
    def test_it_refuses_bad_values(self, api, owner_teacher, field, value):
        response = call(api, "post", "/api/v1/courses", owner_teacher, data={**COURSE, field: value})
        error = assert_error(response, 400, "invalid")
        assert field in error["fields"]

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("title", 12345, "Must be text (a JSON string)."),
            ("included_in_membership", 0, "Must be true or false."),
            ("included_in_membership", "true", "Must be true or false."),
            ("capacity", "12", "Must be a whole number."),
            ("capacity", 12.5, "Must be a whole number."),
            ("tags", ["algebra", 7], {"1": ["Must be text (a JSON string)."]}),
        ],
    )
    def test_a_json_value_of_the_wrong_type_is_refused_not_coerced(self, api, owner_teacher, field, value, message):
        response = call(api, "post", "/api/v1/courses", owner_teacher, data={**COURSE, field: value})
        error = assert_error(response, 400, "invalid")
        assert error["fields"] == {field: message if isinstance(message, dict) else [message]}
        assert not db().collection("courses").where(filter=FieldFilter("teacher_uid", "==", owner_teacher.uid)).get()

    def test_a_whole_float_is_a_whole_number(self, api, owner_teacher):
        assert create_course(api, owner_teacher, capacity=12.0)["capacity"] == 12

    def test_server_kept_and_unknown_fields_are_refused(self, api, owner_teacher):
        response = call(api, "post", "/api/v1/courses", owner_teacher, data={**COURSE, "rating_avg": 5, "colour": 1})
        error = assert_error(response, 400, "invalid")
        # Server-kept fields are ignored (a client may send back what it got); unknown ones are refused.
        assert error["fields"] == {"colour": ["Unknown field."]}


class TestRead:
    def test_a_student_sees_a_published_course(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        response = call(api, "get", f"/api/v1/courses/{course['id']}", student)
        assert response.status_code == 200 and response.json()["id"] == course["id"]
        assert response["X-Firestore-Reads"] == "1"

    def test_drafts_are_invisible_to_others(self, api, owner_teacher, other_teacher, student):
        course = create_course(api, owner_teacher, status="draft")
        for persona in (student, other_teacher):
            assert_error(call(api, "get", f"/api/v1/courses/{course['id']}", persona), 404, "not_found")

    def test_the_owner_and_admins_see_drafts(self, api, owner_teacher, admin):
        course = create_course(api, owner_teacher, status="draft")
        for persona in (owner_teacher, admin):
            assert call(api, "get", f"/api/v1/courses/{course['id']}", persona).status_code == 200

    def test_an_unknown_course_is_404(self, api, student):
        assert_error(call(api, "get", "/api/v1/courses/nope", student), 404, "not_found")

    def test_changing_it_needs_a_sign_in(self, api, owner_teacher):
        course = create_course(api, owner_teacher)
        assert_error(api.patch(f"/api/v1/courses/{course['id']}", {"title": "Mine now"}, format="json"), 401)
        assert_error(api.delete(f"/api/v1/courses/{course['id']}"), 401)


class TestUpdate:
    def test_the_owner_changes_her_course(self, api, owner_teacher):
        course = create_course(api, owner_teacher, status="draft")
        response = call(
            api,
            "patch",
            f"/api/v1/courses/{course['id']}",
            owner_teacher,
            data={"title": "Algebra II", "status": "published", "price": {"amount": 1000, "currency": "EUR"}},
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["title"] == "Algebra II" and body["status"] == "published" and body["published_at"]
        assert body["is_free"] is False

    def test_an_admin_may_change_any_course(self, api, owner_teacher, admin):
        course = create_course(api, owner_teacher)
        response = call(api, "patch", f"/api/v1/courses/{course['id']}", admin, data={"capacity": 3})
        assert response.status_code == 200 and response.json()["capacity"] == 3

    def test_another_teacher_is_refused(self, api, owner_teacher, other_teacher):
        course = create_course(api, owner_teacher)
        response = call(api, "patch", f"/api/v1/courses/{course['id']}", other_teacher, data={"title": "Mine now"})
        assert_error(response, 403, "permission_denied")

    def test_students_are_refused(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        response = call(api, "patch", f"/api/v1/courses/{course['id']}", student, data={"title": "Mine now"})
        assert_error(response, 403, "wrong_role")

    def test_bad_values_are_400(self, api, owner_teacher):
        course = create_course(api, owner_teacher)
        response = call(api, "patch", f"/api/v1/courses/{course['id']}", owner_teacher, data={"level": "guru"})
        assert "level" in assert_error(response, 400, "invalid")["fields"]

    def test_capacity_cannot_drop_below_the_enrolled_students(self, api, owner_teacher, student, other_student):
        course = create_course(api, owner_teacher, capacity=5)
        assert enrol(api, student, course["id"]).status_code == 201
        assert enrol(api, other_student, course["id"]).status_code == 201
        response = call(api, "patch", f"/api/v1/courses/{course['id']}", owner_teacher, data={"capacity": 1})
        assert_error(response, 409, "capacity_below_enrolled")

    def test_a_course_with_students_cannot_become_a_draft(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        enrol(api, student, course["id"])
        response = call(api, "patch", f"/api/v1/courses/{course['id']}", owner_teacher, data={"status": "draft"})
        assert_error(response, 409, "has_students")

    def test_archiving_ends_the_memberships(self, api, owner_teacher, student, caught_signals):
        course = create_course(api, owner_teacher)
        enrol(api, student, course["id"])
        caught_signals.clear()
        response = call(api, "patch", f"/api/v1/courses/{course['id']}", owner_teacher, data={"status": "archived"})
        assert response.status_code == 200 and response.json()["status"] == "archived"
        [(name, ended)] = caught_signals
        assert name == "enrollment_ended" and ended["reason"] == "archived"
        assert {key: ended[key] for key in ("course_id", "student_uid", "teacher_uid")} == {
            "course_id": course["id"],
            "student_uid": student.uid,
            "teacher_uid": owner_teacher.uid,
        }


class TestDelete:
    def test_a_course_without_enrolments_is_deleted(self, api, owner_teacher, caught_signals):
        course = create_course(api, owner_teacher)
        assert call(api, "delete", f"/api/v1/courses/{course['id']}", owner_teacher).status_code == 204
        assert_error(call(api, "get", f"/api/v1/courses/{course['id']}", owner_teacher), 404)
        assert ("course_deleted", {"course_id": course["id"], "teacher_uid": owner_teacher.uid}) in caught_signals

    def test_a_course_with_enrolments_is_archived_instead(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        enrol(api, student, course["id"])
        call(api, "delete", f"/api/v1/courses/{course['id']}/enrollment", student)
        response = call(api, "delete", f"/api/v1/courses/{course['id']}", owner_teacher)
        assert response.status_code == 200 and response.json()["status"] == "archived"
        assert call(api, "get", f"/api/v1/courses/{course['id']}", student).json()["status"] == "archived"

    def test_an_admin_may_delete(self, api, owner_teacher, admin):
        course = create_course(api, owner_teacher)
        assert call(api, "delete", f"/api/v1/courses/{course['id']}", admin).status_code == 204

    def test_others_may_not(self, api, owner_teacher, other_teacher, student):
        course = create_course(api, owner_teacher)
        assert_error(call(api, "delete", f"/api/v1/courses/{course['id']}", other_teacher), 403)
        assert_error(call(api, "delete", f"/api/v1/courses/{course['id']}", student), 403, "wrong_role")
        assert call(api, "get", f"/api/v1/courses/{course['id']}", student).status_code == 200

    def test_an_unknown_course_is_404(self, api, owner_teacher):
        assert_error(call(api, "delete", "/api/v1/courses/nope", owner_teacher), 404)


class TestCover:
    def test_the_owner_uploads_a_cover_and_students_see_it(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        path = f"/api/v1/courses/{course['id']}/cover"
        response = call(
            api, "post", path, owner_teacher, data={"cover": upload("c.png", png_bytes())}, format="multipart"
        )
        assert response.status_code == 200, response.content
        assert response.json()["cover_url"] == f"{path}?v=1"
        image = call(api, "get", path, student)
        assert image.status_code == 200 and image["Content-Type"] == "image/png"
        assert Image.open(io.BytesIO(image.content)).size == (40, 30)

    def test_a_large_cover_is_shrunk(self, api, owner_teacher):
        course = create_course(api, owner_teacher)
        path = f"/api/v1/courses/{course['id']}/cover"
        data = {"cover": upload("big.png", png_bytes((3200, 1000)))}
        assert call(api, "post", path, owner_teacher, data=data, format="multipart").status_code == 200
        image = Image.open(io.BytesIO(call(api, "get", path, owner_teacher).content))
        assert max(image.size) == 1600

    def test_a_file_that_is_not_an_image_is_415(self, api, owner_teacher):
        course = create_course(api, owner_teacher)
        data = {"cover": upload("c.png", b"%PDF-1.4 not an image")}
        response = call(
            api, "post", f"/api/v1/courses/{course['id']}/cover", owner_teacher, data=data, format="multipart"
        )
        assert_error(response, 415, "unsupported_media_type")

    def test_a_missing_file_is_400(self, api, owner_teacher):
        course = create_course(api, owner_teacher)
        response = call(
            api, "post", f"/api/v1/courses/{course['id']}/cover", owner_teacher, data={}, format="multipart"
        )
        assert "cover" in assert_error(response, 400)["fields"]

    def test_another_teacher_cannot_upload(self, api, owner_teacher, other_teacher):
        course = create_course(api, owner_teacher)
        data = {"cover": upload("c.png", png_bytes())}
        response = call(
            api, "post", f"/api/v1/courses/{course['id']}/cover", other_teacher, data=data, format="multipart"
        )
        assert_error(response, 403)

    def test_no_cover_is_404(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        assert_error(call(api, "get", f"/api/v1/courses/{course['id']}/cover", student), 404)


def list_courses(api, persona, query: str = ""):
    response = call(api, "get", f"/api/v1/courses{query}", persona)
    assert response.status_code == 200, response.content
    assert response["X-Firestore-Queries"] == "1"
    return response.json()


class TestCatalog:
    def test_it_lists_published_courses_newest_first_in_one_query(self, api, owner_teacher, student):
        first = create_course(api, owner_teacher, title="First course")
        second = create_course(api, owner_teacher, title="Second course")
        create_course(api, owner_teacher, title="Hidden draft", status="draft")
        body = list_courses(api, student)
        assert [item["id"] for item in body["items"]] == [second["id"], first["id"]]
        assert body["next_cursor"] is None
        assert body["items"][0]["teacher_name"] == "Ada Lovelace"
        assert {"rating_avg", "enrolled_count", "teacher_name"} <= set(body["items"][0])

    def test_list_items_cost_no_extra_reads(self, api, owner_teacher, student):
        for index in range(4):
            create_course(api, owner_teacher, title=f"Course number {index}")
        response = call(api, "get", "/api/v1/courses?limit=3", student)
        assert response["X-Firestore-Queries"] == "1" and int(response["X-Firestore-Reads"]) == 4  # 3 + look-ahead

    def test_it_pages_with_a_cursor(self, api, owner_teacher, student):
        ids = [create_course(api, owner_teacher, title=f"Course {index}")["id"] for index in range(5)]
        first = list_courses(api, student, "?limit=2")
        second = list_courses(api, student, f"?limit=2&cursor={first['next_cursor']}")
        third = list_courses(api, student, f"?limit=2&cursor={second['next_cursor']}")
        seen = [item["id"] for page in (first, second, third) for item in page["items"]]
        assert seen == list(reversed(ids)) and third["next_cursor"] is None

    def test_filters_combine(self, api, owner_teacher, other_teacher, student):
        maths_free = create_course(api, owner_teacher, subject="Mathematics", level="beginner", language="en")
        create_course(api, owner_teacher, subject="Mathematics", level="advanced", language="en")
        create_course(api, owner_teacher, subject="French", level="beginner", language="fr")
        paid = create_course(
            api, other_teacher, subject="mathématiques", level="beginner", price={"amount": 500, "currency": "EUR"}
        )
        ids = lambda body: {item["id"] for item in body["items"]}  # noqa: E731
        assert ids(list_courses(api, student, "?subject=mathematics&level=beginner")) == {maths_free["id"]}
        assert ids(list_courses(api, student, "?subject=MATHÉMATIQUES")) == {paid["id"]}
        assert ids(list_courses(api, student, "?price=paid")) == {paid["id"]}
        assert len(list_courses(api, student, "?language=fr")["items"]) == 1
        assert ids(list_courses(api, student, f"?teacher={other_teacher.uid}&level=beginner")) == {paid["id"]}
        assert list_courses(api, student, "?price=free&level=university")["items"] == []

    def test_it_sorts_by_rating_and_popularity(self, api, owner_teacher, student):
        low, high = create_course(api, owner_teacher, title="Low"), create_course(api, owner_teacher, title="High")
        courses = db().collection("courses")
        courses.document(low["id"]).update({"rating_avg": 2.0, "enrolled_count": 9})
        courses.document(high["id"]).update({"rating_avg": 4.5, "enrolled_count": 1})
        assert [i["id"] for i in list_courses(api, student, "?sort=rating")["items"]] == [high["id"], low["id"]]
        assert [i["id"] for i in list_courses(api, student, "?sort=popularity")["items"]] == [low["id"], high["id"]]

    def test_a_teacher_lists_her_own_courses_in_any_status(self, api, owner_teacher, other_teacher):
        draft = create_course(api, owner_teacher, status="draft")
        published = create_course(api, owner_teacher)
        create_course(api, other_teacher)
        body = list_courses(api, owner_teacher, "?mine=true")
        assert [item["id"] for item in body["items"]] == [published["id"], draft["id"]]
        assert [i["id"] for i in list_courses(api, owner_teacher, "?mine=true&price=free&level=beginner")["items"]] == [
            published["id"],
            draft["id"],
        ]

    def test_mine_is_for_teachers(self, api, student):
        assert_error(call(api, "get", "/api/v1/courses?mine=true", student), 403)

    def test_mine_with_another_teacher_is_400(self, api, owner_teacher, other_teacher):
        response = call(api, "get", f"/api/v1/courses?mine=true&teacher={other_teacher.uid}", owner_teacher)
        assert "teacher" in assert_error(response, 400)["fields"]

    @pytest.mark.parametrize(
        "query", ["?sort=cheapest", "?level=guru", "?price=cheap", "?limit=0", "?limit=101", "?cursor=garbage"]
    )
    def test_bad_parameters_are_400(self, api, student, query):
        assert_error(call(api, "get", f"/api/v1/courses{query}", student), 400)

    @pytest.mark.parametrize("limit", ["%0D%C2%A07", "+7", "7_0", "7.0", "%207"])
    def test_a_whole_number_in_the_address_is_its_digits_only(self, api, student, limit):
        # Python's int() reads all of these as numbers; the schema's integer does not (make fuzz found it).
        error = assert_error(call(api, "get", f"/api/v1/courses?limit={limit}", student), 400)
        assert error["fields"] == {"limit": ["Must be a whole number."]}

    def test_a_plain_limit_still_pages(self, api, owner_teacher, student):
        for index in range(2):
            create_course(api, owner_teacher, title=f"Course {index}")
        assert len(list_courses(api, student, "?limit=1")["items"]) == 1

    def test_a_cursor_from_another_list_is_400(self, api, owner_teacher, student):
        for index in range(3):
            create_course(api, owner_teacher, title=f"Course {index}")
        cursor = list_courses(api, student, "?limit=1")["next_cursor"]
        response = call(api, "get", f"/api/v1/courses?limit=1&sort=rating&cursor={cursor}", student)
        assert_error(response, 400)

    def test_relevance_needs_a_search(self, api, student):
        assert "sort" in assert_error(call(api, "get", "/api/v1/courses?sort=relevance", student), 400)["fields"]

    def test_visitors_read_the_catalog_and_published_courses_only(self, api, owner_teacher, student):
        published = create_course(api, owner_teacher)
        draft = create_course(api, owner_teacher, status="draft", title="Secret draft")
        response = api.get("/api/v1/courses")
        assert response.status_code == 200, response.content
        ids = [item["id"] for item in response.json()["items"]]
        assert published["id"] in ids and draft["id"] not in ids
        searched = api.get("/api/v1/courses?q=secret")
        assert searched.status_code == 200 and draft["id"] not in [i["id"] for i in searched.json()["items"]]
        # The same public fields a signed-in reader gets, nothing more (no storage paths, no private data).
        anonymous = api.get(f"/api/v1/courses/{published['id']}").json()
        signed_in = call(api, "get", f"/api/v1/courses/{published['id']}", student).json()
        assert anonymous == signed_in and "cover_path" not in anonymous
        assert set(anonymous) == set(s.CourseOut().fields)
        assert_error(api.get(f"/api/v1/courses/{draft['id']}"), 404)
        assert_error(api.get("/api/v1/courses?mine=true"), 403)
        assert_error(api.post("/api/v1/courses", COURSE, format="json"), 401)


class TestRules:
    def test_signed_in_clients_read_published_courses(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        response = firestore_rest("GET", f"courses/{course['id']}", student.token)
        assert response.status_code == 200, response.text
        assert response.json()["fields"]["title"]["stringValue"] == COURSE["title"]

    def test_drafts_are_readable_only_by_their_teacher(self, api, owner_teacher, other_teacher, student):
        course = create_course(api, owner_teacher, status="draft")
        assert firestore_rest("GET", f"courses/{course['id']}", student.token).status_code == 403
        assert firestore_rest("GET", f"courses/{course['id']}", other_teacher.token).status_code == 403
        assert firestore_rest("GET", f"courses/{course['id']}", owner_teacher.token).status_code == 200

    def test_anonymous_clients_and_writes_are_refused(self, api, owner_teacher):
        course = create_course(api, owner_teacher)
        assert firestore_rest("GET", f"courses/{course['id']}", None).status_code == 403
        body = {"fields": {"title": {"stringValue": "hijacked"}}}
        path = f"courses/{course['id']}?updateMask.fieldPaths=title"
        assert firestore_rest("PATCH", path, owner_teacher.token, json=body).status_code == 403

    def test_a_student_reads_her_own_enrolment_only(self, api, owner_teacher, student, other_student):
        course = create_course(api, owner_teacher)
        enrol(api, student, course["id"])
        path = f"enrollments/{course['id']}_{student.uid}"
        assert firestore_rest("GET", path, student.token).status_code == 200
        assert firestore_rest("GET", path, other_student.token).status_code == 403

    def test_feedback_and_payments_stay_closed(self, api, owner_teacher, student):
        course = create_course(api, owner_teacher)
        db().collection("course_payments").document(f"{course['id']}_{student.uid}").set({"status": "completed"})
        assert firestore_rest("GET", f"course_payments/{course['id']}_{student.uid}", student.token).status_code == 403
        db().collection("courses").document(course["id"]).collection("feedback").document(student.uid).set(
            {"rating": 5}
        )
        assert firestore_rest("GET", f"courses/{course['id']}/feedback/{student.uid}", student.token).status_code == 403


class TestDemoData:
    def test_seeding_twice_creates_everything_once(self, make_user):
        from courses.demo import seed_courses
        from firestore_operations import users

        teachers = [users.get_profile(make_user("teacher").uid) for _ in range(2)]
        students = [users.get_profile(make_user("student").uid) for _ in range(3)]
        seed_courses(teachers=teachers, students=students)
        snapshot = lambda name: sorted(doc.id for doc in db().collection(name).stream())  # noqa: E731
        courses, enrollments = snapshot("courses"), snapshot("enrollments")
        feedback = sorted(doc.reference.path for doc in db().collection_group("feedback").stream())
        seed_courses(teachers=teachers, students=students)
        assert snapshot("courses") == courses and snapshot("enrollments") == enrollments
        assert sorted(doc.reference.path for doc in db().collection_group("feedback").stream()) == feedback
        statuses = {doc.to_dict()["status"] for doc in db().collection("courses").stream()}
        assert statuses == {"published", "draft"} and len(courses) >= 5 and enrollments and feedback
        course = next(doc.to_dict() for doc in db().collection("courses").stream() if doc.to_dict()["rating_count"])
        assert course["rating_avg"] == round(course["rating_sum"] / course["rating_count"], 4)
