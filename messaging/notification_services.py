"""Notifications: per-user settings, the user's own notifications, push devices, emails and digests.

Delivery itself is messaging.dispatcher; this module holds the rules it shares with the API (what
the defaults are, when quiet hours apply, what an email says). Every service function takes the
acting user explicitly and raises cplatform.errors on refusal.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.core import mail

from cplatform import errors
from cplatform.actor import Actor
from firestore_operations import devices as device_store
from firestore_operations import notification_settings as settings_store
from firestore_operations import notifications as notification_store
from firestore_operations.pagination import Page

logger = logging.getLogger(__name__)

GROUPS = ("messages", "lessons", "enrollments", "feedback", "payments", "progress")
CHANNELS = ("in_app", "email", "push")
EMAIL_MODES = ("immediate", "daily", "weekly")
DIGEST_PERIODS = ("daily", "weekly", "held")
PLATFORMS = ("ios", "android", "web")
KIND_GROUPS = {
    "message": "messages",
    "lesson": "lessons",
    "enrollment": "enrollments",
    "feedback": "feedback",
    "payment": "payments",
    "progress": "progress",
}
GROUP_LABELS = {
    "messages": "messages",
    "lessons": "lessons",
    "enrollments": "enrolments",
    "feedback": "feedback",
    "payments": "payments",
    "progress": "progress reports",
}
DEFAULT_CHANNELS = {
    "messages": {"in_app": True, "email": False, "push": True},
    "lessons": {"in_app": True, "email": True, "push": True},
    "enrollments": {"in_app": True, "email": True, "push": False},
    "feedback": {"in_app": True, "email": False, "push": False},
    "payments": {"in_app": True, "email": True, "push": False},
    # Early warnings (to teachers and parents) and parents' weekly summaries (analytics/jobs.py).
    "progress": {"in_app": True, "email": True, "push": False},
}
# A kind outside the known groups (a caller's typo, a feature ahead of this table) still reaches
# the bell, but never mails or buzzes anybody.
UNKNOWN_GROUP_CHANNELS = {"in_app": True, "email": False, "push": False}
MAX_MUTED_ROOMS = 500


# --- settings rules -----------------------------------------------------------------------------


def group_of(kind: str) -> str | None:
    return KIND_GROUPS.get(kind.split(".", 1)[0])


def resolve_settings(stored: dict | None) -> dict:
    """The effective settings: what the user saved, over the defaults."""
    stored = stored or {}
    saved_groups = stored.get("groups") or {}
    groups = {}
    for group in GROUPS:
        saved = saved_groups.get(group) or {}
        groups[group] = {
            channel: bool(saved[channel]) if isinstance(saved.get(channel), bool) else default
            for channel, default in DEFAULT_CHANNELS[group].items()
        }
    mode = stored.get("email_mode")
    return {
        "groups": groups,
        "email_mode": mode if mode in EMAIL_MODES else "immediate",
        "muted_rooms": list(dict.fromkeys(stored.get("muted_rooms") or [])),
        "quiet_hours": stored.get("quiet_hours") or None,
        "updated_at": stored.get("updated_at"),
    }


def channels_for(resolved: dict, kind: str) -> dict:
    group = group_of(kind)
    return resolved["groups"][group] if group else UNKNOWN_GROUP_CHANNELS


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def user_zone(profile: dict | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo((profile or {}).get("timezone") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def in_quiet_hours(quiet_hours: dict | None, profile: dict | None, now: dt.datetime) -> bool:
    """Whether `now` falls in [start, end) in the user's time zone; a window may wrap midnight."""
    if not quiet_hours:
        return False
    try:
        start, end = _minutes(quiet_hours["start"]), _minutes(quiet_hours["end"])
    except (KeyError, ValueError, AttributeError):
        return False
    local = now.astimezone(user_zone(profile))
    minute = local.hour * 60 + local.minute
    if start == end:
        return False
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- settings services --------------------------------------------------------------------------


def _settings_view(stored: dict | None, profile: dict | None) -> dict:
    return {**resolve_settings(stored), "timezone": user_zone(profile).key}


def get_notification_settings(*, actor: Actor) -> dict:
    """The actor's effective settings (defaults where never saved), with the time zone quiet hours use."""
    context = settings_store.get_delivery_contexts([actor.uid])[actor.uid]
    return _settings_view(context["settings"], context["profile"])


def update_notification_settings(*, actor: Actor, changes: dict) -> dict:
    """Apply validated changes; omitted fields (and omitted groups/channels) keep their values.

    Raises ValidationError.
    """
    context = settings_store.get_delivery_contexts([actor.uid])[actor.uid]
    current = resolve_settings(context["settings"])
    merged = {key: current[key] for key in ("groups", "email_mode", "muted_rooms", "quiet_hours")}
    for group, channels in (changes.get("groups") or {}).items():
        merged["groups"][group] = {**merged["groups"][group], **channels}
    if "email_mode" in changes:
        merged["email_mode"] = changes["email_mode"]
    if "muted_rooms" in changes:
        merged["muted_rooms"] = list(dict.fromkeys(changes["muted_rooms"]))
    if "quiet_hours" in changes:
        merged["quiet_hours"] = dict(changes["quiet_hours"]) if changes["quiet_hours"] else None
    if len(merged["muted_rooms"]) > MAX_MUTED_ROOMS:
        raise errors.ValidationError(
            f"At most {MAX_MUTED_ROOMS} rooms can be muted.", fields={"muted_rooms": ["Too many rooms."]}
        )
    merged["updated_at"] = settings_store.save_settings(actor.uid, merged)
    return _settings_view(merged, context["profile"])


