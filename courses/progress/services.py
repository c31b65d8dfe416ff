"""Progress: attendance marks, a student's lesson history and a student's progress in a course.

Every function takes the acting user explicitly and raises cplatform.errors on refusal.
"""

from __future__ import annotations

from authentication.access import linked_children
from courses import clock, events
from courses.access import access_course, access_lesson_for_write, is_owner
from cplatform import errors
from cplatform.actor import ADMIN, PARENT, STUDENT, TEACHER, Actor
from firestore_operations import attendance as attendance_store
from firestore_operations import courses as course_store
from firestore_operations import enrollments as enrollment_store
from firestore_operations import lessons as lesson_store
from firestore_operations import users as user_store
from firestore_operations.documents import iso
from firestore_operations.pagination import Page

CANCELLED = lesson_store.CANCELLED
ACTIVE = "active"
HISTORY_STATUSES = ["active", "completed"]
ATTENDANCE_STATUSES = ("present", "absent", "excused")


# --- attendance ---------------------------------------------------------------------------------


def mark_attendance(*, actor: Actor, lesson_id: str, records: list[dict]) -> list[dict]:
    """Record present/absent/excused for actively enrolled students of a lesson that has started.

    Re-marking replaces the earlier mark. Raises NotFound, PermissionDenied, ValidationError
    (code not_enrolled, naming the students), Conflict (lesson_not_started, lesson_cancelled).
    """
    lesson = access_lesson_for_write(actor, lesson_id)
    marks = {record["student_uid"]: record["status"] for record in records}
    now = clock.now_utc()

    def check(current: dict | None, enrollments: dict[str, dict | None]) -> None:
        if current is None:
            raise errors.NotFound("No such lesson.")
        if current.get("status") == CANCELLED:
            raise errors.Conflict("This lesson was cancelled; there is no attendance to take.", code="lesson_cancelled")
        if current["starts_at"] > now:
            raise errors.Conflict(
                "Attendance can be taken once the lesson has started.",
                code="lesson_not_started",
                starts_at=iso(current["starts_at"]),
            )
        outsiders = [uid for uid, item in enrollments.items() if not item or item.get("status") != ACTIVE]
        if outsiders:
            raise errors.ValidationError(
                f"Not actively enrolled in this course: {', '.join(outsiders)}.",
                code="not_enrolled",
                fields={"records": [f"{uid} is not actively enrolled in this course." for uid in outsiders]},
                student_uids=outsiders,
            )

    stored = attendance_store.mark_attendance(lesson_id, lesson["course_id"], marks, marked_by=actor.uid, check=check)
    events.publish(
        events.attendance_marked,
        lesson_id=lesson_id,
        course_id=lesson["course_id"],
        teacher_uid=lesson["teacher_uid"],
        starts_at=lesson["starts_at"],
        marks=marks,
    )
    return stored


def list_attendance(*, actor: Actor, lesson_id: str, limit: int, cursor: str | None) -> tuple[dict, Page]:
    """The lesson and a page of its attendance records. Raises NotFound, PermissionDenied, ValidationError."""
    lesson = access_lesson_for_write(actor, lesson_id)
    return lesson, attendance_store.list_lesson_attendance(lesson_id, limit=limit, cursor=cursor)


# --- history and progress -----------------------------------------------------------------------


def _history_scope(actor: Actor, student_uid: str) -> str | None:
    """Whose courses the actor may see in the student's history: None = all, else a teacher uid.

    A teacher sees only her own courses' lessons. Raises NotFound, PermissionDenied.
    """
    if actor.role == STUDENT and actor.uid == student_uid:
        return None
    profile = user_store.get_profile(student_uid)
    if profile is None or profile.get("role") != STUDENT:
        raise errors.NotFound("No such student.")
    if actor.role == ADMIN:
        return None
    if actor.role == PARENT and actor.uid in (profile.get("student") or {}).get("parents", []):
        return None
    if actor.role == TEACHER and enrollment_store.teacher_has_student(actor.uid, student_uid):
        return actor.uid
    raise errors.PermissionDenied("Only the student, their teachers, their parents and admins can see this.")


