"""Accounts API through the HTTP client, with real Firebase ID tokens from the Auth emulator."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from authentication import identity
from tests import emulators
from tests.conftest import PASSWORD, assert_error, call, wait_next_second


def register(api, **overrides):
    body = {"email": "new@example.com", "password": "s3cret-pass", "display_name": "New Person", "role": "student"}
    body.update(overrides)
    return call(api, "post", "/api/v1/auth/register", data=body)


class TestRegister:
    def test_it_creates_the_account_with_its_role(self, api):
        response = register(api, role="teacher", display_name="Tess Teacher")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["role"] == "teacher" and body["display_name"] == "Tess Teacher"
        assert body["teacher"]["subjects"] == []
        token = emulators.sign_in("new@example.com", "s3cret-pass")["idToken"]
        me = api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert me.status_code == 200 and me.json()["uid"] == body["uid"]

    def test_it_refuses_a_duplicate_email(self, api):
        assert register(api).status_code == 201
        error = assert_error(register(api, email="NEW@example.com"), 409, "email_taken")
        assert "email" in error["fields"]

    def test_it_refuses_self_registered_admins(self, api):
        error = assert_error(register(api, role="admin"), 400)
        assert "role" in error["fields"]

    def test_it_names_every_bad_field(self, api):
        response = call(api, "post", "/api/v1/auth/register", data={"email": "nope", "password": "short"})
        error = assert_error(response, 400, "invalid")
        assert {"email", "password", "display_name", "role"} <= set(error["fields"])

    def test_it_refuses_an_all_letter_password(self, api):
        error = assert_error(register(api, password="onlyletters"), 400)
        assert "password" in error["fields"]

    def test_malformed_json_is_a_400_not_a_500(self, api):
        response = api.post("/api/v1/auth/register", data="{not json", content_type="application/json")
        assert_error(response, 400, "parse_error")


class TestLogin:
    def test_it_returns_tokens_and_the_profile(self, api, student):
        response = call(api, "post", "/api/v1/auth/login", data={"email": student.email, "password": PASSWORD})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["user"]["uid"] == student.uid and body["expires_in"] > 0 and body["refresh_token"]
        me = api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['id_token']}")
        assert me.status_code == 200

    def test_wrong_password_and_unknown_email_read_the_same(self, api, student):
        wrong = call(api, "post", "/api/v1/auth/login", data={"email": student.email, "password": "bad-pass-1"})
        unknown = call(api, "post", "/api/v1/auth/login", data={"email": "ghost@example.com", "password": "x1"})
        assert assert_error(wrong, 401, "invalid_credentials") == assert_error(unknown, 401, "invalid_credentials")

    def test_repeated_failures_are_rate_limited(self, api, student):
        for _ in range(5):
            response = call(api, "post", "/api/v1/auth/login", data={"email": student.email, "password": "bad-1"})
            assert response.status_code == 401
        response = call(api, "post", "/api/v1/auth/login", data={"email": student.email, "password": PASSWORD})
        assert_error(response, 429, "rate_limited")
        assert int(response["Retry-After"]) > 0


class TestCredentials:
    def test_no_credentials_is_401(self, api):
        assert_error(api.get("/api/v1/me"), 401, "not_authenticated")

    def test_a_garbage_token_is_401(self, api):
        assert_error(api.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-token"), 401, "token_invalid")

    def test_a_non_bearer_scheme_is_401(self, api, student):
        assert_error(api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Basic {student.token}"), 401, "token_invalid")

    def test_logout_revokes_the_token_everywhere(self, api, student):
        assert call(api, "post", "/api/v1/auth/logout", student).status_code == 204
        assert_error(call(api, "get", "/api/v1/me", student), 401, "token_revoked")

    def test_logout_revokes_other_tokens_of_the_user(self, api, student):
        other_device = emulators.sign_in(student.email, PASSWORD)["idToken"]
        wait_next_second()
        assert call(api, "post", "/api/v1/auth/logout", student).status_code == 204
        response = api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {other_device}")
        assert_error(response, 401, "token_revoked")

    def test_a_new_sign_in_after_logout_works(self, api, student):
        call(api, "post", "/api/v1/auth/logout", student)
        wait_next_second()
        student.refresh_token()
        assert call(api, "get", "/api/v1/me", student).status_code == 200


class TestSignInLimitsBehindAProxy:
    """Behind the load balancer every request comes from its address: limits key on the real client."""

    def login(self, api, email, password, address):
        return api.post(
            "/api/v1/auth/login",
            {"email": email, "password": password},
            format="json",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=address,
        )

    def test_failures_from_one_client_do_not_lock_out_another(self, api, student, settings):
        settings.BEHIND_PROXY = True
        for n in range(6):
            self.login(api, f"made-up-{n}@example.com", "wrong-pass", "203.0.113.5")
            self.login(api, student.email, "wrong-pass", "203.0.113.5")
        assert self.login(api, student.email, "wrong-pass", "203.0.113.5").status_code == 429
        response = self.login(api, student.email, PASSWORD, "198.51.100.7")
        assert response.status_code == 200, response.content

    def test_a_spoofed_leftmost_forwarded_address_is_not_trusted(self, api, student, settings):
        settings.BEHIND_PROXY = True
        for n in range(6):
            api.post(
                "/api/v1/auth/login",
                {"email": student.email, "password": "wrong-pass"},
                format="json",
                REMOTE_ADDR="10.0.0.1",
                HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.5",
            )
        response = self.login(api, student.email, PASSWORD, "203.0.113.5")
        assert_error(response, 429, "rate_limited")

    def test_a_parallel_burst_cannot_pass_the_limit(self, api, student, settings, monkeypatch):
        settings.BEHIND_PROXY = True
        attempts = []
        real = identity.sign_in_with_password

        def counted(email, password):
            attempts.append(email)
            return real(email, password)

        monkeypatch.setattr(identity, "sign_in_with_password", counted)
        with ThreadPoolExecutor(max_workers=10) as pool:
            codes = list(
                pool.map(lambda _: self.login(api, student.email, "wrong-pass", "203.0.113.9").status_code, range(20))
            )
        assert len(attempts) <= 5
        assert codes.count(401) == len(attempts) and codes.count(429) == 20 - len(attempts)

    def test_many_failures_on_an_account_only_delay_it_briefly(self, api, student, settings):
        settings.BEHIND_PROXY = True
        settings.LOGIN_ACCOUNT_FAILURES_BEFORE_DELAY = 3
        for n in range(4):
            self.login(api, student.email, "wrong-pass", f"192.0.2.{n}")
        delayed = self.login(api, student.email, PASSWORD, "198.51.100.20")
        assert_error(delayed, 429, "rate_limited")
        assert int(delayed["Retry-After"]) <= settings.LOGIN_ACCOUNT_DELAY_MAX_SECONDS