def _check_room_id(room_id: str) -> None:
    if not room_id or "/" in room_id or len(room_id) > 128:
        raise errors.ValidationError("That is not a room id.", fields={"room_id": ["Not a room id."]})


def mute_room(*, actor: Actor, room_id: str) -> dict:
    """Stop notifications about one room (in every channel). Raises ValidationError."""
    _check_room_id(room_id)
    context = settings_store.get_delivery_contexts([actor.uid])[actor.uid]
    current = resolve_settings(context["settings"])
    if room_id not in current["muted_rooms"]:
        if len(current["muted_rooms"]) >= MAX_MUTED_ROOMS:
            raise errors.ValidationError(
                f"At most {MAX_MUTED_ROOMS} rooms can be muted; unmute one first.",
                fields={"room_id": ["Too many muted rooms."]},
            )
        current["updated_at"] = settings_store.add_muted_room(actor.uid, room_id)
        current["muted_rooms"].append(room_id)
    return _settings_view(current, context["profile"])


def unmute_room(*, actor: Actor, room_id: str) -> dict:
    """Notify about the room again; unmuting a room that is not muted is a no-op. Raises ValidationError."""
    _check_room_id(room_id)
    context = settings_store.get_delivery_contexts([actor.uid])[actor.uid]
    current = resolve_settings(context["settings"])
    if room_id in current["muted_rooms"]:
        current["updated_at"] = settings_store.remove_muted_room(actor.uid, room_id)
        current["muted_rooms"].remove(room_id)
    return _settings_view(current, context["profile"])


# --- the actor's notifications ------------------------------------------------------------------


def list_my_notifications(*, actor: Actor, unread_only: bool, limit: int, cursor: str | None) -> Page:
    """One page of the actor's notifications, newest first. Raises ValidationError (bad cursor)."""
    return notification_store.list_notifications(actor.uid, unread_only=unread_only, limit=limit, cursor=cursor)


def mark_notification_read(*, actor: Actor, notification_id: str) -> dict:
    """Mark one of the actor's notifications read (idempotent). Raises NotFound."""
    item = notification_store.mark_read(actor.uid, notification_id)
    if item is None:
        raise errors.NotFound("No such notification.")
    return item


def mark_all_notifications_read(*, actor: Actor) -> dict:
    """Mark up to NOTIFICATION_READ_ALL_BATCH unread notifications read; `more` says to call again."""
    marked, more = notification_store.mark_all_read(actor.uid, limit=settings.NOTIFICATION_READ_ALL_BATCH)
    return {"marked": marked, "more": more}


def count_my_unread_notifications(*, actor: Actor) -> int:
    return notification_store.count_unread(actor.uid)


# --- devices ------------------------------------------------------------------------------------


def register_device(*, actor: Actor, token: str, platform: str) -> tuple[dict, bool]:
    """Register (or refresh) a push token for the actor; it leaves any other user it belonged to.

    Returns (device, created).
    """
    device, created, evicted = device_store.register_device(
        actor.uid, token=token, platform=platform, max_devices=settings.NOTIFICATION_MAX_DEVICES
    )
    if evicted:
        logger.info("user %s passed %d devices; evicted %d", actor.uid, settings.NOTIFICATION_MAX_DEVICES, evicted)
    return device, created


def list_my_devices(*, actor: Actor) -> list[dict]:
    return device_store.list_devices(actor.uid)


def unregister_device(*, actor: Actor, token: str) -> None:
    """Forget one of the actor's push tokens. Raises NotFound (unknown, or another user's)."""
    if not device_store.delete_device(actor.uid, token):
        raise errors.NotFound("This device is not registered to you.")


# --- email --------------------------------------------------------------------------------------


def _footer(groups: Iterable[str]) -> str:
    labels = sorted({GROUP_LABELS.get(group, group) for group in groups if group})
    about = f" for {', '.join(labels)}" if labels else ""
    return (
        f"\n\n--\nYou receive this because email notifications{about} are on in your cplatform settings.\n"
        "Change what we email you, and how often, under Notification settings."
    )


def _subject(text: str) -> str:
    # Header injection is impossible through Django, but a newline would still garble the subject.
    return f"{settings.NOTIFICATION_EMAIL_SUBJECT_PREFIX}{' '.join(text.split())}"[:200]


def immediate_email(profile: dict, *, kind: str, title: str, body: str) -> mail.EmailMessage:
    return mail.EmailMessage(
        subject=_subject(title),
        body=f"{body}{_footer([group_of(kind)])}",
        to=[profile["email"]],
    )


