"""The notification dispatcher: settings honoured per recipient, storage, live socket delivery,
email (immediate, digests, held by quiet hours) and push through the memory transport."""

from __future__ import annotations

import asyncio
import datetime as dt
import zoneinfo

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.management import call_command
from google.cloud.firestore import FieldFilter

from firestore_operations import notifications as notification_store
from firestore_operations.client import db
from messaging import presence, push
from messaging.groups import user_group
from messaging.notify import notify
from tests.conftest import call

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def transports(settings):
    settings.PUSH_BACKEND = "memory"
    settings.EMAIL_BACKEND = LOCMEM
    push.reset_memory()
    yield
    push.reset_memory()


# --- helpers -----------------------------------------------------------------------------------


def stored(persona) -> list[dict]:
    return notification_store.list_notifications(persona.uid, unread_only=False, limit=100, cursor=None).items


def queued(persona) -> list[dict]:
    collection = db().collection("users").document(persona.uid).collection("email_digest_queue")
    return [{**snap.to_dict(), "id": snap.id} for snap in collection.stream()]


def put_settings(api, persona, body: dict) -> dict:
    response = call(api, "put", "/api/v1/notifications/settings", persona, data=body)
    assert response.status_code == 200, response.content
    return response.json()


def add_device(api, persona, token: str, platform: str = "android") -> None:
    response = call(api, "post", "/api/v1/me/devices", persona, data={"token": token, "platform": platform})
    assert response.status_code in (200, 201), response.content


def pushed_tokens() -> list[str]:
    return sorted(message.token for message in push.outbox)


def lesson_created(*recipients, actor=None, **data):
    notify(
        recipient_uids=[persona.uid for persona in recipients],
        kind="lesson.created",
        title="New lesson: Fractions",
        body="Tuesday 10:00",
        data={"lesson_id": "L1", "course_id": "C1", **data},
        actor_uid=actor.uid if actor else None,
    )


def message_new(*recipients, room_id="room-1", actor=None):
    notify(
        recipient_uids=[persona.uid for persona in recipients],
        kind="message.new",
        title="Ada Lovelace",
        body="See you tomorrow",
        data={"room_id": room_id, "message_id": "m1"},
        actor_uid=actor.uid if actor else None,
    )


def quiet_window_around_now(zone: str = "UTC") -> dict:
    local = dt.datetime.now(zoneinfo.ZoneInfo(zone))
    return {
        "start": (local - dt.timedelta(hours=1)).strftime("%H:%M"),
        "end": (local + dt.timedelta(hours=1)).strftime("%H:%M"),
    }


def fake_presence(monkeypatch, viewing: set[tuple[str, str]]) -> None:
    monkeypatch.setattr(presence, "is_viewing", lambda uid, room_id: (uid, room_id) in viewing)


# --- storage and defaults ----------------------------------------------------------------------


class TestStorage:
    def test_each_recipient_gets_the_notification_but_not_the_actor(self, student, other_student, owner_teacher):
        lesson_created(student, other_student, owner_teacher, actor=owner_teacher)
        for persona in (student, other_student):
            [item] = stored(persona)
            assert item["kind"] == "lesson.created" and item["title"] == "New lesson: Fractions"
            assert item["body"] == "Tuesday 10:00" and item["data"] == {"lesson_id": "L1", "course_id": "C1"}
            assert item["actor_uid"] == owner_teacher.uid and item["read"] is False and item["read_at"] is None
            assert item["created_at"] is not None
        assert stored(owner_teacher) == []

    def test_unknown_recipients_are_skipped_without_failing_the_others(self, student):
        notify(recipient_uids=["no-such-user", student.uid], kind="lesson.updated", title="Moved", body="")
        assert len(stored(student)) == 1

    def test_a_kind_outside_the_known_groups_is_stored_but_neither_mailed_nor_pushed(self, api, student, mailoutbox):
        add_device(api, student, "token-student-aaaaaaaa")
        notify(recipient_uids=[student.uid], kind="mystery.thing", title="Hm", body="")
        assert [item["kind"] for item in stored(student)] == ["mystery.thing"]
        assert mailoutbox == [] and push.outbox == []

    def test_defaults_mail_lessons_and_push_them(self, api, student, mailoutbox):
        add_device(api, student, "token-student-aaaaaaaa")
        lesson_created(student)
        assert len(stored(student)) == 1
        [email] = mailoutbox
        assert email.to == [student.email] and "New lesson: Fractions" in email.subject
        assert "Tuesday 10:00" in email.body
        assert pushed_tokens() == ["token-student-aaaaaaaa"]

    def test_defaults_push_messages_but_do_not_mail_them(self, api, student, mailoutbox):
        add_device(api, student, "token-student-aaaaaaaa")
        message_new(student)
        assert len(stored(student)) == 1 and mailoutbox == []
        assert pushed_tokens() == ["token-student-aaaaaaaa"]

    def test_defaults_mail_enrolments_but_do_not_push_them(self, api, owner_teacher, mailoutbox):
        add_device(api, owner_teacher, "token-teacher-aaaaaaaa")
        notify(recipient_uids=[owner_teacher.uid], kind="enrollment.created", title="Sam enrolled", body="")
        assert len(mailoutbox) == 1 and push.outbox == []


