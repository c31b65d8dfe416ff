"""The content collections: pages, blog posts, FAQ entries, course landing sections, their slugs and
revisions. See docs/data-model.md ("Content").

- `content_pages`, `content_posts`, `content_faqs`, `course_sections`: one document per item
  (generated id). Items carry `status` (draft | pending | published) and `publish_at`; the public
  sees `status == published and publish_at <= now`, so a scheduled item appears at its time with
  no job flipping it.
- `content_slugs/{kind}_{slug}`: one document per slug an item has ever had, `current` true for
  the one in use. Creating it in the same atomic write as the item makes slugs unique; the old
  ones stay (current false) so their URLs can answer 301.
- `{collection}/{id}/revisions/{number:06d}`: the last N saved versions of an item's editable
  fields, written in the same atomic unit as the change; the oldest beyond N is deleted there too.

The business rules (who, which status, what a conflict means) live in content/services.py; this
module only moves documents and reports outcomes as enums.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterator

from google.cloud import firestore

from firestore_operations.atomic import AtomicUnit, run_atomically
from firestore_operations.batches import update_matching
from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict
from firestore_operations.pagination import ASCENDING, DESCENDING, Page, fetch_page


class Kind(enum.StrEnum):
    PAGE = "page"
    POST = "post"
    FAQ = "faq"
    SECTION = "section"


COLLECTIONS = {
    Kind.PAGE: "content_pages",
    Kind.POST: "content_posts",
    Kind.FAQ: "content_faqs",
    Kind.SECTION: "course_sections",
}
SLUGS = "content_slugs"
REVISIONS = "revisions"
PUBLISHED = "published"
PAGE_SIZE = 300


class SaveOutcome(enum.Enum):
    SAVED = "saved"
    MISSING = "missing"  # the item does not exist (any more)
    SLUG_TAKEN = "slug_taken"  # another item holds (or held) the slug


def _collection(kind: Kind) -> firestore.CollectionReference:
    return db().collection(COLLECTIONS[kind])


def _ref(kind: Kind, item_id: str) -> firestore.DocumentReference:
    return _collection(kind).document(item_id)


def _slug_ref(kind: Kind, slug: str) -> firestore.DocumentReference:
    return db().collection(SLUGS).document(f"{kind.value}_{slug}")


def _revision_ref(kind: Kind, item_id: str, number: int) -> firestore.DocumentReference:
    return _ref(kind, item_id).collection(REVISIONS).document(f"{number:06d}")


def valid_id(value: str) -> bool:
    """Whether Firestore accepts it as a document id (an unusable one simply finds nothing)."""
    if not value or "/" in value or len(value.encode()) > 200 or value in (".", ".."):
        return False
    return not (value.startswith("__") and value.endswith("__"))


def new_id(kind: Kind) -> str:
    return _collection(kind).document().id


def get_item(kind: Kind, item_id: str) -> dict | None:
    if not valid_id(item_id):
        return None
    return snapshot_to_dict(_ref(kind, item_id).get())


def get_items(kind: Kind, item_ids: list[str]) -> dict[str, dict]:
    """Several items in one round trip (featured lists); missing ones are left out."""
    refs = [_ref(kind, item_id) for item_id in dict.fromkeys(item_ids) if valid_id(item_id)]
    found = {}
    for snap in db().get_all(refs):
        item = snapshot_to_dict(snap)
        if item is not None:
            found[item["id"]] = item
    return found


def get_slug(kind: Kind, slug: str) -> dict | None:
    """{"item_id", "current", ...} for a slug ever used by an item of this kind, or None."""
    if not valid_id(slug):
        return None
    return snapshot_to_dict(_slug_ref(kind, slug).get())


def _claim_slug(unit: AtomicUnit, kind: Kind, slug: str, item_id: str) -> bool:
    """Make `slug` the current slug of item_id inside the unit; False when another item holds it."""
    ref = _slug_ref(kind, slug)
    existing = unit.get(ref)
    if existing is not None and existing.get("item_id") != item_id:
        return False
    unit.put(ref, {"kind": kind.value, "slug": slug, "item_id": item_id, "current": True})
    return True


def _stamp_revision(unit: AtomicUnit, kind: Kind, item_id: str, number: int, *, revision: dict, keep: int) -> None:
    ref = _revision_ref(kind, item_id, number)
    unit.get(ref)
    unit.put(ref, {**revision, "number": number, "saved_at": firestore.SERVER_TIMESTAMP})
    if number > keep:
        # The revision that falls out of the window; deleting a missing document is a no-op.
        old = _revision_ref(kind, item_id, number - keep)
        if unit.get(old) is not None:
            unit.delete(old)


def create_item(kind: Kind, item_id: str, data: dict, *, revision: dict, keep_revisions: int) -> SaveOutcome:
    """Write a new item, claim its slug (when it has one) and store revision 1, all or nothing."""
    ref = _ref(kind, item_id)
    stamps = {"created_at": firestore.SERVER_TIMESTAMP, "updated_at": firestore.SERVER_TIMESTAMP}

    def body(unit: AtomicUnit) -> SaveOutcome:
        if unit.get(ref) is not None:
            return SaveOutcome.SLUG_TAKEN  # a generated id never collides; treated as a clash
        slug = data.get("slug")
        if slug and not _claim_slug(unit, kind, slug, item_id):
            return SaveOutcome.SLUG_TAKEN
        unit.put(ref, {**data, **stamps, "revision": 1, "slugs": [slug] if slug else []})
        _stamp_revision(unit, kind, item_id, 1, revision=revision, keep=keep_revisions)
        return SaveOutcome.SAVED

    return run_atomically(body)


def update_item(
    kind: Kind,
    item_id: str,
    decide: Callable[[dict], dict],
    *,
    revision_of: Callable[[dict], dict] | None,
    keep_revisions: int,
) -> tuple[SaveOutcome, dict | None]:
    """Read the item, let `decide(item)` return the changes (it may raise to refuse), and write them
    with the slug change and a new revision (revision_of(merged item)) in one atomic unit.

    Returns (outcome, the item as it was before). `decide` runs again if a concurrent change made the
    commit fail, so it always judges the item it changes.
    """
    ref = _ref(kind, item_id)

    def body(unit: AtomicUnit) -> tuple[SaveOutcome, dict | None]:
        current = unit.get(ref)
        if current is None:
            return SaveOutcome.MISSING, None
        changes = dict(decide(current))
        new_slug = changes.get("slug")
        slugs = list(current.get("slugs", []))
        if new_slug and new_slug != current.get("slug"):
            if not _claim_slug(unit, kind, new_slug, item_id):
                return SaveOutcome.SLUG_TAKEN, current
            old_slug = current.get("slug")
            if old_slug:
                old_ref = _slug_ref(kind, old_slug)
                if unit.get(old_ref) is not None:
                    unit.update(old_ref, {"current": False})
            if new_slug not in slugs:
                slugs.append(new_slug)
            changes["slugs"] = slugs
        number = int(current.get("revision", 0)) + 1
        if revision_of is not None:
            changes["revision"] = number
        unit.update(ref, {**changes, "updated_at": firestore.SERVER_TIMESTAMP})
        if revision_of is not None:
            merged = {**current, **changes}
            _stamp_revision(unit, kind, item_id, number, revision=revision_of(merged), keep=keep_revisions)
        return SaveOutcome.SAVED, current

    return run_atomically(body)


def set_item_fields(kind: Kind, item_id: str, changes: dict) -> bool:
    """Update fields no revision covers (cover image); False when the item is gone."""
    ref = _ref(kind, item_id)

    def body(unit: AtomicUnit) -> bool:
        if unit.get(ref) is None:
            return False
        unit.update(ref, {**changes, "updated_at": firestore.SERVER_TIMESTAMP})
        return True

    return run_atomically(body)


def delete_item(kind: Kind, item_id: str) -> dict | None:
    """Delete the item, every slug it held and its revisions; the deleted item, or None if missing."""
    ref = _ref(kind, item_id)

    def body(unit: AtomicUnit) -> dict | None:
        current = unit.get(ref)
        if current is None:
            return None
        for slug in current.get("slugs", []):
            slug_ref = _slug_ref(kind, slug)
            held = unit.get(slug_ref)
            if held is not None and held.get("item_id") == item_id:
                unit.delete(slug_ref)
        unit.delete(ref)
        return current

    deleted = run_atomically(body)
    if deleted is not None:
        for revision_ref in ref.collection(REVISIONS).list_documents():
            revision_ref.delete()
    return deleted


# --- revisions -------------------------------------------------------------------------------------


def list_revisions(kind: Kind, item_id: str, *, limit: int) -> list[dict]:
    query = _ref(kind, item_id).collection(REVISIONS).order_by("number", direction=DESCENDING).limit(limit)
    return [snapshot_to_dict(snap) for snap in query.stream()]


def get_revision(kind: Kind, item_id: str, number: int) -> dict | None:
    if number < 1:
        return None
    return snapshot_to_dict(_revision_ref(kind, item_id, number).get())


# --- lists ---------------------------------------------------------------------------------------


def _eq(field: str, value) -> firestore.FieldFilter:
    return firestore.FieldFilter(field, "==", value)


def list_published(
    kind: Kind,
    *,
    now: dt.datetime,
    limit: int,
    cursor: str | None,
    tag: str | None = None,
    token: str | None = None,
    keep: Callable[[dict], bool] | None = None,
) -> Page:
    """Published items visible at `now`, newest first: one query per page.

    Firestore allows one array-contains per query: pass either `tag` or `token` (a search word);
    `keep` checks the rest on the returned rows.
    """
    query = _collection(kind).where(filter=_eq("status", PUBLISHED))
    query = query.where(filter=firestore.FieldFilter("publish_at", "<=", now))
    tag_part = ""
    if tag:
        query = query.where(filter=firestore.FieldFilter("tags", "array_contains", tag))
        tag_part = f"t={tag}"
    elif token:
        query = query.where(filter=firestore.FieldFilter("search_tokens", "array_contains", token))
        tag_part = f"q={token}"
    return fetch_page(
        query,
        order=[("publish_at", DESCENDING)],
        limit=limit,
        cursor=cursor,
        tag=f"content:{kind.value}:pub:{tag_part}",
        keep=keep,
    )


def next_scheduled(kind: Kind, *, now: dt.datetime) -> dt.datetime | None:
    """When the next scheduled item of this kind becomes visible (caches expire then), or None."""
    query = (
        _collection(kind)
        .where(filter=_eq("status", PUBLISHED))
        .where(filter=firestore.FieldFilter("publish_at", ">", now))
        .order_by("publish_at", direction=ASCENDING)
        .limit(1)
    )
    for snap in query.stream():
        return (snap.to_dict() or {}).get("publish_at")
    return None


def list_managed(kind: Kind, *, author_uid: str | None, limit: int, cursor: str | None) -> Page:
    """Items in every status, last changed first; `author_uid` narrows to one author's items."""
    query = _collection(kind)
    if author_uid:
        query = query.where(filter=_eq("author_uid", author_uid))
    return fetch_page(
        query,
        order=[("updated_at", DESCENDING)],
        limit=limit,
        cursor=cursor,
        tag=f"content:{kind.value}:manage:{author_uid or '*'}",
    )