DIGEST_SUBJECTS = {
    "daily": "Your daily summary",
    "weekly": "Your weekly summary",
    "held": "While you were away",
}


def digest_email(profile: dict, items: list[dict], *, period: str) -> mail.EmailMessage:
    """One email listing queued items, oldest first; past NOTIFICATION_DIGEST_MAX_ITEMS they are counted."""
    if period == "held" and len(items) == 1:
        item = items[0]
        return immediate_email(
            profile, kind=item.get("kind", ""), title=item.get("title", ""), body=item.get("body", "")
        )
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    items = sorted(items, key=lambda item: item.get("created_at") or epoch)
    shown = items[: settings.NOTIFICATION_DIGEST_MAX_ITEMS]
    noun = "notification" if len(items) == 1 else "notifications"
    name = profile.get("display_name")
    lines = [f"Hello {name}," if name else "Hello,", ""]
    lines.append(f"You have {len(items)} new {noun}:")
    for item in shown:
        lines.append("")
        lines.append(f"* {item.get('title', '')}")
        if item.get("body"):
            lines.append(f"  {item['body']}")
    if len(items) > len(shown):
        lines += ["", f"... and {len(items) - len(shown)} more in the app."]
    return mail.EmailMessage(
        subject=_subject(f"{DIGEST_SUBJECTS[period]}: {len(items)} {noun}"),
        body="\n".join(lines) + _footer(group_of(item.get("kind", "")) for item in items),
        to=[profile["email"]],
    )


def send_emails(messages: list[mail.EmailMessage]) -> list[bool]:
    """Send each message over one connection; a failure is logged and reported as False."""
    if not messages:
        return []
    results = []
    try:
        connection = mail.get_connection()
        connection.open()
    except Exception:
        logger.exception("could not open the email connection; %d emails not sent", len(messages))
        return [False] * len(messages)
    try:
        for message in messages:
            message.connection = connection
            try:
                message.send()
                results.append(True)
            except Exception:
                logger.exception("could not send an email to %s", message.to)
                results.append(False)
    finally:
        try:
            connection.close()
        except Exception:
            logger.warning("closing the email connection failed", exc_info=True)
    return results


# --- digests ------------------------------------------------------------------------------------

DIGEST_USERS_PER_LOOKUP = 50


def send_email_digests(*, period: str, now: dt.datetime | None = None) -> dict:
    """Send one email per user with everything queued for `period`, then clear what was sent.

    `held` releases emails kept back by quiet hours, for users whose quiet hours are over. A user
    in quiet hours when a daily/weekly digest runs has the items moved to `held` instead.
    Raises ValidationError (unknown period).
    """
    if period not in DIGEST_PERIODS:
        raise errors.ValidationError(f"period must be one of {', '.join(DIGEST_PERIODS)}.")
    now = now or now_utc()
    stats = {"emails": 0, "items": 0, "held": 0, "dropped": 0, "failed": 0}
    chunk: list[tuple[str, list[dict]]] = []
    for group in notification_store.iter_digest_queue(period):
        chunk.append(group)
        if len(chunk) >= DIGEST_USERS_PER_LOOKUP:
            _send_digest_chunk(chunk, period=period, now=now, stats=stats)
            chunk = []
    if chunk:
        _send_digest_chunk(chunk, period=period, now=now, stats=stats)
    return stats


def _send_digest_chunk(chunk: list[tuple[str, list[dict]]], *, period: str, now: dt.datetime, stats: dict) -> None:
    contexts = settings_store.get_delivery_contexts([uid for uid, _ in chunk])
    to_delete: list[str] = []
    to_hold: list[str] = []
    outgoing: list[tuple[mail.EmailMessage, list[str]]] = []
    for uid, items in chunk:
        paths = [item["path"] for item in items]
        profile = contexts.get(uid, {}).get("profile")
        if not profile or profile.get("disabled") or not profile.get("email") or not profile.get("email_verified"):
            # Nobody to write to any more: keeping the items would only grow the queue.
            to_delete += paths
            stats["dropped"] += len(items)
            continue
        resolved = resolve_settings(contexts[uid]["settings"])
        if in_quiet_hours(resolved["quiet_hours"], profile, now):
            if period != "held":
                to_hold += paths
                stats["held"] += len(items)
            continue
        outgoing.append((digest_email(profile, items, period=period), paths))
    for (_, paths), sent in zip(outgoing, send_emails([message for message, _ in outgoing]), strict=True):
        if sent:
            to_delete += paths
            stats["emails"] += 1
            stats["items"] += len(paths)
        else:
            stats["failed"] += 1  # the items stay queued for the next run
    notification_store.delete_digest_items(to_delete)
    notification_store.hold_digest_items(to_hold)


# --- account deletion ---------------------------------------------------------------------------


def delete_notification_data(*, uid: str) -> None:
    """Remove a deleted account's notifications, settings, queued emails and push devices.

    Meant for the authentication.events.account_deleted receiver; raises nothing of its own.
    """
    notification_store.delete_all_of_user(uid)
    settings_store.delete_settings(uid)
    device_store.delete_devices_of_user(uid)
