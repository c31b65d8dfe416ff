"""A realistic mix under 100 concurrent users: one daphne process, then two sharing Redis, in one run.

    STACK_PORT_OFFSET=900 .venv/bin/python scripts/stack.py test -- .venv/bin/python bench/load.py

Seeds one teacher with BENCH_COURSES (40) published courses (through the API, so search tokens are
real) and BENCH_USERS (100) students, each with a direct room to the teacher. Then each student is
a closed loop (no think time) for BENCH_SECONDS (60), drawing its next action from the mix:
browse the catalog 30 %, search 15 %, open a course 25 %, enrol in a course not yet hers 5 %, send a
chat message over her WebSocket and wait for its ack 15 %, read her notifications 10 %.
Set-ups, same users and data: one daphne; two daphne processes on one Redis (cache and channel
layer; each user's HTTP and socket go to the process of her parity). Both set-ups use Redis, so
they differ only in the process count. Prints per action: count, p50 and p99 in ms, Firestore
reads and writes per request (the X-Firestore-* headers that DEBUG servers send; a socket frame has
no headers, so the chat line has none), errors; and per set-up the throughput and the error total,
which must be 0 (the script exits 1 otherwise). The rate limits are raised on these servers: they
would answer 429 to a closed loop by design, and this measures capacity, not the limits.
Bounded: fixed users, fixed seconds, 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import random
import sys
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import setup_django, start_server

USERS = int(os.environ.get("BENCH_USERS", "100"))
COURSES = int(os.environ.get("BENCH_COURSES", "40"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
PASSWORD = "bench-pass-1"
MIX = [("browse", 30), ("search", 15), ("open course", 25), ("enrol", 5), ("chat (ws)", 15), ("notifications", 10)]
WORDS = ["algebra", "geometry", "physics", "piano", "french", "chemistry", "history", "coding"]
SUBJECTS = ["maths", "maths", "science", "music", "languages", "science", "humanities", "computing"]
# The rate limits would answer 429 to a closed loop by design; FIRESTORE_TIMEOUT_SECONDS (3 s, the
# budget for a dead backend) is raised because one emulator process on a shared 2-core machine is
# the bottleneck here and queues queries for longer than that at 100 users.
NO_LIMITS = {
    "FIRESTORE_TIMEOUT_SECONDS": "30",
    "CHAT_SEND_LIMIT": "1000000",
    "CHAT_SOCKET_FRAME_LIMIT": "1000000",
    "COURSE_SEARCH_LIMIT": "1000000",
    "ENROLMENT_CHANGE_LIMIT": "1000000",
}


def redis_url() -> str:
    """db 2 of the stack's Redis (db 1 is its Celery broker)."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        raise SystemExit("run under scripts/stack.py test (it starts Redis and sets CELERY_BROKER_URL)")
    return broker.rsplit("/", 1)[0] + "/2"


def seed(base_url: str):
    """The teacher, her courses (through the API), the students and their direct rooms."""
    import requests

    from authentication import services as accounts
    from messaging import services as chat
    from tests import emulators
    from tests.ws_client import actor_of, enroll

    def person(n: int, role: str) -> SimpleNamespace:
        email = f"load-{role}{n:03d}@example.com"
        profile = accounts.register_user(email=email, password=PASSWORD, display_name=f"Load {role} {n}", role=role)
        token = emulators.sign_in(email, PASSWORD)["idToken"]
        return SimpleNamespace(uid=profile["id"], email=email, role=role, token=token)

    teacher = person(0, "teacher")
    headers = {"Authorization": f"Bearer {teacher.token}"}
    course_ids = []
    for n in range(COURSES):
        word = WORDS[n % len(WORDS)]
        body = {
            "title": f"{word.title()} course {n}",
            "description": f"Learn {word} step by step.",
            "subject": SUBJECTS[n % len(SUBJECTS)],
            "level": "beginner",
            "language": "en",
            "status": "published",
        }
        response = requests.post(f"{base_url}/api/v1/courses", json=body, headers=headers, timeout=30)
        response.raise_for_status()
        course_ids.append(response.json()["id"])

    def student(n: int) -> SimpleNamespace:
        pupil = person(n, "student")
        # A former student of the teacher's may write to her: the enrolment record is what chat checks.
        enroll("bench-room", pupil.uid, teacher.uid)
        pupil.room = chat.open_direct_room(actor=actor_of(pupil), other_uid=teacher.uid)[0]["id"]
        return pupil

    with ThreadPoolExecutor(max_workers=8) as pool:
        students = list(pool.map(student, range(USERS)))
    return teacher, course_ids, students


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.reads: dict[str, list[int]] = defaultdict(list)
        self.writes: dict[str, list[int]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []

    def add(self, action: str, ms: float, response=None, error: str | None = None) -> None:
        with self.lock:
            self.latency[action].append(ms)
            if error:
                self.errors[action] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{action}: {error}")
            if response is not None and "X-Firestore-Reads" in response.headers:
                self.reads[action].append(int(response.headers["X-Firestore-Reads"]))
                self.writes[action].append(int(response.headers["X-Firestore-Writes"]))


def percentile(values: list[float], p: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, round(p / 100 * (len(data) - 1)))] if data else float("nan")


