"""firestore.rules against the emulator, as a mobile client with a real Firebase ID token sees them."""

from __future__ import annotations

import requests

from firestore_operations.client import db
from tests.emulators import auth_host, firestore_rest


def client_sign_up(email: str, password: str = "client-pass-1") -> str:
    """An account made by a client with the public API key (no backend, so no role): its ID token."""
    url = f"http://{auth_host()}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=fake"
    response = requests.post(url, json={"email": email, "password": password, "returnSecureToken": True}, timeout=10)
    response.raise_for_status()
    return response.json()["idToken"]


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


class TestConsoleAndClientEdits:
    def test_a_demoted_admin_loses_admin_reads_before_her_token_expires(self, admin, student):
        # An admin demoted in the console (or by the API) keeps the old claim in her current token.
        db().collection("users").document(admin.uid).update({"role": "teacher"})
        assert firestore_rest("GET", f"users/{student.uid}", admin.token).status_code == 403

    def test_a_disabled_admin_reads_nothing_of_others(self, admin, student):
        db().collection("users").document(admin.uid).update({"disabled": True})
        assert firestore_rest("GET", f"users/{student.uid}", admin.token).status_code == 403

    def test_an_account_signed_up_by_a_client_reads_nothing(self, owner_teacher):
        db().collection("courses").document("open").set(
            {"status": "published", "teacher_uid": owner_teacher.uid, "title": "Open"}
        )
        token = client_sign_up("rogue@example.com")
        assert firestore_rest("GET", "courses/open", token).status_code == 403
        assert firestore_rest("GET", "courses/open", owner_teacher.token).status_code == 200


class TestStorageRules:
    """Shipped for the real bucket (firebase deploy --only storage). The Storage emulator's rules
    runtime cannot be downloaded here, so this checks the policy itself: nothing is granted."""

    def test_the_bucket_denies_every_client_request(self):
        import json
        from pathlib import Path

        root = Path(__file__).resolve().parent.parent
        rules = (root / "storage.rules").read_text()
        allows = [line.strip() for line in rules.splitlines() if line.strip().startswith("allow")]
        assert allows == ["allow read, write: if false;"]
        for config in ("firebase.json", "firebase.test.json"):
            assert json.loads((root / config).read_text())["storage"]["rules"] == "storage.rules"
