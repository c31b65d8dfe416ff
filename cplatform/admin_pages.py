"""The admin's page of failed background work: what ran out of attempts, why, and a retry button.

The same services as GET /api/v1/admin/failed-tasks and its retry (cplatform.background), which
check the admin role again.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cplatform import background, errors
from cplatform.pages import flash, page
from middlewares.roles import ADMINS

TASKS_URL = "/admin/tasks/"
TASKS_PAGE_SIZE = 25


def _task_row(item: dict) -> dict:
    """What a failed entry was meant to do, in words (an email's subject and recipients, a push's title)."""
    payload = item.get("payload") or {}
    if item.get("task") == "email.send":
        recipients = [address for address in payload.get("to") or [] if address]
        kind = "Email"
        what = f"“{payload.get('subject') or 'No subject'}” to {', '.join(recipients) or 'nobody'}"
    elif item.get("task") == "notification.push":
        count = len(payload.get("recipients") or [])
        kind = "Push notification"
        what = f"“{payload.get('title') or 'No title'}” to {count} {'person' if count == 1 else 'people'}"
    else:
        kind, what = "Background task", item.get("task") or "unknown"
    attempts = item.get("attempts") or 0
    return {
        "id": item["id"],
        "kind": kind,
        "what": what,
        "attempts": f"{attempts} {'attempt' if attempts == 1 else 'attempts'}",
        "failed_at": item.get("failed_at"),
        "error": item.get("error") or "No reason was recorded.",
        "request_id": item.get("request_id") or "",
    }


@page(roles=ADMINS)
@require_http_methods(["GET", "HEAD"])
def failed_tasks(request):
    cursor = request.GET.get("cursor", "").strip()[:2000] or None
    # A stale cursor goes back to the first page with a message (cplatform.pages.page).
    result = background.list_failed_tasks(actor=request.actor, limit=TASKS_PAGE_SIZE, cursor=cursor)
    next_url = f"{TASKS_URL}?{urlencode({'cursor': result.next_cursor})}" if result.next_cursor else None
    context = {"rows": [_task_row(item) for item in result.items], "next_url": next_url, "is_next_page": bool(cursor)}
    return render(request, "admin/tasks.html", context)


@page(roles=ADMINS, back=TASKS_URL)
@require_http_methods(["POST"])
def retry_task(request, task_id: str):
    """Run a failed task again with fresh attempts, then back to the list with what happened."""
    try:
        background.retry_failed_task(actor=request.actor, task_id=task_id)
    except errors.NotFound:
        return flash(redirect(TASKS_URL), "That task is no longer in the list: it was retried already.")
    return flash(redirect(TASKS_URL), "Sent again. It leaves the list; if it fails again, it comes back here.")
