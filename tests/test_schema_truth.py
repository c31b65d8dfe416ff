"""The OpenAPI schema tells generated clients the truth: security, error statuses, strict bodies, shapes."""

from __future__ import annotations

import pytest

from tests.conftest import assert_error, call


@pytest.fixture(scope="module")
def schema():
    from django.test import Client

    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


def test_public_routes_need_no_credentials_and_private_ones_do(schema):
    security = {(path, method): op["security"] for path, method, op in operations(schema)}
    assert security[("/api/v1/auth/login", "POST")] == []
    assert security[("/api/v1/auth/register", "POST")] == []
    assert security[("/healthz", "GET")] == []
    assert security[("/api/v1/me", "GET")] == [{"firebaseIdToken": []}, {"sessionCookie": []}]
    assert all(value is not None for value in security.values())


def test_every_operation_documents_its_error_statuses_with_the_error_shape(schema):
    error = {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["error"]
    for path, method, op in operations(schema):
        responses = op["responses"]
        for status in ("413", "429", "503"):
            assert responses[status]["content"]["application/json"]["schema"] == error, (path, method, status)
        if op["security"] != []:
            assert {"401", "403"} <= set(responses), (path, method)
        if "{" in path:
            assert "404" in responses, (path, method)
        if method in {"POST", "PUT", "PATCH"}:
            assert {"400", "415"} <= set(responses), (path, method)
    me = schema["paths"]["/api/v1/me"]
    assert {"400", "401", "403", "409", "413", "415", "429"} <= set(me["patch"]["responses"])
    assert "description" not in me["get"] or "Subclasses must set" not in me["get"]["description"]


def test_strict_request_bodies_refuse_additional_properties(schema):
    components = schema["components"]["schemas"]
    assert components["CourseInRequest"]["additionalProperties"] is False
    assert components["DeviceInRequest"]["additionalProperties"] is False
    profile = components["PatchedProfilePatchInRequest"]
    assert profile["additionalProperties"] is False
    # Read-only fields a client sends back are documented as accepted (and ignored).
    assert profile["properties"]["email_verified"]["readOnly"] is True


def test_devices_list_is_documented_as_the_shape_it_returns(schema, api, student):
    documented = schema["paths"]["/api/v1/me/devices"]["get"]["responses"]["200"]["content"]["application/json"]
    ref = documented["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][ref]["properties"]["items"]["type"] == "array"
    assert call(api, "get", "/api/v1/me/devices", student).json() == {"items": []}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/courses/{course_id}/lessons/{lesson_id}",  # cancels and answers with the lesson
        "/api/v1/me/subscription",  # cancels at period end and answers with the subscription
    ],
)
def test_deletes_that_answer_with_the_object_document_200_with_its_shape(schema, path):
    # tests/test_lessons_api.py and tests/test_membership_api.py assert these answer 200 with a body.
    responses = schema["paths"][path]["delete"]["responses"]
    assert "204" not in responses and "application/json" in responses["200"]["content"]


def request_schema(schema, path: str, method: str) -> dict:
    ref = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


@pytest.mark.parametrize(
    ("path", "field"),
    [("/api/v1/chat/rooms/{room_id}", "name"), ("/api/v1/chat/rooms/{room_id}/messages/{message_id}", "content")],
)
def test_a_patch_validated_whole_documents_its_required_field(schema, api, student, path, field):
    assert request_schema(schema, path, "patch")["required"] == [field]
    # ...which is what the route does with a body without it (the room and message need not exist).
    error = assert_error(call(api, "patch", path.format(room_id="r", message_id="m"), student, data={}), 400)
    assert field in error["fields"]


def test_partial_patches_still_document_every_field_as_optional(schema):
    assert "required" not in request_schema(schema, "/api/v1/courses/{course_id}", "patch")


def test_idempotency_and_month_parameters_state_their_format(schema):
    parameters = schema["paths"]["/api/v1/courses/{course_id}/checkout"]["post"]["parameters"]
    [key] = [p for p in parameters if p["in"] == "header"]
    assert key["name"] == "Idempotency-Key" and key["required"] and key["schema"]["pattern"] == r"\S"
    [month] = schema["paths"]["/api/v1/admin/membership-shares"]["get"]["parameters"]
    assert month["schema"]["pattern"] == r"^\d{4}-(0[1-9]|1[0-2])$"


def test_required_text_says_it_needs_more_than_spaces(schema, api, owner_teacher):
    # DRF trims before its blank check, so "   " is a 400; the schema says so with a pattern.
    title = request_schema(schema, "/api/v1/courses", "post")["properties"]["title"]
    assert title["pattern"] == r"\S"
    body = {"title": "   ", "subject": "Mathematics", "level": "beginner", "language": "en"}
    assert "title" in assert_error(call(api, "post", "/api/v1/courses", owner_teacher, data=body), 400)["fields"]
    password = request_schema(schema, "/api/v1/auth/register", "post")["properties"]["password"]
    assert "pattern" not in password  # kept as typed, spaces included


