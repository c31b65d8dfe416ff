"""The course catalog and course search under load: 1,000 courses, 20 concurrent clients, on the emulators.

    python scripts/stack.py test -- .venv/bin/python bench/courses.py

Seeds 1,000 courses (batched writes), starts one daphne process and measures the catalog list and
course search (BENCH_REQUESTS requests per line, default 400, each line stopped after 120 s),
printing requests/s, p50/p99 and the Firestore reads per request (X-Firestore-Reads). The list
reads limit+1 documents; a search reads its bounded candidate set (at most 200 documents: `q=g`
is the worst case) and ranks it in the process. GET /api/v1/me (token check and one read) is the
baseline. The emulator answers queries by scanning the collection (about 0.3 s for a page of 1,000
courses, more with many matches), unlike Firestore's indexes: read the figures as relative costs
and as reads per request, not as production latency.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import load, setup_django, start_server

COURSES = 1000
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
        docs[f"bench{index:04d}"] = course
    return docs


def main() -> None:
    setup_django()
    from authentication import services as accounts
    from firestore_operations import courses as course_store
    from firestore_operations import users as user_store
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
    tokens = sorted(len(doc["search_tokens"]) for doc in docs.values())
    print(
        f"seeded {written} courses in {seconds:.1f} s with batched writes "
        f"(search_tokens per course: median {tokens[len(tokens) // 2]}, max {tokens[-1]}; "
        f"facets per published course: {len(next(d for d in docs.values() if d['status'] == 'published')['facets'])})"
    )

    total = int(os.environ.get("BENCH_REQUESTS", "400"))
    proc, url = start_server()
    try:
        print(f"server: one daphne process, {url}; 20 concurrent keep-alive clients, {total} requests per line")
        paths = [
            ("GET /api/v1/me (baseline)", "/api/v1/me"),
            ("GET /api/v1/courses", "/api/v1/courses"),
            ("GET courses?subject&sort=popularity", "/api/v1/courses?subject=mathematics&sort=popularity"),
            *((f"GET courses?q={q}", f"/api/v1/courses?q={q.replace(' ', '%20')}") for q in SEARCHES),
            ("GET courses?q=python&level=adult", "/api/v1/courses?q=python&level=adult"),
        ]
        for name, path in paths:
            print(load(name, url, path, headers=headers, total=total, max_seconds=120).line(), flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
