"""The transactional outbox (`outbox/{id}`) and the failed tasks admins look at (`failed_tasks/{id}`).

Slow side effects (an email, a push) are written as an outbox entry in the same batch as the change
that causes them, so a committed change always has its side effect on record, whether or not Redis
or a worker is up at that moment. A relay moves due entries to the task queue; a worker claims an
entry before running it, so a message delivered twice (a relay repeat, a redelivery after a crash)
runs the side effect once. The entry id is the dedupe key.

Life of an entry (`status`): pending -> queued -> running -> done, or back to pending with a later
`due_at` after a failure, or failed (copied to `failed_tasks`) after the last attempt. `due_at` is
when the relay should (re)send it: for pending, after the kick's grace; for queued and running,
when the lease runs out (a worker that died mid-task). Done and failed entries have no `due_at`,
so the relay's one query never sees them; `expire_at` lets a Firestore TTL policy delete them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from google.api_core import exceptions as google_exceptions
from google.cloud import firestore

from firestore_operations.atomic import AtomicUnit, run_atomically
from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict, valid_id
from firestore_operations.pagination import DESCENDING, Page, fetch_page

COLLECTION = "outbox"
FAILED = "failed_tasks"
ACTIVE = ("pending", "queued", "running")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _outbox() -> firestore.CollectionReference:
    return db().collection(COLLECTION)


@dataclass
class OutboxWrite:
    """One entry ready to go into a caller's batch: `ref` is fixed, so a retried commit rewrites it."""

    ref: firestore.DocumentReference
    data: dict

    @property
    def id(self) -> str:
        return self.ref.id


def new_entry(task: str, payload: dict, *, grace_seconds: float, request_id: str | None = None) -> OutboxWrite:
    """An entry for `task` (a handler name); the relay leaves it alone for `grace_seconds` (the kick's turn)."""
    now = _now()
    return OutboxWrite(
        ref=_outbox().document(),
        data={
            "task": task,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "request_id": request_id,
            "created_at": now,
            "due_at": now + dt.timedelta(seconds=grace_seconds),
        },
    )


def add_to_batch(batch, entries: list[OutboxWrite]) -> None:
    """Put entries in a caller's batch (a WriteBatch, or an AtomicUnit via put_new)."""
    for entry in entries:
        batch.set(entry.ref, entry.data)


def write_entries(entries: list[OutboxWrite]) -> None:
    """Commit entries on their own (when the change they belong to has no batch of its own)."""
    if not entries:
        return
    batch = db().batch()
    add_to_batch(batch, entries)
    batch.commit()


def get_entry(entry_id: str) -> dict | None:
    if not valid_id(entry_id):
        return None
    return snapshot_to_dict(_outbox().document(entry_id).get())


def due_entries(*, limit: int) -> list[dict]:
    """Active entries whose `due_at` has passed, oldest first (one query: status in, due_at range)."""
    query = (
        _outbox()
        .where(filter=firestore.FieldFilter("status", "in", list(ACTIVE)))
        .where(filter=firestore.FieldFilter("due_at", "<=", _now()))
        .order_by("due_at")
        .limit(limit)
    )
    return [{**snapshot_to_dict(snap), "_update_time": snap.update_time} for snap in query.stream()]


def mark_queued(entry: dict, *, lease_seconds: float) -> bool:
    """Record that the relay sent the entry to the queue; False when it changed meanwhile (a worker took it)."""
    option = db().write_option(last_update_time=entry["_update_time"])
    try:
        _outbox().document(entry["id"]).update(
            {
                "status": "queued",
                "queued_at": _now(),
                "due_at": _now() + dt.timedelta(seconds=lease_seconds),
            },
            option=option,
        )
    except (google_exceptions.FailedPrecondition, google_exceptions.NotFound):
        return False
    return True