class TestReadOnlyFieldsSentBack:
    def test_profile_round_trip_is_accepted_and_read_only_fields_are_ignored(self, api, student):
        profile = call(api, "get", "/api/v1/me", student).json()
        sent = {**profile, "display_name": "Sam Renamed", "email_verified": False, "created_at": "2001-01-01T00:00:00Z"}
        response = call(api, "patch", "/api/v1/me", student, data=sent)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["display_name"] == "Sam Renamed"
        assert body["email_verified"] is True and body["created_at"] == profile["created_at"]

    def test_a_changed_role_or_email_is_still_refused_with_a_reason(self, api, student):
        profile = call(api, "get", "/api/v1/me", student).json()
        response = call(api, "patch", "/api/v1/me", student, data={**profile, "role": "admin"})
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["role"] == ["Your role cannot be changed here."]
        assert call(api, "get", "/api/v1/me", student).json()["role"] == "student"

    def test_unknown_fields_are_still_refused(self, api, student):
        response = call(api, "patch", "/api/v1/me", student, data={"display_nam": "Typo"})
        assert response.status_code == 400
        assert "display_nam" in response.json()["error"]["fields"]

    def test_notification_settings_round_trip(self, api, student):
        current = call(api, "get", "/api/v1/notifications/settings", student).json()
        sent = {**current, "email_mode": "daily"}
        response = call(api, "put", "/api/v1/notifications/settings", student, data=sent)
        assert response.status_code == 200, response.content
        assert response.json()["email_mode"] == "daily"
        assert response.json()["timezone"] == current["timezone"]

    def test_course_round_trip_ignores_server_kept_fields(self, api, owner_teacher):
        created = call(
            api,
            "post",
            "/api/v1/courses",
            owner_teacher,
            data={"title": "Algebra", "subject": "Mathematics", "level": "beginner", "language": "en"},
        )
        assert created.status_code == 201, created.content
        course = created.json()
        sent = {**course, "title": "Algebra II", "enrolled_count": 999, "rating_avg": 5}
        response = call(api, "patch", f"/api/v1/courses/{course['id']}", owner_teacher, data=sent)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["title"] == "Algebra II"
        assert body["enrolled_count"] == 0 and body["rating_count"] == 0


class TestWhatFuzzingFound:
    def test_unknown_api_addresses_answer_in_the_error_shape(self, api, student):
        for method in ("get", "post"):
            response = call(api, method, "/api/v1/content/faqs/x/revisions/null,null/restore", student)
            assert response.status_code == 404 and response["Content-Type"] == "application/json"
            assert response.json()["error"]["code"] == "not_found"

    def test_a_cookie_post_to_an_unknown_api_address_is_a_404_not_a_csrf_page(self, student):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        response = client.post("/api/v1/nothing-here/", data={"a": 1}, HTTP_COOKIE="session=x")
        assert response.status_code == 404  # unknown addresses are exempt: nothing can change there
        assert response.json()["error"]["code"] == "not_found"

    def test_too_many_form_fields_is_a_400_not_a_500(self, api, student):
        fields = "&".join(f"f{n}=1" for n in range(1200))
        response = api.post(
            "/api/v1/me/photo", fields, content_type="application/x-www-form-urlencoded", **student.auth
        )
        assert response.status_code in (400, 415)
        response = api.post(
            "/api/v1/me/photo",
            b"".join(b'--b\r\nContent-Disposition: form-data; name="f%d"\r\n\r\n1\r\n' % n for n in range(1200))
            + b"--b--\r\n",
            content_type="multipart/form-data; boundary=b",
            **student.auth,
        )
        assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"

    def test_a_message_id_firestore_cannot_store_is_a_404(self, api, owner_teacher, other_teacher):
        room = call(api, "post", f"/api/v1/chat/direct/{other_teacher.uid}", owner_teacher, data={})
        assert room.status_code in (200, 201), room.content
        room_id = room.json()["id"]
        for bad in ("__main__", "a" * 300):
            url = f"/api/v1/chat/rooms/{room_id}/messages/{bad}"
            assert call(api, "patch", url, owner_teacher, data={"content": "x"}).status_code == 404
            assert call(api, "delete", url, owner_teacher).status_code == 404

    def test_a_course_patch_with_half_a_price_is_refused_and_nothing_changes(self, api, owner_teacher):
        course = call(
            api,
            "post",
            "/api/v1/courses",
            owner_teacher,
            data={"title": "Algebra", "subject": "Mathematics", "level": "beginner", "language": "en"},
        ).json()
        response = call(api, "patch", f"/api/v1/courses/{course['id']}", owner_teacher, data={"price": {"amount": 5}})
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["price"] == {"currency": ["This field is required."]}
        assert call(api, "get", f"/api/v1/courses/{course['id']}", owner_teacher).json()["price"] is None
