"""Push devices API: registering, refreshing, moving and removing FCM tokens."""

from __future__ import annotations

import pytest

from messaging import push
from messaging.notify import notify
from tests.conftest import assert_error, call

PHONE = "fcm-token-phone-0123456789:APA91b"
TABLET = "fcm-token-tablet-0123456789:APA91b"


@pytest.fixture(autouse=True)
def transports(settings):
    settings.PUSH_BACKEND = "memory"
    push.reset_memory()
    yield
    push.reset_memory()


def register(api, persona, token: str = PHONE, platform: str = "android"):
    return call(api, "post", "/api/v1/me/devices", persona, data={"token": token, "platform": platform})


def my_tokens(api, persona) -> list[str]:
    response = call(api, "get", "/api/v1/me/devices", persona)
    assert response.status_code == 200, response.content
    return sorted(device["token"] for device in response.json()["items"])


class TestRegister:
    def test_it_registers_a_device(self, api, student):
        response = register(api, student, platform="ios")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["token"] == PHONE and body["platform"] == "ios"
        assert body["created_at"].endswith("Z") and body["registered_at"].endswith("Z")
        assert my_tokens(api, student) == [PHONE]

    def test_registering_again_refreshes_instead_of_duplicating(self, api, student):
        first = register(api, student).json()
        response = register(api, student, platform="web")
        assert response.status_code == 200, response.content
        assert response.json()["id"] == first["id"] and response.json()["platform"] == "web"
        assert response.json()["created_at"] == first["created_at"]
        assert my_tokens(api, student) == [PHONE]

    def test_a_token_claimed_by_another_user_moves_to_them(self, api, student, other_student):
        register(api, student)
        response = register(api, other_student)
        assert response.status_code == 201, response.content
        assert my_tokens(api, student) == []
        assert my_tokens(api, other_student) == [PHONE]
        notify(recipient_uids=[student.uid], kind="message.new", title="t", body="b", data={"room_id": "r"})
        assert push.outbox == []

    def test_past_the_device_limit_the_oldest_device_is_dropped(self, api, settings, student):
        settings.NOTIFICATION_MAX_DEVICES = 3
        tokens = [f"fcm-token-device-{n}-0123456789" for n in range(4)]
        for token in tokens:
            assert register(api, student, token=token).status_code == 201
        assert my_tokens(api, student) == sorted(tokens[1:])

    def test_the_default_limit_is_ten(self, api, student):
        tokens = [f"fcm-token-device-{n:02d}-0123456789" for n in range(11)]
        for token in tokens:
            register(api, student, token=token)
        assert my_tokens(api, student) == sorted(tokens[1:])

    def test_every_role_can_register(self, api, owner_teacher, parent, admin):
        for n, persona in enumerate((owner_teacher, parent, admin)):
            assert register(api, persona, token=f"fcm-token-role-{n}-0123456789").status_code == 201

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"token": PHONE, "platform": "blackberry"}, "platform"),
            ({"token": PHONE}, "platform"),
            ({"platform": "ios"}, "token"),
            ({"token": "short", "platform": "ios"}, "token"),
            ({"token": "has spaces in it 0123456789", "platform": "ios"}, "token"),
            ({"token": "has/slash/0123456789abcdef", "platform": "ios"}, "token"),
            ({"token": PHONE, "platform": "ios", "owner": "someone"}, "owner"),
        ],
    )
    def test_bad_input_is_a_400_naming_the_field(self, api, student, body, field):
        error = assert_error(call(api, "post", "/api/v1/me/devices", student, data=body), 400, "invalid")
        assert field in error["fields"], error
        assert my_tokens(api, student) == []

    def test_anonymous_is_401(self, api):
        assert_error(call(api, "post", "/api/v1/me/devices", data={"token": PHONE, "platform": "ios"}), 401)
        assert_error(call(api, "get", "/api/v1/me/devices"), 401)


class TestList:
    def test_i_see_only_my_devices(self, api, student, other_student):
        register(api, student, token=PHONE)
        register(api, student, token=TABLET)
        register(api, other_student, token="fcm-token-other-0123456789")
        assert my_tokens(api, student) == sorted([PHONE, TABLET])


class TestDelete:
    def test_it_removes_my_device(self, api, student):
        register(api, student, token=PHONE)
        register(api, student, token=TABLET)
        response = call(api, "delete", f"/api/v1/me/devices/{PHONE}", student)
        assert response.status_code == 204, response.content
        assert my_tokens(api, student) == [TABLET]

    def test_another_users_device_is_a_404_and_stays(self, api, student, other_student):
        register(api, other_student)
        assert_error(call(api, "delete", f"/api/v1/me/devices/{PHONE}", student), 404, "not_found")
        assert my_tokens(api, other_student) == [PHONE]

    def test_an_unknown_token_is_a_404(self, api, student):
        assert_error(call(api, "delete", f"/api/v1/me/devices/{PHONE}", student), 404, "not_found")

    def test_a_removed_device_gets_no_more_pushes(self, api, student):
        register(api, student)
        call(api, "delete", f"/api/v1/me/devices/{PHONE}", student)
        notify(recipient_uids=[student.uid], kind="message.new", title="t", body="b", data={"room_id": "r"})
        assert push.outbox == []

    def test_anonymous_is_401(self, api):
        assert_error(call(api, "delete", f"/api/v1/me/devices/{PHONE}"), 401)
