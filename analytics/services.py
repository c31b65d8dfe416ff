"""Reports: engagement, progress, revenue and early warnings, in the viewer's time zone.

Every function takes the acting user explicitly, scopes through analytics.access and raises
cplatform.errors. Reports read aggregate documents only (docs/analytics.md says how many).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings

from analytics import access
from analytics.periods import GROUPS, Window, period_key, zone
from courses import clock
from cplatform import errors
from cplatform.actor import Actor
from firestore_operations import analytics as store
from firestore_operations import courses as course_store
from firestore_operations import users as user_store
from payments import services as payment_services

ENGAGEMENT_METRICS = (
    "sign_ins",
    "messages",
    "views",
    "searches",
    "searches_empty",
    "enrollments",
    "withdrawals",
    "downloads",
    "feedback",
)
COURSE_METRICS = ("views", "enrollments", "withdrawals", "downloads", "feedback")
TOP_QUERIES = 10
PRESENT, ABSENT, EXCUSED = "present", "absent", "excused"


@dataclass(frozen=True)
class ReportRange:
    """A validated request for a report: local dates, grouping and the viewer's time zone."""

    first: dt.date
    last: dt.date
    group: str
    timezone: str


def viewer_range(
    *, actor: Actor, first: dt.date | None, last: dt.date | None, group: str, timezone: str | None
) -> ReportRange:
    """Fill the defaults (the last 30 days up to today in the viewer's time zone). Raises ValidationError."""
    if group not in GROUPS:
        raise errors.ValidationError("group must be day, week or month.", fields={"group": ["Unknown grouping."]})
    if not timezone:
        timezone = (user_store.get_profile(actor.uid) or {}).get("timezone") or "UTC"
    tz = zone(timezone)
    today = clock.now_utc().astimezone(tz).date()
    last = last or today
    first = first or last - dt.timedelta(days=29)
    if first > last:
        raise errors.ValidationError(
            "The start date must not be after the end date.", fields={"from": ["After the end date."]}
        )
    if (last - first).days + 1 > settings.ANALYTICS_MAX_RANGE_DAYS:
        raise errors.ValidationError(
            f"A report covers at most {settings.ANALYTICS_MAX_RANGE_DAYS} days.",
            fields={"from": ["Choose a later start date."]},
        )
    return ReportRange(first=first, last=last, group=group, timezone=tz.key)


def _window(rng: ReportRange, *, first: dt.date | None = None) -> Window:
    return Window(first=first or rng.first, last=rng.last, tz=zone(rng.timezone), group=rng.group)


def _read_daily(kind: str, label: str, values: tuple[str, ...], window: Window) -> list[dict]:
    first_day, last_day = window.utc_days()
    return store.daily_documents(kind=kind, label=label, values=list(values), first_day=first_day, last_day=last_day)


def _titles(course_ids) -> dict[str, str]:
    found = course_store.get_courses(list(course_ids), fields=("title",))
    return {course_id: (found.get(course_id) or {}).get("title", "") for course_id in course_ids}


# --- engagement -----------------------------------------------------------------------------------


