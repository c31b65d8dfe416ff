"""Edits an admin makes in the Firebase console reach the rest of the platform (docs/security.md).

The console disables and deletes accounts in Firebase Auth and edits user documents in Firestore;
`reconcile_accounts` (beat, every ACCOUNT_RECONCILE_SECONDS) makes the other side follow, and a
token whose role claim no longer matches its account is refused on the next request.
"""

from __future__ import annotations

from django.conf import settings
from firebase_admin import auth

from authentication import identity
from authentication import tasks as account_tasks
from firestore_operations.client import db
from messaging.notify import notify
from tests.conftest import assert_error, call
from tests.factories import enroll, make_course


def console_disable(uid: str, disabled: bool = True) -> None:
    auth.update_user(uid, disabled=disabled, app=identity.app())


def profile(uid: str) -> dict:
    return db().collection("users").document(uid).get().to_dict()


def found_teachers(api, persona, q: str) -> list[str]:
    response = call(api, "get", "/api/v1/users", persona, data={"role": "teacher", "q": q})
    assert response.status_code == 200, response.content
    return [item["uid"] for item in response.json()["items"]]


def group_with(api, creator, member_uid: str):
    return call(api, "post", "/api/v1/chat/rooms", creator, data={"name": "Staff", "member_uids": [member_uid]})


def reconcile() -> dict:
    # The beat task's body, run here: the schedule itself is checked below.
    return account_tasks.reconcile_accounts()


class TestDisabledInTheConsole:
    def test_it_leaves_search_room_adds_and_mail(self, api, owner_teacher, other_teacher, mailoutbox):
        console_disable(other_teacher.uid)
        # Until reconciled, only sign-in knows: the rest of the platform reads the user document.
        assert found_teachers(api, owner_teacher, "grace") == [other_teacher.uid]

        assert reconcile()["disabled"] == 1
        assert profile(other_teacher.uid)["disabled"] is True
        assert found_teachers(api, owner_teacher, "grace") == []
        assert_error(call(api, "get", f"/api/v1/users/{other_teacher.uid}", owner_teacher), 404)
        assert "member_uids" in assert_error(group_with(api, owner_teacher, other_teacher.uid), 400)["fields"]
        notify(recipient_uids=[other_teacher.uid], kind="lesson.created", title="New lesson", body="Tuesday")
        assert mailoutbox == []
        assert not db().collection("users").document(other_teacher.uid).collection("notifications").get()

    def test_enabling_it_again_brings_the_account_back(self, api, owner_teacher, other_teacher):
        console_disable(other_teacher.uid)
        reconcile()
        console_disable(other_teacher.uid, False)
        assert reconcile()["enabled"] == 1
        assert profile(other_teacher.uid)["disabled"] is False
        assert found_teachers(api, owner_teacher, "grace") == [other_teacher.uid]
        assert group_with(api, owner_teacher, other_teacher.uid).status_code == 201

    def test_an_account_deleted_in_auth_is_hidden_not_erased(self, api, owner_teacher, other_teacher):
        auth.delete_user(other_teacher.uid, app=identity.app())
        reconcile()
        assert profile(other_teacher.uid)["disabled"] is True
        assert found_teachers(api, owner_teacher, "grace") == []

    def test_a_second_run_changes_nothing(self, owner_teacher, other_teacher):
        console_disable(other_teacher.uid)
        reconcile()
        assert reconcile() == {"checked": 2, "disabled": 0, "enabled": 0, "roles": 0}


class TestRoleEditedInTheUserDocument:
    def test_the_claim_follows_and_a_demoted_teacher_loses_her_courses(self, api, owner_teacher):
        course_id = make_course(owner_teacher)
        db().collection("users").document(owner_teacher.uid).update({"role": "student"})

        assert reconcile()["roles"] == 1
        assert auth.get_user(owner_teacher.uid, app=identity.app()).custom_claims == {"role": "student"}
        assert "student" in profile(owner_teacher.uid)  # the new role's part, with its defaults
        # Revoked, or (within the revocation's second) refused for the stale claim: either way, out.
        assert assert_error(call(api, "get", "/api/v1/me", owner_teacher), 401)["code"] in {
            "token_revoked",
            "role_changed",
        }
        course = db().collection("courses").document(course_id).get().to_dict()
        assert course["status"] == "archived"

    def test_a_demoted_teacher_keeps_nothing_through_an_enrolled_student(self, api, owner_teacher, student):
        course_id = make_course(owner_teacher)
        enroll(course_id, student.uid, owner_teacher.uid)
        db().collection("users").document(owner_teacher.uid).update({"role": "parent"})
        reconcile()
        response = call(api, "get", f"/api/v1/courses/{course_id}", student)
        assert response.status_code == 200 and response.json()["status"] == "archived"


class TestRoleClaimChangedOutsideTheApp:
    def test_a_token_with_the_old_claim_is_refused_and_the_document_wins(self, api, student):
        assert call(api, "get", "/api/v1/me", student).status_code == 200
        auth.set_custom_user_claims(student.uid, {"role": "admin"}, app=identity.app())
        identity.forget_account_state(student.uid)  # as AUTH_REVOCATION_CACHE_SECONDS passing would
        assert_error(call(api, "get", "/api/v1/me", student), 401, "role_changed")

        assert reconcile()["roles"] == 1
        assert auth.get_user(student.uid, app=identity.app()).custom_claims == {"role": "student"}


def test_reconciliation_is_on_the_beat_schedule_and_the_worker_knows_it():
    from cplatform.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["reconcile-accounts"]
    assert entry["schedule"] == settings.ACCOUNT_RECONCILE_SECONDS
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
