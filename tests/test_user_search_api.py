"""User search for teachers and admins: word prefixes, accents, filters, cursor pages of one query each."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import assert_error, call
from tests.ws_client import enroll


def search(api, persona, **params):
    return api.get("/api/v1/users", params, **persona.auth)


def forged_cursor(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def uids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["uid"] for item in response.json()["items"]]


def set_subjects(api, teacher, subjects):
    response = call(api, "patch", "/api/v1/me", teacher, data={"teacher": {"subjects": subjects}})
    assert response.status_code == 200, response.content


@pytest.fixture
def elodie(make_user):
    return make_user("teacher", name="Elodie Martin", email="e.martin@example.com")


class TestQuery:
    @pytest.mark.parametrize("q", ["lovelace ada", "Ada Lovelace", "LOVE", "ada", "lov  ad"])
    def test_a_name_prefix_finds_the_user(self, api, owner_teacher, other_teacher, q):
        assert uids(search(api, other_teacher, q=q)) == [owner_teacher.uid]

    @pytest.mark.parametrize("q", ["ada@", "ada@example.com", "ada@exa lovelace"])
    def test_an_admin_finds_a_user_by_email(self, api, owner_teacher, admin, q):
        assert uids(search(api, admin, q=q)) == [owner_teacher.uid]

    def test_an_accented_query_finds_a_plain_name(self, api, elodie, owner_teacher):
        assert uids(search(api, owner_teacher, q="élodie")) == [elodie.uid]

    def test_a_plain_query_finds_an_accented_name(self, api, make_user, owner_teacher):
        zoe = make_user("student", name="Zoë Ångström")
        enroll("course1", zoe.uid, owner_teacher.uid)
        assert uids(search(api, owner_teacher, q="zoe angst")) == [zoe.uid]

    def test_a_word_of_the_email_finds_the_user(self, api, elodie, owner_teacher):
        assert uids(search(api, owner_teacher, q="e.mar")) == [elodie.uid]

    def test_all_words_must_match(self, api, owner_teacher, other_teacher):
        assert uids(search(api, other_teacher, q="ada hopper")) == []

    def test_the_middle_of_a_word_does_not_match(self, api, owner_teacher, other_teacher):
        assert uids(search(api, other_teacher, q="velace")) == []

    def test_the_email_domain_alone_does_not_list_everybody(self, api, owner_teacher, other_teacher):
        assert uids(search(api, other_teacher, q="example")) == []

    def test_no_query_lists_everybody_by_name(self, api, owner_teacher, other_teacher, student, admin):
        # "ada lovelace" < "alex admin" < "grace hopper" < "sam student"
        assert uids(search(api, admin)) == [owner_teacher.uid, admin.uid, other_teacher.uid, student.uid]

    def test_empty_parameters_mean_no_filter(self, api, owner_teacher, other_teacher):
        response = api.get("/api/v1/users?q=&role=&subject=&limit=&cursor=", **owner_teacher.auth)
        assert uids(response) == [owner_teacher.uid, other_teacher.uid]

    def test_a_renamed_user_is_found_by_the_new_name_only(self, api, owner_teacher, other_teacher):
        call(api, "patch", "/api/v1/me", owner_teacher, data={"display_name": "Augusta King"})
        assert uids(search(api, other_teacher, q="augusta")) == [owner_teacher.uid]
        assert uids(search(api, other_teacher, q="lovelace")) == []

    def test_a_query_without_letters_or_digits_is_400(self, api, owner_teacher):
        error = assert_error(search(api, owner_teacher, q="!!! ?"), 400, "invalid")
        assert "q" in error["fields"]


class TestFilters:
    def test_role_filters(self, api, owner_teacher, other_teacher, student, parent, admin):
        enroll("course1", student.uid, owner_teacher.uid)
        assert uids(search(api, owner_teacher, role="student")) == [student.uid]
        assert uids(search(api, admin, role="parent")) == [parent.uid]
        assert uids(search(api, owner_teacher, role="teacher")) == [owner_teacher.uid, other_teacher.uid]
        assert uids(search(api, owner_teacher, q="sam", role="teacher")) == []

    def test_subject_filters_with_and_without_a_query(self, api, owner_teacher, other_teacher, elodie):
        set_subjects(api, owner_teacher, ["Mathematics", "Physics"])
        set_subjects(api, elodie, ["Français"])
        assert uids(search(api, other_teacher, subject="mathematics")) == [owner_teacher.uid]
        assert uids(search(api, other_teacher, subject="francais", role="teacher")) == [elodie.uid]
        assert uids(search(api, other_teacher, q="ada", subject="Physics")) == [owner_teacher.uid]
        assert uids(search(api, other_teacher, q="elodie", subject="Physics")) == []

    def test_an_unknown_role_is_400(self, api, owner_teacher):
        error = assert_error(search(api, owner_teacher, role="wizard"), 400)
        assert "role" in error["fields"]

    def test_teachers_cannot_search_for_admins(self, api, owner_teacher, admin):
        assert_error(search(api, owner_teacher, role="admin"), 403)
        assert uids(search(api, admin, role="admin")) == [admin.uid]

    def test_disabled_accounts_are_hidden_from_teachers(self, api, owner_teacher, student, admin):
        call(api, "patch", f"/api/v1/admin/users/{student.uid}", admin, data={"disabled": True})
        assert uids(search(api, owner_teacher, q="sam")) == []
        listed = api.get("/api/v1/admin/users", {"q": "sam", "disabled": "true"}, **admin.auth)
        assert uids(listed) == [student.uid]


class TestOutput:
    def test_teachers_do_not_see_emails(self, api, owner_teacher, other_teacher):
        set_subjects(api, owner_teacher, ["Mathematics"])
        item = search(api, other_teacher, q="ada").json()["items"][0]
        assert item == {
            "uid": owner_teacher.uid,
            "display_name": "Ada Lovelace",
            "role": "teacher",
            "photo_url": None,
            "subjects": ["Mathematics"],
        }

    def test_admins_see_emails(self, api, owner_teacher, admin):
        item = search(api, admin, q="ada").json()["items"][0]
        assert item["email"] == owner_teacher.email and item["disabled"] is False


class TestPages:
    def test_pages_neither_repeat_nor_skip_equal_names(self, api, make_user, owner_teacher):
        same = {make_user("student", name="Chris Same").uid for _ in range(5)}
        for uid in same:
            enroll("course1", uid, owner_teacher.uid)
        seen, cursor, pages = [], "", 0
        while True:
            params = {"q": "chris", "limit": 2, **({"cursor": cursor} if cursor else {})}
            body = search(api, owner_teacher, **params).json()
            seen += [item["uid"] for item in body["items"]]
            pages += 1
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == 5 and set(seen) == same
        assert pages == 3

    def test_each_page_is_one_query_of_at_most_limit_plus_one_reads(self, api, make_user, admin):
        for _ in range(6):
            make_user("student", name="Robin Page")
        first = search(api, admin, q="robin", limit=3)
        assert first["X-Firestore-Queries"] == "1" and int(first["X-Firestore-Reads"]) <= 4
        second = search(api, admin, q="robin", limit=3, cursor=first.json()["next_cursor"])
        assert second["X-Firestore-Queries"] == "1" and int(second["X-Firestore-Reads"]) <= 4
        assert not set(uids(first)) & set(uids(second)) and len(uids(second)) == 3
        assert second.json()["next_cursor"] is None

    def test_the_last_page_has_no_cursor(self, api, owner_teacher, other_teacher):
        assert search(api, owner_teacher, q="ada").json()["next_cursor"] is None

    @pytest.mark.parametrize(
        "cursor",
        [
            "garbage",
            "%%%",
            forged_cursor({"k": "courses", "v": ["a"], "p": "users/x"}),  # another list's cursor
            forged_cursor({"k": "users", "v": [], "p": "users/x"}),  # wrong number of sort values
            forged_cursor({"k": "users", "v": ["a"], "p": "users"}),  # not a document path
        ],
    )
    def test_a_bad_cursor_is_400(self, api, owner_teacher, cursor):
        error = assert_error(search(api, owner_teacher, cursor=cursor), 400, "invalid_cursor")
        assert "cursor" in error["fields"]

    @pytest.mark.parametrize("limit", ["0", "101", "ten"])
    def test_a_bad_limit_is_400(self, api, owner_teacher, limit):
        error = assert_error(search(api, owner_teacher, limit=limit), 400)
        assert "limit" in error["fields"]


class TestDirectoryLimits:
    """A self-registered teacher is no key to the whole user directory."""

    def test_a_teacher_finds_only_her_own_students(self, api, owner_teacher, other_teacher, student, other_student):
        enroll("course1", student.uid, owner_teacher.uid)
        assert uids(search(api, owner_teacher, role="student")) == [student.uid]
        assert uids(search(api, other_teacher, role="student")) == []
        assert uids(search(api, other_teacher, q="olive")) == []
        assert uids(search(api, other_teacher)) == [owner_teacher.uid, other_teacher.uid]

    def test_a_teacher_cannot_list_parents(self, api, owner_teacher, parent):
        assert_error(search(api, owner_teacher, role="parent"), 403, "wrong_role")

    @pytest.mark.parametrize("q", ["sam@", "sam@example.com", "sam@e"])
    def test_an_email_is_no_search_term_for_teachers(self, api, owner_teacher, student, q):
        enroll("course1", student.uid, owner_teacher.uid)
        assert_error(search(api, owner_teacher, q=q), 400, "invalid")

    def test_the_hidden_local_part_of_an_email_matches_nothing(self, api, make_user, owner_teacher):
        hidden = make_user("student", name="Quinn Doe", email="zx-secret@example.com")
        enroll("course1", hidden.uid, owner_teacher.uid)
        assert uids(search(api, owner_teacher, q="zx")) == []
        assert uids(search(api, owner_teacher, q="quinn")) == [hidden.uid]

    def test_searching_is_rate_limited(self, api, owner_teacher, settings):
        settings.USER_SEARCH_LIMIT = 3
        for _ in range(3):
            assert search(api, owner_teacher, q="ada").status_code == 200
        response = search(api, owner_teacher, q="ada")
        assert_error(response, 429, "rate_limited")
        assert int(response["Retry-After"]) > 0


class TestAccess:
    @pytest.mark.parametrize("persona", ["student", "parent"])
    def test_students_and_parents_cannot_search(self, api, request, persona):
        assert_error(search(api, request.getfixturevalue(persona), q="ada"), 403, "wrong_role")

    def test_it_needs_a_sign_in(self, api):
        assert_error(api.get("/api/v1/users", {"q": "ada"}), 401)
