"""The web pages' Firebase session cookie on the API: reads work, writes need the CSRF token, logout ends it."""

from __future__ import annotations

import secrets

import pytest
from rest_framework.test import APIClient

from authentication import identity
from tests.conftest import PASSWORD, assert_error


@pytest.fixture
def csrf_api():
    return APIClient(enforce_csrf_checks=True)


def sign_in_with_cookie(client: APIClient, persona) -> str:
    cookie = identity.create_session_cookie(persona.token)
    client.cookies["session"] = cookie
    return cookie


def with_csrf(client: APIClient) -> dict:
    """A CSRF cookie and the matching header, as the pages' JavaScript sends them."""
    token = secrets.token_hex(16)  # 32 characters, the length of Django's CSRF secret
    client.cookies["csrftoken"] = token
    return {"HTTP_X_CSRFTOKEN": token}


class TestSessionCookie:
    def test_the_cookie_signs_the_user_in(self, csrf_api, student):
        sign_in_with_cookie(csrf_api, student)
        response = csrf_api.get("/api/v1/me")
        assert response.status_code == 200 and response.json()["uid"] == student.uid
        assert response["X-Firestore-Reads"] == "1"

    def test_a_write_without_the_csrf_token_is_403(self, csrf_api, student):
        sign_in_with_cookie(csrf_api, student)
        response = csrf_api.patch("/api/v1/me", {"bio": "forged"}, format="json")
        error = assert_error(response, 403, "permission_denied")
        assert "CSRF" in error["message"]
        assert csrf_api.get("/api/v1/me").json()["bio"] == ""

    def test_a_write_with_a_wrong_csrf_token_is_403(self, csrf_api, student):
        sign_in_with_cookie(csrf_api, student)
        with_csrf(csrf_api)
        response = csrf_api.patch("/api/v1/me", {"bio": "x"}, format="json", HTTP_X_CSRFTOKEN="b" * 32)
        assert_error(response, 403)

    def test_a_write_with_the_csrf_token_works(self, csrf_api, student):
        sign_in_with_cookie(csrf_api, student)
        response = csrf_api.patch("/api/v1/me", {"bio": "Hello"}, format="json", **with_csrf(csrf_api))
        assert response.status_code == 200, response.content
        assert response.json()["bio"] == "Hello"

    def test_a_bearer_token_needs_no_csrf_token(self, csrf_api, student):
        response = csrf_api.patch("/api/v1/me", {"bio": "Hi"}, format="json", **student.auth)
        assert response.status_code == 200, response.content

    def test_logout_with_the_cookie_ends_the_session(self, csrf_api, student):
        cookie = sign_in_with_cookie(csrf_api, student)
        response = csrf_api.post("/api/v1/auth/logout", **with_csrf(csrf_api))
        assert response.status_code == 204
        assert response.cookies["session"].value == ""  # the browser drops it
        csrf_api.cookies["session"] = cookie  # a copy kept elsewhere is dead too
        assert_error(csrf_api.get("/api/v1/me"), 401, "token_revoked")

    def test_logout_needs_the_csrf_token_too(self, csrf_api, student):
        sign_in_with_cookie(csrf_api, student)
        assert_error(csrf_api.post("/api/v1/auth/logout"), 403)
        assert csrf_api.get("/api/v1/me").status_code == 200

    def test_a_forged_cookie_is_401(self, csrf_api):
        csrf_api.cookies["session"] = "not-a-session-cookie"
        response = csrf_api.get("/api/v1/me")
        assert_error(response, 401, "session_invalid")
        assert response.cookies["session"].value == ""

    def test_a_bearer_token_wins_over_a_stale_cookie(self, csrf_api, student, other_student):
        sign_in_with_cookie(csrf_api, other_student)
        assert csrf_api.get("/api/v1/me", **student.auth).json()["uid"] == student.uid

    def test_a_revoked_cookie_does_not_block_signing_in_again(self, csrf_api, student):
        cookie = sign_in_with_cookie(csrf_api, student)
        csrf_api.post("/api/v1/auth/logout", **with_csrf(csrf_api))
        csrf_api.cookies["session"] = cookie  # the browser still sends the revoked cookie
        body = {"email": student.email, "password": PASSWORD}
        response = csrf_api.post("/api/v1/auth/login", body, format="json")
        assert response.status_code == 200, response.content

    def test_a_revoked_cookie_does_not_block_registering(self, csrf_api, student):
        cookie = sign_in_with_cookie(csrf_api, student)
        csrf_api.post("/api/v1/auth/logout", **with_csrf(csrf_api))
        csrf_api.cookies["session"] = cookie
        body = {"email": "fresh@example.com", "password": "s3cret-pass", "display_name": "Fresh", "role": "parent"}
        assert csrf_api.post("/api/v1/auth/register", body, format="json").status_code == 201
