"""Who may see or change a content item: the one place these rules live (API and pages use it).

- Admins manage everything.
- Teachers manage their own blog posts (an admin approves them before they go public) and the
  landing sections of their own courses.
- Everyone else, anonymous visitors included, sees published items whose time has come.
Items a visitor may not see answer 404 (their existence is not revealed).
"""

from __future__ import annotations

import datetime as dt

from cplatform import errors
from cplatform.actor import ADMIN, TEACHER, Actor
from firestore_operations import content as store
from firestore_operations.content import Kind

DRAFT, PENDING, PUBLISHED = "draft", "pending", "published"
STATUSES = (DRAFT, PENDING, PUBLISHED)
NOT_FOUND = {
    Kind.PAGE: "No such page.",
    Kind.POST: "No such blog post.",
    Kind.FAQ: "No such question.",
    Kind.SECTION: "No such course section.",
}


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def is_admin(actor: Actor | None) -> bool:
    return actor is not None and actor.role == ADMIN


def is_teacher(actor: Actor | None) -> bool:
    return actor is not None and actor.role == TEACHER


def is_visible(item: dict, *, now: dt.datetime | None = None) -> bool:
    """Published and its time has come (a scheduled item turns visible at publish_at, no job needed)."""
    publish_at = item.get("publish_at")
    if item.get("status") != PUBLISHED or not isinstance(publish_at, dt.datetime):
        return False
    return publish_at <= (now or now_utc())


def can_manage(actor: Actor | None, kind: Kind, item: dict) -> bool:
    if is_admin(actor):
        return True
    if not is_teacher(actor):
        return False
    if kind == Kind.POST:
        return item.get("author_uid") == actor.uid
    if kind == Kind.SECTION:
        return item.get("teacher_uid") == actor.uid
    return False


def can_create(actor: Actor | None, kind: Kind) -> bool:
    if is_admin(actor):
        return True
    return is_teacher(actor) and kind in (Kind.POST, Kind.SECTION)


def require_create(actor: Actor | None, kind: Kind) -> None:
    if not can_create(actor, kind):
        raise errors.PermissionDenied(
            {
                Kind.PAGE: "Only admins write pages.",
                Kind.FAQ: "Only admins write FAQ entries.",
                Kind.POST: "Only teachers and admins write blog posts.",
                Kind.SECTION: "Only the course's teacher and admins write its sections.",
            }[kind],
            code="wrong_role",
        )


def access_item(actor: Actor | None, kind: Kind, item_id: str, *, for_write: bool = False) -> dict:
    """The item, if the actor may see it (or change it, with for_write). Raises NotFound, PermissionDenied."""
    item = store.get_item(kind, item_id)
    if item is None:
        raise errors.NotFound(NOT_FOUND[kind])
    manager = can_manage(actor, kind, item)
    if for_write:
        if manager:
            return item
        if is_visible(item):
            raise errors.PermissionDenied(_refusal(kind))
        raise errors.NotFound(NOT_FOUND[kind])
    if manager or is_visible(item):
        return item
    raise errors.NotFound(NOT_FOUND[kind])


def _refusal(kind: Kind) -> str:
    return {
        Kind.PAGE: "Only admins change pages.",
        Kind.FAQ: "Only admins change FAQ entries.",
        Kind.POST: "Only the post's author and admins change it.",
        Kind.SECTION: "Only the course's teacher and admins change its sections.",
    }[kind]