def run_user(user, base_url: str, course_ids: list[str], enrolled: set, stats: Stats, stop_at: float) -> None:
    import requests
    from websockets.sync.client import connect

    rng = random.Random(user.uid)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {user.token}"
    with connect(base_url.replace("http://", "ws://") + "/ws/", open_timeout=30, close_timeout=2) as ws:
        ws.send(json.dumps({"type": "auth", "token": user.token}))
        while json.loads(ws.recv(timeout=30)).get("type") != "auth.ok":
            pass
        try:
            _loop(user, base_url, course_ids, enrolled, stats, stop_at, rng, session, ws)
        finally:
            session.close()


def _loop(user, base_url, course_ids, enrolled, stats, stop_at, rng, session, ws) -> None:
    actions, weights = zip(*MIX, strict=True)
    while time.monotonic() < stop_at:
        action = rng.choices(actions, weights)[0]
        if action == "enrol" and len(enrolled) == len(course_ids):
            action = "browse"
        started = time.perf_counter()
        try:
            if action == "chat (ws)":
                client_id = uuid.uuid4().hex
                ws.send(
                    json.dumps({"type": "message.send", "room": user.room, "content": "hi", "client_id": client_id})
                )
                while True:
                    frame = json.loads(ws.recv(timeout=30))
                    if frame.get("type") == "error":
                        raise RuntimeError(f"error frame {frame}")
                    if frame.get("type") == "ack" and frame.get("client_id") == client_id:
                        break
                stats.add(action, (time.perf_counter() - started) * 1000)
                continue
            if action == "browse":
                query = rng.choice(["", "?subject=maths", "?level=beginner", "?subject=science"])
                response, expected = session.get(f"{base_url}/api/v1/courses{query}", timeout=30), 200
            elif action == "search":
                response, expected = (
                    session.get(f"{base_url}/api/v1/courses?q={rng.choice(WORDS)}", timeout=30),
                    200,
                )
            elif action == "open course":
                course = rng.choice(course_ids)
                response, expected = session.get(f"{base_url}/api/v1/courses/{course}", timeout=30), 200
            elif action == "enrol":
                course = rng.choice([c for c in course_ids if c not in enrolled])
                enrolled.add(course)
                response, expected = (
                    session.post(f"{base_url}/api/v1/courses/{course}/enrollment", json={}, timeout=30),
                    201,
                )
            else:
                response, expected = session.get(f"{base_url}/api/v1/notifications?limit=20", timeout=30), 200
            ms = (time.perf_counter() - started) * 1000
            error = None if response.status_code == expected else f"{response.status_code} {response.text[:160]}"
            stats.add(action, ms, response, error)
        except Exception as exc:
            stats.add(action, (time.perf_counter() - started) * 1000, error=f"{type(exc).__name__}: {exc}")


def run_setup(name: str, urls: list[str], course_ids: list[str], students, enrolled: dict) -> int:
    stats = Stats()
    stop_at = time.monotonic() + SECONDS
    threads = [
        threading.Thread(
            target=run_user, args=(user, urls[n % len(urls)], course_ids, enrolled[user.uid], stats, stop_at)
        )
        for n, user in enumerate(students)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    total = sum(len(values) for values in stats.latency.values())
    errors = sum(stats.errors.values())
    print(f"\n--- {name}: {len(students)} users, {seconds:.0f} s", flush=True)
    print(
        f"{'action':<15}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'reads/req':>11}{'writes/req':>11}{'errors':>8}"
    )
    for action, _ in MIX:
        values = stats.latency.get(action, [])
        reads, writes = stats.reads.get(action), stats.writes.get(action)
        print(
            f"{action:<15}{len(values):>9}{len(values) / seconds:>8.1f}{percentile(values, 50):>9.1f}"
            f"{percentile(values, 99):>9.1f}"
            f"{(sum(reads) / len(reads)) if reads else float('nan'):>11.2f}"
            f"{(sum(writes) / len(writes)) if writes else float('nan'):>11.2f}{stats.errors.get(action, 0):>8}"
        )
    all_reads = [value for values in stats.reads.values() for value in values]
    all_writes = [value for values in stats.writes.values() for value in values]
    print(
        f"{'all':<15}{total:>9}{total / seconds:>8.1f}"
        f"{percentile([v for values in stats.latency.values() for v in values], 50):>9.1f}"
        f"{percentile([v for values in stats.latency.values() for v in values], 99):>9.1f}"
        f"{sum(all_reads) / max(1, len(all_reads)):>11.2f}{sum(all_writes) / max(1, len(all_writes)):>11.2f}{errors:>8}"
    )
    for sample in stats.samples:
        print(f"  error: {sample}")
    return errors


def main() -> int:
    setup_django()
    env = {**NO_LIMITS, "REDIS_URL": redis_url()}
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    processes = []
    try:
        first = start_server(env)
        processes.append(first[0])
        print(f"seeding {COURSES} courses and {USERS} students ...", flush=True)
        _, course_ids, students = seed(first[1])
        enrolled = {user.uid: set() for user in students}
        errors = run_setup("one daphne process", [first[1]], course_ids, students, enrolled)
        second = start_server(env)
        processes.append(second[0])
        errors += run_setup("two daphne processes, one Redis", [first[1], second[1]], course_ids, students, enrolled)
    finally:
        for proc in processes:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"\nerrors in all: {errors} (must be 0)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
