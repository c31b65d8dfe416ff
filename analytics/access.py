"""Whose numbers a viewer may see: the one place the analytics scoping rules live.

Admins: everything. Teachers: their own courses, the students in them and their own revenue
(another teacher's course is a 404, as if it did not exist). Parents: their linked children.
Students: themselves. Anyone else: 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from authentication.access import linked_children
from courses.access import get_course_or_404
from cplatform import errors
from cplatform.actor import ADMIN, PARENT, STUDENT, TEACHER, Actor
from firestore_operations import users as user_store


@dataclass(frozen=True)
class Scope:
    """What a report reads: documents whose `label` is one of `values` (label "scope_id" for one scope)."""

    kind: str  # "platform", "teacher", "course", "students"
    label: str
    values: tuple[str, ...]
    course_id: str | None = None


def _own_course(actor: Actor, course_id: str) -> dict:
    """A course the actor may report on. Raises NotFound (missing, or another teacher's)."""
    course = get_course_or_404(course_id)
    if actor.role == TEACHER and course.get("teacher_uid") != actor.uid:
        raise errors.NotFound("No such course.")
    return course


def engagement_scope(actor: Actor, *, course_id: str | None, teacher_uid: str | None) -> Scope:
    """Platform (admins), a teacher's courses, or one course. Raises PermissionDenied, NotFound."""
    if actor.role not in (ADMIN, TEACHER):
        raise errors.PermissionDenied("Engagement reports are for teachers and admins.", code="wrong_role")
    if course_id:
        _own_course(actor, course_id)
        return Scope("course", "scope_id", (course_id,), course_id=course_id)
    if actor.role == TEACHER:
        if teacher_uid not in (None, actor.uid):
            raise errors.NotFound("No such teacher.")
        return Scope("teacher", "scope_id", (actor.uid,))
    if teacher_uid:
        profile = user_store.get_profile(teacher_uid)
        if not profile or profile.get("role") != TEACHER:
            raise errors.NotFound("No such teacher.")
        return Scope("teacher", "scope_id", (teacher_uid,))
    return Scope("platform", "scope_id", ("all",))


def progress_scope(actor: Actor, *, course_id: str | None, student_uid: str | None) -> Scope:
    """Which student-course records a viewer may see. Raises PermissionDenied, NotFound."""
    if actor.role == STUDENT:
        if student_uid not in (None, actor.uid):
            raise errors.PermissionDenied("Students see only their own progress.")
        return Scope("students", "student_uid", (actor.uid,), course_id=course_id)
    if actor.role == PARENT:
        children = linked_children(actor)
        if student_uid:
            if student_uid not in children:
                raise errors.PermissionDenied("This student is not linked to you.")
            children = [student_uid]
        return Scope("students", "student_uid", tuple(children), course_id=course_id)
    if actor.role == TEACHER:
        if course_id:
            _own_course(actor, course_id)
            return Scope("course", "course_id", (course_id,), course_id=course_id)
        # A student filter narrows the teacher's own records; it never opens another teacher's.
        return Scope("teacher", "teacher_uid", (actor.uid,))
    if actor.role == ADMIN:
        if course_id:
            get_course_or_404(course_id)
            return Scope("course", "course_id", (course_id,), course_id=course_id)
        if student_uid:
            return Scope("students", "student_uid", (student_uid,))
        return Scope("platform", "", ())
    raise errors.PermissionDenied("Progress reports need an account with a role.", code="wrong_role")


def revenue_teacher(actor: Actor, teacher_uid: str | None) -> str | None:
    """Whose revenue: a teacher's own, or any (None = all) for admins. Raises PermissionDenied, NotFound."""
    if actor.role == TEACHER:
        if teacher_uid not in (None, actor.uid):
            raise errors.NotFound("No such teacher.")
        return actor.uid
    if actor.role == ADMIN:
        return teacher_uid or None
    raise errors.PermissionDenied("Revenue reports are for teachers and admins.", code="wrong_role")
