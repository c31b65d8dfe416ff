"""Who may see or change a course, its members-only content and its lessons: the one place these rules
live (services of every sub-domain call these helpers; API views, pages and consumers go through them)."""

from __future__ import annotations

from authentication.access import linked_children
from cplatform import errors
from cplatform.actor import ADMIN, PARENT, STUDENT, TEACHER, Actor
from firestore_operations import courses as course_store
from firestore_operations import enrollments as enrollment_store
from firestore_operations import lessons as lesson_store

PUBLISHED, DRAFT, ARCHIVED = "published", "draft", "archived"


def get_course_or_404(course_id: str) -> dict:
    course = course_store.get_course(course_id)
    if course is None:
        raise errors.NotFound("No such course.")
    return course


def is_owner(actor: Actor, course: dict) -> bool:
    return actor.role == TEACHER and course.get("teacher_uid") == actor.uid


def is_manager(actor: Actor, course: dict) -> bool:
    """The course's teacher or an admin: who may change the course."""
    return is_owner(actor, course) or actor.role == ADMIN


def access_course(actor: Actor, course_id: str, *, for_write: bool = False) -> dict:
    """The course, if the actor may see it (or change it, with for_write). Raises NotFound, PermissionDenied.

    Drafts are invisible (404) to everyone but their teacher and admins; archived courses stay
    visible to those who were part of them.
    """
    course = get_course_or_404(course_id)
    manager = is_manager(actor, course)
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


def is_member(actor: Actor, course: dict) -> bool:
    """Whether the actor may see the course's members-only parts (materials, lessons' meeting links):
    its teacher, admins, actively enrolled students and the parents of an actively enrolled child."""
    if is_manager(actor, course):
        return True
    if actor.role == STUDENT:
        return is_active_student(actor.uid, course["id"])
    if actor.role == PARENT:
        return any(is_active_student(child, course["id"]) for child in linked_children(actor))
    return False


def access_course_content(actor: Actor, course_id: str) -> dict:
    """The course, if the actor is one of its members (is_member). Raises NotFound, PermissionDenied."""
    course = access_course(actor, course_id)
    if not is_member(actor, course):
        raise errors.PermissionDenied(
            "Only the course's teacher and its enrolled students (and their parents) can see this."
        )
    return course


def access_lesson_for_write(actor: Actor, lesson_id: str) -> dict:
    """The lesson, if the actor teaches it or is an admin. Raises NotFound, PermissionDenied."""
    lesson = lesson_store.get_lesson(lesson_id)
    if lesson is None:
        raise errors.NotFound("No such lesson.")
    if actor.role == ADMIN or (actor.role == TEACHER and lesson.get("teacher_uid") == actor.uid):
        return lesson
    raise errors.PermissionDenied("Only the lesson's teacher or an admin can do this.")
