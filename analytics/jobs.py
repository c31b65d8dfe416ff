"""Scheduled analytics work: early warnings to teachers and parents, and parents' weekly summaries.

`run_analytics_jobs()` is the one entry point a scheduler calls (the `run_analytics_jobs` management
command, cron, Cloud Scheduler or a Celery beat task). Running it more often than needed is safe: a
student-course is flagged at most once per ANALYTICS_WARN_REPEAT_DAYS, and a parent gets one summary
per child per ISO week (UTC). Notifications go through messaging.notify, so each person's
notification settings (group "progress") decide in-app, email and push.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict

from django.conf import settings

from analytics import services
from analytics.periods import slot_start, zone
from courses import clock
from firestore_operations import analytics as store
from firestore_operations import users as user_store
from messaging.notify import notify

logger = logging.getLogger(__name__)

WARNING_KIND = "progress.warning"
SUMMARY_KIND = "progress.summary"


def _parents(profiles: dict[str, dict], student_uid: str) -> list[str]:
    return list(((profiles.get(student_uid) or {}).get("student") or {}).get("parents", []))


def send_early_warnings(*, now: dt.datetime | None = None) -> dict:
    """Flag every active student-course that needs attention and was not flagged in the repeat window.

    Tells the course's teacher and the student's linked parents, with the reasons. Returns counts.
    """
    now = now or clock.now_utc()
    repeat = dt.timedelta(days=settings.ANALYTICS_WARN_REPEAT_DAYS)
    stats = Counter(checked=0, flagged=0, skipped_recent=0)
    for page in store.iter_active_summaries():
        stats["checked"] += len(page)
        due = []
        for summary in page:
            reasons = services.warning_reasons(summary, now=now)
            if not reasons:
                continue
            warned = summary.get("warned_at")
            if isinstance(warned, dt.datetime) and now - warned < repeat:
                stats["skipped_recent"] += 1
                continue
            due.append((summary, reasons))
        if not due:
            continue
        profiles = user_store.get_profiles([summary["student_uid"] for summary, _ in due])
        flagged = []
        for summary, reasons in due:
            name = (
                summary.get("student_name")
                or (profiles.get(summary["student_uid"]) or {}).get("display_name")
                or ("A student")
            )
            course = summary.get("course_title") or "a course"
            recipients = [
                uid for uid in [summary.get("teacher_uid"), *_parents(profiles, summary["student_uid"])] if uid
            ]
            notify(
                recipient_uids=recipients,
                kind=WARNING_KIND,
                title=f"{name} may need help in {course}",
                body=f"{name} {' and '.join(reasons)}.",
                data={"course_id": summary["course_id"], "student_uid": summary["student_uid"], "reasons": reasons},
            )
            flagged.append((summary["course_id"], summary["student_uid"], now, "; ".join(reasons)))
        store.set_warned(flagged)
        stats["flagged"] += len(flagged)
    return dict(stats)


def _week(now: dt.datetime) -> str:
    year, week, _ = now.astimezone(dt.UTC).isocalendar()
    return f"{year}-W{week:02d}"


def _course_line(summary: dict, downloads: int, start: dt.datetime, end: dt.datetime, tz) -> str:
    marks = [
        mark
        for mark in (summary.get("marks") or {}).values()
        if isinstance(mark.get("at"), dt.datetime) and start <= mark["at"] < end
    ]
    tally = Counter(mark.get("s") for mark in marks)
    held = tally["present"] + tally["absent"]
    parts = [f"attended {tally['present']} of {held} lesson{'s' if held != 1 else ''}" if held else "no lessons marked"]
    if tally["excused"]:
        parts.append(f"{tally['excused']} excused")
    parts.append(f"{downloads} material{'s' if downloads != 1 else ''} opened")
    last = services.last_activity(summary)
    parts.append(f"last active {last.astimezone(tz):%d %b}" if last else "no activity yet")
    return f"- {summary.get('course_title') or 'A course'}: {', '.join(parts)}."


def send_parent_summaries(*, now: dt.datetime | None = None) -> dict:
    """Once per ISO week (UTC): each linked parent gets one summary per child with active courses (the
    last 7 days per course, and any warning). Returns counts."""
    now = now or clock.now_utc()
    week = _week(now)
    start = now - dt.timedelta(days=7)
    by_student: dict[str, list[dict]] = defaultdict(list)
    for page in store.iter_active_summaries():
        for summary in page:
            by_student[summary["student_uid"]].append(summary)
    stats = Counter(children=0, sent=0, already=0)
    students = sorted(by_student)
    for first in range(0, len(students), 30):
        chunk = students[first : first + 30]
        profiles = user_store.get_profiles(chunk)
        pairs = [(parent, child) for child in chunk for parent in _parents(profiles, child)]
        if not pairs:
            continue
        sent = store.summaries_sent(pairs)
        stats["already"] += sum(1 for pair in pairs if sent.get(pair) == week)
        pairs = [pair for pair in pairs if sent.get(pair) != week]
        if not pairs:
            continue
        downloads: Counter = Counter()
        for doc in store.daily_documents(
            kind=store.STUDENT_COURSE,
            label="student_uid",
            values=sorted({child for _, child in pairs}),
            first_day=start.date().isoformat(),
            last_day=now.date().isoformat(),
        ):
            for slot, counts in (doc.get("s") or {}).items():
                moment = slot_start(doc["day"], int(slot))
                if start <= moment < now:
                    downloads[doc["scope_id"]] += int(counts.get("downloads", 0))
        parent_profiles = user_store.get_profiles(sorted({parent for parent, _ in pairs}))
        done = []
        for parent, child in pairs:
            tz = zone((parent_profiles.get(parent) or {}).get("timezone"))
            name = (profiles.get(child) or {}).get("display_name") or "Your child"
            lines = [f"{name}'s week (to {now.astimezone(tz):%d %b %Y}):"]
            warnings = []
            for summary in sorted(by_student[child], key=lambda item: item.get("course_title", "")):
                lines.append(_course_line(summary, downloads[summary["id"]], start, now, tz))
                warnings += [
                    f"{summary.get('course_title') or 'A course'}: {reason}"
                    for reason in services.warning_reasons(summary, now=now)
                ]
            if warnings:
                lines += ["", "Needs attention:", *[f"- {warning}." for warning in warnings]]
            notify(
                recipient_uids=[parent],
                kind=SUMMARY_KIND,
                title=f"Weekly progress: {name}",
                body="\n".join(lines),
                data={"student_uid": child, "week": week},
            )
            done.append((parent, child, week))
        store.set_summary_sent(done)
        stats["sent"] += len(done)
        stats["children"] += len({item[1] for item in done})
    return dict(stats)


def run_analytics_jobs(*, now: dt.datetime | None = None) -> dict:
    """Everything analytics does on a schedule; safe to call as often as every few minutes."""
    now = now or clock.now_utc()
    result = {"warnings": send_early_warnings(now=now), "summaries": send_parent_summaries(now=now)}
    logger.info("analytics jobs: %s", result)
    return result
