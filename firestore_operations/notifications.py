"""Notifications of one user at `users/{uid}/notifications/{id}`, and the email digest queue at
`users/{uid}/email_digest_queue/{id}`.

A subcollection per user: every screen reads one user's notifications, so no query needs a
recipient filter, and another user's id simply is not found. Ids are drawn on the client before
the commit, so a retried commit rewrites the same documents instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

from google.api_core import exceptions as google_exceptions
from google.cloud import firestore

from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict, valid_id
from firestore_operations.pagination import DESCENDING, Page, fetch_page
from firestore_operations.users import COLLECTION as USERS

logger = logging.getLogger(__name__)

NOTIFICATIONS = "notifications"
DIGEST_QUEUE = "email_digest_queue"
MAX_BATCH_WRITES = 500  # Firestore's limit per commit
COMMIT_ATTEMPTS = 3
TRANSIENT = (
    google_exceptions.ServiceUnavailable,
    google_exceptions.DeadlineExceeded,
    google_exceptions.Aborted,
    google_exceptions.InternalServerError,
    google_exceptions.ResourceExhausted,
)


def _notifications(uid: str) -> firestore.CollectionReference:
    return db().collection(USERS).document(uid).collection(NOTIFICATIONS)


def _queue(uid: str) -> firestore.CollectionReference:
    return db().collection(USERS).document(uid).collection(DIGEST_QUEUE)


def _valid_id(value: str) -> bool:
    return valid_id(value)


# --- writing ------------------------------------------------------------------------------------


@dataclass
class NotificationWrite:
    """What to write for one recipient: the in-app notification and/or an email digest queue item."""

    uid: str
    notification: dict | None  # kind, title, body, data, actor_uid (read/created_at are added here)
    digest_period: str | None = None  # daily | weekly | held: queue an email for later
    digest_item: dict | None = None  # kind, title, body, data, actor_uid
    notification_id: str | None = None  # drawn beforehand (new_notification_id) when the caller needs it


def new_notification_id(uid: str) -> str:
    """An id for a notification not yet written (pushes about it are recorded in the same batch)."""
    return _notifications(uid).document().id


def server_time(result) -> dt.datetime | None:
    """The exact value SERVER_TIMESTAMP took in a write (update_time can differ from the stored value)."""
    for value in result.transform_results:
        if "timestamp_value" in value:
            return value.timestamp_value
    return result.update_time


def _commit_with_retry(operations: list) -> list:
    """Commit [(ref, data)] in one batch; transient failures are retried (the ids are fixed)."""
    for attempt in range(COMMIT_ATTEMPTS):
        batch = db().batch()
        for ref, data in operations:
            batch.set(ref, data)
        try:
            return list(batch.commit())
        except TRANSIENT:
            if attempt == COMMIT_ATTEMPTS - 1:
                raise
            logger.warning("notification commit failed (attempt %d); retrying", attempt + 1, exc_info=True)
            time.sleep(0.2 * 2**attempt)
    return []


def write_notifications(
    writes: list[NotificationWrite], *, outbox_entries: list | None = None
) -> list[tuple[str, dt.datetime | None] | None]:
    """Write every recipient's documents in as few batches as possible; `outbox_entries` (the email
    and push deliveries, firestore_operations.outbox.OutboxWrite) go in the last batch with them.

    Returns, per write, (notification id, created_at) - or None where no in-app notification was
    written (only a queued email).
    """
    written: list[tuple[str, dt.datetime | None] | None] = []
    created: dict[str, dt.datetime | None] = {}
    operations: list = []

    def flush():
        for (ref, _), result in zip(operations, _commit_with_retry(operations), strict=True):
            if ref.parent.id == NOTIFICATIONS:
                created[ref.id] = server_time(result)
        operations.clear()

    for write in writes:
        ref = _notifications(write.uid).document(write.notification_id) if write.notification is not None else None
        written.append((ref.id, None) if ref else None)
        pending = []
        if ref is not None:
            pending.append(
                (
                    ref,
                    {
                        **write.notification,
                        "read": False,
                        "read_at": None,
                        "created_at": firestore.SERVER_TIMESTAMP,
                    },
                )
            )
        if write.digest_period:
            queue_ref = _queue(write.uid).document(ref.id if ref else None)
            item = {
                **(write.digest_item or write.notification or {}),
                "notification_id": ref.id if ref else None,
                "period": write.digest_period,
                "created_at": firestore.SERVER_TIMESTAMP,
            }
            pending.append((queue_ref, item))
        if len(operations) + len(pending) > MAX_BATCH_WRITES:
            flush()
        operations.extend(pending)
    # A big fan-out spills over several batches; each entry still commits with a notification batch.
    for item in outbox_entries or []:
        if len(operations) >= MAX_BATCH_WRITES:
            flush()
        operations.append((item.ref, item.data))
    if operations:
        flush()
    return [(entry[0], created.get(entry[0])) if entry else None for entry in written]


# --- reading and marking read ---------------------------------------------------------------------


def list_notifications(uid: str, *, unread_only: bool, limit: int, cursor: str | None) -> Page:
    """Newest first, one query per page. Raises InvalidCursor."""
    query = _notifications(uid)
    if unread_only:
        query = query.where(filter=firestore.FieldFilter("read", "==", False))
    # The uid is part of the tag: another user's cursor (another collection) is refused, not run.
    tag = f"notifications:{uid}:{'unread' if unread_only else 'all'}"
    return fetch_page(query, order=[("created_at", DESCENDING)], limit=limit, cursor=cursor, tag=tag)


def get_notification(uid: str, notification_id: str) -> dict | None:
    if not _valid_id(notification_id):
        return None
    return snapshot_to_dict(_notifications(uid).document(notification_id).get())


def mark_read(uid: str, notification_id: str) -> dict | None:
    """Mark one notification read (keeping the first read_at); None when the user has no such one."""
    if not _valid_id(notification_id):
        return None
    ref = _notifications(uid).document(notification_id)
    item = snapshot_to_dict(ref.get())
    if item is None or item.get("read"):
        return item
    try:
        result = ref.update({"read": True, "read_at": firestore.SERVER_TIMESTAMP})
    except google_exceptions.NotFound:
        return None
    return {**item, "read": True, "read_at": server_time(result)}


def mark_all_read(uid: str, *, limit: int) -> tuple[int, bool]:
    """Mark up to `limit` unread notifications read in one batch; returns (marked, more_remain)."""
    limit = max(1, min(limit, MAX_BATCH_WRITES))
    query = _notifications(uid).where(filter=firestore.FieldFilter("read", "==", False)).select(["read"])
    snapshots = list(query.limit(limit + 1).stream())
    chosen = snapshots[:limit]
    if chosen:
        batch = db().batch()
        for snap in chosen:
            batch.update(snap.reference, {"read": True, "read_at": firestore.SERVER_TIMESTAMP})
        batch.commit()
    return len(chosen), len(snapshots) > limit


def count_unread(uid: str) -> int:
    """One count() aggregation: billed per 1,000 index entries, not per notification."""
    query = _notifications(uid).where(filter=firestore.FieldFilter("read", "==", False))
    result = query.count(alias="unread").get()
    return int(result[0][0].value) if result and result[0] else 0


# --- the email digest queue -----------------------------------------------------------------------


def iter_digest_queue(period: str, *, page_size: int = 300) -> Iterator[tuple[str, list[dict]]]:
    """Yield (uid, queued items) per user, all of a user's items together, over every user.

    One collection-group query per page, ordered by document path, so a user's items are
    contiguous; a user cut by a page boundary is held back until the next page completes them.
    Each item carries its document `path` for deleting or holding it afterwards.
    """
    base = db().collection_group(DIGEST_QUEUE).where(filter=firestore.FieldFilter("period", "==", period))
    last = None
    current_uid, current_items = None, []
    while True:
        query = base.order_by("__name__").limit(page_size)
        if last is not None:
            query = query.start_after(last)
        snapshots = list(query.stream())
        for snap in snapshots:
            uid = snap.reference.parent.parent.id
            if uid != current_uid and current_items:
                yield current_uid, current_items
                current_items = []
            current_uid = uid
            current_items.append({**snapshot_to_dict(snap), "path": snap.reference.path})
        if len(snapshots) < page_size:
            break
        last = snapshots[-1]
    if current_items:
        yield current_uid, current_items


def _batched(operations: list, apply) -> None:
    for start in range(0, len(operations), MAX_BATCH_WRITES):
        batch = db().batch()
        for item in operations[start : start + MAX_BATCH_WRITES]:
            apply(batch, item)
        batch.commit()


def delete_digest_items(paths: list[str]) -> None:
    """Remove sent items (only those: items queued meanwhile wait for the next run)."""
    _batched(paths, lambda batch, path: batch.delete(db().document(path)))


def hold_digest_items(paths: list[str]) -> None:
    """Move queued items to the 'held' queue, sent once the user's quiet hours are over."""
    _batched(paths, lambda batch, path: batch.update(db().document(path), {"period": "held"}))


# --- account deletion -----------------------------------------------------------------------------


def delete_all_of_user(uid: str) -> int:
    """Delete every notification and queued email of the user, a batch of 500 at a time; returns how many."""
    deleted = 0
    for collection in (_notifications(uid), _queue(uid)):
        while True:
            snapshots = list(collection.select([]).limit(MAX_BATCH_WRITES).stream())
            if not snapshots:
                break
            batch = db().batch()
            for snap in snapshots:
                batch.delete(snap.reference)
            batch.commit()
            deleted += len(snapshots)
    return deleted
