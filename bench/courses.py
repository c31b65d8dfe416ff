"""The course catalog and course search under load, on the emulators, beside their baselines.

    python scripts/stack.py test -- .venv/bin/python bench/courses.py      # 1,000 then 10,000 courses
    BENCH_COURSES=1000 python scripts/stack.py test -- .venv/bin/python bench/courses.py   # one size

For each size, in one run: seeds the courses (batched writes) and their search index (each postings
document written once, batches committed in parallel); the raw `status == published` + order query
(limit 21, the Firestore client in this process) c=1 p50 as the baseline; then every API line at
c=1 (p50) and c=20 (throughput), GET /api/v1/me being the throughput baseline, twice: on a server
with the catalog cache off (CATALOG_CACHE_SECONDS=0: the cost of the data shape itself) and on one
with the default cache (what a repeated page costs). Each search line also prints its Firestore
reads per page (X-Firestore-Reads) against the budget page size + query words. With two sizes it
ends with how each p50 grew from the first size to the second. Targets: docs/search.md.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import load, setup_django, start_server

SIZES = [int(size) for size in os.environ.get("BENCH_COURSES", "1000,10000").split(",")]
PAGE = 20
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
SEARCHES = ["g", "algebra", "intro pyth", "mastering music theory"]


def build_courses(teacher_uids: dict[str, str], count: int) -> dict[str, dict]:
    """`count` realistic published courses (a few drafts), built through the service's own field rules."""
    from courses.catalog import services

    rng = random.Random(42)
    now = dt.datetime.now(dt.UTC)
    docs = {}
    for index in range(count):
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


def seed(count: int) -> dict:
    """Empty emulators, the teachers, a student to sign in as, `count` courses and their index."""
    from authentication import services as accounts
    from courses.catalog import search
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

    docs = build_courses(teacher_uids, count)
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
    return {"Authorization": f"Bearer {token}"}


def paths() -> list[tuple[str, str, int]]:
    """(name, path, query words; 0 for a list)."""
    searches = [(f"GET courses?q={q}", f"/api/v1/courses?q={q.replace(' ', '%20')}", len(q.split())) for q in SEARCHES]
    return [
        ("GET /api/v1/courses", "/api/v1/courses", 0),
        ("GET courses?subject&sort=popularity", "/api/v1/courses?subject=mathematics&sort=popularity", 0),
        *searches,
        ("GET courses?q=python&level=adult", "/api/v1/courses?q=python&level=adult", 1),
    ]


def measure(label: str, env: dict, headers: dict) -> dict[str, float]:
    """Every line on one fresh daphne process, each right after its own baselines (the raw query's
    c=1 p50 and /me's c=20 throughput measured just before it: the machine's load moves, the ratios
    compare figures taken side by side). Returns {line name: c=1 p50}."""
    from firestore_operations.client import db

    total = int(os.environ.get("BENCH_REQUESTS", "400"))
    single = int(os.environ.get("BENCH_SINGLE", "60"))
    proc, url = start_server(env)
    p50s = {}
    try:
        print(f"-- {label}: one daphne process; c=1: {single} requests, c=20: {total} requests per line", flush=True)
        for name, path, words in paths():
            raw = raw_query_p50(db, runs=single)
            me = load("GET /api/v1/me c=20", url, "/api/v1/me", headers=headers, total=total, max_seconds=120)
            one = load(name + " c=1", url, path, headers=headers, concurrency=1, total=single, max_seconds=120)
            many = load(name + " c=20", url, path, headers=headers, total=total, max_seconds=120)
            p50s[name] = one.percentile(50)
            budget = ""
            if words:
                reads = max(one.max_reads or 0, many.max_reads or 0)
                verdict = "ok" if reads <= PAGE + words else "OVER"
                budget = f"; reads/page max {reads} vs budget {PAGE}+{words}={PAGE + words} {verdict}"
            print(
                f"{one.line()}\n{many.line()}\n"
                f"   -> c=1 p50 {one.percentile(50):.1f} ms = {one.percentile(50) / raw:.2f}x the raw query's "
                f"{raw:.1f} ms (target <= 2); c=20 {many.rps:.1f} req/s = {100 * many.rps / me.rps:.0f}% of "
                f"/me's {me.rps:.1f} req/s (target >= 30%){budget}",
                flush=True,
            )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return p50s


def main() -> None:
    setup_django()
    from firestore_operations.client import db

    results = {}
    for count in SIZES:
        print(f"\n=== {count} courses", flush=True)
        headers = seed(count)
        raw = raw_query_p50(db)
        print(f"{'raw status==published query, c=1':<34} p50 {raw:7.1f} ms (limit 21, ordered by published_at)")
        uncached = measure("catalog cache off (CATALOG_CACHE_SECONDS=0)", {"CATALOG_CACHE_SECONDS": "0"}, headers)
        cached = measure("catalog cache on (default, 5 s)", {}, headers)
        results[count] = {"raw query": raw, **{f"{k} [no cache]": v for k, v in uncached.items()}}
        results[count].update({f"{k} [cache]": v for k, v in cached.items()})
    if len(SIZES) > 1:
        small, large = SIZES[0], SIZES[-1]
        print(f"\n=== c=1 p50 growth from {small} to {large} courses ({large / small:.0f}x the courses)")
        for name, before in results[small].items():
            after = results[large][name]
            print(f"{name:<52} {before:7.1f} ms -> {after:7.1f} ms   x{after / before:.2f}")


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
