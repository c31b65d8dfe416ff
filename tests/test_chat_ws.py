"""The chat WebSocket (/ws/) with real `websockets` clients against a daphne process on the emulators."""

from __future__ import annotations

import contextlib
import re
import time

import pytest
import requests
from websockets.exceptions import ConnectionClosed

from authentication import identity
from messaging import services
from tests.conftest import call, start_daphne
from tests.ws_client import WsClient, actor_of, enroll, make_members

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server():
    proc, url = start_daphne(
        extra_env={
            "CHAT_AUTH_TIMEOUT_SECONDS": "1",
            "CHAT_AUTH_RECHECK_SECONDS": "1",
            "CHAT_SOCKET_FRAME_LIMIT": "40",
            "CHAT_SEND_LIMIT": "20",
            # One window for the whole run, so no window boundary falls inside the rate-limit test.
            "CHAT_SEND_WINDOW_SECONDS": "3600",
            "CHAT_MEMBERSHIP_RECHECK_SECONDS": "1",
        }
    )
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def dm(owner_teacher, student) -> str:
    """The direct room of `student` and her teacher `owner_teacher`."""
    enroll("course1", student.uid, owner_teacher.uid)
    room, _ = services.open_direct_room(actor=actor_of(student), other_uid=owner_teacher.uid)
    return room["id"]


def http(server: str, method: str, path: str, persona, **kwargs) -> requests.Response:
    """A request to the daphne process itself (its broadcasts reach the sockets; the test process's do not)."""
    headers = {"Authorization": f"Bearer {persona.token}"}
    return requests.request(method, f"{server}{path}", headers=headers, timeout=10, **kwargs)


# --- authentication ----------------------------------------------------------------------------------


class TestAuthentication:
    def test_a_socket_that_never_authenticates_is_closed_4408(self, server):
        with WsClient(server) as ws:
            assert ws.expect_close(timeout=4) == 4408

    def test_a_token_in_the_url_is_ignored(self, server, student):
        with WsClient(server, query=f"token={student.token}") as ws:
            assert ws.expect_close(timeout=4) == 4408

    def test_a_bad_token_is_closed_4401(self, server):
        with WsClient(server) as ws:
            ws.send({"type": "auth", "token": "not-a-token"})
            assert ws.expect_close() == 4401

    def test_a_frame_before_auth_is_closed_4401(self, server, dm):
        with WsClient(server) as ws:
            ws.send({"type": "message.send", "room": dm, "content": "sneaky"})
            assert ws.expect_close() == 4401

    def test_a_token_frame_authenticates_and_lists_the_rooms(self, server, dm, student):
        with WsClient(server, token=student.token) as ws:
            assert ws.hello["uid"] == student.uid and ws.hello["role"] == "student" and ws.hello["rooms"] == [dm]

    def test_the_session_cookie_authenticates_pages_from_our_origin(self, server, dm, student):
        cookie = identity.create_session_cookie(student.token)
        with WsClient(server, cookie=cookie, origin=server) as ws:
            hello = ws.expect("auth.ok")
            assert hello["uid"] == student.uid and hello["rooms"] == [dm]

    def test_a_cookie_from_another_origin_or_none_is_closed_4403(self, server, student):
        cookie = identity.create_session_cookie(student.token)
        with WsClient(server, cookie=cookie, origin="https://evil.example") as ws:
            assert ws.expect_close() == 4403
        with WsClient(server, cookie=cookie) as ws:
            assert ws.expect_close() == 4403

    def test_a_bad_cookie_is_closed_4401(self, server):
        with WsClient(server, cookie="forged", origin=server) as ws:
            assert ws.expect_close() == 4401

    def test_re_auth_refreshes_the_same_user_and_refuses_another(self, server, student, other_student):
        with WsClient(server, token=student.token) as ws:
            ws.send({"type": "auth", "token": student.refresh_token()})
            assert ws.expect("auth.ok")["uid"] == student.uid
            ws.send({"type": "auth", "token": other_student.token})
            assert ws.expect_close() == 4403

    def test_logout_closes_open_sockets(self, server, student):
        with WsClient(server, token=student.token) as ws:
            assert http(server, "post", "/api/v1/auth/logout", student).status_code == 204
            assert ws.expect_close(timeout=5) == 4401


# --- frames ------------------------------------------------------------------------------------------


