"""The `enrollments` collection: one document per student per course, id `{course_id}_{student_uid}`.

Fields used across apps: course_id, student_uid, teacher_uid, status (active|waitlisted|withdrawn|
completed). The courses app owns the rest (see docs/data-model.md). Seats are counted on the course
document (enrolled_count, waitlist_count, waitlist_next_seq). Every change of an enrolment's status
reads the course and the enrolment and commits both in one atomic unit (`run_atomically`), so
capacity holds under concurrency and a freed seat goes to the first waiting student in the same
commit.
"""

from __future__ import annotations

import enum
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from google.cloud import firestore

from firestore_operations.atomic import AtomicUnit, run_atomically
from firestore_operations.batches import update_matching
from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict, valid_id
from firestore_operations.pagination import ASCENDING, DESCENDING, Page, fetch_page

COLLECTION = "enrollments"
COURSES = "courses"  # firestore_operations.courses.COLLECTION (not imported: that module imports this one)
TEACHING_STATUSES = ["active", "completed"]
ACTIVE, WAITLISTED, WITHDRAWN, COMPLETED = "active", "waitlisted", "withdrawn", "completed"
MAX_PROMOTIONS = 100  # seats filled from the waitlist in one commit (stays far below 500 writes)
BATCH_SIZE = 400


def teacher_has_student(teacher_uid: str, student_uid: str) -> bool:
    """Whether the student is or was taught by the teacher (one query, one read)."""
    query = (
        db()
        .collection(COLLECTION)
        .where(filter=firestore.FieldFilter("teacher_uid", "==", teacher_uid))
        .where(filter=firestore.FieldFilter("student_uid", "==", student_uid))
        .where(filter=firestore.FieldFilter("status", "in", TEACHING_STATUSES))
        .limit(1)
    )
    return any(True for _ in query.stream())


def student_uids_of_teacher(teacher_uid: str, *, limit: int = 2000) -> set[str]:
    """Students the teacher teaches or taught (one query over her enrolments, uids only)."""
    query = (
        db()
        .collection(COLLECTION)
        .where(filter=firestore.FieldFilter("teacher_uid", "==", teacher_uid))
        .where(filter=firestore.FieldFilter("status", "in", TEACHING_STATUSES))
        .select(["student_uid"])
        .limit(limit)
    )
    return {snap.get("student_uid") for snap in query.stream()}


def enrollment_id(course_id: str, student_uid: str) -> str:
    return f"{course_id}_{student_uid}"


def get_enrollment(course_id: str, student_uid: str) -> dict | None:
    if not (valid_id(course_id) and valid_id(student_uid)):
        return None
    return snapshot_to_dict(db().collection(COLLECTION).document(enrollment_id(course_id, student_uid)).get())


# --- status changes (atomic units) ---------------------------------------------------------------


class EnrollOutcome(enum.Enum):
    UNCHANGED = "unchanged"  # already active or waiting: nothing written
    ACTIVATED = "activated"
    WAITLISTED = "waitlisted"
    NEEDS_PAYMENT = "needs_payment"  # a seat is free but the caller may only take a waitlist place
    FULL = "full"  # no seat, and the caller asked for no waitlist place (a paid seat)


@dataclass
class EnrollResult:
    outcome: EnrollOutcome
    position: int | None = None
    course: dict | None = None


# --- seat holds ----------------------------------------------------------------------------------
# A checkout holds a seat for a while: the course document keeps `seat_holds`
# {student_uid: {"payment_id", "expires_at" (epoch seconds)}}. Every capacity check counts the
# unexpired holds of other students, so no cron is needed: an expired hold simply stops counting
# and is dropped at the course's next seat change. The map stays small (at most capacity entries
# are live; expired ones are pruned on every write of it).


def live_holds(course: dict, *, now: float, excluding: str | None = None) -> dict[str, dict]:
    holds = course.get("seat_holds") or {}
    return {
        uid: hold for uid, hold in holds.items() if uid != excluding and float((hold or {}).get("expires_at", 0)) > now
    }