def engagement_report(
    *, actor: Actor, rng: ReportRange, course_id: str | None = None, teacher_uid: str | None = None
) -> dict:
    """DAU/WAU/MAU, counts per period, per course and top searches for the viewer's scope.

    Reads the scope's daily documents for the range (and the 29 days before `to` for MAU), plus, for
    a teacher, her courses' daily documents. Raises PermissionDenied, NotFound.
    """
    scope = access.engagement_scope(actor, course_id=course_id, teacher_uid=teacher_uid)
    window = _window(rng)
    # Active users over the 30 days ending `to` need those days even when the range is shorter.
    wide = _window(rng, first=min(rng.first, rng.last - dt.timedelta(days=29)))
    kind = {"platform": store.PLATFORM, "teacher": store.TEACHER, "course": store.COURSE}[scope.kind]
    documents = _read_daily(kind, "scope_id", scope.values, wide)

    periods = window.periods()
    rows = {key: dict.fromkeys(ENGAGEMENT_METRICS, 0) for key in periods}
    users_by_period: dict[str, set] = defaultdict(set)
    users_by_day: dict[dt.date, set] = defaultdict(set)
    totals = dict.fromkeys(ENGAGEMENT_METRICS, 0)
    queries: dict[str, list] = {}
    for doc in documents:
        for slot, counts in (doc.get("s") or {}).items():
            local = wide.local_day(doc["day"], int(slot))
            if not window.contains(local):
                continue
            row = rows[period_key(local, rng.group)]
            for name, value in counts.items():
                if name in row:
                    row[name] += int(value)
                    totals[name] += int(value)
        for uid, slots in (doc.get("u") or {}).items():
            for slot in slots:
                local = wide.local_day(doc["day"], int(slot))
                if wide.contains(local):
                    users_by_day[local].add(uid)
                    if window.contains(local):
                        users_by_period[period_key(local, rng.group)].add(uid)
        if scope.kind == "platform" and window.first.isoformat() <= doc["day"] <= window.last.isoformat():
            for key, entry in (doc.get("q") or {}).items():
                item = queries.setdefault(key, [entry.get("t", ""), 0, 0])
                item[1] += int(entry.get("n", 0))
                item[2] += int(entry.get("e", 0))

    def distinct(first: dt.date, last: dt.date) -> int:
        seen: set = set()
        day = first
        while day <= last:
            seen |= users_by_day.get(day, set())
            day += dt.timedelta(days=1)
        return len(seen)

    series = [{"period": key, "active_users": len(users_by_period.get(key, ())), **rows[key]} for key in periods]
    summary = {
        "active_users": distinct(rng.first, rng.last),
        "dau": distinct(rng.last, rng.last),
        "wau": distinct(rng.last - dt.timedelta(days=6), rng.last),
        "mau": distinct(rng.last - dt.timedelta(days=29), rng.last),
        **totals,
    }
    courses = _course_rows(scope, window) if scope.kind in ("teacher", "course") else []
    ranked = sorted(queries.values(), key=lambda item: (-item[1], item[0]))
    return {
        "from": rng.first.isoformat(),
        "to": rng.last.isoformat(),
        "group": rng.group,
        "timezone": rng.timezone,
        "scope": {"kind": scope.kind, "id": scope.values[0] if scope.values else None},
        "totals": summary,
        "series": series,
        "courses": courses,
        "top_queries": [{"query": text, "count": n} for text, n, _ in ranked[:TOP_QUERIES]],
        "empty_queries": [
            {"query": text, "count": e}
            for text, _, e in sorted(queries.values(), key=lambda item: (-item[2], item[0]))
            if e > 0
        ][:TOP_QUERIES],
    }


def _course_rows(scope: access.Scope, window: Window) -> list[dict]:
    label, values = ("course_id", scope.values) if scope.kind == "course" else ("teacher_uid", scope.values)
    documents = _read_daily(store.COURSE, label, values, window)
    per: dict[str, dict] = {}
    students: dict[str, set] = defaultdict(set)
    for doc in documents:
        course_id = doc.get("course_id") or doc["scope_id"]
        row = per.setdefault(course_id, dict.fromkeys(COURSE_METRICS, 0))
        for slot, counts in (doc.get("s") or {}).items():
            if window.contains(window.local_day(doc["day"], int(slot))):
                for name in COURSE_METRICS:
                    row[name] += int(counts.get(name, 0))
        for uid, slots in (doc.get("u") or {}).items():
            if any(window.contains(window.local_day(doc["day"], int(slot))) for slot in slots):
                students[course_id].add(uid)
    titles = _titles(per)
    rows = [
        {"course_id": course_id, "course_title": titles[course_id], "active_students": len(students[course_id]), **row}
        for course_id, row in per.items()
    ]
    return sorted(rows, key=lambda row: (-row["active_students"], -row["views"], row["course_title"], row["course_id"]))


# --- progress -------------------------------------------------------------------------------------


