"""My profile (GET/PATCH/DELETE /me), other people's profiles, and teachers' weekly availability."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from authentication import identity
from firestore_operations import storage
from firestore_operations import users as user_store
from firestore_operations.client import db
from tests import emulators
from tests.conftest import PASSWORD, assert_error, call


def enroll(teacher, student, *, course="course1", status="active"):
    """An enrolment doc as the courses app writes it: the teacher now teaches the student."""
    db().collection("enrollments").document(f"{course}_{student.uid}").set(
        {"course_id": course, "teacher_uid": teacher.uid, "student_uid": student.uid, "status": status}
    )


def patch_me(api, persona, data):
    return call(api, "patch", "/api/v1/me", persona, data=data)


class TestMyProfile:
    def test_it_returns_my_full_profile_for_one_read(self, api, student):
        response = call(api, "get", "/api/v1/me", student)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["uid"] == student.uid and body["email"] == student.email and body["role"] == "student"
        assert body["timezone"] == "UTC" and body["student"]["interests"] == []
        assert body["created_at"].endswith("Z")
        assert response["X-Firestore-Reads"] == "1"

    def test_it_needs_a_sign_in(self, api):
        assert_error(api.patch("/api/v1/me", {"bio": "x"}, format="json"), 401, "not_authenticated")

    def test_anyone_updates_the_common_fields(self, api, student):
        changes = {
            "display_name": "Samantha Student",
            "bio": "I like maths.",
            "phone": "+33 6 12 34 56 78",
            "timezone": "Europe/Paris",
            "locale": "fr-FR",
        }
        response = patch_me(api, student, changes)
        assert response.status_code == 200, response.content
        me = call(api, "get", "/api/v1/me", student).json()
        for key, value in changes.items():
            assert me[key] == value, key

    def test_a_student_updates_the_student_part(self, api, student):
        part = {"grade_level": "10", "interests": ["chess", "maths"], "learning_goals": "Pass the exam."}
        response = patch_me(api, student, {"student": part})
        assert response.status_code == 200, response.content
        assert {key: response.json()["student"][key] for key in part} == part

    def test_a_partial_student_part_keeps_the_other_keys(self, api, student):
        patch_me(api, student, {"student": {"grade_level": "10", "interests": ["chess"]}})
        body = patch_me(api, student, {"student": {"interests": ["go"]}}).json()
        assert body["student"]["grade_level"] == "10" and body["student"]["interests"] == ["go"]

    def test_a_teacher_updates_the_teacher_part(self, api, owner_teacher):
        part = {
            "subjects": ["Mathematics", "Physics"],
            "hourly_rate": {"amount": 3500, "currency": "EUR"},
            "teaching_preferences": {"levels": ["beginner"], "languages": ["en", "fr"], "formats": ["online"]},
            "availability": [
                {"weekday": 2, "start": "14:00", "end": "16:00"},
                {"weekday": 0, "start": "09:00", "end": "10:30"},
            ],
        }
        response = patch_me(api, owner_teacher, {"teacher": part, "timezone": "Europe/Paris"})
        assert response.status_code == 200, response.content
        teacher = response.json()["teacher"]
        assert teacher["subjects"] == part["subjects"] and teacher["hourly_rate"] == part["hourly_rate"]
        assert teacher["teaching_preferences"] == part["teaching_preferences"]
        assert [slot["weekday"] for slot in teacher["availability"]] == [0, 2]  # sorted by day

    def test_teaching_preferences_merge_key_by_key(self, api, owner_teacher):
        prefs = {"levels": ["beginner"], "languages": ["en"], "formats": ["group"]}
        patch_me(api, owner_teacher, {"teacher": {"teaching_preferences": prefs}})
        body = patch_me(api, owner_teacher, {"teacher": {"teaching_preferences": {"levels": ["advanced"]}}}).json()
        assert body["teacher"]["teaching_preferences"] == {**prefs, "levels": ["advanced"]}

    def test_the_hourly_rate_can_be_removed(self, api, owner_teacher):
        patch_me(api, owner_teacher, {"teacher": {"hourly_rate": {"amount": 2000, "currency": "USD"}}})
        body = patch_me(api, owner_teacher, {"teacher": {"hourly_rate": None}}).json()
        assert body["teacher"]["hourly_rate"] is None

    def test_a_parent_sees_their_children_read_only(self, api, parent, student):
        assert call(api, "get", "/api/v1/me", parent).json()["parent"]["children"] == [student.uid]
        # The parent part is read-only: sent back (even edited) it is ignored, never a way to unlink.
        assert patch_me(api, parent, {"parent": {"children": []}}).status_code == 200
        assert call(api, "get", "/api/v1/me", parent).json()["parent"]["children"] == [student.uid]

    @pytest.mark.parametrize("field, value", [("role", "admin"), ("email", "new@example.com"), ("uid", "x")])
    def test_role_email_and_uid_cannot_be_changed(self, api, student, field, value):
        error = assert_error(patch_me(api, student, {field: value}), 400, "invalid")
        assert field in error["fields"] and field in error["message"]
        assert call(api, "get", "/api/v1/me", student).json()["role"] == "student"

    def test_a_student_cannot_send_a_teacher_part(self, api, student):
        error = assert_error(patch_me(api, student, {"teacher": {"subjects": ["Maths"]}}), 400)
        assert "teacher" in error["fields"]

    def test_a_teacher_cannot_send_a_student_part(self, api, owner_teacher):
        error = assert_error(patch_me(api, owner_teacher, {"student": {"grade_level": "3"}}), 400)
        assert "student" in error["fields"]

    def test_an_admin_has_no_role_part(self, api, admin):
        assert_error(patch_me(api, admin, {"teacher": {"subjects": ["Maths"]}}), 400)

    def test_an_unknown_field_is_named(self, api, student):
        error = assert_error(patch_me(api, student, {"favourite_colour": "blue"}), 400)
        assert "favourite_colour" in error["fields"]

    @pytest.mark.parametrize(
        "changes, field",
        [
            ({"display_name": ""}, "display_name"),
            ({"display_name": "x" * 101}, "display_name"),
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"phone": "call me maybe"}, "phone"),
            ({"locale": "english"}, "locale"),
            ({"photo_url": "http://example.com/me.png"}, "photo_url"),
            ({"photo_url": "https://example.com/me.png"}, "photo_url"),
            ({"photo_url": "not a url"}, "photo_url"),
        ],
    )
    def test_bad_common_values_are_named(self, api, student, changes, field):
        error = assert_error(patch_me(api, student, changes), 400, "invalid")
        assert field in error["fields"]

    @pytest.mark.parametrize(
        "part",
        [
            {"availability": [{"weekday": 1}]},
            {"availability": [{"weekday": 9, "start": "10:00", "end": "11:00"}]},
            {"availability": [{"weekday": 1, "start": "10:00", "end": "09:00"}]},
            {
                "availability": [
                    {"weekday": 1, "start": "10:00", "end": "12:00"},
                    {"weekday": 1, "start": "11:00", "end": "13:00"},
                ]
            },
            {"hourly_rate": {"amount": 100}},
            {"hourly_rate": {"amount": -1, "currency": "EUR"}},
            {"teaching_preferences": {"formats": ["telepathy"]}},
            {"subjects": "Maths"},
        ],
    )
    def test_bad_teacher_parts_are_400_not_500(self, api, owner_teacher, part):
        error = assert_error(patch_me(api, owner_teacher, {"teacher": part}), 400)
        assert error["fields"]

    def test_a_body_that_is_not_an_object_is_400(self, api, student):
        assert_error(patch_me(api, student, ["display_name"]), 400)

    def test_an_unsupported_method_is_405_in_the_error_shape(self, api, student):
        assert_error(call(api, "put", "/api/v1/me", student, data={"bio": "x"}), 405, "method_not_allowed")

    def test_renaming_is_seen_by_others(self, api, owner_teacher, student):
        patch_me(api, owner_teacher, {"display_name": "Augusta Ada King"})
        body = call(api, "get", f"/api/v1/users/{owner_teacher.uid}", student).json()
        assert body["display_name"] == "Augusta Ada King"


class TestOtherProfiles:
    def test_a_teacher_profile_is_public_to_every_signed_in_user(
        self, api, owner_teacher, student, parent, other_teacher
    ):
        patch_me(
            api, owner_teacher, {"phone": "+44 20 7946 0000", "bio": "Algorithms.", "teacher": {"subjects": ["Maths"]}}
        )
        for viewer in (student, parent, other_teacher):
            response = call(api, "get", f"/api/v1/users/{owner_teacher.uid}", viewer)
            assert response.status_code == 200, response.content
            body = response.json()
            assert body["bio"] == "Algorithms." and body["teacher"]["subjects"] == ["Maths"]
            assert "email" not in body and "phone" not in body

    def test_a_student_sees_their_own_profile_in_full(self, api, student):
        body = call(api, "get", f"/api/v1/users/{student.uid}", student).json()
        assert body["email"] == student.email

    def test_a_teacher_of_the_student_sees_the_profile_but_not_the_phone(self, api, owner_teacher, student):
        patch_me(api, student, {"phone": "+33 1 23 45 67 89", "student": {"learning_goals": "Calculus"}})
        enroll(owner_teacher, student)
        response = call(api, "get", f"/api/v1/users/{student.uid}", owner_teacher)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["student"]["learning_goals"] == "Calculus" and "phone" not in body
        assert "parents" not in body["student"]

    def test_a_teacher_without_an_enrollment_is_refused(self, api, other_teacher, student):
        assert_error(call(api, "get", f"/api/v1/users/{student.uid}", other_teacher), 403, "permission_denied")

    def test_a_withdrawn_enrollment_no_longer_opens_the_profile(self, api, owner_teacher, student):
        enroll(owner_teacher, student, status="withdrawn")
        assert_error(call(api, "get", f"/api/v1/users/{student.uid}", owner_teacher), 403)

    def test_a_linked_parent_sees_the_child(self, api, parent, student):
        response = call(api, "get", f"/api/v1/users/{student.uid}", parent)
        assert response.status_code == 200 and response.json()["uid"] == student.uid

    def test_an_unlinked_parent_is_refused(self, api, make_user, student):
        stranger = make_user("parent")
        assert_error(call(api, "get", f"/api/v1/users/{student.uid}", stranger), 403)

    def test_another_student_is_refused(self, api, other_student, student):
        assert_error(call(api, "get", f"/api/v1/users/{student.uid}", other_student), 403)

    def test_an_admin_sees_any_profile_in_full(self, api, admin, student):
        body = call(api, "get", f"/api/v1/users/{student.uid}", admin).json()
        assert body["email"] == student.email and body["student"]["parents"] == []

    def test_a_child_sees_their_linked_parent(self, api, parent, student, other_student):
        assert call(api, "get", f"/api/v1/users/{parent.uid}", student).status_code == 200
        assert_error(call(api, "get", f"/api/v1/users/{parent.uid}", other_student), 403)

    def test_an_admin_profile_is_not_public(self, api, admin, owner_teacher):
        assert_error(call(api, "get", f"/api/v1/users/{admin.uid}", owner_teacher), 403)

    def test_an_unknown_uid_is_404(self, api, student):
        assert_error(call(api, "get", "/api/v1/users/no-such-user", student), 404, "not_found")

    def test_it_needs_a_sign_in(self, api, owner_teacher):
        assert_error(api.get(f"/api/v1/users/{owner_teacher.uid}"), 401)


class TestAvailability:
    SLOTS = [{"weekday": 4, "start": "17:00", "end": "18:00"}, {"weekday": 0, "start": "09:00", "end": "12:00"}]

    def put(self, api, persona, data):
        return call(api, "put", "/api/v1/me/availability", persona, data=data)

    def test_a_teacher_sets_weekly_slots_in_her_time_zone(self, api, owner_teacher):
        response = self.put(api, owner_teacher, {"slots": self.SLOTS, "timezone": "America/New_York"})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body == {"teacher_uid": owner_teacher.uid, "timezone": "America/New_York", "slots": self.SLOTS[::-1]}

    def test_any_signed_in_user_reads_a_teachers_availability(self, api, owner_teacher, student, parent):
        self.put(api, owner_teacher, {"slots": self.SLOTS})
        for viewer in (student, parent):
            response = call(api, "get", f"/api/v1/teachers/{owner_teacher.uid}/availability", viewer)
            assert response.status_code == 200, response.content
            assert response.json()["slots"] == self.SLOTS[::-1] and response.json()["timezone"] == "UTC"

    def test_an_empty_list_clears_the_week(self, api, owner_teacher):
        self.put(api, owner_teacher, {"slots": self.SLOTS})
        assert self.put(api, owner_teacher, {"slots": []}).json()["slots"] == []

    def test_back_to_back_slots_do_not_overlap(self, api, owner_teacher):
        slots = [{"weekday": 1, "start": "10:00", "end": "11:00"}, {"weekday": 1, "start": "11:00", "end": "12:00"}]
        assert self.put(api, owner_teacher, {"slots": slots}).status_code == 200

    def test_a_non_teacher_has_no_availability(self, api, student, owner_teacher):
        assert_error(call(api, "get", f"/api/v1/teachers/{student.uid}/availability", owner_teacher), 404)
        assert_error(call(api, "get", "/api/v1/teachers/nobody/availability", owner_teacher), 404)

    def test_reading_availability_needs_a_sign_in(self, api, owner_teacher):
        assert_error(api.get(f"/api/v1/teachers/{owner_teacher.uid}/availability"), 401)

    @pytest.mark.parametrize("persona", ["student", "parent", "admin"])
    def test_only_teachers_set_availability(self, api, request, persona):
        assert_error(self.put(api, request.getfixturevalue(persona), {"slots": []}), 403, "wrong_role")

    @pytest.mark.parametrize(
        "slots",
        [
            [{"weekday": 1, "start": "10:00", "end": "12:00"}, {"weekday": 1, "start": "11:30", "end": "13:00"}],
            [{"weekday": 1, "start": "10:00", "end": "12:00"}, {"weekday": 1, "start": "10:00", "end": "11:00"}],
            [{"weekday": 1, "start": "12:00", "end": "12:00"}],
            [{"weekday": 1, "start": "13:00", "end": "12:00"}],
            [{"weekday": 7, "start": "10:00", "end": "11:00"}],
            [{"weekday": -1, "start": "10:00", "end": "11:00"}],
            [{"weekday": 1, "start": "9:00", "end": "11:00"}],
            [{"weekday": 1, "start": "10:00", "end": "24:30"}],
            [{"weekday": 1, "start": "10h", "end": "11h"}],
            [{"weekday": 1, "start": "10:00"}],
        ],
    )
    def test_bad_slots_are_refused_with_a_reason(self, api, owner_teacher, slots):
        error = assert_error(self.put(api, owner_teacher, {"slots": slots}), 400, "invalid")
        assert "slots" in error["fields"]

    def test_an_unknown_time_zone_is_refused(self, api, owner_teacher):
        error = assert_error(self.put(api, owner_teacher, {"slots": [], "timezone": "Nowhere/Town"}), 400)
        assert "timezone" in error["fields"]

    def test_refused_slots_leave_the_old_ones(self, api, owner_teacher, student):
        self.put(api, owner_teacher, {"slots": self.SLOTS})
        self.put(api, owner_teacher, {"slots": [{"weekday": 1, "start": "12:00", "end": "11:00"}]})
        body = call(api, "get", f"/api/v1/teachers/{owner_teacher.uid}/availability", student).json()
        assert body["slots"] == self.SLOTS[::-1]


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


class TestDeleteAccount:
    def test_it_needs_a_recent_sign_in(self, api, student, settings):
        settings.RECENT_SIGN_IN_SECONDS = 0  # the persona signed in before this request, so too long ago
        assert_error(call(api, "delete", "/api/v1/me", student), 403, "recent_sign_in_required")
        assert user_store.get_profile(student.uid) is not None and identity.account_exists(student.uid)

    def test_it_deletes_the_account_and_ends_the_token(self, api, student):
        assert call(api, "delete", "/api/v1/me", student).status_code == 204
        assert user_store.get_profile(student.uid) is None
        assert not identity.account_exists(student.uid)
        assert_error(call(api, "get", "/api/v1/me", student), 401)
        login = call(api, "post", "/api/v1/auth/login", data={"email": student.email, "password": PASSWORD})
        assert_error(login, 401, "invalid_credentials")

    def test_it_deletes_the_photo(self, api, student):
        photo = io.BytesIO(png_bytes())
        photo.name = "me.png"
        assert (
            call(api, "post", "/api/v1/me/photo", student, data={"photo": photo}, format="multipart").status_code == 200
        )
        assert storage.read_bytes(f"users/{student.uid}/photo") is not None
        call(api, "delete", "/api/v1/me", student)
        assert storage.read_bytes(f"users/{student.uid}/photo") is None

    def test_a_deleted_child_leaves_the_parents_list(self, api, parent, student):
        call(api, "delete", "/api/v1/me", student)
        assert call(api, "get", "/api/v1/me", parent).json()["parent"]["children"] == []
        assert call(api, "get", "/api/v1/me/children", parent).json()["items"] == []

    def test_a_deleted_parent_leaves_the_childs_list(self, api, parent, student):
        call(api, "delete", "/api/v1/me", parent)
        assert call(api, "get", "/api/v1/me/parents", student).json()["items"] == []

    def test_a_students_open_link_codes_die_with_the_account(self, api, student, make_user):
        code = call(api, "post", "/api/v1/me/parent-link-code", student).json()["code"]
        call(api, "delete", "/api/v1/me", student)
        assert not db().collection("parent_link_codes").document(code).get().exists
        new_parent = make_user("parent")
        assert_error(call(api, "post", "/api/v1/me/children", new_parent, data={"code": code}), 404)

    def test_the_email_can_register_again(self, api, student):
        call(api, "delete", "/api/v1/me", student)
        body = {"email": student.email, "password": PASSWORD, "display_name": "Sam Again", "role": "student"}
        assert call(api, "post", "/api/v1/auth/register", data=body).status_code == 201
        token = emulators.sign_in(student.email, PASSWORD)["idToken"]
        assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()["display_name"] == "Sam Again"

    def test_it_needs_a_sign_in(self, api):
        assert_error(api.delete("/api/v1/me"), 401)
