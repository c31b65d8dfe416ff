"""Durable background work: outbox entries written with the change, run by a Celery worker.

How a side effect travels:
1. the service puts `entry(task, payload)` into the batch of its change (or `enqueue` writes it alone);
2. after the commit, `kick(entries)` sends each entry's id to the queue at once; when Redis is down
   nothing is lost: the entry is still in Firestore;
3. the relay (`relay_due`, run by beat every OUTBOX_RELAY_SECONDS) sends every entry that is due and
   not done: a failed kick, a retry after backoff, an entry whose worker died mid-task;
4. a worker runs `run_entry(id)`: it claims the entry (one run at a time per entry: the entry id is
   the dedupe key), calls the handler registered for its task, and marks it done, or schedules a
   retry with exponential backoff, or after OUTBOX_MAX_ATTEMPTS records it in failed_tasks.

Handlers live in each app's `tasks.py` (`@handler("name")`) and must tolerate running again after a
crash between their side effect and the "done" mark (at-least-once; an email may then go twice).
With TASKS_INLINE on (no broker configured, and most tests) the kick runs the entries in-process.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from django.conf import settings

from cplatform import errors, logcontext
from cplatform.actor import Actor
from cplatform.celery import app as celery_app
from firestore_operations import outbox
from firestore_operations.outbox import OutboxWrite
from firestore_operations.pagination import Page

logger = logging.getLogger(__name__)

RUN_ENTRY_TASK = "cplatform.run_outbox_entry"  # cplatform/tasks.py
Handler = Callable[[dict], dict | None]
HANDLERS: dict[str, Handler] = {}


class PermanentFailure(Exception):
    """Raised by a handler when trying again cannot help (a malformed payload): straight to failed_tasks."""


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register `fn(payload) -> result dict` as the runner of outbox entries of task `name`."""

    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


# The apps whose `tasks.py` holds handlers or periodic tasks (the worker autodiscovers the same list).
TASK_APPS = ("cplatform", "authentication", "courses", "payments", "messaging", "content", "analytics")


def _load_handlers() -> None:
    """Import every app's tasks module (the worker does this through Celery's autodiscovery)."""
    for name in TASK_APPS:
        try:
            importlib.import_module(f"{name}.tasks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.tasks":
                raise


# --- writing --------------------------------------------------------------------------------------


def entry(task: str, payload: dict) -> OutboxWrite:
    """An outbox entry for the caller's batch; pass it to `kick` once that batch committed."""
    return outbox.new_entry(
        task,
        payload,
        grace_seconds=settings.OUTBOX_KICK_GRACE_SECONDS,
        request_id=logcontext.current_request_id(),
    )


def enqueue(task: str, payload: dict) -> str:
    """Write one entry on its own and kick it; returns its id. Raises what the Firestore write raises."""
    item = entry(task, payload)
    outbox.write_entries([item])
    kick([item])
    return item.id


def kick(entries: list[OutboxWrite]) -> None:
    """Send just-committed entries to the queue now (or run them, TASKS_INLINE). Never raises:
    an entry the queue did not take is sent by the relay once due."""
    if entries:
        _kick_ids([item.id for item in entries])


def publish(entry_ids: list[str]) -> None:
    """Put `run_outbox_entry` messages on the broker, with the request id in their headers.

    Publishing never retries (a request must not hang on a dead Redis). Raises the broker's
    connection errors.
    """
    headers = {"request_id": logcontext.current_request_id()}
    with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
        for entry_id in entry_ids:
            celery_app.send_task(RUN_ENTRY_TASK, args=(entry_id,), connection=connection, retry=False, headers=headers)


# --- running --------------------------------------------------------------------------------------


def backoff_seconds(attempts: int) -> float:
    """30 s, 60 s, 120 s ... capped at OUTBOX_RETRY_MAX_SECONDS (with the defaults)."""
    return min(settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), settings.OUTBOX_RETRY_MAX_SECONDS)


def run_entry(entry_id: str) -> str:
    """Claim and run one entry; returns what happened: skipped, done, retry or failed.

    Never raises for a handler's failure (it is recorded on the entry); raises Firestore errors
    of the bookkeeping itself, which the queue's redelivery or the relay then repeats.
    """
    claimed = outbox.claim(entry_id, lease_seconds=settings.OUTBOX_LEASE_SECONDS)
    if claimed is None:
        return "skipped"
    token = logcontext.set_request_id(claimed.get("request_id") or logcontext.current_request_id())
    try:
        return _run_claimed(entry_id, claimed)
    finally:
        logcontext.reset_request_id(token)


