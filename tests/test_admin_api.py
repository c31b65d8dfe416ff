"""Admins list users, change roles and disable accounts; the create_admin command makes the first admin."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from firebase_admin import auth

from authentication import identity
from firestore_operations import users as user_store
from tests import emulators
from tests.conftest import PASSWORD, assert_error, call, wait_next_second


def admin_list(api, persona, **params):
    return api.get("/api/v1/admin/users", params, **persona.auth)


def admin_patch(api, persona, uid, data):
    return call(api, "patch", f"/api/v1/admin/users/{uid}", persona, data=data)


def uids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["uid"] for item in response.json()["items"]]


def login(api, persona):
    return call(api, "post", "/api/v1/auth/login", data={"email": persona.email, "password": PASSWORD})


class TestList:
    def test_an_admin_lists_every_account_with_emails(self, api, admin, owner_teacher, student):
        response = admin_list(api, admin)
        assert uids(response) == [owner_teacher.uid, admin.uid, student.uid]
        item = response.json()["items"][2]
        assert item["email"] == student.email and item["disabled"] is False and item["role"] == "student"

    def test_filters_by_role_disabled_and_query(self, api, admin, owner_teacher, other_teacher, student):
        admin_patch(api, admin, other_teacher.uid, {"disabled": True})
        assert uids(admin_list(api, admin, role="teacher")) == [owner_teacher.uid, other_teacher.uid]
        assert uids(admin_list(api, admin, disabled="true")) == [other_teacher.uid]
        assert uids(admin_list(api, admin, disabled="false", role="teacher")) == [owner_teacher.uid]
        assert uids(admin_list(api, admin, q="grace", disabled="true")) == [other_teacher.uid]
        assert uids(admin_list(api, admin, q="grace", role="teacher", disabled="true")) == [other_teacher.uid]
        assert uids(admin_list(api, admin, q="sam", role="teacher")) == []

    def test_it_pages_with_a_cursor_one_query_each(self, api, admin, make_user):
        made = {make_user("student", name="Pat Paged").uid for _ in range(5)}
        first = admin_list(api, admin, role="student", limit=3)
        assert first["X-Firestore-Queries"] == "1" and int(first["X-Firestore-Reads"]) <= 4
        second = admin_list(api, admin, role="student", limit=3, cursor=first.json()["next_cursor"])
        assert set(uids(first)) | set(uids(second)) == made and len(uids(first) + uids(second)) == 5
        assert second.json()["next_cursor"] is None

    def test_bad_parameters_are_400(self, api, admin):
        assert_error(admin_list(api, admin, role="wizard"), 400)
        assert_error(admin_list(api, admin, disabled="perhaps"), 400)
        assert_error(admin_list(api, admin, cursor="nope"), 400)

    @pytest.mark.parametrize("persona", ["owner_teacher", "student", "parent"])
    def test_non_admins_are_refused(self, api, request, persona):
        assert_error(admin_list(api, request.getfixturevalue(persona)), 403, "wrong_role")

    def test_it_needs_a_sign_in(self, api):
        assert_error(api.get("/api/v1/admin/users"), 401)


class TestRoleChange:
    def test_the_new_role_reaches_claim_profile_and_fresh_tokens(self, api, admin, student):
        wait_next_second()
        response = admin_patch(api, admin, student.uid, {"role": "teacher"})
        assert response.status_code == 200, response.content
        assert response.json()["role"] == "teacher" and response.json()["teacher"]["subjects"] == []
        assert auth.get_user(student.uid, app=identity.app()).custom_claims["role"] == "teacher"
        assert user_store.get_profile(student.uid)["role"] == "teacher"
        fresh = student.refresh_token()
        assert auth.verify_id_token(fresh, app=identity.app())["role"] == "teacher"
        assert call(api, "get", "/api/v1/me", student).json()["role"] == "teacher"
        assert call(api, "get", "/api/v1/users", student).status_code == 200  # teachers may search now

    def test_the_old_token_is_refused_at_once(self, api, admin, student):
        old = student.token
        wait_next_second()
        admin_patch(api, admin, student.uid, {"role": "parent"})
        response = api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {old}")
        assert_error(response, 401, "token_revoked")

    def test_a_promoted_admin_can_use_admin_routes(self, api, admin, owner_teacher):
        admin_patch(api, admin, owner_teacher.uid, {"role": "admin"})
        owner_teacher.refresh_token()
        assert admin_list(api, owner_teacher).status_code == 200

    def test_an_admin_cannot_demote_themself(self, api, admin):
        assert_error(admin_patch(api, admin, admin.uid, {"role": "teacher"}), 409, "self_lockout")
        assert call(api, "get", "/api/v1/me", admin).json()["role"] == "admin"

    def test_setting_the_same_role_changes_nothing(self, api, admin, student):
        response = admin_patch(api, admin, student.uid, {"role": "student"})
        assert response.status_code == 200 and response.json()["role"] == "student"
        assert call(api, "get", "/api/v1/me", student).status_code == 200

    def test_a_user_cannot_change_their_own_role_through_me(self, api, student):
        assert_error(call(api, "patch", "/api/v1/me", student, data={"role": "admin"}), 400)


class TestDisable:
    def test_a_disabled_user_is_refused_and_cannot_sign_in(self, api, admin, student):
        response = admin_patch(api, admin, student.uid, {"disabled": True})
        assert response.status_code == 200 and response.json()["disabled"] is True
        assert auth.get_user(student.uid, app=identity.app()).disabled
        assert_error(call(api, "get", "/api/v1/me", student), 401, "account_disabled")
        assert_error(login(api, student), 403, "account_disabled")

    def test_a_disabled_profile_is_hidden_from_other_users(self, api, admin, owner_teacher, student):
        admin_patch(api, admin, owner_teacher.uid, {"disabled": True})
        assert_error(call(api, "get", f"/api/v1/users/{owner_teacher.uid}", student), 404)
        assert_error(call(api, "get", f"/api/v1/teachers/{owner_teacher.uid}/availability", student), 404)
        assert call(api, "get", f"/api/v1/users/{owner_teacher.uid}", admin).json()["disabled"] is True

    def test_re_enabling_lets_the_user_back_in(self, api, admin, student):
        admin_patch(api, admin, student.uid, {"disabled": True})
        response = admin_patch(api, admin, student.uid, {"disabled": False})
        assert response.status_code == 200 and response.json()["disabled"] is False
        assert login(api, student).status_code == 200

    def test_an_admin_cannot_disable_themself(self, api, admin):
        assert_error(admin_patch(api, admin, admin.uid, {"disabled": True}), 409, "self_lockout")
        assert call(api, "get", "/api/v1/me", admin).status_code == 200


class TestPatchRefusals:
    def test_disabled_as_text_is_refused_not_read_as_true(self, api, admin, student):
        error = assert_error(admin_patch(api, admin, student.uid, {"disabled": "yes"}), 400, "invalid")
        assert error["fields"] == {"disabled": ["Must be true or false."]}
        assert not auth.get_user(student.uid, app=identity.app()).disabled

    def test_an_unknown_user_is_404(self, api, admin):
        assert_error(admin_patch(api, admin, "no-such-user", {"disabled": True}), 404)

    @pytest.mark.parametrize(
        "body, field", [({}, None), ({"role": "wizard"}, "role"), ({"disabled": "maybe"}, "disabled")]
    )
    def test_bad_bodies_are_400(self, api, admin, student, body, field):
        error = assert_error(admin_patch(api, admin, student.uid, body), 400)
        if field:
            assert field in error["fields"]

    @pytest.mark.parametrize("persona", ["owner_teacher", "student", "parent"])
    def test_non_admins_are_refused(self, api, request, persona, other_student):
        response = admin_patch(api, request.getfixturevalue(persona), other_student.uid, {"role": "admin"})
        assert_error(response, 403, "wrong_role")
        assert user_store.get_profile(other_student.uid)["role"] == "student"


class TestCreateAdminCommand:
    def test_it_creates_an_admin_who_can_sign_in(self, api):
        call_command("create_admin", email="Root@Example.com", password="s3cret-pass", display_name="Root Admin")
        token = emulators.sign_in("root@example.com", "s3cret-pass")["idToken"]
        me = api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
        assert me["role"] == "admin" and me["email"] == "root@example.com" and me["display_name"] == "Root Admin"
        assert api.get("/api/v1/admin/users", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    def test_a_taken_email_is_a_command_error(self, student):
        with pytest.raises(CommandError, match="already exists"):
            call_command("create_admin", email=student.email, password="s3cret-pass", display_name="Again")
        assert user_store.get_profile(student.uid)["role"] == "student"

    def test_a_bad_email_or_blank_name_is_a_command_error(self):
        with pytest.raises(CommandError):
            call_command("create_admin", email="not-an-email", password="s3cret-pass", display_name="X")
        with pytest.raises(CommandError):
            call_command("create_admin", email="x@example.com", password="s3cret-pass", display_name="  ")