def seats_left(course: dict, *, now: float, excluding: str | None = None) -> int | None:
    """Free seats after enrolments and other students' live holds; None for an unlimited course."""
    capacity = course.get("capacity")
    if capacity is None:
        return None
    held = len(live_holds(course, now=now, excluding=excluding))
    return max(0, int(capacity) - int(course.get("enrolled_count", 0)) - held)


class WithdrawOutcome(enum.Enum):
    UNCHANGED = "unchanged"  # already withdrawn: nothing written
    WITHDRAWN = "withdrawn"


@dataclass
class WithdrawResult:
    """previous: the status before; course: the course as read before the change."""

    outcome: WithdrawOutcome
    previous: str | None = None
    course: dict | None = None
    promoted: list[dict] = field(default_factory=list)
    # Waiting students the freed seats were offered to: they must pay first (awaiting_payment).
    offered: list[dict] = field(default_factory=list)


def _waiting_query(client, course_id: str, count: int) -> firestore.Query:
    return (
        client.collection(COLLECTION)
        .where(filter=firestore.FieldFilter("course_id", "==", course_id))
        .where(filter=firestore.FieldFilter("status", "==", WAITLISTED))
        .order_by("waitlist_seq", direction=ASCENDING)
        .limit(count)
    )


def _promote(unit: AtomicUnit, rows: list[dict]) -> list[dict]:
    """Seat the waiting rows, except those awaiting payment (their seat stays free for checkout)."""
    promoted = []
    for row in rows:
        if row.get("awaiting_payment"):
            continue
        unit.update(
            db().collection(COLLECTION).document(row["id"]),
            {
                "status": ACTIVE,
                "enrolled_at": firestore.SERVER_TIMESTAMP,
                "waitlist_seq": None,
                "ever_active": True,
                "promoted_from_waitlist": True,
                "updated_at": firestore.SERVER_TIMESTAMP,
            },
        )
        promoted.append({**row, "status": ACTIVE})
    return promoted


def _free_seats(course: dict) -> int:
    """Seats the waitlist may fill now (only a published course with a waitlist has any)."""
    waiting = int(course.get("waitlist_count", 0))
    if course.get("status") != "published" or waiting <= 0:
        return 0
    left = seats_left(course, now=time.time())  # seats held by a checkout are not free
    free = waiting if left is None else left
    return max(0, min(free, waiting, MAX_PROMOTIONS))


