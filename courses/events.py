"""Facts the courses app publishes, as plain data, once the write that made them true has committed.

Subscribers decide what follows: messaging keeps course rooms and tells people (see
messaging/receivers.py); analytics and payments listen the same way. The courses app never imports
its subscribers, so apps depend in one direction. `publish` logs a failing receiver instead of
failing the request: every reaction is repairable, the committed change is not undone.
"""

from __future__ import annotations

from django.dispatch import Signal

from cplatform.events import publish

__all__ = ["membership", "publish"]


def membership(course: dict, *, student_uid: str, student_name: str = "") -> dict:
    """The plain data every enrolment and feedback event carries about a student in a course."""
    return {
        "course_id": course["id"],
        "teacher_uid": course["teacher_uid"],
        "course_title": course.get("title", ""),
        "student_uid": student_uid,
        "student_name": student_name,
    }


# course: dict - a course was created.
course_created = Signal()
# course_id, teacher_uid - a course without enrolments was deleted (its lessons and materials
# are already gone; other apps remove what they keep for it).
course_deleted = Signal()
# course_id, title - a course's title changed (the courses app updated its own copies).
course_renamed = Signal()
# course_id, student_uid, teacher_uid, course_title, student_name, promoted: bool - a student took a
# seat (promoted: from the waitlist, when another student left).
enrollment_activated = Signal()
# course_id, student_uid, teacher_uid, course_title, student_name, reason: "withdrawn" | "archived" -
# a student stopped being an active member of the course.
enrollment_ended = Signal()
# course_id, student_uid, teacher_uid, course_title, student_name - a seat of a paid course freed up
# and a student waiting for it (without having paid) may now pay to take it.
waitlist_seat_offered = Signal()
# course_id, teacher_uid, course_title, student_uid, student_name, rating - a student's first rating.
feedback_created = Signal()
# lesson: dict, actor_uid - a lesson was scheduled.
lesson_scheduled = Signal()
# lesson: dict (after the change), moved: bool (its time changed), actor_uid.
lesson_changed = Signal()
# lesson: dict, reason: str, actor_uid - a scheduled lesson was cancelled.
lesson_cancelled = Signal()
# course_id, teacher_uid, viewer_uid, viewer_role - somebody opened a course (page or API).
course_viewed = Signal()
# query, result_count, actor_uid, actor_role - a catalog search's first page was answered.
courses_searched = Signal()
# lesson_id, course_id, teacher_uid, starts_at (datetime), marks: {student_uid: "present"|"absent"|"excused"}
# - attendance of a lesson was taken (a re-mark repeats the student with the new status).
attendance_marked = Signal()
# course_id, teacher_uid, material_id, uid, role - a member downloaded a course material.
material_downloaded = Signal()
