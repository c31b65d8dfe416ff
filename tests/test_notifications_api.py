"""Notifications API: the user's own list, read marks, unread count, settings and room mutes."""

from __future__ import annotations

import pytest

from messaging import push
from messaging.notify import notify
from tests.conftest import assert_error, call

DEFAULT_GROUPS = {
    "messages": {"in_app": True, "email": False, "push": True},
    "lessons": {"in_app": True, "email": True, "push": True},
    "enrollments": {"in_app": True, "email": True, "push": False},
    "feedback": {"in_app": True, "email": False, "push": False},
    "payments": {"in_app": True, "email": True, "push": False},
    "progress": {"in_app": True, "email": True, "push": False},
}


@pytest.fixture(autouse=True)
def transports(settings):
    settings.PUSH_BACKEND = "memory"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    push.reset_memory()
    yield
    push.reset_memory()


def send(persona, title: str, kind: str = "lesson.updated", **data) -> None:
    notify(recipient_uids=[persona.uid], kind=kind, title=title, body=f"about {title}", data=data)


def listed(api, persona, query: str = "") -> dict:
    response = call(api, "get", f"/api/v1/notifications{query}", persona)
    assert response.status_code == 200, response.content
    assert response["X-Firestore-Queries"] == "1"
    return response.json()


def titles(body: dict) -> list[str]:
    return [item["title"] for item in body["items"]]


def unread_count(api, persona) -> int:
    response = call(api, "get", "/api/v1/notifications/unread-count", persona)
    assert response.status_code == 200, response.content
    return response.json()["unread"]


class TestList:
    def test_it_lists_my_notifications_newest_first(self, api, student):
        for title in ("first", "second", "third"):
            send(student, title, lesson_id="L1")
        body = listed(api, student)
        assert titles(body) == ["third", "second", "first"] and body["next_cursor"] is None
        item = body["items"][0]
        assert set(item) == {"id", "kind", "title", "body", "data", "actor_uid", "read", "read_at", "created_at"}
        assert item["kind"] == "lesson.updated" and item["data"] == {"lesson_id": "L1"}
        assert item["read"] is False and item["read_at"] is None and item["created_at"].endswith("Z")

    def test_pages_follow_the_cursor_one_query_each(self, api, student):
        for title in ("n1", "n2", "n3", "n4", "n5"):
            send(student, title)
        first = listed(api, student, "?limit=2")
        second = listed(api, student, f"?limit=2&cursor={first['next_cursor']}")
        third = listed(api, student, f"?limit=2&cursor={second['next_cursor']}")
        assert titles(first) + titles(second) + titles(third) == ["n5", "n4", "n3", "n2", "n1"]
        assert third["next_cursor"] is None

    def test_unread_true_lists_only_unread(self, api, student):
        send(student, "old")
        send(student, "new")
        old_id = listed(api, student)["items"][1]["id"]
        call(api, "post", f"/api/v1/notifications/{old_id}/read", student)
        assert titles(listed(api, student, "?unread=true")) == ["new"]
        assert titles(listed(api, student)) == ["new", "old"]

    def test_i_never_see_other_users_notifications(self, api, student, other_student):
        send(other_student, "not yours")
        assert listed(api, student)["items"] == []

    def test_a_cursor_from_another_list_is_a_400(self, api, student):
        for title in ("a", "b", "c"):
            send(student, title)
        cursor = listed(api, student, "?limit=1")["next_cursor"]
        response = call(api, "get", f"/api/v1/notifications?unread=true&cursor={cursor}", student)
        assert_error(response, 400, "invalid_cursor")

    def test_another_users_cursor_is_a_400(self, api, student, other_student):
        for title in ("a", "b"):
            send(other_student, title)
        cursor = listed(api, other_student, "?limit=1")["next_cursor"]
        assert_error(call(api, "get", f"/api/v1/notifications?cursor={cursor}", student), 400, "invalid_cursor")

    def test_a_bad_limit_is_a_400(self, api, student):
        error = assert_error(call(api, "get", "/api/v1/notifications?limit=0", student), 400)
        assert "limit" in error["fields"]

    def test_every_role_has_notifications(self, api, owner_teacher, parent, admin):
        for persona in (owner_teacher, parent, admin):
            send(persona, f"for {persona.role}")
            assert titles(listed(api, persona)) == [f"for {persona.role}"]

    def test_anonymous_is_401(self, api):
        assert_error(call(api, "get", "/api/v1/notifications"), 401, "not_authenticated")