# --- settings ----------------------------------------------------------------------------------


class TestSettingsHonoured:
    def test_a_muted_room_gets_nothing_at_all(self, api, student, other_student, mailoutbox):
        add_device(api, student, "token-student-aaaaaaaa")
        call(api, "post", "/api/v1/notifications/mute/room-1", student)
        message_new(student, other_student, room_id="room-1")
        assert stored(student) == [] and push.outbox == []
        assert len(stored(other_student)) == 1

    def test_muting_one_room_leaves_other_rooms_alone(self, api, student):
        call(api, "post", "/api/v1/notifications/mute/room-1", student)
        message_new(student, room_id="room-2")
        assert len(stored(student)) == 1

    def test_a_channel_switched_off_skips_only_that_channel(self, api, student, mailoutbox):
        add_device(api, student, "token-student-aaaaaaaa")
        put_settings(api, student, {"groups": {"lessons": {"email": False}}})
        lesson_created(student)
        assert mailoutbox == []
        assert len(stored(student)) == 1 and pushed_tokens() == ["token-student-aaaaaaaa"]

    def test_push_switched_off_sends_no_push(self, api, student):
        add_device(api, student, "token-student-aaaaaaaa")
        put_settings(api, student, {"groups": {"messages": {"push": False}}})
        message_new(student)
        assert push.outbox == [] and len(stored(student)) == 1

    def test_in_app_off_stores_nothing_and_sends_nothing_live_but_still_mails(self, api, student, mailoutbox):
        put_settings(api, student, {"groups": {"lessons": {"in_app": False}}})
        layer, channel = listen(student)
        lesson_created(student)
        assert stored(student) == [] and len(mailoutbox) == 1
        assert receive_or_none(layer, channel) is None

    def test_email_opted_in_for_messages_is_sent(self, api, student, mailoutbox):
        put_settings(api, student, {"groups": {"messages": {"email": True}}})
        message_new(student)
        assert len(mailoutbox) == 1 and mailoutbox[0].to == [student.email]

    def test_quiet_hours_hold_email_and_push_but_still_store_in_app(self, api, student, mailoutbox):
        add_device(api, student, "token-student-aaaaaaaa")
        put_settings(api, student, {"quiet_hours": quiet_window_around_now()})
        lesson_created(student)
        assert len(stored(student)) == 1
        assert mailoutbox == [] and push.outbox == []
        [held] = queued(student)
        assert held["period"] == "held" and held["title"] == "New lesson: Fractions"
        assert held["notification_id"] == stored(student)[0]["id"]

    def test_quiet_hours_are_read_in_the_users_time_zone(self, api, student, mailoutbox):
        # The window is around "now" in UTC, but the student lives 9 hours ahead: not quiet for her.
        assert call(api, "patch", "/api/v1/me", student, data={"timezone": "Asia/Tokyo"}).status_code == 200
        put_settings(api, student, {"quiet_hours": quiet_window_around_now("UTC")})
        lesson_created(student)
        assert len(mailoutbox) == 1 and queued(student) == []

    def test_quiet_hours_in_the_users_zone_hold_email(self, api, student, mailoutbox):
        assert call(api, "patch", "/api/v1/me", student, data={"timezone": "Asia/Tokyo"}).status_code == 200
        put_settings(api, student, {"quiet_hours": quiet_window_around_now("Asia/Tokyo")})
        lesson_created(student)
        assert mailoutbox == [] and len(queued(student)) == 1

    def test_quiet_hours_outside_now_change_nothing(self, api, student, mailoutbox):
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
        window = {"start": later.strftime("%H:%M"), "end": (later + dt.timedelta(hours=1)).strftime("%H:%M")}
        put_settings(api, student, {"quiet_hours": window})
        lesson_created(student)
        assert len(mailoutbox) == 1

    def test_digest_mode_queues_the_email_instead_of_sending_it(self, api, student, mailoutbox):
        put_settings(api, student, {"email_mode": "daily"})
        lesson_created(student)
        assert mailoutbox == []
        [item] = queued(student)
        assert item["period"] == "daily" and item["kind"] == "lesson.created"

    def test_a_disabled_account_gets_nothing(self, api, student, admin, mailoutbox):
        response = call(api, "patch", f"/api/v1/admin/users/{student.uid}", admin, data={"disabled": True})
        assert response.status_code == 200, response.content
        lesson_created(student)
        assert stored(student) == [] and mailoutbox == []