class TestMessages:
    def test_members_receive_messages_in_order(self, server, dm, student, owner_teacher):
        with WsClient(server, token=student.token) as sender, WsClient(server, token=owner_teacher.token) as other:
            for n in range(10):
                sender.send({"type": "message.send", "room": dm, "content": f"m{n}", "client_id": f"c{n}"})
            acks = sender.frames("ack", 10)
            assert [a["client_id"] for a in acks] == [f"c{n}" for n in range(10)]
            assert all(a["created"] and a["frame"] == "message.send" for a in acks)
            received = [frame["message"] for frame in other.frames("message.new", 10)]
            assert [m["content"] for m in received] == [f"m{n}" for n in range(10)]
            assert [m["seq"] for m in received] == list(range(1, 11))
            assert received == [a["message"] for a in acks]

    def test_a_retried_client_id_stores_one_message(self, server, dm, student, owner_teacher, api):
        with WsClient(server, token=student.token) as sender, WsClient(server, token=owner_teacher.token) as other:
            frame = {"type": "message.send", "room": dm, "content": "only once", "client_id": "retry-1"}
            sender.send(frame)
            first = sender.expect("ack")
            sender.send(frame)
            second = sender.expect("ack")
            assert first["created"] is True and second["created"] is False
            assert first["message"] == second["message"]
            other.expect("message.new")
            other.assert_no("message.new")
        items = call(api, "get", f"/api/v1/chat/rooms/{dm}/messages", student).json()["items"]
        assert [m["id"] for m in items] == [first["message"]["id"]]

    def test_acks_and_errors_carry_the_frames_request_id(self, server, dm, student, other_student):
        with WsClient(server, token=student.token) as ws:
            ws.send({"type": "message.send", "room": dm, "content": "traced", "request_id": "ws-trace-1"})
            assert ws.expect("ack")["request_id"] == "ws-trace-1"
            ws.send({"type": "message.send", "room": dm, "content": "untraced"})
            assert re.fullmatch(r"[0-9a-f]{32}", ws.expect("ack")["request_id"])
        with WsClient(server, token=other_student.token) as ws:
            ws.send({"type": "message.send", "room": dm, "content": "hi", "request_id": "ws-trace-2"})
            assert ws.expect("error")["request_id"] == "ws-trace-2"

    def test_sending_to_a_room_you_are_not_in_is_refused(self, server, dm, other_student):
        with WsClient(server, token=other_student.token) as ws:
            ws.send({"type": "message.send", "room": dm, "content": "hi", "client_id": "x1"})
            error = ws.expect("error")
            assert error["code"] == "permission_denied" and error["client_id"] == "x1" and error["room"] == dm
            for frame_type in ("typing", "room.open", "sync"):
                ws.send({"type": frame_type, "room": dm})
                assert ws.expect("error", frame=frame_type)["code"] == "permission_denied"

    def test_bad_messages_get_error_frames(self, server, dm, student):
        with WsClient(server, token=student.token) as ws:
            ws.send({"type": "message.send", "room": dm, "content": "   "})
            assert ws.expect("error")["code"] == "invalid"
            ws.send({"type": "message.send", "room": dm, "content": "x" * 4001})
            assert ws.expect("error")["code"] == "invalid"
            ws.send({"type": "message.send", "room": "no-such-room", "content": "hi"})
            assert ws.expect("error")["code"] == "not_found"

    def test_a_frame_value_of_the_wrong_json_type_is_an_error_frame(self, server, dm, student, api):
        with WsClient(server, token=student.token) as ws:
            ws.send({"type": "message.send", "room": dm, "content": 42, "client_id": "typed-1"})
            error = ws.expect("error")
            assert error["code"] == "invalid" and error["fields"] == {"content": ["Must be text (a JSON string)."]}
        assert call(api, "get", f"/api/v1/chat/rooms/{dm}/messages", student).json()["items"] == []

    def test_sending_is_rate_limited(self, server, dm, student):
        with WsClient(server, token=student.token) as ws:
            for n in range(21):
                ws.send({"type": "message.send", "room": dm, "content": f"m{n}", "client_id": f"r{n}"})
            assert len(ws.frames("ack", 20)) == 20
            error = ws.expect("error")
            assert error["code"] == "rate_limited" and error["retry_after"] > 0 and error["client_id"] == "r20"

    def test_a_reconnecting_client_catches_up_with_sync(self, server, dm, student, owner_teacher):
        with WsClient(server, token=student.token) as sender:
            with WsClient(server, token=owner_teacher.token) as other:
                sender.send({"type": "message.send", "room": dm, "content": "before", "client_id": "b"})
                last_seen = other.expect("message.new")["message"]
            for n in range(3):
                sender.send({"type": "message.send", "room": dm, "content": f"missed {n}", "client_id": f"m{n}"})
            sender.frames("ack", 4)
            with WsClient(server, token=owner_teacher.token) as other:
                other.send({"type": "sync", "room": dm, "after": last_seen["id"]})
                result = other.expect("sync.result")
                assert result["room"] == dm and result["has_more"] is False
                assert [m["content"] for m in result["messages"]] == ["missed 0", "missed 1", "missed 2"]
                assert [m["seq"] for m in result["messages"]] == [2, 3, 4]
                sender.send({"type": "message.send", "room": dm, "content": "live again", "client_id": "l"})
                assert other.expect("message.new")["message"]["seq"] == 5
                other.assert_no("message.new")

    def test_edits_and_deletes_reach_every_member(self, server, dm, student, owner_teacher):
        with WsClient(server, token=student.token) as sender, WsClient(server, token=owner_teacher.token) as other:
            sender.send({"type": "message.send", "room": dm, "content": "Helo", "client_id": "e1"})
            message = sender.expect("ack")["message"]
            other.expect("message.new")
            sender.send({"type": "message.edit", "room": dm, "message_id": message["id"], "content": "Hello"})
            assert sender.expect("ack", frame="message.edit")["message"]["content"] == "Hello"
            updated = other.expect("message.updated")
            assert updated["room"] == dm and updated["message"]["content"] == "Hello" and updated["message"]["edited"]
            other.send({"type": "message.edit", "room": dm, "message_id": message["id"], "content": "mine now"})
            assert other.expect("error", frame="message.edit")["code"] == "permission_denied"
            sender.send({"type": "message.delete", "room": dm, "message_id": message["id"]})
            deleted = other.expect("message.deleted")
            assert deleted["message"]["id"] == message["id"] and deleted["message"]["deleted"]
            assert deleted["message"]["content"] == ""

    def test_typing_reaches_the_others_only(self, server, dm, student, owner_teacher):
        with WsClient(server, token=student.token) as typist, WsClient(server, token=owner_teacher.token) as other:
            typist.send({"type": "typing", "room": dm})
            assert other.expect("typing") == {"type": "typing", "room": dm, "uid": student.uid}
            typist.assert_no("typing")

    def test_reads_move_unread_counts_and_reach_the_other_side(self, server, dm, student, owner_teacher, api):
        with WsClient(server, token=owner_teacher.token) as teacher, WsClient(server, token=student.token) as pupil:
            for n in range(2):
                teacher.send({"type": "message.send", "room": dm, "content": f"task {n}", "client_id": f"t{n}"})
            last = teacher.frames("ack", 2)[-1]["message"]
            pupil.frames("message.new", 2)
            [room] = call(api, "get", "/api/v1/chat/rooms", student).json()["items"]
            assert room["unread"] == 2
            pupil.send({"type": "read", "room": dm, "message_id": last["id"]})
            receipt = teacher.expect("read")
            assert receipt["uid"] == student.uid and receipt["last_read_seq"] == 2
            assert receipt["last_read_message_id"] == last["id"] and receipt["read_at"].endswith("Z")
            assert pupil.expect("read")["uid"] == student.uid  # the reader's other devices follow too
            [room] = call(api, "get", "/api/v1/chat/rooms", student).json()["items"]
            assert room["unread"] == 0

    def test_presence_is_announced_in_direct_rooms(self, server, dm, student, owner_teacher):
        with WsClient(server, token=owner_teacher.token) as teacher:
            with WsClient(server, token=student.token):
                assert teacher.expect("presence") == {"type": "presence", "uid": student.uid, "online": True}
            assert teacher.expect("presence") == {"type": "presence", "uid": student.uid, "online": False}

    def test_room_open_ping_and_close_answer_quietly(self, server, dm, student):
        with WsClient(server, token=student.token) as ws:
            ws.send({"type": "room.open", "room": dm})
            ws.send({"type": "ping"})
            ws.expect("pong")
            ws.send({"type": "room.close", "room": dm})
            ws.send({"type": "ping"})
            ws.expect("pong")
            ws.assert_no("error")

    def test_malformed_frames_get_error_frames_and_the_socket_stays(self, server, student):
        with WsClient(server, token=student.token) as ws:
            ws.send_raw("not json")
            assert ws.expect("error")["code"] == "bad_frame"
            ws.send({"no": "type"})
            assert ws.expect("error")["code"] == "bad_frame"
            ws.send({"type": "launch.rockets"})
            assert ws.expect("error")["code"] == "unknown_type"
            ws.send({"type": "ping"})
            ws.expect("pong")

    def test_a_flooding_socket_is_closed_4429(self, server, student):
        with WsClient(server, token=student.token) as ws:
            with contextlib.suppress(ConnectionClosed):  # the server may close before the last one
                for _ in range(45):
                    ws.send({"type": "ping"})
            assert ws.expect_close() == 4429


