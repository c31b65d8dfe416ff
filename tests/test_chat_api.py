"""Chat REST API through the HTTP client with real ID tokens: rooms, membership, messages, read marks, counts."""

from __future__ import annotations

import pytest

from courses import events as course_signals
from firestore_operations.client import db
from messaging import notify, presence
from tests.conftest import assert_error, call
from tests.ws_client import enroll, make_profiles


def open_direct(api, persona, other_uid: str):
    return call(api, "post", f"/api/v1/chat/direct/{other_uid}", persona)


def make_group(api, creator, member_uids: list[str], name: str = "Study group"):
    response = call(api, "post", "/api/v1/chat/rooms", creator, data={"name": name, "member_uids": member_uids})
    assert response.status_code == 201, response.content
    return response.json()


def send(api, persona, room_id: str, content: str = "Hello", client_id: str | None = None):
    body = {"content": content, **({"client_id": client_id} if client_id else {})}
    return call(api, "post", f"/api/v1/chat/rooms/{room_id}/messages", persona, data=body)


def sent(api, persona, room_id: str, content: str = "Hello") -> dict:
    response = send(api, persona, room_id, content)
    assert response.status_code == 201, response.content
    return response.json()


def rooms_of(api, persona, **params) -> dict:
    response = call(api, "get", "/api/v1/chat/rooms", persona, data=params)
    assert response.status_code == 200, response.content
    return response.json()


def unread_by_room(api, persona) -> dict:
    return {room["id"]: room["unread"] for room in rooms_of(api, persona)["items"]}


@pytest.fixture
def taught(owner_teacher, student):
    """`student` is enrolled in a course of `owner_teacher`."""
    enroll("course1", student.uid, owner_teacher.uid)


@pytest.fixture
def dm(api, taught, owner_teacher, student) -> dict:
    response = open_direct(api, student, owner_teacher.uid)
    assert response.status_code == 201, response.content
    return response.json()


# --- direct rooms ------------------------------------------------------------------------------------


class TestDirectRooms:
    def test_a_student_and_her_teacher_share_one_room(self, api, taught, owner_teacher, student):
        first = open_direct(api, student, owner_teacher.uid)
        assert first.status_code == 201, first.content
        room = first.json()
        assert room["id"] == "dm_" + "_".join(sorted([student.uid, owner_teacher.uid]))
        assert room["kind"] == "direct" and room["name"] == owner_teacher.name
        assert room["other_uid"] == owner_teacher.uid
        assert {m["uid"] for m in room["members"]} == {student.uid, owner_teacher.uid}
        again = open_direct(api, student, owner_teacher.uid)
        from_teacher = open_direct(api, owner_teacher, student.uid)
        assert again.status_code == 200 and from_teacher.status_code == 200
        assert again.json()["id"] == from_teacher.json()["id"] == room["id"]
        assert from_teacher.json()["name"] == student.name

    def test_a_student_cannot_open_a_chat_with_a_teacher_who_does_not_teach_her(self, api, other_teacher, student):
        assert_error(open_direct(api, student, other_teacher.uid), 403, "chat_not_allowed")

    def test_a_withdrawn_student_no_longer_counts_as_taught(self, api, owner_teacher, student):
        enroll("course1", student.uid, owner_teacher.uid, status="withdrawn")
        assert_error(open_direct(api, owner_teacher, student.uid), 403, "chat_not_allowed")

    def test_two_teachers_may_talk(self, api, owner_teacher, other_teacher):
        assert open_direct(api, owner_teacher, other_teacher.uid).status_code == 201

    def test_a_parent_may_talk_to_a_teacher_of_her_child_only(self, api, taught, parent, owner_teacher, other_teacher):
        assert open_direct(api, parent, owner_teacher.uid).status_code == 201
        assert open_direct(api, owner_teacher, parent.uid).status_code == 200
        assert_error(open_direct(api, parent, other_teacher.uid), 403, "chat_not_allowed")

    def test_an_admin_may_talk_to_anyone_and_anyone_to_an_admin(self, api, admin, other_student, parent):
        assert open_direct(api, admin, other_student.uid).status_code == 201
        assert open_direct(api, parent, admin.uid).status_code == 201

    def test_two_students_may_not_talk(self, api, student, other_student):
        assert_error(open_direct(api, student, other_student.uid), 403, "chat_not_allowed")

    def test_a_chat_with_yourself_is_a_400(self, api, student):
        assert_error(open_direct(api, student, student.uid), 400)

    def test_an_unknown_user_is_a_404(self, api, admin):
        assert_error(open_direct(api, admin, "nobody-here"), 404, "not_found")

    def test_it_needs_a_signed_in_user(self, api, owner_teacher):
        assert_error(api.post(f"/api/v1/chat/direct/{owner_teacher.uid}"), 401)