class TestViewingTheRoom:
    def test_a_recipient_looking_at_the_room_gets_no_message_notification(
        self, api, monkeypatch, student, other_student
    ):
        add_device(api, student, "token-student-aaaaaaaa")
        fake_presence(monkeypatch, {(student.uid, "room-1")})
        message_new(student, other_student, room_id="room-1")
        assert stored(student) == [] and push.outbox == []
        assert len(stored(other_student)) == 1

    def test_looking_at_another_room_does_not_count(self, monkeypatch, student):
        fake_presence(monkeypatch, {(student.uid, "room-2")})
        message_new(student, room_id="room-1")
        assert len(stored(student)) == 1

    def test_presence_only_silences_chat_messages(self, monkeypatch, student):
        fake_presence(monkeypatch, {(student.uid, "room-1")})
        lesson_created(student, room_id="room-1")
        assert len(stored(student)) == 1

    def test_a_failing_presence_check_counts_as_not_viewing(self, monkeypatch, student):
        def broken(uid, room_id):
            raise RuntimeError("cache down")

        monkeypatch.setattr(presence, "is_viewing", broken)
        message_new(student)
        assert len(stored(student)) == 1


# --- live delivery -----------------------------------------------------------------------------


def listen(persona):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(persona.uid), channel)
    return layer, channel


async def _receive(layer, channel, timeout):
    return await asyncio.wait_for(layer.receive(channel), timeout=timeout)


def receive_or_none(layer, channel, timeout: float = 0.3):
    try:
        return async_to_sync(_receive)(layer, channel, timeout)
    except TimeoutError:
        return None


class TestLiveDelivery:
    def test_the_notification_reaches_the_users_socket_group(self, student, owner_teacher):
        layer, channel = listen(student)
        lesson_created(student, actor=owner_teacher)
        frame = receive_or_none(layer, channel, timeout=5)
        assert frame is not None, "no notification.new frame"
        [item] = stored(student)
        assert frame["type"] == "notification.new"
        notification = frame["notification"]
        assert notification["id"] == item["id"] and notification["kind"] == "lesson.created"
        assert notification["title"] == "New lesson: Fractions" and notification["read"] is False
        assert notification["actor_uid"] == owner_teacher.uid and notification["data"]["lesson_id"] == "L1"
        assert notification["created_at"].endswith("Z")

    def test_nothing_is_sent_live_for_a_muted_room(self, api, student):
        call(api, "post", "/api/v1/notifications/mute/room-1", student)
        layer, channel = listen(student)
        message_new(student, room_id="room-1")
        assert receive_or_none(layer, channel) is None

    def test_other_users_groups_get_nothing(self, student, other_student):
        layer, channel = listen(other_student)
        lesson_created(student)
        assert receive_or_none(layer, channel) is None


# --- push --------------------------------------------------------------------------------------