class TestMarkRead:
    def test_it_marks_one_read_and_keeps_the_first_read_time(self, api, student):
        send(student, "hello")
        notification_id = listed(api, student)["items"][0]["id"]
        response = call(api, "post", f"/api/v1/notifications/{notification_id}/read", student)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["id"] == notification_id and body["read"] is True and body["read_at"].endswith("Z")
        again = call(api, "post", f"/api/v1/notifications/{notification_id}/read", student).json()
        assert again["read_at"] == body["read_at"]
        assert listed(api, student)["items"][0]["read"] is True

    def test_another_users_notification_is_a_404_and_stays_unread(self, api, student, other_student):
        send(other_student, "private")
        notification_id = listed(api, other_student)["items"][0]["id"]
        assert_error(call(api, "post", f"/api/v1/notifications/{notification_id}/read", student), 404, "not_found")
        assert listed(api, other_student)["items"][0]["read"] is False

    def test_an_unknown_id_is_a_404(self, api, student):
        assert_error(call(api, "post", "/api/v1/notifications/nope/read", student), 404, "not_found")

    def test_anonymous_is_401(self, api):
        assert_error(call(api, "post", "/api/v1/notifications/x/read"), 401)


class TestReadAll:
    def test_it_marks_all_mine_read_and_says_how_many(self, api, student, other_student):
        for title in ("a", "b", "c"):
            send(student, title)
        send(other_student, "theirs")
        response = call(api, "post", "/api/v1/notifications/read-all", student)
        assert response.status_code == 200, response.content
        assert response.json() == {"marked": 3, "more": False}
        assert unread_count(api, student) == 0
        assert unread_count(api, other_student) == 1

    def test_it_is_bounded_per_call_and_says_when_more_remain(self, api, settings, student):
        settings.NOTIFICATION_READ_ALL_BATCH = 2
        for title in ("a", "b", "c"):
            send(student, title)
        assert call(api, "post", "/api/v1/notifications/read-all", student).json() == {"marked": 2, "more": True}
        assert call(api, "post", "/api/v1/notifications/read-all", student).json() == {"marked": 1, "more": False}
        assert unread_count(api, student) == 0

    def test_nothing_unread_marks_nothing(self, api, student):
        assert call(api, "post", "/api/v1/notifications/read-all", student).json() == {"marked": 0, "more": False}

    def test_anonymous_is_401(self, api):
        assert_error(call(api, "post", "/api/v1/notifications/read-all"), 401)


class TestUnreadCount:
    def test_it_counts_my_unread_notifications(self, api, student, other_student):
        assert unread_count(api, student) == 0
        send(student, "a")
        send(student, "b")
        send(other_student, "c")
        assert unread_count(api, student) == 2
        first = listed(api, student)["items"][0]["id"]
        call(api, "post", f"/api/v1/notifications/{first}/read", student)
        assert unread_count(api, student) == 1

    def test_anonymous_is_401(self, api):
        assert_error(call(api, "get", "/api/v1/notifications/unread-count"), 401)


