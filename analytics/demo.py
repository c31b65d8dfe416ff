"""Demo analytics for `manage.py seed_demo`: 60 days of activity behind the demo enrolments, so every
dashboard has lines, bars and one early warning on `make run`. Written as finished aggregate
documents (what the recorder would have made), in big batches. Safe to run again: an existing
demo history is kept.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from analytics.periods import day_and_slot
from analytics.recorder import PLATFORM_SCOPE
from courses import clock
from firestore_operations import analytics as store

DAYS = 60


def _add(docs: dict, kind: str, scope_id: str, labels: dict, *, at: dt.datetime, metric: str, uid: str | None) -> None:
    day, slot = day_and_slot(at)
    doc_id = store.daily_id(kind, scope_id, day, 0)
    doc = docs.setdefault(
        doc_id, {"kind": kind, "scope_id": scope_id, "day": day, "shard": 0, **labels, "s": {}, "u": {}}
    )
    counts = doc["s"].setdefault(str(slot), {})
    counts[metric] = counts.get(metric, 0) + 1
    if uid:
        slots = doc["u"].setdefault(uid, [])
        if slot not in slots:
            slots.append(slot)


def seed_analytics() -> None:
    """Daily activity for every demo enrolment (from its student-course summary) over the last 60 days."""
    now = clock.now_utc()
    first = now - dt.timedelta(days=DAYS)
    if store.daily_document_exists(store.daily_id(store.PLATFORM, PLATFORM_SCOPE, first.date().isoformat(), 0)):
        return
    summaries = [item for item in store.all_student_course_summaries(limit=500) if item.get("active")]
    if not summaries:
        return
    rng = random.Random(2026)  # noqa: S311 - demo data, not a secret
    docs: dict[str, dict] = {}
    changes = []
    by_course = defaultdict(list)
    for summary in summaries:
        by_course[summary["course_id"]].append(summary)
    warned = False
    for course_id, members in sorted(by_course.items()):
        teacher_uid = members[0].get("teacher_uid", "")
        course_labels = {"course_id": course_id, "teacher_uid": teacher_uid}
        for day in range(DAYS):
            for _ in range(rng.randrange(0, 6)):
                member = rng.choice(members)
                at = first + dt.timedelta(days=day, minutes=rng.randrange(24 * 60))
                metric = "views" if rng.random() < 0.75 else "downloads"
                student = member["student_uid"]
                _add(docs, store.PLATFORM, PLATFORM_SCOPE, {}, at=at, metric=metric, uid=student)
                _add(docs, store.COURSE, course_id, course_labels, at=at, metric=metric, uid=student)
                _add(docs, store.TEACHER, teacher_uid, {"teacher_uid": teacher_uid}, at=at, metric=metric, uid=student)
                if metric == "downloads":
                    labels = {**course_labels, "student_uid": student}
                    _add(
                        docs,
                        store.STUDENT_COURSE,
                        store.student_course_id(course_id, student),
                        labels,
                        at=at,
                        metric=metric,
                        uid=None,
                    )
                if rng.random() < 0.3:
                    _add(
                        docs,
                        store.PLATFORM,
                        PLATFORM_SCOPE,
                        {},
                        at=at - dt.timedelta(minutes=5),
                        metric="sign_ins",
                        uid=student,
                    )
        # Weekly lessons with attendance; the first course's first student missed the last two.
        for week in range(1, DAYS // 7 + 1):
            starts = (now - dt.timedelta(days=7 * week)).replace(minute=0, second=0, microsecond=0)
            for index, member in enumerate(members):
                status = "present" if rng.random() < 0.8 else rng.choice(["absent", "excused"])
                if not warned and index == 0 and week <= 2:
                    status = "absent"
                changes.append((member["id"], {f"demo-{course_id}-w{week}": {"at": starts, "s": status}}))
        if not warned:
            # The demo's early warning: the same student also missed the two most recent sessions, so
            # the real past lessons seeded by courses.demo (whoever attended them) come before the streak.
            for hours in (2, 1):
                mark = {"at": now - dt.timedelta(hours=hours), "s": "absent"}
                changes.append((members[0]["id"], {f"demo-{course_id}-recent{hours}": mark}))
        warned = True
    store.write_daily_documents(list(docs.items()))
    store.merge_student_course_marks(changes)
