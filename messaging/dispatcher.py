"""The one dispatcher behind messaging.notify.notify(): decide, store, then deliver.

Per recipient, with one batched lookup of all recipients' profiles and settings:
1. skip the actor, unknown or disabled accounts, muted rooms (`data.room_id`), and message.new for
   a recipient who is looking at the room (messaging.presence);
2. choose channels from the kind's group (in_app / email / push); during the recipient's quiet
   hours email is held for later and push is skipped (the in-app notification still lands);
3. write every in-app notification, every queued digest item and an outbox entry per immediate
   email and per push fan-out in one batch - so a stored notification always has its deliveries
   on record (cplatform/background.py);
4. deliver `notification.new` on the user's socket group, then kick the outbox entries: a Celery
   worker sends the emails and pushes (forgetting tokens the push service reports gone).

Nothing here raises into the caller: its own write (the message, the lesson) has already
happened, and a notification problem must not turn that into an error. Failures are logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache

from cplatform import background
from firestore_operations import devices as device_store
from firestore_operations import notification_settings as settings_store
from firestore_operations import notifications as notification_store
from firestore_operations import outbox as outbox_store
from messaging import notification_services as rules
from messaging import presence, push
from messaging.groups import user_group
from messaging.notification_serializers import notification_representation

logger = logging.getLogger(__name__)

TITLE_MAX = 200
# Kinds about one student each (analytics' warnings and weekly summaries): coalesced per student.
PER_STUDENT_KINDS = frozenset({"progress.warning", "progress.summary"})
BODY_MAX = 1000


@dataclass
class _Plan:
    uid: str
    profile: dict
    in_app: bool
    email: str | None  # "immediate", or the digest period it is queued for ("daily", "weekly", "held")
    push: bool
    notification_id: str | None = None
    created_at: dt.datetime | None = None


def dispatch(*, recipient_uids: list[str], kind: str, title: str, body: str, data: dict, actor_uid: str | None) -> None:
    try:
        _dispatch(
            recipient_uids=recipient_uids,
            kind=kind,
            title=_clip(title, TITLE_MAX),
            body=_clip(body, BODY_MAX),
            data=dict(data or {}),
            actor_uid=actor_uid,
        )
    except Exception:
        logger.exception("notification %s for %d recipients failed", kind, len(recipient_uids or []))


def _clip(text: str, limit: int) -> str:
    text = str(text or "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dispatch(*, recipient_uids, kind, title, body, data, actor_uid) -> None:
    uids = [uid for uid in dict.fromkeys(recipient_uids or []) if uid and uid != actor_uid and "/" not in uid]
    if not uids:
        return
    if rules.group_of(kind) is None:
        logger.warning("notification kind %r belongs to no settings group; in-app only", kind)
    contexts = settings_store.get_delivery_contexts(uids)
    now = rules.now_utc()
    plans = [plan for uid in uids if (plan := _plan(uid, contexts[uid], kind=kind, data=data, now=now))]
    if not plans:
        return

    content = {"kind": kind, "title": title, "body": body, "data": data, "actor_uid": actor_uid}
    for plan in plans:
        if plan.in_app:
            plan.notification_id = notification_store.new_notification_id(plan.uid)
    writes = [
        notification_store.NotificationWrite(
            uid=plan.uid,
            notification=content if plan.in_app else None,
            notification_id=plan.notification_id,
            digest_period=plan.email if plan.email not in (None, "immediate") else None,
            digest_item=content,
        )
        for plan in plans
        if plan.in_app or plan.email not in (None, "immediate")
    ]
    # Email and push are outbox entries in the notifications' own batch: once the notification is
    # stored, its email and push are on record too and a worker delivers them (the request never
    # waits for SMTP or FCM, and a down Redis or worker only delays them).
    entries = _email_entries(plans, kind=kind, title=title, body=body, data=data) + _push_entries(
        plans, kind=kind, title=title, body=body, data=data
    )
    try:
        results = notification_store.write_notifications(writes, outbox_entries=entries)
    except Exception:
        # Logged with its content so it can be replayed; email and push are still recorded below.
        logger.exception("could not store notification %s for %s: %r", kind, [w.uid for w in writes], content)
        for plan in plans:
            plan.notification_id = None
        entries = _record_entries_alone(entries)
    else:
        by_uid = {write.uid: result for write, result in zip(writes, results, strict=True) if result}
        for plan in plans:
            plan.notification_id, plan.created_at = by_uid.get(plan.uid, (None, None))

    _deliver_live(plans, content)
    background.kick(entries)


def _record_entries_alone(entries: list) -> list:
    try:
        outbox_store.write_entries(entries)
    except Exception:
        logger.exception("could not record %d email/push deliveries either", len(entries))
        return []
    return entries


def _plan(uid: str, context: dict, *, kind: str, data: dict, now) -> _Plan | None:
    profile = context["profile"]
    if profile is None or profile.get("disabled"):
        return None
    resolved = rules.resolve_settings(context["settings"])
    room_id = data.get("room_id")
    if room_id and room_id in resolved["muted_rooms"]:
        return None
    if kind == "message.new" and room_id and _is_viewing(uid, room_id):
        return None
    channels = rules.channels_for(resolved, kind)
    quiet = rules.in_quiet_hours(resolved["quiet_hours"], profile, now)
    email = None
    # Email only to an address its owner proved (Firebase email verification): platform mail must
    # not be aimable at any inbox by registering with it.
    if channels["email"] and profile.get("email") and profile.get("email_verified"):
        # Digest modes queue regardless of the hour: the digest run itself respects quiet hours.
        email = resolved["email_mode"]
        if email == "immediate" and quiet:
            email = "held"
    plan = _Plan(uid=uid, profile=profile, in_app=channels["in_app"], email=email, push=channels["push"] and not quiet)
    return plan if plan.in_app or plan.email or plan.push else None


def _is_viewing(uid: str, room_id: str) -> bool:
    """When presence cannot tell (the cache failed), nobody is viewing."""
    try:
        result = presence.is_viewing(uid, room_id)
        if hasattr(result, "__await__"):
            result.close()  # an async presence API cannot be awaited from here; do not leak the coroutine
            return False
        return bool(result)
    except Exception:
        logger.warning("presence check failed for %s in %s; treating as not viewing", uid, room_id, exc_info=True)
        return False


def _deliver_live(plans: list[_Plan], content: dict) -> None:
    targets = [plan for plan in plans if plan.in_app and plan.notification_id]
    if not targets:
        return
    try:
        layer = get_channel_layer()
    except Exception:
        logger.exception("no channel layer; notifications stored but not sent live")
        return
    if layer is None:
        return
    for plan in targets:
        frame = {
            "type": "notification.new",
            "notification": notification_representation(
                {**content, "id": plan.notification_id, "read": False, "read_at": None, "created_at": plan.created_at}
            ),
        }
        try:
            async_to_sync(layer.group_send)(user_group(plan.uid), frame)
        except Exception:
            # At-most-once by design: the client resyncs from GET /notifications after reconnecting.
            logger.warning("live notification to %s failed", plan.uid, exc_info=True)


def _first_in_window(uid: str, kind: str, data: dict) -> bool:
    """Whether no email of this kind (about the same course or room) went to the user in the last
    NOTIFICATION_COALESCE_SECONDS. An enrol/withdraw loop must not become a stream of emails: the
    first one goes, the repeats stay in the app (and in the notifications list) only."""
    about = data.get("course_id") or data.get("room_id") or ""
    if kind in PER_STUDENT_KINDS:
        # One email per student: a teacher told about two students of one course must get both.
        about = f"{about}:{data.get('student_uid', '')}"
    return cache.add(f"notif-email:{uid}:{kind}:{about}", 1, settings.NOTIFICATION_COALESCE_SECONDS)


def _email_entries(plans: list[_Plan], *, kind: str, title: str, body: str, data: dict) -> list:
    targets = [plan for plan in plans if plan.email == "immediate" and _first_in_window(plan.uid, kind, data)]
    entries = []
    for plan in targets:
        message = rules.immediate_email(plan.profile, kind=kind, title=title, body=body)
        entries.append(
            background.entry("email.send", {"to": list(message.to), "subject": message.subject, "body": message.body})
        )
    return entries


def _push_entries(plans: list[_Plan], *, kind: str, title: str, body: str, data: dict) -> list:
    """One entry for all of this notification's pushes: the worker looks the devices up when it sends."""
    recipients = [{"uid": plan.uid, "notification_id": plan.notification_id} for plan in plans if plan.push]
    if not recipients:
        return []
    return [
        background.entry(
            "notification.push", {"kind": kind, "title": title, "body": body, "data": data, "recipients": recipients}
        )
    ]


def deliver_push(payload: dict) -> dict:
    """Send one notification's pushes to every device of its recipients, forgetting tokens gone for good.

    Run by the worker (messaging/tasks.py). Raises what the device lookup raises (so it is retried).
    """
    recipients = payload.get("recipients") or []
    data, kind = payload.get("data") or {}, payload.get("kind") or ""
    tokens = device_store.tokens_for_users([item["uid"] for item in recipients])
    messages = []
    for item in recipients:
        values = push.data_payload({**data, "kind": kind, "notification_id": item.get("notification_id")})
        messages += [
            push.PushMessage(token=token, title=payload.get("title") or "", body=payload.get("body") or "", data=values)
            for token in tokens.get(item["uid"], [])
        ]
    gone = push.send(messages)
    if gone:
        device_store.delete_tokens(gone)
        logger.info("forgot %d push tokens the push service reported unregistered", len(gone))
    return {"pushed": len(messages) - len(gone), "forgotten": len(gone)}
