"""Lessons and schedules: a course's lessons (create, change, cancel), the teacher's availability
warnings, a person's week and the .ics calendar feed.

Every function takes the acting user explicitly and raises cplatform.errors on refusal. Who may see
or change a course is decided by courses.access; what a clash or a cancelled lesson means is
decided here, inside the data layer's transactions (through the `check` callbacks).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from authentication.access import linked_children
from courses import clock, events
from courses.access import access_course, is_member
from courses.catalog.freshness import pages_changed
from cplatform import errors
from cplatform.actor import PARENT, STUDENT, TEACHER, Actor
from firestore_operations import attendance as attendance_store
from firestore_operations import lessons as lesson_store
from firestore_operations import users as user_store
from firestore_operations.documents import iso
from firestore_operations.pagination import MAX_LIMIT, Page

SCHEDULED, CANCELLED = lesson_store.SCHEDULED, lesson_store.CANCELLED
ACTIVE = "active"
TIMING_FIELDS = ("starts_at", "duration_minutes")
MAX_WINDOW = dt.timedelta(days=92)
DEFAULT_WINDOW = dt.timedelta(days=7)
# The .ics feed is read by calendar apps that show weeks around today; it covers 92 days.
CALENDAR_PAST = dt.timedelta(days=30)
CALENDAR_FUTURE = dt.timedelta(days=62)
# A calendar feed is one response; this bounds it (a teacher with 2000 lessons in 92 days is not a person).
CALENDAR_MAX_EVENTS = 2000
OUTSIDE_AVAILABILITY = "outside_availability"
# Who has a schedule (the week page, the schedule API and its .ics feed).
SCHEDULE_ROLES = frozenset({TEACHER, STUDENT, PARENT})


def _lesson_in_course(course_id: str, lesson_id: str) -> dict:
    lesson = lesson_store.get_lesson(lesson_id)
    if lesson is None or lesson.get("course_id") != course_id:
        raise errors.NotFound("No such lesson in this course.")
    return lesson


# --- lessons ------------------------------------------------------------------------------------


def list_lessons(
    *, actor: Actor, course_id: str, since: dt.datetime | None, limit: int, cursor: str | None
) -> tuple[Page, bool]:
    """A page of the course's lessons by start time, and whether the actor sees meeting links.

    Raises NotFound, PermissionDenied, ValidationError.
    """
    course = access_course(actor, course_id)
    page = lesson_store.list_course_lessons(course_id, since=since, limit=limit, cursor=cursor)
    return page, is_member(actor, course)


def get_lesson(*, actor: Actor, course_id: str, lesson_id: str) -> tuple[dict, bool]:
    """One lesson and whether the actor sees its meeting link. Raises NotFound, PermissionDenied."""
    course = access_course(actor, course_id)
    return _lesson_in_course(course_id, lesson_id), is_member(actor, course)


def _overlap_error(clash: dict) -> errors.Conflict:
    message = (
        f"This overlaps the lesson “{clash.get('title', '')}” (id {clash['id']}) from "
        f"{iso(clash['starts_at'])} to {iso(clash['ends_at'])}: a teacher's lessons never overlap."
    )
    return errors.Conflict(
        message,
        code="lesson_overlap",
        fields={"starts_at": [message]},
        conflicting_lesson={
            "id": clash["id"],
            "title": clash.get("title", ""),
            "course_id": clash.get("course_id"),
            "course_title": clash.get("course_title", ""),
            "starts_at": iso(clash["starts_at"]),
            "ends_at": iso(clash["ends_at"]),
        },
    )


def _require_future(starts_at: dt.datetime, now: dt.datetime) -> None:
    if starts_at <= now:
        raise errors.ValidationError(
            "A lesson must start in the future.", fields={"starts_at": ["Must be in the future."]}
        )


def _refuse_archived(course: dict) -> None:
    if course.get("status") == "archived":
        raise errors.Conflict("This course is archived; it takes no new lessons.", code="course_archived")


def create_lesson(
    *,
    actor: Actor,
    course_id: str,
    title: str,
    starts_at: dt.datetime,
    duration_minutes: int,
    description: str = "",
    location: str = "",
    meeting_url: str | None = None,
) -> tuple[dict, list[str]]:
    """Schedule a lesson; returns it and its warnings (outside_availability).

    Raises NotFound, PermissionDenied, ValidationError, Conflict (lesson_overlap, course_archived).
    """
    course = access_course(actor, course_id, for_write=True)
    _refuse_archived(course)
    _require_future(starts_at, clock.now_utc())
    teacher_uid = course["teacher_uid"]
    values = {
        "course_id": course_id,
        "course_title": course.get("title", ""),
        "teacher_uid": teacher_uid,
        "title": title,
        "description": description,
        "starts_at": starts_at.astimezone(dt.UTC),
        "duration_minutes": duration_minutes,
        "location": location,
        "meeting_url": meeting_url or None,
        "created_by": actor.uid,
    }

    def check(current: dict | None, clash: dict | None) -> None:
        if current is None:
            raise errors.NotFound("No such course.")
        _refuse_archived(current)
        if clash:
            raise _overlap_error(clash)

    lesson = lesson_store.create_lesson(values, check=check)
    pages_changed()  # the course's lesson count
    events.publish(events.lesson_scheduled, lesson=lesson, actor_uid=actor.uid)
    return lesson, availability_warnings(teacher_uid, lesson)


def update_lesson(*, actor: Actor, course_id: str, lesson_id: str, changes: dict) -> tuple[dict, list[str]]:
    """Change a scheduled lesson; returns it and its warnings.

    Raises NotFound, PermissionDenied, ValidationError, Conflict (lesson_overlap, lesson_cancelled,
    lesson_started).
    """
    access_course(actor, course_id, for_write=True)
    current = _lesson_in_course(course_id, lesson_id)
    now = clock.now_utc()
    if "starts_at" in changes:
        changes = {**changes, "starts_at": changes["starts_at"].astimezone(dt.UTC)}
    if "meeting_url" in changes:
        changes["meeting_url"] = changes["meeting_url"] or None

    def check(lesson: dict | None, clash: dict | None) -> None:
        if lesson is None or lesson.get("course_id") != course_id:
            raise errors.NotFound("No such lesson in this course.")
        if lesson.get("status") == CANCELLED:
            raise errors.Conflict("This lesson is cancelled; schedule a new one instead.", code="lesson_cancelled")
        if any(field in changes and changes[field] != lesson.get(field) for field in TIMING_FIELDS):
            if lesson["starts_at"] <= now:
                raise errors.Conflict("This lesson has started; its time can no longer change.", code="lesson_started")
            if "starts_at" in changes:
                _require_future(changes["starts_at"], now)
        if clash:
            raise _overlap_error(clash)

    before, after = lesson_store.update_lesson(lesson_id, changes, teacher_uid=current["teacher_uid"], check=check)
    changed = [field for field in changes if before.get(field) != after.get(field)]
    if changed:
        moved = any(field in changed for field in TIMING_FIELDS)
        events.publish(events.lesson_changed, lesson=after, moved=moved, actor_uid=actor.uid)
    timing_changed = any(field in changed for field in TIMING_FIELDS)
    return after, availability_warnings(after["teacher_uid"], after) if timing_changed else []


def cancel_lesson(*, actor: Actor, course_id: str, lesson_id: str, reason: str = "") -> dict:
    """Cancel a lesson that has not started (it stays listed, status cancelled); repeating it is harmless.

    Raises NotFound, PermissionDenied, Conflict (lesson_started).
    """
    access_course(actor, course_id, for_write=True)
    _lesson_in_course(course_id, lesson_id)
    now = clock.now_utc()

    def check(lesson: dict | None) -> None:
        if lesson is None or lesson.get("course_id") != course_id:
            raise errors.NotFound("No such lesson in this course.")
        if lesson.get("status") == SCHEDULED and lesson["starts_at"] <= now:
            raise errors.Conflict(
                "This lesson has already started; it can no longer be cancelled.", code="lesson_started"
            )

    before, after = lesson_store.cancel_lesson(lesson_id, reason=reason, check=check)
    if before.get("status") != CANCELLED:
        pages_changed()  # the course's lesson count
        events.publish(events.lesson_cancelled, lesson=after, reason=reason, actor_uid=actor.uid)
    return after


# --- availability -------------------------------------------------------------------------------


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def outside_availability(profile: dict, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    """Whether the lesson leaves the teacher's weekly slots, read in the profile's time zone.

    Adjacent slots join (09:00-12:00 and 12:00-15:00 cover 11:00-13:00). A teacher who declared no
    availability gets no warning: there is nothing to be outside of.
    """
    slots = (profile.get("teacher") or {}).get("availability") or []
    if not slots:
        return False
    try:
        zone = zoneinfo.ZoneInfo(profile.get("timezone") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    local_start, local_end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    day = local_start.date()
    if local_end.date() != day and local_end.time() != dt.time(0):
        return True
    start_min = local_start.hour * 60 + local_start.minute
    end_min = (local_end - dt.datetime.combine(day, dt.time(0), tzinfo=zone)).total_seconds() // 60
    spans = sorted(
        (_minutes(slot["start"]), _minutes(slot["end"])) for slot in slots if slot.get("weekday") == day.weekday()
    )
    joined: list[list[int]] = []
    for first, last in spans:
        if joined and first <= joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], last)
        else:
            joined.append([first, last])
    return not any(first <= start_min and end_min <= last for first, last in joined)


def availability_warnings(teacher_uid: str, lesson: dict) -> list[str]:
    """Warnings for a lesson the teacher scheduled (one profile read)."""
    profile = user_store.get_profile(teacher_uid) or {}
    if outside_availability(profile, lesson["starts_at"], lesson["ends_at"]):
        return [OUTSIDE_AVAILABILITY]
    return []


# --- schedules ----------------------------------------------------------------------------------


def _start_of(value: dt.date | dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(dt.UTC)
    return dt.datetime.combine(value, dt.time(0), tzinfo=zone).astimezone(dt.UTC)


def resolve_window(
    *, start: dt.date | dt.datetime | None, end: dt.date | dt.datetime | None, tz: str = "UTC", calendar: bool = False
) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC. Dates are midnights in `tz`; `end` is exclusive.

    Defaults: this week (Monday to Monday in `tz`), or for the calendar feed 30 days back to 62
    ahead; one bound alone gets the default length. Raises ValidationError.
    """
    zone = zoneinfo.ZoneInfo(tz)
    if start is None and end is None:
        today = clock.now_utc().astimezone(zone).date()
        if calendar:
            return _start_of(today - CALENDAR_PAST, zone), _start_of(today + CALENDAR_FUTURE, zone)
        monday = today - dt.timedelta(days=today.weekday())
        return _start_of(monday, zone), _start_of(monday + DEFAULT_WINDOW, zone)
    length = CALENDAR_PAST + CALENDAR_FUTURE if calendar else DEFAULT_WINDOW
    first = _start_of(start, zone) if start is not None else _start_of(end, zone) - length
    last = _start_of(end, zone) if end is not None else first + length
    if first >= last:
        raise errors.ValidationError("'from' must be before 'to'.", fields={"to": ["Must be after 'from'."]})
    if last - first > MAX_WINDOW:
        raise errors.ValidationError(
            "A schedule covers at most 92 days; ask for a shorter range.",
            fields={"to": ["At most 92 days after 'from'."]},
        )
    return first, last