# --- group rooms ---------------------------------------------------------------------------------------


class TestGroupRooms:
    def test_a_teacher_creates_a_group_with_her_students(self, api, taught, owner_teacher, student, other_teacher):
        room = make_group(api, owner_teacher, [student.uid, other_teacher.uid], name="  Algebra  ")
        assert room["kind"] == "group" and room["name"] == "Algebra"
        assert room["created_by"] == owner_teacher.uid and room["member_count"] == 3
        assert {m["uid"] for m in room["members"]} == {owner_teacher.uid, student.uid, other_teacher.uid}
        assert room["id"] in {r["id"] for r in rooms_of(api, student)["items"]}

    def test_students_and_parents_cannot_create_groups(self, api, student, parent, owner_teacher):
        body = {"name": "Ours", "member_uids": [owner_teacher.uid]}
        assert_error(call(api, "post", "/api/v1/chat/rooms", student, data=body), 403, "wrong_role")
        assert_error(call(api, "post", "/api/v1/chat/rooms", parent, data=body), 403, "wrong_role")

    def test_a_teacher_cannot_add_strangers(self, api, taught, owner_teacher, student, other_student):
        body = {"name": "Mixed", "member_uids": [student.uid, other_student.uid]}
        error = assert_error(call(api, "post", "/api/v1/chat/rooms", owner_teacher, data=body), 403)
        assert error["fields"]["member_uids"] == [other_student.uid]

    def test_an_admin_adds_anyone(self, api, admin, student, other_student):
        room = make_group(api, admin, [student.uid, other_student.uid])
        assert room["member_count"] == 3

    def test_unknown_members_and_empty_names_are_400s(self, api, owner_teacher, other_teacher):
        error = assert_error(
            call(api, "post", "/api/v1/chat/rooms", owner_teacher, data={"name": "X", "member_uids": ["ghost"]}), 400
        )
        assert error["fields"]["member_uids"] == ["ghost"]
        body = {"name": "   ", "member_uids": [other_teacher.uid]}
        assert "name" in assert_error(call(api, "post", "/api/v1/chat/rooms", owner_teacher, data=body), 400)["fields"]
        body = {"name": "X", "member_uids": []}
        assert_error(call(api, "post", "/api/v1/chat/rooms", owner_teacher, data=body), 400)

    def test_the_creator_adds_and_removes_members(self, api, taught, owner_teacher, student, other_teacher):
        room = make_group(api, owner_teacher, [other_teacher.uid])
        added = call(api, "post", f"/api/v1/chat/rooms/{room['id']}/members", owner_teacher, data={"uid": student.uid})
        assert added.status_code == 200, added.content
        assert student.uid in {m["uid"] for m in added.json()["members"]} and added.json()["member_count"] == 3
        assert call(api, "get", f"/api/v1/chat/rooms/{room['id']}", student).status_code == 200
        removed = call(api, "delete", f"/api/v1/chat/rooms/{room['id']}/members/{student.uid}", owner_teacher)
        assert removed.status_code == 204
        assert_error(call(api, "get", f"/api/v1/chat/rooms/{room['id']}", student), 403)
        assert_error(send(api, student, room["id"]), 403, "permission_denied")
        assert room["id"] not in {r["id"] for r in rooms_of(api, student)["items"]}

    def test_other_members_cannot_manage_members(self, api, admin, owner_teacher, other_teacher, student):
        room = make_group(api, admin, [owner_teacher.uid, other_teacher.uid])
        response = call(
            api, "post", f"/api/v1/chat/rooms/{room['id']}/members", owner_teacher, data={"uid": student.uid}
        )
        assert_error(response, 403, "permission_denied")
        response = call(api, "delete", f"/api/v1/chat/rooms/{room['id']}/members/{other_teacher.uid}", owner_teacher)
        assert_error(response, 403, "permission_denied")

    def test_non_members_cannot_manage_members(self, api, owner_teacher, other_teacher, student, admin):
        room = make_group(api, owner_teacher, [other_teacher.uid])
        response = call(api, "post", f"/api/v1/chat/rooms/{room['id']}/members", student, data={"uid": student.uid})
        assert_error(response, 403)

    def test_an_admin_manages_any_group(self, api, owner_teacher, other_teacher, admin, student):
        room = make_group(api, owner_teacher, [other_teacher.uid])
        response = call(api, "post", f"/api/v1/chat/rooms/{room['id']}/members", admin, data={"uid": student.uid})
        assert response.status_code == 200, response.content
        response = call(api, "delete", f"/api/v1/chat/rooms/{room['id']}/members/{other_teacher.uid}", admin)
        assert response.status_code == 204

    def test_a_member_may_leave_but_the_creator_stays(self, api, owner_teacher, other_teacher):
        room = make_group(api, owner_teacher, [other_teacher.uid])
        response = call(api, "delete", f"/api/v1/chat/rooms/{room['id']}/members/{owner_teacher.uid}", owner_teacher)
        assert_error(response, 409, "creator_stays")
        response = call(api, "delete", f"/api/v1/chat/rooms/{room['id']}/members/{other_teacher.uid}", other_teacher)
        assert response.status_code == 204
        response = call(api, "delete", f"/api/v1/chat/rooms/{room['id']}/members/{other_teacher.uid}", owner_teacher)
        assert_error(response, 404)

    def test_a_teacher_cannot_add_a_stranger_later(self, api, owner_teacher, other_teacher, other_student):
        room = make_group(api, owner_teacher, [other_teacher.uid])
        body = {"uid": other_student.uid}
        response = call(api, "post", f"/api/v1/chat/rooms/{room['id']}/members", owner_teacher, data=body)
        assert_error(response, 403, "chat_not_allowed")
        body = {"uid": "ghost"}
        response = call(api, "post", f"/api/v1/chat/rooms/{room['id']}/members", owner_teacher, data=body)
        assert_error(response, 400)

    def test_direct_and_course_rooms_have_no_managed_members(self, api, dm, owner_teacher, admin, other_teacher):
        response = call(api, "post", f"/api/v1/chat/rooms/{dm['id']}/members", admin, data={"uid": other_teacher.uid})
        assert_error(response, 409, "not_a_group")
        response = call(api, "delete", f"/api/v1/chat/rooms/{dm['id']}/members/{owner_teacher.uid}", owner_teacher)
        assert_error(response, 409, "not_a_group")

    def test_managing_an_unknown_room_is_a_404(self, api, admin, student):
        response = call(api, "post", "/api/v1/chat/rooms/nope/members", admin, data={"uid": student.uid})
        assert_error(response, 404, "not_found")


