"""Faults against real processes: a backend that dies or hangs, a daphne restart, a socket that drops.

Each backend (Firestore, Auth, Storage, Redis) is reached by a daphne of this module through a
FaultProxy (tests/fault_proxy.py) that the test takes down (connections refused and reset, as when
the process dies) or freezes (connections held, nothing answered, as with SIGSTOP). The promise
checked: the API answers 503 in the error shape within 5 s (the client's timeout here), and works
again by itself once the backend is back. A worker killed mid-task losing no email is proved in
tests/test_background_worker.py::test_a_worker_killed_mid_task_loses_no_email.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
import redis
import requests
from PIL import Image

from messaging import services
from tests.conftest import ROOT, free_port, start_daphne
from tests.fault_proxy import FaultProxy
from tests.ws_client import WsClient, actor_of, enroll

pytestmark = pytest.mark.live

CLIENT_TIMEOUT = 5  # seconds: the promise is a 503 within this, so the client waits no longer
RECOVERY_SECONDS = 30  # how long a backend that is back may take to be used again (gRPC reconnect backoff)
CHAT_ENV = {"CHAT_SEND_LIMIT": "1000", "CHAT_SOCKET_FRAME_LIMIT": "1000"}


@pytest.fixture(scope="module")
def redis_server():
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.fail("redis-server is missing: install the redis-server package (scripts/system-packages.sh).")
    port = free_port()
    log = open(ROOT / ".local" / f"redis-faults-{port}.log", "wb")  # noqa: SIM115 - lives with the process
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
                pytest.fail(f"redis-server did not start; see {log.name}")
            time.sleep(0.1)
    yield port
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def _host_port(address: str) -> tuple[str, int]:
    parsed = urllib.parse.urlsplit(address if "//" in address else f"tcp://{address}")
    return parsed.hostname, parsed.port


@pytest.fixture(scope="module")
def proxies(redis_server):
    """One FaultProxy per backend, in front of the test stack's emulators and a Redis of this module."""
    made = {
        "firestore": FaultProxy(*_host_port(os.environ["FIRESTORE_EMULATOR_HOST"])),
        "auth": FaultProxy(*_host_port(os.environ["FIREBASE_AUTH_EMULATOR_HOST"])),
        "storage": FaultProxy(*_host_port(os.environ["STORAGE_EMULATOR_HOST"])),
        "redis": FaultProxy("127.0.0.1", redis_server),
    }
    yield made
    for proxy in made.values():
        proxy.close()


@pytest.fixture(scope="module")
def server(proxies):
    """A daphne that reaches every backend through its proxy (Redis as cache and channel layer)."""
    proc, url = start_daphne(
        extra_env={
            "FIRESTORE_EMULATOR_HOST": proxies["firestore"].address,
            "FIREBASE_AUTH_EMULATOR_HOST": proxies["auth"].address,
            "STORAGE_EMULATOR_HOST": f"http://{proxies['storage'].address}",
            "REDIS_URL": f"redis://{proxies['redis'].address}/0",
            "AUTH_REVOCATION_CACHE_SECONDS": "0",
        }
    )
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(autouse=True)
def _backends_back(request):
    yield
    if "proxies" in request.fixturenames:
        for proxy in request.getfixturevalue("proxies").values():
            proxy.up()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def assert_unavailable(response: requests.Response) -> None:
    assert response.status_code == 503, (response.status_code, response.text[:300])
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == "unavailable" and body["error"]["message"], body


def eventually(request, expected: int) -> requests.Response:
    """Repeat `request()` until it answers `expected` (the backend is back); fail after RECOVERY_SECONDS."""
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        response = request()
        if response.status_code == expected or time.monotonic() > deadline:
            assert response.status_code == expected, (response.status_code, response.text[:300])
            return response
        time.sleep(0.5)


def get(url: str, persona=None) -> requests.Response:
    headers = {"Authorization": f"Bearer {persona.token}"} if persona else {}
    return requests.get(url, headers=headers, timeout=CLIENT_TIMEOUT)


# One request per backend that cannot be answered without it, and what it answers when all is well.
def _course_detail(server, persona):
    return get(f"{server}/api/v1/courses/missing-{uuid.uuid4().hex}")  # a new id: no cache can answer


def _me(server, persona):
    return get(f"{server}/api/v1/me", persona)


def _login(server, persona):
    return requests.post(
        f"{server}/api/v1/auth/login",
        json={"email": persona.email, "password": persona.password},
        timeout=CLIENT_TIMEOUT,
    )


def _photo(server, persona):
    return requests.post(
        f"{server}/api/v1/me/photo",
        files={"photo": ("photo.png", png(), "image/png")},
        headers={"Authorization": f"Bearer {persona.token}"},
        timeout=CLIENT_TIMEOUT,
    )


