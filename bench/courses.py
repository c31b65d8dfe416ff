"""The course catalog and course search under load, on the emulators, beside their baselines.

    python scripts/stack.py test -- .venv/bin/python bench/courses.py            # 1,000 courses
    BENCH_COURSES=10000 python scripts/stack.py test -- .venv/bin/python bench/courses.py

Seeds the courses (batched writes) and their search index (each postings document written once),
then, in one run: the raw `status == published` + order query (limit 21, the Firestore client in
this process) c=1 p50; every API line at c=1 (p50) and at c=20 (throughput), with GET /api/v1/me as
the throughput baseline and the Firestore reads per request (X-Firestore-Reads). A list reads
limit+1 projected documents; a search reads the postings of its words (hot one- and two-letter
words: 4 shards) and then the page's courses by id.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import load, setup_django, start_server

COURSES = int(os.environ.get("BENCH_COURSES", "1000"))
TEACHERS = [
    "Ada Lovelace",
    "Élodie Martin",
    "Grace Hopper",
    "Alan Turing",
    "Marie Curie",
    "Kofi Mensah",
    "Ines García",
    "Yuki Tanaka",
]
SUBJECTS = {
    "Mathematics": ["algebra", "geometry", "calculus", "statistics", "probability", "trigonometry"],
    "Computer Science": ["python", "algorithms", "javascript", "databases", "networks", "machine learning"],
    "French": ["conversation", "grammar", "vocabulary", "pronunciation", "literature", "writing"],
    "Physics": ["mechanics", "optics", "electricity", "thermodynamics", "relativity", "waves"],
    "Music": ["piano", "guitar", "music theory", "singing", "composition", "rhythm"],
    "History": ["ancient rome", "world wars", "renaissance", "revolutions", "empires", "archaeology"],
}
OPENERS = ["Introduction to", "Mastering", "Practical", "A gentle path to", "Advanced", "Weekend", "Everyday"]
LEVELS = ["beginner", "intermediate", "advanced", "primary", "secondary", "university", "adult"]
LANGUAGES = ["en", "en", "en", "fr", "es", "de"]
SEARCHES = ["algebra", "intro pyth", "g"]


def build_courses(teacher_uids: dict[str, str]) -> dict[str, dict]:
    """1,000 realistic published courses (a few drafts), built through the service's own field rules."""
    from courses.catalog import services

    rng = random.Random(42)
    now = dt.datetime.now(dt.UTC)
    docs = {}
    for index in range(COURSES):
        subject = rng.choice(list(SUBJECTS))
        topics = rng.sample(SUBJECTS[subject], 3)
        teacher = rng.choice(TEACHERS)
        paid = rng.random() < 0.4
        rated = rng.randint(0, 40)
        rating_sum = sum(rng.randint(2, 5) for _ in range(rated))
        course = {
            "title": f"{rng.choice(OPENERS)} {topics[0]}",
            "description": f"A {subject.lower()} course on {topics[0]}, {topics[1]} and {topics[2]}, with weekly "
            f"exercises, live lessons and feedback on your work. Session {index}.",
            "subject": subject,
            "level": rng.choice(LEVELS),
            "language": rng.choice(LANGUAGES),
            "tags": topics,
            "price": {"amount": rng.choice([900, 1900, 4900]), "currency": "EUR"} if paid else None,
            "capacity": rng.choice([None, 10, 20, 30]),
            "status": "draft" if rng.random() < 0.05 else "published",
            "teacher_uid": teacher_uids[teacher],
            "teacher_name": teacher,
            "rating_avg": round(rating_sum / rated, 4) if rated else 0.0,
            "rating_count": rated,
            "rating_sum": rating_sum,
            "enrolled_count": rng.randint(0, 10),
            "waitlist_count": 0,
            "waitlist_next_seq": 1,
            "lesson_count": rng.randint(0, 20),
            "cover_path": None,
            "cover_type": None,
            "cover_version": 0,
            "created_at": now - dt.timedelta(minutes=index),
            "updated_at": now - dt.timedelta(minutes=index),
        }
        course["published_at"] = course["created_at"] if course["status"] == "published" else None
        course.update(services.derived_fields(course))
        docs[f"bench{index:05d}"] = course
    return docs


def main() -> None:
    setup_django()
    from authentication import services as accounts
    from courses.catalog import search
    from firestore_operations import courses as course_store
    from firestore_operations import users as user_store
    from firestore_operations.client import db
    from tests import emulators

    emulators.clear_firestore()
    emulators.clear_auth()
    teacher_uids = {}
    for number, name in enumerate(TEACHERS):
        uid = f"bench-teacher-{number}"
        user_store.create_profile(uid, {"uid": uid, "display_name": name, "role": "teacher"})
        teacher_uids[name] = uid
    accounts.register_user(email="bench@example.com", password="bench-pass-1", display_name="Bench", role="student")
    token = emulators.sign_in("bench@example.com", "bench-pass-1")["idToken"]
    headers = {"Authorization": f"Bearer {token}"}

    docs = build_courses(teacher_uids)
    started = time.perf_counter()
    written = course_store.create_courses_in_batches(docs)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    postings_docs = search.build_index([{**doc, "id": course_id} for course_id, doc in docs.items()])
    print(
        f"seeded {written} courses in {seconds:.1f} s with batched writes; search index: {postings_docs} "
        f"postings documents in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    raw = raw_query_p50(db)
    print(f"{'raw status==published query, c=1':<34} p50 {raw:7.1f} ms (limit 21, ordered by published_at)")

    total = int(os.environ.get("BENCH_REQUESTS", "400"))
    single = int(os.environ.get("BENCH_SINGLE", "60"))
    proc, url = start_server()
    try:
        print(f"server: one daphne process, {url}; c=1: {single} requests, c=20: {total} requests per line")
        paths = [
            ("GET /api/v1/me (baseline)", "/api/v1/me"),
            ("GET /api/v1/courses", "/api/v1/courses"),
            ("GET courses?subject&sort=popularity", "/api/v1/courses?subject=mathematics&sort=popularity"),
            *((f"GET courses?q={q}", f"/api/v1/courses?q={q.replace(' ', '%20')}") for q in SEARCHES),
            ("GET courses?q=python&level=adult", "/api/v1/courses?q=python&level=adult"),
        ]
        me_rps = None
        for name, path in paths:
            one = load(name + " c=1", url, path, headers=headers, concurrency=1, total=single, max_seconds=120)
            many = load(name + " c=20", url, path, headers=headers, total=total, max_seconds=120)
            me_rps = me_rps or many.rps
            print(
                f"{one.line()}\n{many.line()}   -> c=1 p50 {one.percentile(50) / raw:.2f}x raw, "
                f"c=20 {100 * many.rps / me_rps:.0f}% of /me",
                flush=True,
            )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def raw_query_p50(db, runs: int = 60) -> float:
    """The raw catalog query the API's list is measured against (same process, Firestore client)."""
    from google.cloud import firestore

    query = (
        db()
        .collection("courses")
        .where(filter=firestore.FieldFilter("status", "==", "published"))
        .order_by("published_at", direction=firestore.Query.DESCENDING)
        .limit(21)
    )
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        list(query.stream())
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return timings[len(timings) // 2]


if __name__ == "__main__":
    main()