def get_schedule(*, actor: Actor, start: dt.datetime, end: dt.datetime, limit: int, cursor: str | None) -> Page:
    """Lessons starting in [start, end) the actor teaches, attends, or whose children attend.

    Parents' items carry `student_uids`. Teachers: one query; students: one enrolment query and one
    lesson query per 30 courses; parents: one profile read more. Raises PermissionDenied, ValidationError.
    """
    tag = f"schedule:{actor.uid}:{start.isoformat()}:{end.isoformat()}"
    if actor.role == TEACHER:
        return lesson_store.teacher_lessons_between(actor.uid, start, end, limit=limit, cursor=cursor)
    if actor.role == STUDENT:
        enrollments = attendance_store.enrollments_of_students([actor.uid], statuses=[ACTIVE])
        course_ids = [item["course_id"] for item in enrollments]
        return lesson_store.course_lessons_between(course_ids, start, end, limit=limit, cursor=cursor, tag=tag)
    if actor.role == PARENT:
        enrollments = attendance_store.enrollments_of_students(linked_children(actor), statuses=[ACTIVE])
        students: dict[str, list[str]] = {}
        for item in enrollments:
            students.setdefault(item["course_id"], []).append(item["student_uid"])
        page = lesson_store.course_lessons_between(list(students), start, end, limit=limit, cursor=cursor, tag=tag)
        for lesson in page.items:
            lesson["student_uids"] = sorted(students.get(lesson["course_id"], []))
        return page
    raise errors.PermissionDenied("Schedules are for teachers, students and parents.", code="wrong_role")


def schedule_lessons(*, actor: Actor, start: dt.datetime, end: dt.datetime, max_pages: int | None = None) -> list[dict]:
    """Every schedule item in [start, end), page by page (MAX_LIMIT each) up to CALENDAR_MAX_EVENTS items
    and, when given, max_pages pages (the .ics feed and the week page)."""
    lessons: list[dict] = []
    cursor = None
    pages = 0
    while len(lessons) < CALENDAR_MAX_EVENTS and (max_pages is None or pages < max_pages):
        page = get_schedule(actor=actor, start=start, end=end, limit=MAX_LIMIT, cursor=cursor)
        pages += 1
        lessons += page.items
        cursor = page.next_cursor
        if not cursor:
            break
    return lessons[:CALENDAR_MAX_EVENTS]