def last_activity(summary: dict) -> dt.datetime | None:
    moments = [summary.get("last_active_at"), summary.get("enrolled_at")]
    moments += [mark.get("at") for mark in (summary.get("marks") or {}).values() if mark.get("s") == PRESENT]
    moments = [moment for moment in moments if isinstance(moment, dt.datetime)]
    return max(moments) if moments else None


def _summaries(scope: access.Scope, student_uid: str | None) -> list[dict]:
    if scope.kind == "platform":
        limit = settings.ANALYTICS_MAX_PROGRESS_ROWS
        found = store.all_student_course_summaries(limit=limit + 1)
        if len(found) > limit:
            raise errors.ValidationError(
                f"More than {limit} enrolments: choose a course, a teacher's student or a student.",
                code="report_too_large",
            )
    elif not scope.values:
        found = []
    else:
        found = store.student_course_summaries(label=scope.label, values=list(scope.values))
    if scope.course_id:
        found = [item for item in found if item.get("course_id") == scope.course_id]
    if student_uid:
        found = [item for item in found if item.get("student_uid") == student_uid]
    return found


def progress_report(
    *, actor: Actor, rng: ReportRange, course_id: str | None = None, student_uid: str | None = None
) -> dict:
    """Per student and course (attendance, materials, last activity) and per course (completion,
    drop-outs, attendance by lesson) for lessons and activity in the range. Raises PermissionDenied,
    NotFound, ValidationError."""
    scope = access.progress_scope(actor, course_id=course_id, student_uid=student_uid)
    window = _window(rng)
    start, end = window.start_utc, window.end_utc
    summaries = _summaries(scope, student_uid)
    downloads: Counter = Counter()
    if summaries:
        if scope.kind == "platform":
            label, values = "course_id", sorted({item["course_id"] for item in summaries})
        else:
            label, values = scope.label, list(scope.values)
        for doc in _read_daily(store.STUDENT_COURSE, label, tuple(values), window):
            for slot, counts in (doc.get("s") or {}).items():
                if window.contains(window.local_day(doc["day"], int(slot))):
                    downloads[doc["scope_id"]] += int(counts.get("downloads", 0))

    threshold = settings.ANALYTICS_COMPLETION_RATE
    students = []
    courses: dict[str, dict] = {}
    lessons: dict[str, dict[str, dict]] = defaultdict(dict)
    for item in sorted(summaries, key=lambda s: (s.get("course_title", ""), s.get("student_name", ""), s["id"])):
        marks = {
            lesson_id: mark
            for lesson_id, mark in (item.get("marks") or {}).items()
            if isinstance(mark.get("at"), dt.datetime) and start <= mark["at"] < end
        }
        tally = Counter(mark.get("s") for mark in marks.values())
        counted = tally[PRESENT] + tally[ABSENT]
        rate = round(tally[PRESENT] / counted, 4) if counted else None
        enrolled_at, ended_at = item.get("enrolled_at"), item.get("ended_at")
        member = (enrolled_at is None or enrolled_at < end) and (ended_at is None or ended_at >= start)
        dropped = item.get("ended_reason") == "withdrawn" and ended_at is not None and start <= ended_at < end
        status = "active" if item.get("active") else (item.get("ended_reason") or "ended")
        students.append(
            {
                "course_id": item["course_id"],
                "course_title": item.get("course_title", ""),
                "student_uid": item["student_uid"],
                "student_name": item.get("student_name", ""),
                "status": status,
                "lessons_attended": tally[PRESENT],
                "lessons_missed": tally[ABSENT],
                "lessons_excused": tally[EXCUSED],
                "attendance_rate": rate,
                "materials_opened": downloads[item["id"]],
                "last_activity": last_activity(item),
            }
        )
        course = courses.setdefault(
            item["course_id"],
            {
                "course_id": item["course_id"],
                "course_title": item.get("course_title", ""),
                "members": 0,
                "completed": 0,
                "dropped": 0,
            },
        )
        if member:
            course["members"] += 1
            course["dropped"] += int(dropped)
            course["completed"] += int(not dropped and rate is not None and rate >= threshold)
        for lesson_id, mark in marks.items():
            entry = lessons[item["course_id"]].setdefault(
                lesson_id, {"lesson_id": lesson_id, "starts_at": mark["at"], PRESENT: 0, ABSENT: 0, EXCUSED: 0}
            )
            if mark.get("s") in (PRESENT, ABSENT, EXCUSED):
                entry[mark["s"]] += 1
    course_rows = []
    for key, course in sorted(courses.items(), key=lambda pair: (pair[1]["course_title"], pair[0])):
        members = course["members"]
        by_lesson = sorted(lessons[key].values(), key=lambda entry: (entry["starts_at"], entry["lesson_id"]))
        for entry in by_lesson:
            counted = entry[PRESENT] + entry[ABSENT]
            entry["attendance_rate"] = round(entry[PRESENT] / counted, 4) if counted else None
        course_rows.append(
            {
                **course,
                "completion_rate": round(course["completed"] / members, 4) if members else None,
                "dropout_rate": round(course["dropped"] / members, 4) if members else None,
                "lessons": by_lesson,
            }
        )
    return {
        "from": rng.first.isoformat(),
        "to": rng.last.isoformat(),
        "timezone": rng.timezone,
        "completion_threshold": threshold,
        "students": students,
        "courses": course_rows,
    }


