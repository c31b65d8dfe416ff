"""Who may see or change a course: the one place these rules live (API, pages and consumers use it)."""

from __future__ import annotations

from authentication.access import linked_children
from cplatform import errors
from cplatform.actor import ADMIN, PARENT, STUDENT, TEACHER, Actor
from firestore_operations import courses as course_store
from firestore_operations import enrollments as enrollment_store

PUBLISHED, DRAFT, ARCHIVED = "published", "draft", "archived"


def is_owner(actor: Actor, course: dict) -> bool:
    return actor.role == TEACHER and course.get("teacher_uid") == actor.uid


def access_course(actor: Actor, course_id: str, *, for_write: bool = False) -> dict:
    """The course, if the actor may see it (or change it, with for_write). Raises NotFound, PermissionDenied.

    Drafts are invisible (404) to everyone but their teacher and admins; archived courses stay
    visible to those who were part of them.
    """
    course = course_store.get_course(course_id)
    if course is None:
        raise errors.NotFound("No such course.")
    manager = is_owner(actor, course) or actor.role == ADMIN
    if for_write:
        if not manager:
            raise errors.PermissionDenied("Only the course's teacher or an admin can change it.")
        return course
    if course.get("status") == DRAFT and not manager:
        raise errors.NotFound("No such course.")
    return course


def is_active_student(student_uid: str, course_id: str) -> bool:
    enrollment = enrollment_store.get_enrollment(course_id, student_uid)
    return bool(enrollment) and enrollment.get("status") == "active"


def access_course_content(actor: Actor, course_id: str) -> dict:
    """The course, if the actor may see its members-only parts (materials, roster of lessons' details).

    Owner, admins, actively enrolled students and parents of an actively enrolled child.
    Raises NotFound, PermissionDenied.
    """
    course = access_course(actor, course_id)
    if is_owner(actor, course) or actor.role == ADMIN:
        return course
    if actor.role == STUDENT and is_active_student(actor.uid, course_id):
        return course
    if actor.role == PARENT and any(is_active_student(child, course_id) for child in linked_children(actor)):
        return course
    raise errors.PermissionDenied(
        "Only the course's teacher and its enrolled students (and their parents) can see this."
    )