CASES = {
    "firestore": [(_course_detail, 404), (_me, 200)],
    "auth": [(_me, 200), (_login, 200)],
    "storage": [(_photo, 200)],
    "redis": [(_me, 200)],
}


@pytest.mark.parametrize("fault", ["down", "hang"])
@pytest.mark.parametrize("backend", list(CASES))
def test_a_missing_backend_is_a_quick_503_and_the_api_recovers_by_itself(server, proxies, student, backend, fault):
    for request, healthy in CASES[backend]:
        assert request(server, student).status_code == healthy  # warm: pooled connections are open
        getattr(proxies[backend], fault)()
        assert_unavailable(request(server, student))
        proxies[backend].up()
        eventually(lambda request=request: request(server, student), healthy)


def test_readiness_names_the_backend_that_is_missing(server, proxies):
    proxies["storage"].hang()
    response = requests.get(f"{server}/readyz", timeout=CLIENT_TIMEOUT + 2)
    assert_unavailable(response)
    checks = response.json()["error"]["checks"]
    assert checks["storage"] != "ok" and checks["firestore"] == checks["auth"] == "ok", checks
    proxies["storage"].up()
    eventually(lambda: requests.get(f"{server}/readyz", timeout=CLIENT_TIMEOUT + 2), 200)


# --- chat across restarts and drops --------------------------------------------------------------


@pytest.fixture
def dm(owner_teacher, student) -> str:
    enroll("course1", student.uid, owner_teacher.uid)
    room, _ = services.open_direct_room(actor=actor_of(student), other_uid=owner_teacher.uid)
    return room["id"]


def history(url: str, room: str, persona) -> list[dict]:
    """The room's messages (at most one page of 50, enough here) through the REST API, in seq order."""
    response = requests.get(
        f"{url}/api/v1/chat/rooms/{room}/messages",
        params={"limit": 50},
        headers={"Authorization": f"Bearer {persona.token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return sorted(response.json()["items"], key=lambda message: message["seq"])


def test_a_daphne_killed_mid_conversation_loses_no_acknowledged_message(dm, student, owner_teacher):
    """A client resends what was not acknowledged (same client_id) to the restarted server: every
    message is stored exactly once, the acknowledged ones included, in one gapless seq order."""
    proc, url = start_daphne(extra_env=CHAT_ENV)
    try:
        with WsClient(url, token=student.token) as sender:
            for n in range(30):
                sender.send({"type": "message.send", "room": dm, "content": f"m{n}", "client_id": f"c{n}"})
            acked = {frame["client_id"] for frame in sender.frames("ack", 5)}
            proc.send_signal(signal.SIGKILL)  # mid-stream: most sends are still in flight
            proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(acked) == 5
    proc, url = start_daphne(extra_env=CHAT_ENV)
    try:
        stored_before = {message["client_id"] for message in history(url, dm, owner_teacher)}
        assert acked <= stored_before  # an ack means stored
        with WsClient(url, token=student.token) as sender:
            for n in range(30):  # the client resends everything it has no ack for (here: all, to be sure)
                sender.send({"type": "message.send", "room": dm, "content": f"m{n}", "client_id": f"c{n}"})
            sender.frames("ack", 30)
        messages = history(url, dm, owner_teacher)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert sorted(message["content"] for message in messages) == sorted(f"m{n}" for n in range(30))
    assert [message["seq"] for message in messages] == list(range(1, 31))


def test_a_socket_dropped_mid_stream_gets_every_message_after_reconnecting(dm, student, owner_teacher):
    proc, url = start_daphne(extra_env=CHAT_ENV)
    try:
        with WsClient(url, token=student.token) as sender:
            reader = WsClient(url, token=owner_teacher.token)
            for n in range(40):
                sender.send({"type": "message.send", "room": dm, "content": f"m{n}", "client_id": f"c{n}"})
            seen = [reader.expect("message.new")["message"] for _ in range(3)]
            # The reader's connection dies without a closing handshake (a phone going into a tunnel).
            reader.ws.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            reader.ws.socket.close()
            sender.frames("ack", 40)
            with WsClient(url, token=owner_teacher.token) as again:
                after, has_more = seen[-1]["id"], True
                while has_more:
                    again.send({"type": "sync", "room": dm, "after": after})
                    result = again.expect("sync.result")
                    seen += result["messages"]
                    has_more = result["has_more"]
                    if result["messages"]:
                        after = result["messages"][-1]["id"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert [message["content"] for message in seen] == [f"m{n}" for n in range(40)]
    assert [message["seq"] for message in seen] == list(range(1, 41))