# --- course rooms ------------------------------------------------------------------------------------


def make_course(course_id: str, teacher) -> dict:
    course = {"title": "Physics 101", "teacher_uid": teacher.uid, "teacher_name": teacher.name, "status": "published"}
    db().collection("courses").document(course_id).set(course)
    return {**course, "id": course_id}


class TestCourseRooms:
    def test_a_new_course_gets_a_room_with_its_teacher(self, api, owner_teacher):
        course_signals.course_created.send(sender=None, course=make_course("phys", owner_teacher))
        room = call(api, "get", "/api/v1/chat/rooms/course_phys", owner_teacher).json()
        assert room["kind"] == "course" and room["name"] == "Physics 101" and room["course_id"] == "phys"
        assert [m["uid"] for m in room["members"]] == [owner_teacher.uid]

    def test_membership_follows_enrolment_and_withdrawal(self, api, owner_teacher, student):
        make_course("phys", owner_teacher)  # no course_created: the room is made on the first enrolment
        course_signals.enrollment_activated.send(
            sender=None, course_id="phys", student_uid=student.uid, teacher_uid=owner_teacher.uid
        )
        room = call(api, "get", "/api/v1/chat/rooms/course_phys", student)
        assert room.status_code == 200, room.content
        assert {m["uid"] for m in room.json()["members"]} == {owner_teacher.uid, student.uid}
        assert "course_phys" in {r["id"] for r in rooms_of(api, student)["items"]}
        sent(api, student, "course_phys", "Is the lab on Monday?")
        course_signals.enrollment_ended.send(
            sender=None, course_id="phys", student_uid=student.uid, teacher_uid=owner_teacher.uid
        )
        assert_error(call(api, "get", "/api/v1/chat/rooms/course_phys", student), 403)
        assert_error(send(api, student, "course_phys"), 403)
        assert call(api, "get", "/api/v1/chat/rooms/course_phys", owner_teacher).json()["member_count"] == 1

    def test_a_late_joiner_has_no_unread_backlog(self, api, owner_teacher, student, other_student):
        course_signals.course_created.send(sender=None, course=make_course("phys", owner_teacher))
        kwargs = {"course_id": "phys", "teacher_uid": owner_teacher.uid}
        course_signals.enrollment_activated.send(sender=None, student_uid=student.uid, **kwargs)
        sent(api, owner_teacher, "course_phys", "Welcome")
        course_signals.enrollment_activated.send(sender=None, student_uid=other_student.uid, **kwargs)
        sent(api, owner_teacher, "course_phys", "Homework is up")
        assert unread_by_room(api, student)["course_phys"] == 2
        assert unread_by_room(api, other_student)["course_phys"] == 1

    def test_an_enrolment_in_an_unknown_course_changes_nothing(self, api, owner_teacher, student):
        course_signals.publish(
            course_signals.enrollment_activated,
            course_id="ghost",
            student_uid=student.uid,
            teacher_uid=owner_teacher.uid,
        )
        assert rooms_of(api, student)["items"] == []


