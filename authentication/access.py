"""Who may see an account, and for which children a parent acts: the one place these rules live.

Services of every app call these helpers (Zulip's `access_*_by_id` pattern): they fetch, check and
raise `cplatform.errors`, so a page, an API view and a consumer can never disagree on a rule.
"""

from __future__ import annotations

from cplatform import errors
from cplatform.actor import ADMIN, PARENT, STUDENT, TEACHER, Actor
from firestore_operations import enrollments as enrollment_store
from firestore_operations import users as user_store

# A parent has at most this many linked children (a link code is refused past it).
MAX_CHILDREN = 10


def get_profile_or_404(uid: str) -> dict:
    profile = user_store.get_profile(uid)
    if profile is None:
        raise errors.NotFound("No such user.")
    return profile


def children_of(parent: dict) -> list[str]:
    """The uids a parent's profile links to (never more than MAX_CHILDREN)."""
    return list((parent.get("parent") or {}).get("children", []))[:MAX_CHILDREN]


def is_parent_of(parent_uid: str, child_uid: str) -> bool:
    """Whether the parent is linked to the child (one lookup)."""
    child = user_store.get_profile(child_uid)
    return bool(child) and parent_uid in (child.get("student") or {}).get("parents", [])


def profile_scope(actor: Actor, profile: dict) -> str:
    """How much of a profile the actor may see: 'full', 'related' or 'public'. Raises PermissionDenied."""
    if actor.uid == profile["id"] or actor.role == ADMIN:
        return "full"
    role = profile.get("role")
    if role == TEACHER:
        return "public"
    if role == STUDENT:
        if actor.role == PARENT and actor.uid in (profile.get("student") or {}).get("parents", []):
            return "related"
        if actor.role == TEACHER and enrollment_store.teacher_has_student(actor.uid, profile["id"]):
            return "related"
    if role == PARENT and actor.role == STUDENT and actor.uid in children_of(profile):
        return "related"
    raise errors.PermissionDenied("You may not see this profile.")


def access_profile(actor: Actor, uid: str) -> tuple[dict, str]:
    """The profile and the actor's scope on it. Raises NotFound, PermissionDenied."""
    profile = get_profile_or_404(uid)
    if profile.get("disabled") and actor.role != ADMIN:
        raise errors.NotFound("No such user.")
    return profile, profile_scope(actor, profile)


def linked_children(actor: Actor) -> list[str]:
    """The parent's linked children, one profile read (empty for other roles)."""
    if actor.role != PARENT:
        return []
    return children_of(user_store.get_profile(actor.uid) or {})


def access_child(actor: Actor, student_uid: str) -> str:
    """The child a parent acts for, if linked. Raises PermissionDenied."""
    if student_uid not in linked_children(actor):
        raise errors.PermissionDenied("This student is not linked to you.")
    return student_uid