# --- revenue --------------------------------------------------------------------------------------


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    year, number = map(int, month.split("-"))
    start = dt.datetime(year, number, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=dt.UTC)
    return start, end


def revenue_report(*, actor: Actor, rng: ReportRange, teacher_uid: str | None = None) -> dict:
    """Gross, refunds, platform fee and net per month, course and teacher, and membership revenue
    (admins), from the payments app's own monthly totals: zeros, not an error, when nothing was paid.

    Payments keep totals per calendar month (UTC), so revenue groups by month only.
    Raises PermissionDenied, NotFound, ValidationError.
    """
    if rng.group != "month":
        raise errors.ValidationError(
            "Revenue is kept per calendar month; ask for group=month.", fields={"group": ["Use month."]}
        )
    teacher = access.revenue_teacher(actor, teacher_uid)
    first_month, last_month = _month(rng.first), _month(rng.last)
    months = [key for key in _window(rng).periods()]
    docs = payment_services.revenue_totals(
        actor=actor, first_month=first_month, last_month=last_month, teacher_uid=teacher
    )
    currencies = sorted({cur for doc in docs for cur in (doc.get("by_currency") or {})}) or [
        settings.ANALYTICS_CURRENCY
    ]
    by_month: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    by_course: dict[tuple[str, str], dict] = {}
    by_teacher: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for doc in docs:
        for cur, values in (doc.get("by_currency") or {}).items():
            gross, refunds = int(values.get("gross", 0)), int(values.get("refunds", 0))
            by_month[(doc["month"], cur)][0] += gross
            by_month[(doc["month"], cur)][1] += refunds
            by_teacher[(doc["teacher_uid"], cur)][0] += gross
            by_teacher[(doc["teacher_uid"], cur)][1] += refunds
        for course_id, data in (doc.get("courses") or {}).items():
            for cur, values in data.items():
                if not isinstance(values, dict):
                    continue
                entry = by_course.setdefault(
                    (course_id, cur),
                    {
                        "course_id": course_id,
                        "course_title": data.get("title", ""),
                        "teacher_uid": doc["teacher_uid"],
                        "currency": cur,
                        "gross": 0,
                        "refunds": 0,
                    },
                )
                entry["gross"] += int(values.get("gross", 0))
                entry["refunds"] += int(values.get("refunds", 0))
    membership: dict[tuple[str, str], int] = {}
    if actor.role == "admin" and teacher is None:
        bounds = [(month, *_month_bounds(month)) for month in months]
        for row in payment_services.membership_revenue(actor=actor, months=bounds):
            membership[(row["month"], row["currency"])] = row["amount"]
            if row["currency"] not in currencies:
                currencies.append(row["currency"])
    series = []
    totals: dict[str, list[int]] = {cur: [0, 0, 0] for cur in currencies}
    for month in months:
        for cur in currencies:
            gross, refunds = by_month.get((month, cur), (0, 0))
            member = membership.get((month, cur), 0)
            series.append(
                {
                    "period": month,
                    "currency": cur,
                    **payment_services.earnings_line(gross, refunds),
                    "membership": member,
                }
            )
            totals[cur][0] += gross
            totals[cur][1] += refunds
            totals[cur][2] += member
    names = {}
    if by_teacher:
        profiles = user_store.get_profiles(sorted({uid for uid, _ in by_teacher}))
        names = {uid: profile.get("display_name", "") for uid, profile in profiles.items()}
    return {
        "from": rng.first.isoformat(),
        "to": rng.last.isoformat(),
        "group": "month",
        "timezone": "UTC",
        "platform_fee_bps": settings.PLATFORM_FEE_BPS,
        "series": series,
        "courses": sorted(
            (
                {
                    **{k: v for k, v in entry.items() if k not in ("gross", "refunds")},
                    **payment_services.earnings_line(entry["gross"], entry["refunds"]),
                }
                for entry in by_course.values()
            ),
            key=lambda row: (-row["gross"], row["course_title"], row["course_id"]),
        ),
        "teachers": sorted(
            (
                {
                    "teacher_uid": uid,
                    "teacher_name": names.get(uid, ""),
                    "currency": cur,
                    **payment_services.earnings_line(gross, refunds),
                }
                for (uid, cur), (gross, refunds) in by_teacher.items()
            ),
            key=lambda row: (-row["gross"], row["teacher_name"], row["teacher_uid"]),
        ),
        "totals": [
            {"currency": cur, **payment_services.earnings_line(values[0], values[1]), "membership": values[2]}
            for cur, values in sorted(totals.items())
        ],
    }