def enroll(
    course_id: str,
    student_uid: str,
    *,
    student_name: str,
    student_sort: str,
    enrolled_by: str,
    check: Callable[[dict | None, dict | None], None],
    waitlist: bool = True,
    may_take_seat: bool = True,
    now: float | None = None,
) -> EnrollResult:
    """Take a seat (or a waitlist place) for the student, atomically with the course's counters.

    `check(course, enrollment)` runs on the fresh reads and raises to refuse (missing course, course
    not open, completed): the service decides, nothing is written. Other students' live seat holds
    count as taken seats; the student's own hold is released when she gets her seat. With
    waitlist=False (a paid seat) a full course answers FULL instead of a waitlist place, and a
    waiting student is moved to a free seat. With may_take_seat=False (an unpaid student of a paid
    course) only a waitlist place is taken, marked awaiting_payment; a free seat answers NEEDS_PAYMENT.
    """
    now = time.time() if now is None else now
    client = db()
    course_ref = client.collection(COURSES).document(course_id)
    ref = client.collection(COLLECTION).document(enrollment_id(course_id, student_uid))

    def body(unit: AtomicUnit) -> EnrollResult:
        course = unit.get(course_ref)
        current = unit.get(ref)
        status = (current or {}).get("status")
        if status == ACTIVE or (status == WAITLISTED and waitlist):
            return EnrollResult(EnrollOutcome.UNCHANGED, course=course)
        check(course, current)
        enrolled = int(course.get("enrolled_count", 0))
        left = seats_left(course, now=now, excluding=student_uid)
        seat = left is None or left > 0
        if seat and not may_take_seat:
            return EnrollResult(EnrollOutcome.NEEDS_PAYMENT, course=course)
        if not seat and not waitlist:
            return EnrollResult(EnrollOutcome.FULL, course=course)
        data = {
            "course_id": course_id,
            "student_uid": student_uid,
            "teacher_uid": course["teacher_uid"],
            "course_title": course.get("title", ""),
            "teacher_name": course.get("teacher_name", ""),
            "student_name": student_name,
            "student_sort": student_sort,
            "enrolled_by": enrolled_by,
            "requested_at": firestore.SERVER_TIMESTAMP,
            "withdrawn_at": None,
            "promoted_from_waitlist": False,
            "times_enrolled": int((current or {}).get("times_enrolled", 0)) + 1,
            "updated_at": firestore.SERVER_TIMESTAMP,
        }
        if current is None:
            data.update({"created_at": firestore.SERVER_TIMESTAMP, "lessons_attended": 0, "ever_active": False})
        if seat:
            data.update(
                {
                    "status": ACTIVE,
                    "enrolled_at": firestore.SERVER_TIMESTAMP,
                    "waitlist_seq": None,
                    "ever_active": True,
                    "awaiting_payment": False,
                }
            )
            unit.put(ref, data)
            holds = live_holds(course, now=now, excluding=student_uid)
            counters = {"enrolled_count": enrolled + 1}
            if status == WAITLISTED:  # she paid for a seat while waiting
                counters["waitlist_count"] = max(0, int(course.get("waitlist_count", 0)) - 1)
            unit.update(course_ref, {**counters, "seat_holds": holds, "updated_at": firestore.SERVER_TIMESTAMP})
            return EnrollResult(EnrollOutcome.ACTIVATED, course=course)
        waiting = int(course.get("waitlist_count", 0))
        seq = int(course.get("waitlist_next_seq", 1))
        data.update(
            {
                "status": WAITLISTED,
                "enrolled_at": None,
                "waitlisted_at": firestore.SERVER_TIMESTAMP,
                "waitlist_seq": seq,
                "awaiting_payment": not may_take_seat,
            }
        )
        unit.put(ref, data)
        unit.update(
            course_ref,
            {"waitlist_count": waiting + 1, "waitlist_next_seq": seq + 1, "updated_at": firestore.SERVER_TIMESTAMP},
        )
        return EnrollResult(EnrollOutcome.WAITLISTED, position=waiting + 1, course=course)

    return run_atomically(body)


def withdraw(course_id: str, student_uid: str, *, check: Callable[[dict | None], None]) -> WithdrawResult:
    """Withdraw the student; a freed seat goes to the first waiting student in the same commit.

    `check(enrollment)` runs on the fresh read and raises to refuse (not enrolled, completed)."""
    client = db()
    course_ref = client.collection(COURSES).document(course_id)
    ref = client.collection(COLLECTION).document(enrollment_id(course_id, student_uid))

    def body(unit: AtomicUnit) -> WithdrawResult:
        course = unit.get(course_ref) or {}
        current = unit.get(ref)
        check(current)
        status = current.get("status")
        if status == WITHDRAWN:
            return WithdrawResult(WithdrawOutcome.UNCHANGED, previous=status)
        counters = {
            "enrolled_count": int(course.get("enrolled_count", 0)),
            "waitlist_count": int(course.get("waitlist_count", 0)),
        }
        if status == ACTIVE:
            counters["enrolled_count"] = max(0, counters["enrolled_count"] - 1)
        else:
            counters["waitlist_count"] = max(0, counters["waitlist_count"] - 1)
        free = _free_seats({**course, **counters})
        waiting = unit.query(_waiting_query(client, course_id, free)) if free else []
        unit.update(
            ref,
            {
                "status": WITHDRAWN,
                "withdrawn_at": firestore.SERVER_TIMESTAMP,
                "waitlist_seq": None,
                "updated_at": firestore.SERVER_TIMESTAMP,
            },
        )
        promoted = _promote(unit, waiting)
        if course:
            counters["enrolled_count"] += len(promoted)
            counters["waitlist_count"] -= len(promoted)
            unit.update(course_ref, {**counters, "updated_at": firestore.SERVER_TIMESTAMP})
        offered = [row for row in waiting if row.get("awaiting_payment")]
        return WithdrawResult(
            WithdrawOutcome.WITHDRAWN, previous=status, promoted=promoted, offered=offered, course=course or None
        )

    return run_atomically(body)