class TestPush:
    def test_every_device_of_every_recipient_gets_the_push_with_its_data(self, api, student, other_student):
        add_device(api, student, "token-student-phone-aaaa", "ios")
        add_device(api, student, "token-student-tablet-aaa", "android")
        add_device(api, other_student, "token-other-phone-aaaaa", "web")
        message_new(student, other_student, room_id="room-9")
        assert pushed_tokens() == ["token-other-phone-aaaaa", "token-student-phone-aaaa", "token-student-tablet-aaa"]
        by_token = {message.token: message for message in push.outbox}
        message = by_token["token-student-phone-aaaa"]
        assert message.title == "Ada Lovelace" and message.body == "See you tomorrow"
        assert message.data["room_id"] == "room-9" and message.data["kind"] == "message.new"
        assert message.data["notification_id"] == stored(student)[0]["id"]
        assert all(isinstance(value, str) for value in message.data.values())

    def test_tokens_reported_unregistered_are_forgotten(self, api, student):
        add_device(api, student, "token-student-stale-aaa")
        add_device(api, student, "token-student-fresh-aaa")
        push.unregistered.add("token-student-stale-aaa")
        message_new(student)
        assert pushed_tokens() == ["token-student-fresh-aaa"]
        devices = call(api, "get", "/api/v1/me/devices", student).json()["items"]
        assert [device["token"] for device in devices] == ["token-student-fresh-aaa"]

    def test_no_devices_means_no_push(self, student):
        message_new(student)
        assert push.outbox == [] and len(stored(student)) == 1


# --- failures never reach the caller -----------------------------------------------------------


class TestFailures:
    def test_a_failing_push_and_email_do_not_raise_the_notification_is_kept_and_both_are_tried_again(
        self, api, monkeypatch, student, caplog
    ):
        add_device(api, student, "token-student-aaaaaaaa")

        def broken_push(messages):
            raise RuntimeError("FCM is down")

        def broken_send(self, *args, **kwargs):
            raise ConnectionError("SMTP is down")

        monkeypatch.setattr(push, "send", broken_push)
        monkeypatch.setattr("django.core.mail.EmailMessage.send", broken_send)
        lesson_created(student)
        assert len(stored(student)) == 1
        assert "(notification.push) attempt 1 failed (RuntimeError: FCM is down)" in caplog.text
        assert "(email.send) attempt 1 failed (ConnectionError: SMTP is down)" in caplog.text
        entries = [snap.to_dict() for snap in db().collection("outbox").stream()]
        assert sorted(entry["task"] for entry in entries) == ["email.send", "notification.push"]
        assert {entry["status"] for entry in entries} == {"pending"}
        assert all(entry["due_at"] > dt.datetime.now(dt.UTC) for entry in entries)

    def test_a_failing_socket_layer_does_not_lose_the_notification(self, monkeypatch, student):
        class BrokenLayer:
            async def group_send(self, group, message):
                raise RuntimeError("redis down")

        monkeypatch.setattr("messaging.dispatcher.get_channel_layer", BrokenLayer)
        lesson_created(student)
        assert len(stored(student)) == 1


# --- digests -----------------------------------------------------------------------------------