def list_ordered(
    kind: Kind,
    *,
    equals: dict[str, object],
    order: list[str],
    limit: int,
    cursor: str | None,
    keep: Callable[[dict], bool] | None = None,
) -> Page:
    """FAQ entries and course sections: equality filters, then ascending position order."""
    query = _collection(kind)
    for field, value in sorted(equals.items()):
        query = query.where(filter=_eq(field, value))
    key = ",".join(f"{field}={value}" for field, value in sorted(equals.items()))
    return fetch_page(
        query,
        order=[(field, ASCENDING) for field in order],
        limit=limit,
        cursor=cursor,
        tag=f"content:{kind.value}:ord:{key}",
        keep=keep,
    )


def iter_ordered(kind: Kind, *, equals: dict[str, object], order: list[str]) -> Iterator[dict]:
    """Every matching item, read page by page (the FAQ page, a course's sections)."""
    cursor = None
    while True:
        page = list_ordered(kind, equals=equals, order=order, limit=100, cursor=cursor)
        yield from page.items
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def iter_published(kind: Kind, *, now: dt.datetime) -> Iterator[dict]:
    """Every published item visible now, newest first (sitemap), page by page."""
    cursor = None
    while True:
        page = list_published(kind, now=now, limit=100, cursor=cursor)
        yield from page.items
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def update_author_name(author_uid: str, name: str) -> int:
    """Rewrite the copied author name on every item the author wrote (pages, posts, FAQ, sections)."""
    changed = 0
    for kind in Kind:
        query = _collection(kind).where(filter=_eq("author_uid", author_uid))
        changed += update_matching(query, {"author_name": name})
    return changed
