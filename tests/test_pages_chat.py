"""Chat and notifications pages through Django's test client: who sees them, what they carry, their forms."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from google.cloud import firestore

from authentication import identity
from messaging import notification_services, services
from tests.factories import enroll, make_course
from tests.ws_client import actor_of


def signed_in(persona) -> Client:
    client = Client()
    client.cookies["session"] = identity.create_session_cookie(persona.token)
    return client


def chat_data(response) -> dict:
    match = re.search(r'<script id="chat-data" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    assert match, "the chat page carries its data for chat.js"
    return json.loads(match.group(1))


@pytest.fixture
def course_id(owner_teacher, student) -> str:
    """`student` is actively enrolled in a course of `owner_teacher`, so the two may talk."""
    course = make_course(owner_teacher, title="Algebra")
    enroll(
        course,
        student,
        owner_teacher.uid,
        teacher_name=owner_teacher.name,
        course_title="Algebra",
        requested_at=firestore.SERVER_TIMESTAMP,
    )
    return course


@pytest.fixture
def dm(owner_teacher, student, course_id) -> str:
    room, _ = services.open_direct_room(actor=actor_of(owner_teacher), other_uid=student.uid)
    return room["id"]


class TestWhoSeesThePages:
    @pytest.mark.parametrize("path", ["/chat/", "/chat/dm_a_b/", "/notifications/"])
    def test_anonymous_visitors_go_to_the_login_page(self, path):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/auth/login/?next=")

    @pytest.mark.parametrize("persona", ["student", "owner_teacher", "parent", "admin"])
    def test_every_signed_in_role_has_a_chat_and_notifications(self, request, persona):
        client = signed_in(request.getfixturevalue(persona))
        chat = client.get("/chat/")
        assert chat.status_code == 200
        assert b'id="chat"' in chat.content and b"js/chat.js" in chat.content
        assert b"js/live.js" in chat.content, "the bell's script is on every signed-in page"
        notifications = client.get("/notifications/")
        assert notifications.status_code == 200
        assert b'id="settings-form"' in notifications.content

    def test_the_live_script_is_not_loaded_for_visitors(self):
        assert b"js/live.js" not in Client().get("/auth/login/").content

    def test_a_posted_form_without_a_session_goes_to_login(self):
        response = Client().post("/chat/new/", {"uid": "x"})
        assert response.status_code == 302 and response["Location"] == "/auth/login/"


class TestChatPage:
    def test_it_lists_my_rooms_with_unread_counts(self, owner_teacher, student, dm):
        services.post_message(actor=actor_of(owner_teacher), room_id=dm, content="Hello Sam", client_id="c1")
        data = chat_data(signed_in(student).get("/chat/"))
        assert data["me"]["uid"] == student.uid and data["room"] == ""
        [room] = data["rooms"]
        assert room["id"] == dm and room["name"] == owner_teacher.name
        assert room["unread"] == 1 and room["last_message"]["preview"] == "Hello Sam"

    def test_a_room_opens_directly(self, student, dm):
        response = signed_in(student).get(f"/chat/{dm}/")
        assert response.status_code == 200
        assert chat_data(response)["room"] == dm

    def test_a_room_of_others_is_refused(self, other_student, dm):
        assert signed_in(other_student).get(f"/chat/{dm}/").status_code == 403

    @pytest.mark.parametrize("room_id", ["nope", "..", "a.b", "__x__", "x" * 201])
    def test_unknown_or_malformed_rooms_are_404(self, student, room_id):
        assert signed_in(student).get(f"/chat/{room_id}/").status_code == 404

    def test_names_and_messages_are_data_never_markup(self, make_user, owner_teacher, course_id):
        sneaky = make_user("student", name='<img src=x onerror="alert(1)">')
        enroll(course_id, sneaky, owner_teacher.uid)
        room, _ = services.open_direct_room(actor=actor_of(owner_teacher), other_uid=sneaky.uid)
        services.post_message(actor=actor_of(sneaky), room_id=room["id"], content="</script><script>alert(2)</script>")
        body = signed_in(owner_teacher).get("/chat/").content.decode()
        assert "<img src=x" not in body and "</script><script>" not in body
        assert chat_data(signed_in(owner_teacher).get("/chat/"))["rooms"][0]["name"] == sneaky.name

    def test_students_see_their_teachers_to_write_to(self, student, owner_teacher, course_id):
        body = signed_in(student).get("/chat/").content.decode()
        assert owner_teacher.name in body and f'value="{owner_teacher.uid}"' in body

    def test_teachers_get_a_people_search(self, owner_teacher):
        assert b'id="people-q"' in signed_in(owner_teacher).get("/chat/").content

    def test_the_new_message_form_opens_the_direct_room(self, student, owner_teacher, course_id):
        response = signed_in(student).post("/chat/new/", {"uid": owner_teacher.uid})
        assert response.status_code == 302
        room_id = response["Location"].strip("/").split("/")[-1]
        assert response["Location"] == f"/chat/{room_id}/"
        assert signed_in(student).get(response["Location"]).status_code == 200
        again = signed_in(owner_teacher).post("/chat/new/", {"uid": student.uid})
        assert again["Location"] == response["Location"], "one direct room per pair"

    def test_a_refused_message_button_comes_back_to_the_chat_with_the_reason(self, student, other_student):
        client = signed_in(student)
        response = client.post("/chat/new/", {"uid": other_student.uid})
        assert response.status_code == 302 and response["Location"] == "/chat/?new=1"
        page = client.get(response["Location"]).content.decode()
        assert "Chat is open between students and their teachers" in page
        assert 'id="new-chat" class="new-chat">' in page, "the new-message panel is open"

    @pytest.mark.parametrize("uid", ["", "a/b", "nobody-here", "<b>"])
    def test_bad_or_unknown_people_are_explained_without_ids(self, student, uid):
        client = signed_in(student)
        response = client.post("/chat/new/", {"uid": uid})
        assert response["Location"] == "/chat/?new=1"
        page = client.get(response["Location"]).content.decode()
        assert "Choose the person to write to" in page or "not on cplatform" in page
        assert "nobody-here" not in page and "&lt;b&gt;" not in page

    def test_the_chat_never_asks_for_a_user_id(self, student, owner_teacher):
        for persona in (student, owner_teacher):
            page = signed_in(persona).get("/chat/").content.decode()
            assert "user id" not in page.lower() and 'name="uid" value=""' not in page

    def test_a_get_on_the_new_message_address_opens_the_chat(self, student):
        response = signed_in(student).get("/chat/new/")
        assert response.status_code == 302 and response["Location"] == "/chat/"

    def test_teachers_get_a_new_group_form(self, owner_teacher, student):
        assert b'id="group-form"' in signed_in(owner_teacher).get("/chat/").content
        assert b'id="group-form"' not in signed_in(student).get("/chat/").content


class TestNotificationsPage:
    def test_it_lists_notifications_linking_to_their_target(self, owner_teacher, student, dm):
        services.post_message(actor=actor_of(owner_teacher), room_id=dm, content="Homework is up", client_id="n1")
        response = signed_in(student).get("/notifications/")
        body = response.content.decode()
        assert f"New message from {owner_teacher.name}" in body and "Homework is up" in body
        assert f'href="/chat/{dm}/"' in body
        assert 'class="notification unread"' in body
        assert 'id="unread-total">1<' in body

    def test_one_and_all_can_be_marked_read(self, owner_teacher, student, dm):
        for n in range(3):
            services.post_message(actor=actor_of(owner_teacher), room_id=dm, content=f"Note {n}", client_id=f"m{n}")
        client = signed_in(student)
        [first, *_] = notification_services.list_my_notifications(
            actor=actor_of(student), unread_only=True, limit=10, cursor=None
        ).items
        response = client.post(f"/notifications/{first['id']}/read/", {"next": "/notifications/?unread=1"})
        assert response.status_code == 302 and response["Location"] == "/notifications/?unread=1"
        assert notification_services.count_my_unread_notifications(actor=actor_of(student)) == 2
        response = client.post("/notifications/read-all/")
        assert response.status_code == 302
        assert notification_services.count_my_unread_notifications(actor=actor_of(student)) == 0
        assert "Marked 2 notifications as read." in client.get("/notifications/").content.decode()

    def test_reading_someone_elses_notification_changes_nothing(self, owner_teacher, student, other_student, dm):
        services.post_message(actor=actor_of(owner_teacher), room_id=dm, content="Private", client_id="p1")
        [item] = notification_services.list_my_notifications(
            actor=actor_of(student), unread_only=True, limit=10, cursor=None
        ).items
        response = signed_in(other_student).post(
            f"/notifications/{item['id']}/read/", {"next": "https://evil.example/"}
        )
        assert response.status_code == 302 and response["Location"] == "/notifications/"
        assert notification_services.count_my_unread_notifications(actor=actor_of(student)) == 1

    def test_a_stale_cursor_shows_the_newest_page(self, student):
        response = signed_in(student).get("/notifications/?cursor=garbage")
        assert response.status_code == 200
        assert b"out of date" in response.content

    def test_settings_are_saved(self, student):
        client = signed_in(student)
        form = {
            "messages.in_app": "on",
            "messages.push": "on",
            "lessons.in_app": "on",
            "lessons.email": "on",
            "email_mode": "daily",
            "quiet": "on",
            "quiet_start": "21:30",
            "quiet_end": "06:45",
        }
        response = client.post("/notifications/settings/", form)
        assert response.status_code == 302
        saved = notification_services.get_notification_settings(actor=actor_of(student))
        assert saved["email_mode"] == "daily"
        assert saved["quiet_hours"] == {"start": "21:30", "end": "06:45"}
        assert saved["groups"]["messages"] == {"in_app": True, "email": False, "push": True}
        assert saved["groups"]["enrollments"] == {"in_app": False, "email": False, "push": False}
        page = client.get("/notifications/").content.decode()
        assert 'value="21:30"' in page and '<option value="daily" selected>' in page
        assert "Your notification settings are saved." in page

    def test_bad_settings_are_explained_next_to_the_fields(self, student):
        client = signed_in(student)
        response = client.post(
            "/notifications/settings/",
            {"email_mode": "hourly", "quiet": "on", "quiet_start": "25:00", "quiet_end": "07:00"},
        )
        assert response.status_code == 400
        body = response.content.decode()
        assert 'id="email_mode-error"' in body and 'id="quiet_start-error"' in body
        assert 'value="25:00"' in body, "what was typed stays in the form"
        assert notification_services.get_notification_settings(actor=actor_of(student))["email_mode"] == "immediate"

    def test_turning_quiet_hours_off_clears_them(self, student):
        client = signed_in(student)
        client.post(
            "/notifications/settings/",
            {"email_mode": "immediate", "quiet": "on", "quiet_start": "22:00", "quiet_end": "07:00"},
        )
        client.post(
            "/notifications/settings/", {"email_mode": "immediate", "quiet_start": "22:00", "quiet_end": "07:00"}
        )
        assert notification_services.get_notification_settings(actor=actor_of(student))["quiet_hours"] is None