def update_course_guarded(course_id: str, changes: dict, guard) -> tuple[dict | None, list[dict]]:
    """Apply `changes` to the course after `guard(course)` accepted it, then fill seats the change freed.

    `guard` sees the course as read in the atomic unit and raises to refuse (capacity below the
    enrolled count, unpublishing with students...). Returns (course before, promoted enrolments);
    (None, []) when there is no such course.
    """
    client = db()
    course_ref = client.collection(COURSES).document(course_id)

    def body(unit: AtomicUnit) -> tuple[dict | None, list[dict]]:
        course = unit.get(course_ref)
        if course is None:
            return None, []
        guard(course)
        after = {**course, **changes}
        free = _free_seats(after)
        waiting = unit.query(_waiting_query(client, course_id, free)) if free else []
        promoted = _promote(unit, waiting)
        counters = {}
        if promoted:
            counters = {
                "enrolled_count": int(course.get("enrolled_count", 0)) + len(promoted),
                "waitlist_count": int(course.get("waitlist_count", 0)) - len(promoted),
            }
        unit.update(course_ref, {**changes, **counters, "updated_at": firestore.SERVER_TIMESTAMP})
        return course, promoted

    return run_atomically(body)


def waitlist_position(course_id: str, waitlist_seq: int) -> int:
    """1 + the students waiting ahead (one count aggregation, billed as one read per 1,000 entries)."""
    query = (
        db()
        .collection(COLLECTION)
        .where(filter=firestore.FieldFilter("course_id", "==", course_id))
        .where(filter=firestore.FieldFilter("status", "==", WAITLISTED))
        .where(filter=firestore.FieldFilter("waitlist_seq", "<", waitlist_seq))
    )
    result = query.count().get()
    return 1 + int(result[0][0].value)


# --- lists ---------------------------------------------------------------------------------------


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def list_student_enrollments(*, student_uids: list[str], status: str | None, limit: int, cursor: str | None) -> Page:
    """One query: the students' enrolments (one uid, or a parent's children with `in`), latest request first."""
    query = db().collection(COLLECTION)
    if len(student_uids) == 1:
        query = query.where(filter=firestore.FieldFilter("student_uid", "==", student_uids[0]))
    else:
        query = query.where(filter=firestore.FieldFilter("student_uid", "in", student_uids))
    if status:
        query = query.where(filter=firestore.FieldFilter("status", "==", status))
    tag = f"enrollments:{_digest(*sorted(student_uids), status or '')}"
    return fetch_page(query, order=[("requested_at", DESCENDING)], limit=limit, cursor=cursor, tag=tag)


def list_course_enrollments(*, course_id: str, status: str | None, limit: int, cursor: str | None) -> Page:
    """One query: the course's roster by student name; the waitlist in its order."""
    query = db().collection(COLLECTION).where(filter=firestore.FieldFilter("course_id", "==", course_id))
    if status:
        query = query.where(filter=firestore.FieldFilter("status", "==", status))
    order = [("waitlist_seq", ASCENDING)] if status == WAITLISTED else [("student_sort", ASCENDING)]
    tag = f"roster:{_digest(course_id, status or '')}"
    return fetch_page(query, order=order, limit=limit, cursor=cursor, tag=tag)


def active_student_uids(course_id: str) -> list[str]:
    """Every active student of the course (the roster index, read in pages)."""
    query = (
        db()
        .collection(COLLECTION)
        .where(filter=firestore.FieldFilter("course_id", "==", course_id))
        .where(filter=firestore.FieldFilter("status", "==", ACTIVE))
        .order_by("student_sort")
        .order_by("__name__")
    )
    uids: list[str] = []
    last = None
    while True:
        page = query.limit(BATCH_SIZE) if last is None else query.start_after(last).limit(BATCH_SIZE)
        snapshots = list(page.stream())
        uids.extend((snap.to_dict() or {}).get("student_uid") for snap in snapshots)
        if len(snapshots) < BATCH_SIZE:
            return uids
        last = snapshots[-1]


def update_copies(field_name: str, value: str, changes: dict) -> int:
    """Set `changes` on every enrolment whose `field_name` equals `value` (copied names, titles), in batches."""
    query = db().collection(COLLECTION).where(filter=firestore.FieldFilter(field_name, "==", value))
    return update_matching(query, changes, page_size=BATCH_SIZE)