class TestRoomFanOut:
    def test_forty_sockets_get_every_message_once_in_seq_order_as_the_same_text(self, server, admin):
        members = make_members(40)
        room = services.create_group_room(actor=actor_of(admin), name="Hall", member_uids=[m.uid for m in members])
        # One at a time: this server closes sockets not authenticated within 1 s (4408).
        sockets = [WsClient(server, token=member.token, keep_raw=True) for member in members]
        try:
            # Ten senders at once: their sends are stored in parallel threads of the server, so
            # broadcasts can finish out of seq order; every socket must still see 1, 2, 3...
            for n in range(30):
                frame = {"type": "message.send", "room": room["id"], "content": f"m{n}", "client_id": f"f{n}"}
                sockets[n % 10].send(frame)
            for ws in sockets:
                received = [frame["message"] for frame in ws.frames("message.new", 30)]
                assert [m["seq"] for m in received] == list(range(1, 31))
                assert sorted(m["content"] for m in received) == sorted(f"m{n}" for n in range(30))
            time.sleep(0.3)  # one pause for all the sockets: nothing more may come
            for ws in sockets:
                ws.assert_no("message.new", within=0.01)
            # Encoded once on the server: byte for byte the same frames on every socket.
            texts = sockets[0].raw_frames("message.new")
            assert len(texts) == 30
            assert all(ws.raw_frames("message.new") == texts for ws in sockets)
        finally:
            for ws in sockets:
                ws.close()