# --- rooms list and room detail ------------------------------------------------------------------------


class TestRoomsList:
    def test_rooms_come_by_last_activity_with_unread_counts_in_one_query(
        self, api, taught, owner_teacher, other_teacher, student, admin
    ):
        direct = open_direct(api, student, owner_teacher.uid).json()
        group = make_group(api, owner_teacher, [student.uid, other_teacher.uid])
        admin_dm = open_direct(api, admin, student.uid).json()
        sent(api, owner_teacher, direct["id"], "one")
        sent(api, owner_teacher, direct["id"], "two")
        sent(api, other_teacher, group["id"], "x" * 200)
        sent(api, admin, admin_dm["id"], "Hi")
        sent(api, owner_teacher, direct["id"], "three")

        response = call(api, "get", "/api/v1/chat/rooms", student)
        assert response.status_code == 200
        assert response["X-Firestore-Queries"] == "1"
        assert response["X-Firestore-Reads"] == "4"  # three rooms and one read-state document
        items = response.json()["items"]
        assert [room["id"] for room in items] == [direct["id"], admin_dm["id"], group["id"]]
        assert [room["unread"] for room in items] == [3, 1, 1]
        assert items[0]["last_message"]["preview"] == "three" and items[0]["name"] == owner_teacher.name
        assert items[2]["last_message"]["preview"] == "x" * 120 and items[2]["name"] == "Study group"
        assert items[1]["other_uid"] == admin.uid and items[1]["message_seq"] == 1

    def test_own_messages_are_never_unread(self, api, dm, owner_teacher, student):
        sent(api, owner_teacher, dm["id"], "question?")
        sent(api, student, dm["id"], "answer")
        assert unread_by_room(api, student)[dm["id"]] == 0
        assert unread_by_room(api, owner_teacher)[dm["id"]] == 1

    def test_the_list_pages_with_a_cursor(self, api, admin, student, other_student, owner_teacher):
        for other in (student, other_student, owner_teacher):
            sent(api, admin, open_direct(api, admin, other.uid).json()["id"])
        first = rooms_of(api, admin, limit=2)
        assert len(first["items"]) == 2 and first["next_cursor"]
        second = rooms_of(api, admin, limit=2, cursor=first["next_cursor"])
        assert len(second["items"]) == 1 and second["next_cursor"] is None
        assert {r["id"] for r in first["items"]}.isdisjoint({r["id"] for r in second["items"]})

    def test_a_bad_cursor_is_a_400(self, api, student):
        response = call(api, "get", "/api/v1/chat/rooms", student, data={"cursor": "not-a-cursor"})
        assert_error(response, 400)

    def test_recent_messages_are_each_rooms_last_message(self, api, dm, owner_teacher, student, other_teacher):
        make_group(api, owner_teacher, [other_teacher.uid])  # no message yet: left out
        sent(api, owner_teacher, dm["id"], "first")
        sent(api, owner_teacher, dm["id"], "latest")
        response = call(api, "get", "/api/v1/messages", student)
        assert response.status_code == 200 and response["X-Firestore-Queries"] == "1"
        items = response.json()["items"]
        assert [(i["room"]["id"], i["message"]["preview"], i["unread"]) for i in items] == [(dm["id"], "latest", 2)]
        assert [i["room"]["id"] for i in call(api, "get", "/api/v1/messages", owner_teacher).json()["items"]] == [
            dm["id"]
        ]


