"""Platform mail goes only to proven addresses: Firebase Auth's email verification, end to end."""

from __future__ import annotations

import re

import requests
from firebase_admin import auth

from authentication import identity
from firestore_operations import users as user_store
from messaging.notify import notify
from tests.conftest import assert_error, call


def unverify(persona) -> None:
    user_store.update_profile(persona.uid, {"email_verified": False})


def test_an_unverified_address_gets_no_email_but_the_notification_is_kept(api, student, mailoutbox):
    unverify(student)
    notify(recipient_uids=[student.uid], kind="lesson.cancelled", title="Lesson cancelled", body="Sorry")
    assert mailoutbox == []
    assert len(call(api, "get", "/api/v1/notifications", student).json()["items"]) == 1


def test_a_verified_address_gets_it(api, student, mailoutbox):
    notify(recipient_uids=[student.uid], kind="lesson.cancelled", title="Lesson cancelled", body="Sorry")
    assert [message.to for message in mailoutbox] == [[student.email]]


def test_a_new_account_starts_unverified(api):
    body = {"email": "new@example.com", "password": "s3cret-pass", "display_name": "New One", "role": "student"}
    assert call(api, "post", "/api/v1/auth/register", data=body).json()["email_verified"] is False


def test_the_verification_link_proves_the_address(api, make_user, mailoutbox, settings):
    kim = make_user("student", name="Kim Lee", email="kim@example.com")
    # make_user proves its personas' addresses; start this one over as unproven.
    auth.update_user(kim.uid, email_verified=False, app=identity.app())
    unverify(kim)
    assert call(api, "get", "/api/v1/me/email-verification", kim).json() == {"email_verified": False}
    assert call(api, "post", "/api/v1/me/email-verification", kim).status_code == 202
    [message] = mailoutbox
    assert message.to == [kim.email]
    link = re.search(r"https?://\S+", message.body).group(0)
    requests.get(link, timeout=10, allow_redirects=False)  # what the owner's click does
    assert call(api, "get", "/api/v1/me/email-verification", kim).json() == {"email_verified": True}
    assert call(api, "get", "/api/v1/me", kim).json()["email_verified"] is True
    assert_error(call(api, "post", "/api/v1/me/email-verification", kim), 409, "already_verified")