class TestSettings:
    def test_defaults_when_never_saved(self, api, student):
        response = call(api, "get", "/api/v1/notifications/settings", student)
        assert response.status_code == 200, response.content
        assert response.json() == {
            "groups": DEFAULT_GROUPS,
            "email_mode": "immediate",
            "muted_rooms": [],
            "quiet_hours": None,
            "timezone": "UTC",
            "updated_at": None,
        }

    def test_put_changes_what_is_sent_and_keeps_the_rest(self, api, student):
        body = {
            "groups": {"messages": {"email": True}, "lessons": {"push": False}},
            "email_mode": "weekly",
            "quiet_hours": {"start": "22:00", "end": "07:00"},
            "muted_rooms": ["room-1", "room-2", "room-1"],
        }
        response = call(api, "put", "/api/v1/notifications/settings", student, data=body)
        assert response.status_code == 200, response.content
        saved = response.json()
        assert saved["groups"]["messages"] == {"in_app": True, "email": True, "push": True}
        assert saved["groups"]["lessons"] == {"in_app": True, "email": True, "push": False}
        assert saved["groups"]["payments"] == DEFAULT_GROUPS["payments"]
        assert saved["email_mode"] == "weekly" and saved["muted_rooms"] == ["room-1", "room-2"]
        assert saved["quiet_hours"] == {"start": "22:00", "end": "07:00"} and saved["updated_at"].endswith("Z")
        assert call(api, "get", "/api/v1/notifications/settings", student).json() == saved

        later = call(api, "put", "/api/v1/notifications/settings", student, data={"email_mode": "daily"}).json()
        assert later["email_mode"] == "daily" and later["groups"] == saved["groups"]
        assert later["quiet_hours"] == saved["quiet_hours"]

    def test_null_quiet_hours_switch_them_off(self, api, student):
        call(
            api,
            "put",
            "/api/v1/notifications/settings",
            student,
            data={"quiet_hours": {"start": "23:00", "end": "06:00"}},
        )
        response = call(api, "put", "/api/v1/notifications/settings", student, data={"quiet_hours": None})
        assert response.json()["quiet_hours"] is None

    def test_settings_are_per_user(self, api, student, other_student):
        call(api, "put", "/api/v1/notifications/settings", student, data={"email_mode": "weekly"})
        assert call(api, "get", "/api/v1/notifications/settings", other_student).json()["email_mode"] == "immediate"

    def test_the_time_zone_shown_is_the_profiles(self, api, student):
        call(api, "patch", "/api/v1/me", student, data={"timezone": "Europe/Paris"})
        assert call(api, "get", "/api/v1/notifications/settings", student).json()["timezone"] == "Europe/Paris"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"groups": {"chat": {"email": True}}}, "groups"),
            ({"groups": {"lessons": {"sms": True}}}, "groups"),
            ({"groups": {"lessons": {"email": "loud"}}}, "groups"),
            ({"groups": {"lessons": {"email": None}}}, "groups"),
            ({"email_mode": "hourly"}, "email_mode"),
            ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours"),
            ({"quiet_hours": {"start": "22:00"}}, "quiet_hours"),
            ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, "quiet_hours"),
            ({"quiet_hours": "22-07"}, "quiet_hours"),
            ({"muted_rooms": "room-1"}, "muted_rooms"),
            ({"muted_rooms": ["a/b"]}, "muted_rooms"),
            ({"colour": "blue"}, "colour"),
        ],
    )
    def test_bad_settings_are_a_400_naming_the_field(self, api, student, body, field):
        response = call(api, "put", "/api/v1/notifications/settings", student, data=body)
        error = assert_error(response, 400, "invalid")
        assert field in error["fields"], error
        assert call(api, "get", "/api/v1/notifications/settings", student).json()["updated_at"] is None

    def test_the_time_zone_sent_back_is_ignored_it_is_changed_on_the_profile(self, api, student):
        response = call(api, "put", "/api/v1/notifications/settings", student, data={"timezone": "Europe/Paris"})
        assert response.status_code == 200 and response.json()["timezone"] == "UTC"
        assert call(api, "get", "/api/v1/me", student).json()["timezone"] == "UTC"

    def test_too_many_muted_rooms_is_a_400(self, api, student):
        rooms = [f"room-{n}" for n in range(501)]
        error = assert_error(
            call(api, "put", "/api/v1/notifications/settings", student, data={"muted_rooms": rooms}), 400
        )
        assert "muted_rooms" in error["fields"]

    def test_a_body_that_is_not_an_object_is_a_400(self, api, student):
        assert_error(call(api, "put", "/api/v1/notifications/settings", student, data=["weekly"]), 400)

    def test_anonymous_is_401(self, api):
        assert_error(call(api, "get", "/api/v1/notifications/settings"), 401)
        assert_error(call(api, "put", "/api/v1/notifications/settings", data={"email_mode": "daily"}), 401)


class TestMute:
    def test_mute_and_unmute_a_room(self, api, student):
        response = call(api, "post", "/api/v1/notifications/mute/room-7", student)
        assert response.status_code == 200, response.content
        assert response.json()["muted_rooms"] == ["room-7"]
        assert call(api, "post", "/api/v1/notifications/mute/room-7", student).json()["muted_rooms"] == ["room-7"]
        assert call(api, "post", "/api/v1/notifications/mute/room-8", student).json()["muted_rooms"] == [
            "room-7",
            "room-8",
        ]
        response = call(api, "delete", "/api/v1/notifications/mute/room-7", student)
        assert response.status_code == 200 and response.json()["muted_rooms"] == ["room-8"]
        stored = call(api, "get", "/api/v1/notifications/settings", student).json()
        assert stored["muted_rooms"] == ["room-8"] and stored["groups"] == DEFAULT_GROUPS

    def test_a_muted_room_sends_nothing_until_unmuted(self, api, student):
        call(api, "post", "/api/v1/notifications/mute/room-7", student)
        send(student, "muted", kind="message.new", room_id="room-7")
        assert listed(api, student)["items"] == []
        call(api, "delete", "/api/v1/notifications/mute/room-7", student)
        send(student, "audible", kind="message.new", room_id="room-7")
        assert titles(listed(api, student)) == ["audible"]

    def test_unmuting_a_room_that_is_not_muted_changes_nothing(self, api, student):
        response = call(api, "delete", "/api/v1/notifications/mute/room-1", student)
        assert response.status_code == 200 and response.json()["muted_rooms"] == []

    def test_the_mute_limit_is_enforced(self, api, student):
        rooms = [f"room-{n}" for n in range(500)]
        call(api, "put", "/api/v1/notifications/settings", student, data={"muted_rooms": rooms})
        error = assert_error(call(api, "post", "/api/v1/notifications/mute/room-x", student), 400)
        assert "room_id" in error["fields"]

    def test_anonymous_is_401(self, api):
        assert_error(call(api, "post", "/api/v1/notifications/mute/room-1"), 401)
        assert_error(call(api, "delete", "/api/v1/notifications/mute/room-1"), 401)