class TestRoomDetail:
    def test_members_see_the_room(self, api, dm, student):
        response = call(api, "get", f"/api/v1/chat/rooms/{dm['id']}", student)
        assert response.status_code == 200 and response.json()["unread"] == 0

    def test_non_members_are_refused_and_unknown_rooms_are_404(self, api, dm, other_student, other_teacher):
        assert_error(call(api, "get", f"/api/v1/chat/rooms/{dm['id']}", other_student), 403, "permission_denied")
        assert_error(call(api, "get", f"/api/v1/chat/rooms/{dm['id']}/messages", other_teacher), 403)
        assert_error(call(api, "get", "/api/v1/chat/rooms/no-such-room", other_student), 404, "not_found")
        assert_error(call(api, "get", "/api/v1/chat/rooms/no-such-room/messages", other_student), 404)

    def test_admins_may_read_any_room_for_moderation(self, api, dm, admin, student):
        sent(api, student, dm["id"], "hello")
        assert call(api, "get", f"/api/v1/chat/rooms/{dm['id']}", admin).status_code == 200
        assert len(call(api, "get", f"/api/v1/chat/rooms/{dm['id']}/messages", admin).json()["items"]) == 1
        assert_error(send(api, admin, dm["id"]), 403)

    def test_a_direct_room_shows_when_the_other_side_read(self, api, dm, owner_teacher, student):
        first = sent(api, student, dm["id"], "one")
        sent(api, student, dm["id"], "two")
        receipt = call(api, "get", f"/api/v1/chat/rooms/{dm['id']}", student).json()["read_receipts"]
        assert receipt == [
            {"uid": owner_teacher.uid, "last_read_seq": 0, "last_read_message_id": None, "read_at": None}
        ]
        call(api, "post", f"/api/v1/chat/rooms/{dm['id']}/read", owner_teacher, data={"message_id": first["id"]})
        response = call(api, "get", f"/api/v1/chat/rooms/{dm['id']}", student)
        assert response["X-Firestore-Queries"] == "0"
        [receipt] = response.json()["read_receipts"]
        assert receipt["last_read_seq"] == 1 and receipt["last_read_message_id"] == first["id"]
        assert receipt["read_at"].endswith("Z")


# --- messages ------------------------------------------------------------------------------------------