def _run_claimed(entry_id: str, claimed: dict) -> str:
    task = claimed.get("task")
    if task not in HANDLERS:
        _load_handlers()
    run = HANDLERS.get(task)
    if run is None:
        logger.error("outbox entry %s names no known task %r", entry_id, task)
        outbox.fail(entry_id, error=f"unknown task {task!r}", keep_days=settings.OUTBOX_KEEP_DAYS)
        return "failed"
    try:
        result = run(dict(claimed.get("payload") or {}))
    except PermanentFailure as exc:
        logger.error("outbox entry %s (%s) cannot succeed: %s", entry_id, task, exc)
        outbox.fail(entry_id, error=str(exc) or type(exc).__name__, keep_days=settings.OUTBOX_KEEP_DAYS)
        return "failed"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        attempts = int(claimed.get("attempts") or 1)
        if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            logger.exception("outbox entry %s (%s) failed for good after %d attempts", entry_id, task, attempts)
            outbox.fail(entry_id, error=error, keep_days=settings.OUTBOX_KEEP_DAYS)
            return "failed"
        delay = backoff_seconds(attempts)
        logger.warning(
            "outbox entry %s (%s) attempt %d failed (%s); again in %.0f s", entry_id, task, attempts, error, delay
        )
        outbox.schedule_retry(entry_id, error=error, delay_seconds=delay)
        return "retry"
    outbox.finish(entry_id, result=result, keep_days=settings.OUTBOX_KEEP_DAYS)
    return "done"


def relay_due(*, limit: int = 200) -> int:
    """Send every due entry to the queue (oldest first) and mark it queued; returns how many went.

    Raises the broker's errors when it is down (beat runs the relay again at the next tick).
    """
    due = outbox.due_entries(limit=limit)
    if not due:
        return 0
    if settings.TASKS_INLINE:
        for item in due:
            run_entry(item["id"])
        return len(due)
    publish([item["id"] for item in due])
    for item in due:
        outbox.mark_queued(item, lease_seconds=settings.OUTBOX_LEASE_SECONDS)
    return len(due)


# --- what admins see ------------------------------------------------------------------------------


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise errors.PermissionDenied("Only admins see background tasks.")


def list_failed_tasks(*, actor: Actor, limit: int, cursor: str | None) -> Page:
    """Tasks that ran out of attempts, most recent first. Raises PermissionDenied, ValidationError (cursor)."""
    _require_admin(actor)
    return outbox.list_failed(limit=limit, cursor=cursor)


def retry_failed_task(*, actor: Actor, task_id: str) -> None:
    """Give a failed task a fresh set of attempts and send it now. Raises PermissionDenied, NotFound."""
    _require_admin(actor)
    if not outbox.requeue_failed(task_id):
        raise errors.NotFound("No such failed task.")
    _kick_ids([task_id])


def run_here(entries: list[OutboxWrite]) -> None:
    """Run just-committed entries in this process now, whatever TASKS_INLINE says (work that belongs
    to the request, such as the in-app notification and its live frame, but must survive a crash
    right after the commit: then the relay hands the entry to a worker). Never raises."""
    for item in entries:
        try:
            run_entry(item.id)
        except Exception:
            logger.exception("outbox entry %s failed here; the relay will repeat it", item.id)


def _kick_ids(entry_ids: list[str]) -> None:
    if settings.TASKS_INLINE:
        for entry_id in entry_ids:
            try:
                run_entry(entry_id)
            except Exception:
                logger.exception("inline run of outbox entry %s failed; the relay will repeat it", entry_id)
        return
    try:
        publish(entry_ids)
    except Exception as exc:  # noqa: BLE001 - whatever the broker's failure, the relay sends the entries later
        logger.warning(
            "queue unreachable (%s); %d outbox entries wait for the relay", type(exc).__name__, len(entry_ids)
        )


def backlog() -> dict:
    """Overdue entries and failed tasks, for /readyz-style checks and the alerts in docs/operations.md."""
    return {**outbox.backlog(), "failed": outbox.count_failed()}