def student_courses(*, actor: Actor, student_uid: str) -> list[dict]:
    """The student's current and finished courses the actor may see, by title: {course_id, title, status}.

    A teacher sees only her own courses (as in the lesson history). One enrolment query and one
    batched course read. Raises NotFound, PermissionDenied.
    """
    teacher_uid = _history_scope(actor, student_uid)
    enrollments = attendance_store.enrollments_of_students(
        [student_uid], statuses=HISTORY_STATUSES, teacher_uid=teacher_uid
    )
    titles = course_store.get_courses([item["course_id"] for item in enrollments], fields=("title",))
    rows = [
        {
            "course_id": item["course_id"],
            "title": titles.get(item["course_id"], {}).get("title", ""),
            "status": item.get("status"),
        }
        for item in enrollments
        if item["course_id"] in titles
    ]
    return sorted(rows, key=lambda row: row["title"].lower())


def lesson_history(*, actor: Actor, student_uid: str, limit: int, cursor: str | None) -> Page:
    """The student's past lessons, newest first, each with the student's attendance (or None).

    Per page: one enrolment query, one lesson query per 30 courses, one batched lookup of the
    attendance records (plus a profile read and an enrolment query for a non-student viewer).
    Raises NotFound, PermissionDenied, ValidationError.
    """
    teacher_uid = _history_scope(actor, student_uid)
    enrollments = attendance_store.enrollments_of_students(
        [student_uid], statuses=HISTORY_STATUSES, teacher_uid=teacher_uid
    )
    course_ids = [item["course_id"] for item in enrollments]
    tag = f"history:{student_uid}:{teacher_uid or ''}"
    page = lesson_store.past_lessons_of_courses(course_ids, before=clock.now_utc(), limit=limit, cursor=cursor, tag=tag)
    records = attendance_store.records_of_student([lesson["id"] for lesson in page.items], student_uid)
    for lesson in page.items:
        record = records.get(lesson["id"])
        lesson["attendance"] = record.get("status") if record else None
        lesson["marked_at"] = record.get("marked_at") if record else None
    return page


def course_progress(*, actor: Actor, course_id: str, student_uid: str | None) -> dict:
    """A student's progress in a course (counts and percentages).

    Students see their own; parents their linked children's; the course's teacher and admins any
    enrolled student's (student_uid required). Raises NotFound, PermissionDenied, ValidationError.
    """
    course = access_course(actor, course_id)
    if actor.role == STUDENT:
        if student_uid and student_uid != actor.uid:
            raise errors.PermissionDenied("Students see only their own progress.")
        student_uid = actor.uid
    elif not student_uid:
        raise errors.ValidationError("Say whose progress: ?student_uid=...", fields={"student_uid": ["Required."]})
    elif actor.role == PARENT and student_uid not in linked_children(actor):
        raise errors.PermissionDenied("Parents see only their linked children's progress.")
    elif actor.role == TEACHER and not is_owner(actor, course):
        raise errors.PermissionDenied("Only the course's teacher can see its students' progress.")
    enrollment = enrollment_store.get_enrollment(course_id, student_uid)
    if enrollment is None:
        raise errors.NotFound("This student is not enrolled in this course.")
    total = int(course.get("lesson_count") or 0)
    completed = lesson_store.count_completed_lessons(course_id, now=clock.now_utc())
    attended = int(enrollment.get("lessons_attended") or 0)
    return {
        "course_id": course_id,
        "student_uid": student_uid,
        "enrollment_status": enrollment.get("status"),
        "lessons_total": total,
        "lessons_completed": completed,
        "lessons_attended": attended,
        "percent": min(100, round(100 * attended / total)) if total else 0,
        "attendance_percent": min(100, round(100 * attended / completed)) if completed else None,
    }


def progress_of_enrollments(*, actor: Actor, enrollments: list[dict]) -> dict[str, dict]:
    """For a list of the actor's (or her children's) enrolments: per course id, lessons attended out of
    the course's lessons and the percentage. One batched course read, whatever the list's length.

    Raises PermissionDenied when an enrolment is not the actor's own (or a linked child's).
    """
    allowed = {actor.uid} if actor.role == STUDENT else set(linked_children(actor)) if actor.role == PARENT else set()
    if any(item.get("student_uid") not in allowed for item in enrollments):
        raise errors.PermissionDenied("You may see only your own progress (or your children's).")
    courses = course_store.get_courses([item["course_id"] for item in enrollments], fields=("lesson_count",))
    result = {}
    for item in enrollments:
        total = int((courses.get(item["course_id"]) or {}).get("lesson_count") or 0)
        attended = int(item.get("lessons_attended") or 0)
        result[item["course_id"]] = {
            "lessons_total": total,
            "lessons_attended": attended,
            "percent": min(100, round(100 * attended / total)) if total else 0,
        }
    return result