class TestSending:
    def test_a_message_is_stored_and_a_retry_returns_it_unchanged(self, api, dm, student):
        first = send(api, student, dm["id"], "Hello teacher", client_id="c-1")
        assert first.status_code == 201, first.content
        message = first.json()
        assert message["seq"] == 1 and message["sender_uid"] == student.uid and message["sender_name"] == student.name
        assert message["content"] == "Hello teacher" and message["client_id"] == "c-1"
        assert message["created_at"].endswith("Z") and not message["edited"] and not message["deleted"]
        retry = send(api, student, dm["id"], "Hello teacher", client_id="c-1")
        assert retry.status_code == 200 and retry.json() == message
        assert retry["X-Firestore-Writes"] == "0"
        items = call(api, "get", f"/api/v1/chat/rooms/{dm['id']}/messages", student).json()["items"]
        assert [m["id"] for m in items] == [message["id"]]

    def test_the_same_client_id_from_another_sender_is_another_message(self, api, dm, student, owner_teacher):
        mine = send(api, student, dm["id"], "a", client_id="same").json()
        theirs = send(api, owner_teacher, dm["id"], "b", client_id="same").json()
        assert mine["id"] != theirs["id"] and theirs["seq"] == 2

    def test_content_is_trimmed_and_kept_as_plain_text(self, api, dm, student):
        message = sent(api, student, dm["id"], "  <b>bold?</b> & more \n")
        assert message["content"] == "<b>bold?</b> & more"

    def test_empty_and_too_long_content_are_400s(self, api, dm, student):
        assert "content" in assert_error(send(api, student, dm["id"], "   "), 400)["fields"]
        assert "content" in assert_error(send(api, student, dm["id"], "x" * 4001), 400)["fields"]
        assert sent(api, student, dm["id"], " " + "x" * 3998 + " ")["content"] == "x" * 3998
        # The limit counts what was sent, as the schema's maxLength does, not what is left after trimming.
        error = assert_error(send(api, student, dm["id"], " " + "x" * 4000), 400)
        assert error["fields"] == {"content": ["A message has at most 4,000 characters."]}

    def test_a_bad_client_id_is_a_400(self, api, dm, student):
        assert "client_id" in assert_error(send(api, student, dm["id"], "hi", client_id="has space"), 400)["fields"]

    def test_non_members_are_refused_and_unknown_rooms_are_404(self, api, dm, other_student, admin):
        assert_error(send(api, other_student, dm["id"]), 403, "permission_denied")
        assert_error(send(api, other_student, "no-such-room"), 404, "not_found")

    def test_sending_is_rate_limited(self, api, dm, student, settings):
        settings.CHAT_SEND_LIMIT = 3
        settings.CHAT_SEND_WINDOW_SECONDS = 3600  # no window boundary between the sends on a slow machine
        for n in range(3):
            assert send(api, student, dm["id"], f"m{n}").status_code == 201
        response = send(api, student, dm["id"], "one too many")
        assert_error(response, 429, "rate_limited")
        assert int(response["Retry-After"]) > 0

    def test_writes_per_message_do_not_grow_with_the_room(self, api, admin):
        small = make_group(api, admin, make_profiles(1, prefix="small"))
        large = make_group(api, admin, make_profiles(29, prefix="large"))
        assert small["member_count"] == 2 and large["member_count"] == 30
        writes = []
        for room in (small, large):
            response = send(api, admin, room["id"], "Announcement")
            assert response.status_code == 201
            writes.append(int(response["X-Firestore-Writes"]))
            assert response["X-Firestore-Queries"] == "0"
        # The message and the room's counter/preview; the analytics count goes through the worker.
        assert writes[0] == writes[1] == 2

    def test_sends_racing_in_one_process_get_consecutive_seqs_and_a_retry_stores_nothing(self, api, admin):
        from concurrent.futures import ThreadPoolExecutor

        from cplatform import errors
        from firestore_operations import chat_messages
        from messaging import access

        members = make_profiles(3, prefix="racer")
        room = make_group(api, admin, members)

        def store(n: int):
            sender = members[n % 20 % 3] if n % 5 else "outsider"  # every fifth is no member
            try:
                return chat_messages.add_message(
                    room["id"],
                    sender_uid=sender,
                    client_id=f"c{n % 20}",  # n and n+20 are the same send, retried
                    content=f"m{n}",
                    preview=f"m{n}",
                    check=lambda found, uid=sender: access.check_member(found, uid),
                )
            except errors.PermissionDenied:
                return "refused"

        # Sixteen threads at once: the sends that queue for the room are stored together.
        with ThreadPoolExecutor(max_workers=16) as pool:
            outcomes = list(pool.map(store, range(40)))
        assert [n for n, outcome in enumerate(outcomes) if outcome == "refused"] == list(range(0, 40, 5))
        stored = [outcome for outcome in outcomes if outcome != "refused"]
        assert sum(created for _, created, _ in stored) == 16  # 32 sends of 16 distinct (sender, client_id)
        assert sorted(m["seq"] for m, created, _ in stored if created) == list(range(1, 17))
        for message, _, _ in stored:  # a retry answers with the message its first send stored
            assert message["content"] in {f"m{n}" for n in range(40) if n % 20 == int(message["client_id"][1:])}
        documents = list(db().collection("chat_rooms").document(room["id"]).collection("messages").stream())
        assert len(documents) == 16
        room_now = call(api, "get", f"/api/v1/chat/rooms/{room['id']}", admin).json()
        assert room_now["message_seq"] == 16 and room_now["last_message"]["seq"] == 16

    def test_only_direct_rooms_notify(self, api, dm, owner_teacher, student, other_teacher, monkeypatch):
        calls = []
        monkeypatch.setattr(notify, "notify", lambda **kwargs: calls.append(kwargs))
        message = sent(api, student, dm["id"], "Can we move the lesson?")
        assert len(calls) == 1
        assert calls[0]["recipient_uids"] == [owner_teacher.uid] and calls[0]["kind"] == "message.new"
        assert calls[0]["data"] == {"room_id": dm["id"], "message_id": message["id"], "sender_uid": student.uid}
        assert calls[0]["body"] == "Can we move the lesson?" and calls[0]["actor_uid"] == student.uid
        group = make_group(api, owner_teacher, [student.uid, other_teacher.uid])
        sent(api, owner_teacher, group["id"], "Class cancelled")
        assert len(calls) == 1

    def test_a_failing_notification_does_not_fail_the_send(self, api, dm, student, monkeypatch):
        def broken(**kwargs):
            raise RuntimeError("mail server down")

        monkeypatch.setattr(notify, "notify", broken)
        assert send(api, student, dm["id"], "still delivered").status_code == 201


