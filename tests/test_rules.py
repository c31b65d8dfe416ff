"""firestore.rules against the emulator, as a mobile client with a real Firebase ID token sees them."""

from __future__ import annotations

from firestore_operations.client import db
from tests.emulators import firestore_rest


class TestUsers:
    def test_a_user_reads_their_own_profile(self, student):
        response = firestore_rest("GET", f"users/{student.uid}", student.token)
        assert response.status_code == 200, response.text
        assert response.json()["fields"]["email"]["stringValue"] == student.email

    def test_a_user_cannot_read_another_profile(self, student, owner_teacher, parent):
        assert firestore_rest("GET", f"users/{owner_teacher.uid}", student.token).status_code == 403
        # Not even a linked parent: the API decides what a parent may see, not the client.
        assert firestore_rest("GET", f"users/{student.uid}", parent.token).status_code == 403

    def test_an_admin_reads_any_profile(self, admin, student):
        assert firestore_rest("GET", f"users/{student.uid}", admin.token).status_code == 200

    def test_nobody_writes_profiles_directly(self, student, admin):
        body = {"fields": {"role": {"stringValue": "admin"}}}
        own = firestore_rest("PATCH", f"users/{student.uid}?updateMask.fieldPaths=role", student.token, json=body)
        assert own.status_code == 403
        as_admin = firestore_rest("PATCH", f"users/{student.uid}?updateMask.fieldPaths=role", admin.token, json=body)
        assert as_admin.status_code == 403
        assert firestore_rest("DELETE", f"users/{student.uid}", student.token).status_code == 403
        assert db().collection("users").document(student.uid).get().to_dict()["role"] == "student"

    def test_a_user_cannot_list_the_collection(self, student):
        assert firestore_rest("GET", "users", student.token).status_code == 403

    def test_unauthenticated_reads_are_denied(self, student):
        assert firestore_rest("GET", f"users/{student.uid}", None).status_code == 403


class TestOtherCollections:
    def test_link_codes_are_unreadable(self, student, parent, admin):
        db().collection("parent_link_codes").document("ABCDEFGH").set({"student_uid": student.uid})
        for persona in (student, parent, admin):
            assert firestore_rest("GET", "parent_link_codes/ABCDEFGH", persona.token).status_code == 403

    def test_an_unknown_collection_is_denied(self, student, admin):
        db().collection("secrets").document("x").set({"v": 1})
        for persona in (student, admin):
            assert firestore_rest("GET", "secrets/x", persona.token).status_code == 403
            body = {"fields": {"v": {"integerValue": "2"}}}
            assert firestore_rest("PATCH", "secrets/x", persona.token, json=body).status_code == 403
