"""Analytics reports over 90 days beside a naive "read every event" query, on the emulators.

    python scripts/stack.py test -- .venv/bin/python bench/analytics.py
    BENCH_ANALYTICS_COURSES=200 BENCH_ANALYTICS_STUDENTS=2000 BENCH_ANALYTICS_DAYS=90 (the defaults)

Generates 90 days of activity for 200 courses (50 teachers) and 2,000 students in memory: course
page views, material downloads and enrolments (events), and course payments and refunds. From the
same events it writes (a) the daily aggregate documents the recorder would have made (course and
teacher documents spread over their shards, quarter-hour slots, active-student maps) and the
payments app's monthly totals, in big batches, and (b) one raw document per event, the baseline.
Then, in the same run, it times the admin revenue report and one teacher's engagement report over
the 90 days and the naive queries that read every raw event for the same answer, and prints time,
Firestore queries/lookups and documents read for each, checking that both give the same totals.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import setup_django

COURSES = int(os.environ.get("BENCH_ANALYTICS_COURSES", "200"))
STUDENTS = int(os.environ.get("BENCH_ANALYTICS_STUDENTS", "2000"))
DAYS = int(os.environ.get("BENCH_ANALYTICS_DAYS", "90"))
TEACHERS = max(1, COURSES // 4)
RAW = "bench_analytics_events"
BATCH = 450
SHARDS = {"course": 2, "teacher": 4}  # shards a day's events of one course / teacher land on


def generate(rng: random.Random, today: dt.date):
    """Events as (kind, course, teacher, student, at, amount) tuples; enrolments: 2 courses per student."""
    courses = [(f"bc{n:04d}", f"bt{n % TEACHERS:03d}") for n in range(COURSES)]
    students_of = defaultdict(list)
    for s in range(STUDENTS):
        for course in rng.sample(range(COURSES), 2):
            students_of[course].append(f"bs{s:05d}")
    first = today - dt.timedelta(days=DAYS - 1)
    events = []
    for index, (course_id, teacher_uid) in enumerate(courses):
        members = students_of[index]
        for member in members:
            enrolled = first + dt.timedelta(days=rng.randrange(DAYS))
            at = dt.datetime.combine(enrolled, dt.time(rng.randrange(24), rng.randrange(60)), tzinfo=dt.UTC)
            events.append(("enrollment", course_id, teacher_uid, member, at, 0))
            if rng.random() < 0.5:
                events.append(("payment", course_id, teacher_uid, member, at, 4900))
                if rng.random() < 0.05:
                    events.append(("refund", course_id, teacher_uid, member, at + dt.timedelta(minutes=1), 4900))
        for day in range(DAYS):
            date = first + dt.timedelta(days=day)
            for _ in range(rng.randrange(2, 8)):
                member = rng.choice(members)
                at = dt.datetime.combine(date, dt.time(rng.randrange(24), rng.randrange(60)), tzinfo=dt.UTC)
                events.append(("views" if rng.random() < 0.8 else "downloads", course_id, teacher_uid, member, at, 0))
    return courses, events, first


def aggregates(events, rng: random.Random):
    """The daily documents the recorder writes for these events (course and teacher kinds)."""
    from analytics.periods import day_and_slot
    from firestore_operations.analytics import daily_id

    docs: dict[str, dict] = {}
    metric = {"views": "views", "downloads": "downloads", "enrollment": "enrollments"}
    for kind, course_id, teacher_uid, student, at, _ in events:
        if kind not in metric:
            continue
        day, slot = day_and_slot(at)
        for scope, scope_id, labels in (
            ("course", course_id, {"course_id": course_id, "teacher_uid": teacher_uid}),
            ("teacher", teacher_uid, {"teacher_uid": teacher_uid}),
        ):
            shard = rng.randrange(SHARDS[scope])
            doc = docs.setdefault(
                daily_id(scope, scope_id, day, shard),
                {"kind": scope, "scope_id": scope_id, "day": day, "shard": shard, **labels, "s": {}, "u": {}},
            )
            counts = doc["s"].setdefault(str(slot), {})
            counts[metric[kind]] = counts.get(metric[kind], 0) + 1
            slots = doc["u"].setdefault(student, [])
            if slot not in slots:
                slots.append(slot)
    return docs


def earnings(events, title_of):
    """teacher_earnings/{teacher}_{month} as the payments app keeps them (gross in the month paid,
    refunds in the month refunded)."""
    docs: dict[str, dict] = {}
    for kind, course_id, teacher_uid, _, at, amount in events:
        if kind not in ("payment", "refund"):
            continue
        month = f"{at.year:04d}-{at.month:02d}"
        doc = docs.setdefault(
            f"{teacher_uid}_{month}", {"teacher_uid": teacher_uid, "month": month, "by_currency": {}, "courses": {}}
        )
        field = "gross" if kind == "payment" else "refunds"
        totals = doc["by_currency"].setdefault("EUR", {"gross": 0, "refunds": 0, "payments": 0})
        totals[field] += amount
        totals["payments"] += kind == "payment"
        course = doc["courses"].setdefault(course_id, {"title": title_of[course_id], "EUR": {"gross": 0, "refunds": 0}})
        course["EUR"][field] += amount
    return docs


def write(collection: str, docs: list[tuple[str, dict]]) -> float:
    from firestore_operations.client import db

    started = time.perf_counter()
    client = db()
    for start in range(0, len(docs), BATCH):
        batch = client.batch()
        for doc_id, data in docs[start : start + BATCH]:
            batch.set(client.collection(collection).document(doc_id), data)
        batch.commit()
    return time.perf_counter() - started


def measured(name: str, call):
    from firestore_operations import metrics

    with metrics.counting() as counts:
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
    print(
        f"{name:<46} {seconds * 1000:9.0f} ms  {counts.queries + counts.lookups:5d} queries/lookups  "
        f"{counts.reads:7d} documents read"
    )
    return result


def main() -> None:
    setup_django()
    from google.cloud.firestore import FieldFilter

    from analytics import services
    from cplatform.actor import Actor
    from firestore_operations.client import db
    from tests import emulators

    emulators.clear_firestore()
    rng = random.Random(13)
    today = dt.datetime.now(dt.UTC).date()
    courses, events, first = generate(rng, today)
    title_of = {course_id: f"Course {n}" for n, (course_id, _) in enumerate(courses)}
    daily = aggregates(events, rng)
    totals = earnings(events, title_of)
    started = time.perf_counter()
    write(
        "courses", [(cid, {"title": title_of[cid], "teacher_uid": tid, "status": "published"}) for cid, tid in courses]
    )
    seconds_aggregates = write("analytics_daily", list(daily.items()))
    write("teacher_earnings", list(totals.items()))
    raw = [
        (f"e{n:07d}", {"kind": kind, "course_id": c, "teacher_uid": t, "student_uid": s, "at": at, "amount": amount})
        for n, (kind, c, t, s, at, amount) in enumerate(events)
    ]
    seconds_raw = write(RAW, raw)
    print(
        f"seeded {COURSES} courses, {TEACHERS} teachers, {STUDENTS} students, {DAYS} days: {len(events)} events; "
        f"{len(daily)} daily aggregate documents in {seconds_aggregates:.1f} s, {len(totals)} monthly earnings "
        f"documents, {len(raw)} raw event documents in {seconds_raw:.1f} s "
        f"(all in {time.perf_counter() - started:.1f} s)"
    )

    admin = Actor(uid="bench-admin", email="admin@example.com", role="admin")
    teacher_uid = courses[0][1]
    teacher = Actor(uid=teacher_uid, email="t@example.com", role="teacher")
    rng_month = services.ReportRange(first=first, last=today, group="month", timezone="UTC")
    rng_day = services.ReportRange(first=first, last=today, group="day", timezone="UTC")
    start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)

    # Twice: the first round meets the emulator's cold collections right after the bulk load.
    for round_name in ("first run", "second run"):
        print(f"\n[{round_name}]")
        print(f"\n{'report (90 days)':<46} {'time':>12}  {'requests':>22}  {'reads':>20}")
        revenue = measured(
            "admin revenue report (monthly totals)", lambda: services.revenue_report(actor=admin, rng=rng_month)
        )

        def naive_revenue():
            query = (
                db()
                .collection(RAW)
                .where(filter=FieldFilter("kind", "in", ["payment", "refund"]))
                .where(filter=FieldFilter("at", ">=", start))
            )
            gross = refunds = 0
            for snap in query.stream():
                data = snap.to_dict()
                if data["kind"] == "payment":
                    gross += data["amount"]
                else:
                    refunds += data["amount"]
            return gross, refunds

        gross, refunds = measured("  naive: read every payment and refund event", naive_revenue)
        report_totals = revenue["totals"][0]
        assert (report_totals["gross"], report_totals["refunds"]) == (gross, refunds), (report_totals, gross, refunds)

        engagement = measured(
            "teacher engagement report (daily aggregates)",
            lambda: services.engagement_report(actor=teacher, rng=rng_day),
        )

        def naive_engagement():
            query = (
                db()
                .collection(RAW)
                .where(filter=FieldFilter("teacher_uid", "==", teacher_uid))
                .where(filter=FieldFilter("at", ">=", start))
            )
            views = downloads = 0
            active: set[str] = set()
            for snap in query.stream():
                data = snap.to_dict()
                if data["kind"] in ("views", "downloads", "enrollment"):
                    active.add(data["student_uid"])
                views += data["kind"] == "views"
                downloads += data["kind"] == "downloads"
            return views, downloads, len(active)

        views, downloads, active = measured("  naive: read every event of her courses", naive_engagement)
        got = engagement["totals"]
        assert (got["views"], got["downloads"], got["active_users"]) == (views, downloads, active), (got, views, active)
    print(
        f"\nboth ways agree: revenue gross {gross / 100:.2f} EUR, refunds {refunds / 100:.2f} EUR; teacher "
        f"{teacher_uid}: {views} views, {downloads} downloads, {active} active students in {DAYS} days"
    )


if __name__ == "__main__":
    main()
