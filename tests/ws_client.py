"""Helpers for the chat tests: a blocking WebSocket client (the `websockets` package) and chat fixtures' pieces."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from cplatform.actor import Actor

PASSWORD = "correct-horse-7"


class WsClient:
    """One socket to /ws/. Frames that an `expect` skips are kept, so a later `expect` still finds them."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        cookie: str | None = None,
        origin: str | None = None,
        query: str = "",
        keep_raw: bool = False,
    ):
        url = base_url.replace("http://", "ws://", 1) + "/ws/" + (f"?{query}" if query else "")
        headers = {"Cookie": f"session={cookie}"} if cookie else None
        # WsClient is the context manager (and closes the connection in close()).
        self.ws = connect(url, origin=origin, additional_headers=headers, open_timeout=10, close_timeout=2).__enter__()
        self.pending: list[dict] = []
        self.hello: dict | None = None
        self.raw: list[str] | None = [] if keep_raw else None  # every text frame as it came, in order
        if token:
            self.send({"type": "auth", "token": token})
            self.hello = self.expect("auth.ok")

    def send(self, frame: dict) -> None:
        self.ws.send(json.dumps(frame))

    def send_raw(self, text: str) -> None:
        self.ws.send(text)

    def _read(self, timeout: float) -> dict:
        text = self.ws.recv(timeout=timeout)
        if self.raw is not None:
            self.raw.append(text)
        return json.loads(text)

    def raw_frames(self, frame_type: str) -> list[str]:
        """The exact text of every frame of this type read so far (keep_raw=True)."""
        return [text for text in self.raw if json.loads(text).get("type") == frame_type]

    def expect(self, frame_type: str, *, timeout: float = 5.0, **match) -> dict:
        """The first frame of this type (and these field values), waiting up to `timeout` seconds."""

        def fits(frame: dict) -> bool:
            return frame.get("type") == frame_type and all(frame.get(k) == v for k, v in match.items())

        for index, frame in enumerate(self.pending):
            if fits(frame):
                return self.pending.pop(index)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {frame_type} frame {match or ''} within {timeout}s; got {self.pending}")
            try:
                frame = self._read(remaining)
            except TimeoutError:
                continue
            if fits(frame):
                return frame
            self.pending.append(frame)

    def frames(self, frame_type: str, count: int, *, timeout: float = 10.0) -> list[dict]:
        return [self.expect(frame_type, timeout=timeout) for _ in range(count)]

    def assert_no(self, frame_type: str, *, within: float = 0.5) -> None:
        deadline = time.monotonic() + within
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                self.pending.append(self._read(remaining))
            except TimeoutError:
                break
        found = [frame for frame in self.pending if frame.get("type") == frame_type]
        assert not found, found

    def expect_close(self, *, timeout: float = 5.0) -> int:
        """The close code the server sent (frames before it are ignored)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self._read(deadline - time.monotonic())
            except TimeoutError:
                continue
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else 1006
        raise AssertionError(f"the socket is still open after {timeout}s")

    def close(self) -> None:
        self.ws.close()

    def __enter__(self) -> WsClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def actor_of(persona) -> Actor:
    """The Actor a persona's token resolves to, for calling services directly."""
    return Actor(uid=persona.uid, email=persona.email, role=persona.role)


def enroll(course_id: str, student_uid: str, teacher_uid: str, status: str = "active") -> None:
    """Make `student_uid` a student of `teacher_uid` (what the courses app writes on enrolment)."""
    from firestore_operations.client import db

    db().collection("enrollments").document(f"{course_id}_{student_uid}").set(
        {"course_id": course_id, "student_uid": student_uid, "teacher_uid": teacher_uid, "status": status}
    )


def make_members(count: int, prefix: str = "member") -> list[SimpleNamespace]:
    """`count` students with Auth accounts and ID tokens (uid, token), created concurrently."""
    from authentication import services
    from tests import emulators

    def make(n: int) -> SimpleNamespace:
        email = f"{prefix}{n:03d}@example.com"
        profile = services.register_user(email=email, password=PASSWORD, display_name=f"Member {n}", role="student")
        return SimpleNamespace(uid=profile["id"], token=emulators.sign_in(email, PASSWORD)["idToken"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(make, range(count)))


def connect_all(targets: list[tuple[str, str]]) -> list[WsClient]:
    """Authenticated sockets (keep_raw) for (server url, token) pairs, opened concurrently, in order."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda target: WsClient(target[0], token=target[1], keep_raw=True), targets))


def make_profiles(count: int, role: str = "student", prefix: str = "member") -> list[str]:
    """Profiles without Auth accounts (enough to be room members); returns their uids."""
    from firestore_operations.client import db

    batch = db().batch()
    uids = []
    for n in range(count):
        uid = f"{prefix}{n:03d}"
        uids.append(uid)
        batch.set(db().collection("users").document(uid), {"uid": uid, "display_name": f"Member {n}", "role": role})
    batch.commit()
    return uids
