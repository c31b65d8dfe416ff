"""Parent-child links: a student's one-time code, a parent redeems it; either side can unlink."""

from __future__ import annotations

import datetime as dt

import pytest

from firestore_operations.client import db
from tests.conftest import assert_error, call


@pytest.fixture
def new_parent(make_user):
    """A parent not yet linked to anybody."""
    return make_user("parent", name="Nora Newparent", email="nora@example.com")


def new_code(api, student) -> str:
    response = call(api, "post", "/api/v1/me/parent-link-code", student)
    assert response.status_code == 201, response.content
    return response.json()["code"]


def redeem(api, parent, code: str):
    return call(api, "post", "/api/v1/me/children", parent, data={"code": code})


class TestLinkCode:
    def test_a_student_gets_a_code_valid_for_a_day(self, api, student):
        response = call(api, "post", "/api/v1/me/parent-link-code", student)
        assert response.status_code == 201, response.content
        body = response.json()
        assert len(body["code"]) == 8 and body["code"].isalnum() and body["code"].isupper()
        expires_at = dt.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
        left = expires_at - dt.datetime.now(dt.UTC)
        assert dt.timedelta(hours=23) < left <= dt.timedelta(hours=24)

    def test_each_request_draws_a_new_code(self, api, student):
        assert new_code(api, student) != new_code(api, student)

    @pytest.mark.parametrize("persona", ["owner_teacher", "new_parent", "admin"])
    def test_only_students_get_codes(self, api, request, persona):
        response = call(api, "post", "/api/v1/me/parent-link-code", request.getfixturevalue(persona))
        assert_error(response, 403, "wrong_role")

    def test_it_needs_a_sign_in(self, api):
        assert_error(api.post("/api/v1/me/parent-link-code"), 401)


class TestRedeem:
    def test_a_parent_links_a_child_with_the_code(self, api, student, new_parent):
        assert_error(call(api, "get", f"/api/v1/users/{student.uid}", new_parent), 403)
        response = redeem(api, new_parent, new_code(api, student))
        assert response.status_code == 201, response.content
        assert response.json()["uid"] == student.uid
        assert call(api, "get", f"/api/v1/users/{student.uid}", new_parent).status_code == 200
        children = call(api, "get", "/api/v1/me/children", new_parent).json()["items"]
        assert [child["uid"] for child in children] == [student.uid]
        parents = call(api, "get", "/api/v1/me/parents", student).json()["items"]
        assert new_parent.uid in [parent["uid"] for parent in parents]

    def test_a_parent_sees_only_linked_children(self, api, student, other_student, new_parent):
        redeem(api, new_parent, new_code(api, student))
        assert_error(call(api, "get", f"/api/v1/users/{other_student.uid}", new_parent), 403)

    def test_the_code_may_be_typed_in_lower_case(self, api, student, new_parent):
        assert redeem(api, new_parent, new_code(api, student).lower()).status_code == 201

    def test_a_code_works_only_once(self, api, student, new_parent, make_user):
        code = new_code(api, student)
        assert redeem(api, new_parent, code).status_code == 201
        second = make_user("parent")
        assert_error(redeem(api, second, code), 404, "invalid_code")
        assert_error(call(api, "get", f"/api/v1/users/{student.uid}", second), 403)

    def test_an_expired_code_is_404(self, api, student, new_parent):
        db().collection("parent_link_codes").document("EXPRD234").set(
            {"student_uid": student.uid, "expires_at": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)}
        )
        error = assert_error(redeem(api, new_parent, "EXPRD234"), 404, "invalid_code")
        assert "expired" in error["message"]
        assert call(api, "get", "/api/v1/me/children", new_parent).json()["items"] == []

    def test_a_wrong_code_is_404(self, api, new_parent):
        error = assert_error(redeem(api, new_parent, "ZZZZZZZZ"), 404, "invalid_code")
        assert "code" in error["fields"]

    def test_a_malformed_code_is_400(self, api, new_parent):
        for code in ("short", "ABCD-EFG", ""):
            error = assert_error(redeem(api, new_parent, code), 400, "invalid")
            assert "code" in error["fields"]

    def test_ten_wrong_codes_lock_the_parent_out(self, api, student, new_parent):
        for _ in range(10):
            assert_error(redeem(api, new_parent, "ZZZZZZZZ"), 404)
        response = redeem(api, new_parent, new_code(api, student))
        assert_error(response, 429, "rate_limited")
        assert int(response["Retry-After"]) > 0

    def test_an_already_linked_parent_gets_409(self, api, student, parent):
        assert_error(redeem(api, parent, new_code(api, student)), 409, "already_linked")

    @pytest.mark.parametrize("persona", ["student", "owner_teacher", "admin"])
    def test_only_parents_redeem_codes(self, api, request, persona):
        assert_error(redeem(api, request.getfixturevalue(persona), "ABCDEFGH"), 403, "wrong_role")


class TestLists:
    def test_a_parent_lists_children_without_private_fields(self, api, parent, student):
        call(api, "patch", "/api/v1/me", student, data={"phone": "+1 555 0100"})
        items = call(api, "get", "/api/v1/me/children", parent).json()["items"]
        assert [child["uid"] for child in items] == [student.uid]
        assert items[0]["email"] == student.email and "phone" not in items[0]

    def test_a_student_lists_parents(self, api, parent, student):
        items = call(api, "get", "/api/v1/me/parents", student).json()["items"]
        assert [item["uid"] for item in items] == [parent.uid]

    def test_a_student_has_no_children_list_and_a_parent_no_parents_list(self, api, parent, student):
        assert_error(call(api, "get", "/api/v1/me/children", student), 403)
        assert_error(call(api, "get", "/api/v1/me/parents", parent), 403)


class TestUnlink:
    def test_a_parent_unlinks_a_child(self, api, parent, student):
        assert call(api, "delete", f"/api/v1/me/children/{student.uid}", parent).status_code == 204
        assert call(api, "get", "/api/v1/me/children", parent).json()["items"] == []
        assert call(api, "get", "/api/v1/me/parents", student).json()["items"] == []
        assert_error(call(api, "get", f"/api/v1/users/{student.uid}", parent), 403)

    def test_a_student_unlinks_a_parent(self, api, parent, student):
        assert call(api, "delete", f"/api/v1/me/parents/{parent.uid}", student).status_code == 204
        assert call(api, "get", "/api/v1/me", parent).json()["parent"]["children"] == []
        assert_error(call(api, "get", f"/api/v1/users/{student.uid}", parent), 403)

    def test_unlinking_someone_not_linked_is_404(self, api, parent, other_student, new_parent, student):
        assert_error(call(api, "delete", f"/api/v1/me/children/{other_student.uid}", parent), 404)
        assert_error(call(api, "delete", f"/api/v1/me/parents/{new_parent.uid}", student), 404)

    def test_only_the_right_side_unlinks(self, api, parent, student, owner_teacher):
        assert_error(call(api, "delete", f"/api/v1/me/children/{student.uid}", student), 403)
        assert_error(call(api, "delete", f"/api/v1/me/parents/{parent.uid}", parent), 403)
        assert_error(call(api, "delete", f"/api/v1/me/children/{student.uid}", owner_teacher), 403)

    def test_a_child_can_be_linked_again_after_unlinking(self, api, parent, student):
        call(api, "delete", f"/api/v1/me/children/{student.uid}", parent)
        assert redeem(api, parent, new_code(api, student)).status_code == 201
        assert call(api, "get", f"/api/v1/users/{student.uid}", parent).status_code == 200