def claim(entry_id: str, *, lease_seconds: float) -> dict | None:
    """Take the entry for one run: None when it is gone, finished, or another worker's lease still holds.

    Atomic, so two deliveries of one entry never both run it.
    """
    if not valid_id(entry_id):
        return None
    ref = _outbox().document(entry_id)

    def body(unit: AtomicUnit) -> dict | None:
        entry = unit.get(ref)
        if entry is None or entry.get("status") not in ACTIVE:
            return None
        now = _now()
        if entry["status"] == "running" and entry.get("due_at") and entry["due_at"] > now:
            return None
        changes = {
            "status": "running",
            "attempts": int(entry.get("attempts") or 0) + 1,
            "claimed_at": now,
            "due_at": now + dt.timedelta(seconds=lease_seconds),
        }
        unit.update(ref, changes)
        return {**entry, **changes}

    return run_atomically(body)


def finish(entry_id: str, *, result: dict | None, keep_days: int) -> None:
    """The side effect happened: out of the relay's sight, deleted by the TTL policy after `keep_days`."""
    now = _now()
    _outbox().document(entry_id).update(
        {
            "status": "done",
            "done_at": now,
            "result": result or {},
            "due_at": firestore.DELETE_FIELD,
            "expire_at": now + dt.timedelta(days=keep_days),
        }
    )


def schedule_retry(entry_id: str, *, error: str, delay_seconds: float) -> None:
    """Back to pending, due again after `delay_seconds` (the backoff lives here, not in the broker)."""
    _outbox().document(entry_id).update(
        {"status": "pending", "last_error": error[:2000], "due_at": _now() + dt.timedelta(seconds=delay_seconds)}
    )


def fail(entry_id: str, *, error: str, keep_days: int) -> None:
    """No more attempts: the entry leaves the relay and a copy lands in failed_tasks for admins."""
    now = _now()
    ref = _outbox().document(entry_id)
    entry = snapshot_to_dict(ref.get()) or {}
    batch = db().batch()
    batch.update(
        ref,
        {
            "status": "failed",
            "failed_at": now,
            "last_error": error[:2000],
            "due_at": firestore.DELETE_FIELD,
            "expire_at": now + dt.timedelta(days=keep_days),
        },
    )
    batch.set(
        db().collection(FAILED).document(entry_id),
        {
            "task": entry.get("task"),
            "payload": entry.get("payload") or {},
            "attempts": entry.get("attempts") or 0,
            "error": error[:2000],
            "request_id": entry.get("request_id"),
            "created_at": entry.get("created_at"),
            "failed_at": now,
        },
    )
    batch.commit()


def list_failed(*, limit: int, cursor: str | None) -> Page:
    """Failed tasks, most recent first. Raises InvalidCursor."""
    return fetch_page(
        db().collection(FAILED), order=[("failed_at", DESCENDING)], limit=limit, cursor=cursor, tag="failed_tasks"
    )


def requeue_failed(entry_id: str, *, grace_seconds: float = 0) -> bool:
    """Give a failed task a fresh set of attempts; False when there is no such failed task."""
    if not valid_id(entry_id):
        return False
    failed_ref = db().collection(FAILED).document(entry_id)
    if not failed_ref.get().exists:
        return False
    batch = db().batch()
    batch.update(
        _outbox().document(entry_id),
        {
            "status": "pending",
            "attempts": 0,
            "due_at": _now() + dt.timedelta(seconds=grace_seconds),
            "expire_at": firestore.DELETE_FIELD,
        },
    )
    batch.delete(failed_ref)
    try:
        batch.commit()
    except google_exceptions.NotFound:
        # The outbox entry expired (TTL) meanwhile: nothing left to run.
        return False
    return True


def backlog() -> dict:
    """How many active entries are overdue and how old the oldest is (seconds): the backlog alert's inputs."""
    overdue = due_entries(limit=1000)
    if not overdue:
        return {"overdue": 0, "oldest_seconds": 0.0}
    oldest = min(entry["created_at"] for entry in overdue)
    return {"overdue": len(overdue), "oldest_seconds": (_now() - oldest).total_seconds()}


def count_failed() -> int:
    result = db().collection(FAILED).count(alias="n").get()
    return int(result[0][0].value) if result and result[0] else 0
