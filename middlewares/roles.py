"""Who may call what. Every API view, page and consumer states its roles; nothing is open by default."""

from __future__ import annotations

from cplatform import errors
from cplatform.actor import ADMIN, ALL_ROLES, PARENT, STUDENT, TEACHER, Actor


class _Public:
    """Marker for routes that need no sign-in (health checks, register, login)."""

    def __repr__(self) -> str:
        return "PUBLIC"


PUBLIC = _Public()
SIGNED_IN = ALL_ROLES
TEACHERS = frozenset({TEACHER})
STUDENTS = frozenset({STUDENT})
PARENTS = frozenset({PARENT})
ADMINS = frozenset({ADMIN})
TEACHERS_AND_ADMINS = frozenset({TEACHER, ADMIN})
STUDENTS_AND_PARENTS = frozenset({STUDENT, PARENT})


def check_roles(actor: Actor | None, roles) -> None:
    """Raise Unauthenticated (no actor) or PermissionDenied (wrong role); None means undeclared."""
    if roles is None:
        raise errors.PermissionDenied("This route declares no roles and is closed.", code="no_roles_declared")
    if roles is PUBLIC:
        return
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise errors.Unauthenticated("Sign in first.")
    if actor.role not in roles:
        allowed = ", ".join(sorted(roles))
        raise errors.PermissionDenied(f"This is for {allowed} accounts only.", code="wrong_role")
