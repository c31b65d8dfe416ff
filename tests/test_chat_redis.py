"""Two daphne processes sharing a Redis channel layer and cache, as in production behind a load balancer."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import redis
import requests
from asgiref.sync import async_to_sync

from messaging import groups, presence, services
from tests.conftest import ROOT, free_port, start_daphne
from tests.ws_client import WsClient, actor_of, connect_all, enroll, make_members

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def redis_url():
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.fail(
            "redis-server is missing (expected at /usr/bin/redis-server): install the redis-server package "
            "(scripts/system-packages.sh) to run the two-process channel-layer test.",
            pytrace=False,
        )
    port = free_port()
    log = open(ROOT / ".local" / f"redis-test-{port}.log", "wb")  # noqa: SIM115 - lives with the process
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"redis-server did not start; see {log.name}", pytrace=False)
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def servers(redis_url):
    started = []
    try:
        for _ in range(2):
            started.append(start_daphne(extra_env={"REDIS_URL": redis_url}))
        yield [url for _, url in started]
    finally:
        for proc, _ in started:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture
def dm(owner_teacher, student) -> str:
    enroll("course1", student.uid, owner_teacher.uid)
    room, _ = services.open_direct_room(actor=actor_of(student), other_uid=owner_teacher.uid)
    return room["id"]


def test_a_message_sent_through_one_process_reaches_a_client_of_the_other(servers, dm, student, owner_teacher):
    first, second = servers
    with WsClient(first, token=student.token) as pupil, WsClient(second, token=owner_teacher.token) as teacher:
        pupil.send({"type": "message.send", "room": dm, "content": "Across processes", "client_id": "x1"})
        sent = pupil.expect("ack")["message"]
        assert teacher.expect("message.new")["message"] == sent
        assert pupil.expect("message.new")["message"] == sent  # the sender's own sockets hear it too
        # And back, through the other process's REST API.
        response = requests.post(
            f"{second}/api/v1/chat/rooms/{dm}/messages",
            json={"content": "Received"},
            headers={"Authorization": f"Bearer {owner_teacher.token}"},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        assert pupil.expect("message.new")["message"]["id"] == response.json()["id"]


def test_a_member_added_through_one_process_joins_on_the_other(servers, dm, student, owner_teacher, other_teacher):
    first, second = servers
    auth = {"Authorization": f"Bearer {owner_teacher.token}"}
    with WsClient(second, token=student.token) as pupil, WsClient(second, token=owner_teacher.token) as teacher:
        body = {"name": "Exam prep", "member_uids": [other_teacher.uid]}
        room = requests.post(f"{first}/api/v1/chat/rooms", json=body, headers=auth, timeout=10).json()
        teacher.expect("room.joined")
        added = requests.post(
            f"{first}/api/v1/chat/rooms/{room['id']}/members", json={"uid": student.uid}, headers=auth, timeout=10
        )
        assert added.status_code == 200, added.text
        assert pupil.expect("room.joined")["room"]["id"] == room["id"]
        teacher.send({"type": "message.send", "room": room["id"], "content": "Hello group", "client_id": "g"})
        assert pupil.expect("message.new")["message"]["content"] == "Hello group"


def test_a_room_split_over_both_processes_gets_every_message_in_order_as_the_same_text(servers, admin):
    members = make_members(20)
    room = services.create_group_room(actor=actor_of(admin), name="Hall", member_uids=[m.uid for m in members])
    # Alternately on each process; the senders (the first six) too, so sends race across processes.
    sockets = connect_all([(servers[n % 2], member.token) for n, member in enumerate(members)])
    try:
        for n in range(18):
            sockets[n % 6].send({"type": "message.send", "room": room["id"], "content": f"m{n}", "client_id": f"s{n}"})
        for ws in sockets:
            assert [frame["message"]["seq"] for frame in ws.frames("message.new", 18)] == list(range(1, 19))
        time.sleep(0.3)  # one pause for all the sockets: nothing more may come
        for ws in sockets:
            ws.assert_no("message.new", within=0.01)
        texts = sockets[0].raw_frames("message.new")
        assert all(ws.raw_frames("message.new") == texts for ws in sockets)
    finally:
        for ws in sockets:
            ws.close()


def test_a_member_removed_through_one_process_stops_hearing_the_room_on_the_other(
    servers, owner_teacher, other_teacher, student
):
    first, second = servers
    enroll("course1", student.uid, owner_teacher.uid)
    room = services.create_group_room(
        actor=actor_of(owner_teacher), name="Club", member_uids=[student.uid, other_teacher.uid]
    )
    # The pupil's process keeps the room (the teacher's socket is there too): only the pupil leaves it.
    with (
        WsClient(second, token=student.token) as pupil,
        WsClient(second, token=owner_teacher.token) as teacher,
        WsClient(first, token=other_teacher.token) as colleague,
    ):
        response = requests.delete(
            f"{first}/api/v1/chat/rooms/{room['id']}/members/{student.uid}",
            headers={"Authorization": f"Bearer {owner_teacher.token}"},
            timeout=10,
        )
        assert response.status_code == 204, response.text
        assert pupil.expect("room.left")["room"] == room["id"]
        assert teacher.expect("member.removed")["uid"] == student.uid
        teacher.send({"type": "message.send", "room": room["id"], "content": "After you left", "client_id": "a"})
        assert colleague.expect("message.new")["message"]["content"] == "After you left"
        assert teacher.expect("message.new")["message"]["content"] == "After you left"
        pupil.assert_no("message.new")


def test_notifications_sent_to_a_users_group_reach_the_socket(servers, redis_url, student):
    from channels_redis.core import RedisChannelLayer

    layer = RedisChannelLayer(hosts=[redis_url])
    notification = {"id": "n1", "kind": "lesson.created", "title": "New lesson", "body": "Monday 10:00"}
    with WsClient(servers[1], token=student.token) as ws:
        async_to_sync(layer.group_send)(
            groups.user_group(student.uid), {"type": "notification.new", "notification": notification}
        )
        assert ws.expect("notification.new") == {"type": "notification.new", "notification": notification}


def test_room_open_is_seen_by_the_dispatcher_in_any_process(servers, redis_url, dm, student, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    with WsClient(servers[0], token=student.token) as ws:
        assert not presence.is_viewing(student.uid, dm)
        ws.send({"type": "room.open", "room": dm})
        ws.send({"type": "ping"})
        ws.expect("pong")  # frames are handled in order: room.open is done
        assert presence.is_viewing(student.uid, dm)
        assert presence.is_online(student.uid)
        ws.send({"type": "room.close", "room": dm})
        ws.send({"type": "ping"})
        ws.expect("pong")
        assert not presence.is_viewing(student.uid, dm)