class TestLiveMembership:
    def test_a_member_added_while_connected_joins_and_a_removed_one_leaves(
        self, server, dm, student, owner_teacher, other_teacher
    ):
        with WsClient(server, token=student.token) as pupil, WsClient(server, token=owner_teacher.token) as teacher:
            body = {"name": "Revision", "member_uids": [other_teacher.uid]}
            room = http(server, "post", "/api/v1/chat/rooms", owner_teacher, json=body).json()
            assert teacher.expect("room.joined")["room"]["id"] == room["id"]
            added = http(
                server, "post", f"/api/v1/chat/rooms/{room['id']}/members", owner_teacher, json={"uid": student.uid}
            )
            assert added.status_code == 200, added.text
            joined = pupil.expect("room.joined")
            assert joined["room"]["id"] == room["id"] and joined["room"]["name"] == "Revision"
            assert teacher.expect("member.added")["uid"] == student.uid
            teacher.send({"type": "message.send", "room": room["id"], "content": "Welcome", "client_id": "w"})
            assert pupil.expect("message.new")["message"]["content"] == "Welcome"
            removed = http(server, "delete", f"/api/v1/chat/rooms/{room['id']}/members/{student.uid}", owner_teacher)
            assert removed.status_code == 204
            assert pupil.expect("room.left")["room"] == room["id"]
            teacher.send({"type": "message.send", "room": room["id"], "content": "Secret", "client_id": "s"})
            teacher.expect("ack", client_id="s")
            pupil.assert_no("message.new")

    def test_a_removed_member_stops_hearing_the_room_even_when_room_left_is_lost(
        self, server, dm, student, owner_teacher
    ):
        room = services.create_group_room(actor=actor_of(owner_teacher), name="Revision", member_uids=[student.uid])
        with WsClient(server, token=student.token) as pupil, WsClient(server, token=owner_teacher.token) as teacher:
            assert room["id"] in pupil.hello["rooms"]
            # Removed in this test process: its room.left event goes to this process's channel layer,
            # never to the daphne process that holds the sockets - a lost event.
            services.remove_room_member(actor=actor_of(owner_teacher), room_id=room["id"], uid=student.uid)
            assert pupil.expect("room.left", timeout=5)["room"] == room["id"]
            teacher.send({"type": "message.send", "room": room["id"], "content": "Secret", "client_id": "s2"})
            teacher.expect("ack", client_id="s2")
            pupil.assert_no("message.new", within=1.5)

    def test_rest_sends_reach_the_sockets(self, server, dm, student, owner_teacher):
        with WsClient(server, token=owner_teacher.token) as teacher:
            response = http(server, "post", f"/api/v1/chat/rooms/{dm}/messages", student, json={"content": "via REST"})
            assert response.status_code == 201, response.text
            assert teacher.expect("message.new")["message"]["id"] == response.json()["id"]

    def test_rest_refusals_still_apply(self, server, dm, other_student):
        response = http(server, "post", f"/api/v1/chat/rooms/{dm}/messages", other_student, json={"content": "hi"})
        assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