class TestSendToUser:
    def test_it_opens_the_direct_room_and_sends(self, api, taught, owner_teacher, student):
        body = {"content": "Hello!", "client_id": "first"}
        response = call(api, "post", f"/api/v1/messages/{owner_teacher.uid}", student, data=body)
        assert response.status_code == 201, response.content
        room_id = "dm_" + "_".join(sorted([student.uid, owner_teacher.uid]))
        assert response.json()["room_id"] == room_id
        retry = call(api, "post", f"/api/v1/messages/{owner_teacher.uid}", student, data=body)
        assert retry.status_code == 200 and retry.json()["id"] == response.json()["id"]
        assert unread_by_room(api, owner_teacher) == {room_id: 1}

    def test_the_pair_rules_apply(self, api, student, other_student):
        response = call(api, "post", f"/api/v1/messages/{other_student.uid}", student, data={"content": "hey"})
        assert_error(response, 403, "chat_not_allowed")

    def test_bad_content_opens_no_room(self, api, taught, owner_teacher, student):
        response = call(api, "post", f"/api/v1/messages/{owner_teacher.uid}", student, data={"content": " "})
        assert_error(response, 400)
        assert rooms_of(api, student)["items"] == []


class TestMessagePages:
    def test_newest_page_by_default_then_older_and_newer(self, api, dm, student):
        ids = [sent(api, student, dm["id"], f"m{n}")["id"] for n in range(1, 6)]
        path = f"/api/v1/chat/rooms/{dm['id']}/messages"
        newest = call(api, "get", path, student, data={"limit": 2})
        assert newest["X-Firestore-Queries"] == "1"
        body = newest.json()
        assert [m["content"] for m in body["items"]] == ["m4", "m5"] and body["next_cursor"] == ids[3]
        older = call(api, "get", path, student, data={"limit": 2, "before": body["next_cursor"]}).json()
        assert [m["content"] for m in older["items"]] == ["m2", "m3"] and older["next_cursor"] == ids[1]
        oldest = call(api, "get", path, student, data={"limit": 2, "before": older["next_cursor"]}).json()
        assert [m["content"] for m in oldest["items"]] == ["m1"] and oldest["next_cursor"] is None
        newer = call(api, "get", path, student, data={"after": ids[1], "limit": 2}).json()
        assert [m["seq"] for m in newer["items"]] == [3, 4] and newer["next_cursor"] == ids[3]
        rest = call(api, "get", path, student, data={"after": newer["next_cursor"]}).json()
        assert [m["seq"] for m in rest["items"]] == [5] and rest["next_cursor"] is None

    def test_unknown_cursors_and_both_directions_are_400s(self, api, dm, student):
        message = sent(api, student, dm["id"])
        path = f"/api/v1/chat/rooms/{dm['id']}/messages"
        assert "after" in assert_error(call(api, "get", path, student, data={"after": "nope"}), 400)["fields"]
        both = {"after": message["id"], "before": message["id"]}
        assert_error(call(api, "get", path, student, data=both), 400)
        assert_error(call(api, "get", path, student, data={"limit": 0}), 400)


class TestEditAndDelete:
    def test_the_sender_edits_her_message_and_the_preview_follows(self, api, dm, student, owner_teacher):
        message = sent(api, student, dm["id"], "Helo")
        path = f"/api/v1/chat/rooms/{dm['id']}/messages/{message['id']}"
        response = call(api, "patch", path, student, data={"content": "Hello"})
        assert response.status_code == 200, response.content
        edited = response.json()
        assert edited["content"] == "Hello" and edited["edited"] and edited["edited_at"].endswith("Z")
        assert edited["seq"] == message["seq"] and edited["created_at"] == message["created_at"]
        [listed] = call(api, "get", f"/api/v1/chat/rooms/{dm['id']}/messages", owner_teacher).json()["items"]
        assert listed == edited
        [room] = rooms_of(api, owner_teacher)["items"]
        assert room["last_message"]["preview"] == "Hello" and room["last_message"]["edited"]

    def test_nobody_else_edits_a_message(self, api, dm, student, owner_teacher, admin):
        message = sent(api, student, dm["id"], "mine")
        path = f"/api/v1/chat/rooms/{dm['id']}/messages/{message['id']}"
        assert_error(call(api, "patch", path, owner_teacher, data={"content": "theirs"}), 403)
        assert_error(call(api, "patch", path, admin, data={"content": "admin's"}), 403)
        assert_error(call(api, "patch", path, student, data={"content": ""}), 400)
        missing = f"/api/v1/chat/rooms/{dm['id']}/messages/nope"
        assert_error(call(api, "patch", missing, student, data={"content": "x"}), 404)

    def test_the_sender_deletes_and_a_tombstone_stays(self, api, dm, student, owner_teacher):
        first = sent(api, student, dm["id"], "keep")
        second = sent(api, student, dm["id"], "oops, wrong chat")
        path = f"/api/v1/chat/rooms/{dm['id']}/messages/{second['id']}"
        assert call(api, "delete", path, student).status_code == 204
        assert call(api, "delete", path, student).status_code == 204  # twice is harmless
        items = call(api, "get", f"/api/v1/chat/rooms/{dm['id']}/messages", owner_teacher).json()["items"]
        assert [(m["id"], m["deleted"], m["content"]) for m in items] == [
            (first["id"], False, "keep"),
            (second["id"], True, ""),
        ]
        [room] = rooms_of(api, owner_teacher)["items"]
        assert room["last_message"]["deleted"] and room["last_message"]["preview"] == ""
        assert_error(call(api, "patch", path, student, data={"content": "back"}), 409, "message_deleted")

    def test_an_admin_deletes_any_message_another_member_none(self, api, dm, student, owner_teacher, admin):
        message = sent(api, student, dm["id"], "spam")
        path = f"/api/v1/chat/rooms/{dm['id']}/messages/{message['id']}"
        assert_error(call(api, "delete", path, owner_teacher), 403)
        assert call(api, "delete", path, admin).status_code == 204
        [listed] = call(api, "get", f"/api/v1/chat/rooms/{dm['id']}/messages", student).json()["items"]
        assert listed["deleted"]