# --- early warnings -------------------------------------------------------------------------------


def warning_reasons(summary: dict, *, now: dt.datetime) -> list[str]:
    """Why this active student-course needs attention (empty: it does not). Thresholds are settings."""
    if not summary.get("active"):
        return []
    reasons = []
    in_a_row = settings.ANALYTICS_WARN_MISSED_IN_A_ROW
    marks = sorted(
        (mark for mark in (summary.get("marks") or {}).values() if mark.get("s") in (PRESENT, ABSENT)),
        key=lambda mark: mark["at"],
    )
    recent = marks[-in_a_row:]
    if in_a_row > 0 and len(recent) == in_a_row and all(mark["s"] == ABSENT for mark in recent):
        days = ", ".join(mark["at"].astimezone(dt.UTC).strftime("%d %b") for mark in recent)
        reasons.append(f"missed the last {in_a_row} lessons in a row ({days})")
    last = last_activity(summary)
    idle = settings.ANALYTICS_WARN_INACTIVE_DAYS
    if last is not None and now - last >= dt.timedelta(days=idle):
        reasons.append(f"no activity for {(now - last).days} days (since {last.astimezone(dt.UTC):%d %b %Y})")
    return reasons


def list_warnings(*, actor: Actor, course_id: str | None = None, student_uid: str | None = None) -> dict:
    """Students who need attention now, in the viewer's scope, with the reasons and when they were last
    flagged. Raises PermissionDenied, NotFound, ValidationError."""
    scope = access.progress_scope(actor, course_id=course_id, student_uid=student_uid)
    now = clock.now_utc()
    items = []
    for summary in _summaries(scope, student_uid):
        reasons = warning_reasons(summary, now=now)
        if reasons:
            items.append(
                {
                    "course_id": summary["course_id"],
                    "course_title": summary.get("course_title", ""),
                    "student_uid": summary["student_uid"],
                    "student_name": summary.get("student_name", ""),
                    "reasons": reasons,
                    "last_activity": last_activity(summary),
                    "notified_at": summary.get("warned_at"),
                }
            )
    items.sort(key=lambda item: (item["course_title"], item["student_name"], item["student_uid"]))
    return {"generated_at": now, "items": items}