class TestDigests:
    def test_the_daily_digest_sends_one_email_per_user_with_everything_queued(
        self, api, student, other_student, owner_teacher, mailoutbox
    ):
        put_settings(api, student, {"email_mode": "daily"})
        put_settings(api, other_student, {"email_mode": "weekly"})
        lesson_created(student, other_student)
        notify(recipient_uids=[student.uid], kind="lesson.cancelled", title="Lesson cancelled", body="Sorry")
        assert mailoutbox == []

        call_command("send_notification_digests", period="daily")

        [email] = mailoutbox
        assert email.to == [student.email] and "daily summary" in email.subject.lower()
        assert "New lesson: Fractions" in email.body and "Lesson cancelled" in email.body
        assert queued(student) == []
        assert len(queued(other_student)) == 1  # weekly: untouched by the daily run

    def test_the_weekly_digest_sends_the_weekly_queue(self, api, student, mailoutbox):
        put_settings(api, student, {"email_mode": "weekly"})
        lesson_created(student)
        call_command("send_notification_digests", period="weekly")
        [email] = mailoutbox
        assert "weekly summary" in email.subject.lower() and queued(student) == []

    def test_a_second_run_sends_nothing(self, api, student, mailoutbox):
        put_settings(api, student, {"email_mode": "daily"})
        lesson_created(student)
        call_command("send_notification_digests", period="daily")
        call_command("send_notification_digests", period="daily")
        assert len(mailoutbox) == 1

    def test_a_digest_during_quiet_hours_is_held_until_they_end(self, api, student, mailoutbox):
        put_settings(api, student, {"email_mode": "daily"})
        lesson_created(student)
        put_settings(api, student, {"quiet_hours": quiet_window_around_now()})
        call_command("send_notification_digests", period="daily")
        assert mailoutbox == [] and [item["period"] for item in queued(student)] == ["held"]

        call_command("send_notification_digests", period="held")  # still quiet: stays held
        assert mailoutbox == []

        put_settings(api, student, {"quiet_hours": None})
        call_command("send_notification_digests", period="held")
        [email] = mailoutbox
        assert "New lesson: Fractions" in email.subject and queued(student) == []

    def test_emails_held_by_quiet_hours_go_out_together_afterwards(self, api, student, mailoutbox):
        put_settings(api, student, {"quiet_hours": quiet_window_around_now()})
        lesson_created(student)
        notify(recipient_uids=[student.uid], kind="lesson.cancelled", title="Lesson cancelled", body="Sorry")
        assert mailoutbox == []
        put_settings(api, student, {"quiet_hours": None})
        call_command("send_notification_digests", period="held")
        [email] = mailoutbox
        assert "New lesson: Fractions" in email.body and "Lesson cancelled" in email.body

    def test_a_failed_digest_email_stays_queued(self, api, monkeypatch, student, mailoutbox):
        put_settings(api, student, {"email_mode": "daily"})
        lesson_created(student)

        def broken_send(self, *args, **kwargs):
            raise ConnectionError("SMTP is down")

        monkeypatch.setattr("django.core.mail.EmailMessage.send", broken_send)
        call_command("send_notification_digests", period="daily")
        assert len(queued(student)) == 1

    def test_the_command_refuses_an_unknown_period(self):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError):
            call_command("send_notification_digests", period="hourly")


# --- end to end: a real WebSocket on a live server ---------------------------------------------


@pytest.mark.live
class TestSocketEndToEnd:
    def test_a_direct_message_notification_reaches_the_recipients_socket(
        self, live_server, owner_teacher, other_teacher
    ):
        import requests

        from tests.ws_client import WsClient

        with WsClient(live_server, token=other_teacher.token) as socket:
            response = requests.post(
                f"{live_server}/api/v1/messages/{other_teacher.uid}",
                json={"content": "Shall we swap Tuesday's lesson?"},
                headers={"Authorization": f"Bearer {owner_teacher.token}"},
                timeout=10,
            )
            assert response.status_code == 201, response.text
            frame = socket.expect("notification.new", timeout=10)
        notification = frame["notification"]
        assert notification["kind"] == "message.new" and notification["actor_uid"] == owner_teacher.uid
        assert notification["data"]["room_id"] == response.json()["room_id"]
        assert notification["body"] == "Shall we swap Tuesday's lesson?"
        [item] = stored(other_teacher)
        assert item["id"] == notification["id"]


# --- account deletion --------------------------------------------------------------------------


class TestAccountDeletion:
    def test_deleting_the_notification_data_leaves_nothing_of_the_user(self, api, student, other_student):
        from messaging.notification_services import delete_notification_data

        add_device(api, student, "token-student-aaaaaaaa")
        put_settings(api, student, {"email_mode": "daily", "muted_rooms": ["room-1"]})
        lesson_created(student, other_student)
        delete_notification_data(uid=student.uid)
        assert stored(student) == [] and queued(student) == []
        settings = call(api, "get", "/api/v1/notifications/settings", student).json()
        assert settings["email_mode"] == "immediate" and settings["muted_rooms"] == []
        assert call(api, "get", "/api/v1/me/devices", student).json()["items"] == []
        assert len(stored(other_student)) == 1

    def test_deleting_an_account_through_the_api_removes_its_notification_data(self, api, student, other_student):
        add_device(api, student, "token-student-bbbbbbbb")
        lesson_created(student, other_student)
        assert stored(student)
        assert call(api, "delete", "/api/v1/me", student).status_code == 204
        assert stored(student) == [] and queued(student) == []
        devices = db().collection("devices").where(filter=FieldFilter("uid", "==", student.uid)).get()
        assert devices == []
        assert len(stored(other_student)) == 1