class TestReadMarks:
    def test_reading_moves_the_unread_count(self, api, dm, owner_teacher, student):
        messages = [sent(api, owner_teacher, dm["id"], f"m{n}") for n in range(3)]
        assert unread_by_room(api, student)[dm["id"]] == 3
        path = f"/api/v1/chat/rooms/{dm['id']}/read"
        response = call(api, "post", path, student, data={"message_id": messages[1]["id"]})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["last_read_seq"] == 2 and body["unread"] == 1 and body["room_id"] == dm["id"]
        assert int(response["X-Firestore-Writes"]) == 1
        assert unread_by_room(api, student)[dm["id"]] == 1
        assert call(api, "get", f"/api/v1/chat/rooms/{dm['id']}", student).json()["unread"] == 1

    def test_a_read_mark_never_goes_back(self, api, dm, owner_teacher, student):
        first, _, last = (sent(api, owner_teacher, dm["id"], f"m{n}") for n in range(3))
        path = f"/api/v1/chat/rooms/{dm['id']}/read"
        call(api, "post", path, student, data={"message_id": last["id"]})
        response = call(api, "post", path, student, data={"message_id": first["id"]})
        assert response.json()["last_read_seq"] == 3 and response["X-Firestore-Writes"] == "0"

    def test_unknown_messages_and_non_members_are_refused(self, api, dm, student, other_student, admin):
        message = sent(api, student, dm["id"])
        path = f"/api/v1/chat/rooms/{dm['id']}/read"
        assert_error(call(api, "post", path, student, data={"message_id": "nope"}), 400)
        assert_error(call(api, "post", path, other_student, data={"message_id": message["id"]}), 403)
        assert_error(call(api, "post", path, admin, data={"message_id": message["id"]}), 403)
        assert_error(call(api, "post", "/api/v1/chat/rooms/nope/read", student, data={"message_id": "x"}), 404)


class TestProfileRenames:
    def test_rooms_follow_a_renamed_member(self, api, dm, owner_teacher, student):
        response = call(api, "patch", "/api/v1/me", owner_teacher, data={"display_name": "Ada King"})
        assert response.status_code == 200, response.content
        [room] = rooms_of(api, student)["items"]
        assert room["name"] == "Ada King"
        members = call(api, "get", f"/api/v1/chat/rooms/{dm['id']}", student).json()["members"]
        assert {m["uid"]: m["name"] for m in members}[owner_teacher.uid] == "Ada King"


class TestPresence:
    def test_viewing_marks_are_set_and_cleared(self):
        assert not presence.is_viewing("u1", "room1")
        presence.set_viewing("u1", "room1")
        assert presence.is_viewing("u1", "room1") and not presence.is_viewing("u1", "room2")
        presence.clear_viewing("u1", "room1")
        assert not presence.is_viewing("u1", "room1")

    def test_online_counts_sockets(self):
        assert presence.socket_opened("u1") is True
        assert presence.socket_opened("u1") is False
        assert presence.is_online("u1")
        assert presence.socket_closed("u1") is False
        assert presence.socket_closed("u1") is True
        assert not presence.is_online("u1")
