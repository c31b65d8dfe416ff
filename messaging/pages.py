"""Chat and notifications web pages: thin shells the scripts (static/js/chat.js, notifications.js) bring alive.

The pages call the same services as the API and render; live updates come over the one socket that
static/js/live.js owns. Everything a user typed reaches the page as data (json_script or the
template's autoescaping) and the scripts insert it with textContent, never as HTML.
"""

from __future__ import annotations

import contextlib
import logging
import re
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from courses.enrolment import services as course_services
from cplatform import errors
from cplatform.actor import PARENT, STUDENT
from cplatform.pages import FormErrors, flash, form_errors, is_bad_input, page, render_form, safe_next, validate_form
from messaging import notification_serializers as ns
from messaging import notification_services, services
from messaging import serializers as shapes
from middlewares.roles import SIGNED_IN

logger = logging.getLogger(__name__)

ROOMS_FIRST_PAGE = 50
NOTIFICATIONS_PAGE = 20
READ_ALL_ROUNDS = 10  # 10 x 500: more than anybody reads at once; the rest go on the next click
# Room ids are Firestore document ids we make ourselves (dm_<uid>_<uid>, course_<id>, generated ids):
# anything else cannot be a room, and Firestore itself refuses "." and "..".
ROOM_ID = re.compile(r"^[A-Za-z0-9_\-:]{1,200}$")
CONTACT_STATUSES = ("active", "completed")  # whose teachers a student may write to (messaging.access)
UID = re.compile(r"^[A-Za-z0-9_\-]{1,128}$")
GROUP_LABELS = {
    "messages": ("Messages", "Direct messages sent to you"),
    "lessons": ("Lessons", "New, moved and cancelled lessons"),
    "enrollments": ("Enrolments", "Students joining or leaving, seats freed"),
    "feedback": ("Feedback", "Ratings and reviews of your courses"),
    "payments": ("Payments", "Receipts and payment problems"),
    "progress": ("Progress", "Students who need attention, and weekly progress summaries of your children"),
}
# What a group means to each role; a group a role never receives is not offered to it (its current
# values ride along in hidden fields, so saving the form never changes them).
ROLE_HINTS = {
    "student": {
        "enrollments": "Your enrolments and waitlist places",
        "lessons": "New, moved and cancelled lessons of your courses",
        "payments": "Your receipts and payment problems",
    },
    "parent": {
        "enrollments": "Your children's enrolments and waitlist places",
        "lessons": "New, moved and cancelled lessons of your children's courses",
    },
    "admin": {"enrollments": "Enrolments you make or follow"},
}
TEACHER_ONLY_GROUPS = frozenset({"feedback"})
CHANNEL_LABELS = {"in_app": "In the app", "email": "Email", "push": "Push"}
EMAIL_MODE_LABELS = {
    "immediate": "Right away",
    "daily": "One digest a day",
    "weekly": "One digest a week",
}


# --- chat ----------------------------------------------------------------------------------------


def _contacts(actor) -> list[dict]:
    """People a student or parent may start a chat with: the teachers of their active or completed enrolments.

    Best effort: the chat works without the list, so a failure here only leaves it empty.
    """
    if actor.role not in (STUDENT, PARENT):
        return []
    try:
        # No status filter (the few rows are sorted out here). An optional side list: a missing index
        # or a busy Firestore must not take the whole chat page down.
        page_ = course_services.list_my_enrollments(actor=actor, status=None, student_uid=None, limit=50, cursor=None)
    except Exception:
        logger.exception("could not list the contacts of %s", actor.uid)
        return []
    seen: dict[str, dict] = {}
    for enrollment in page_.items:
        uid = enrollment.get("teacher_uid")
        if uid and uid not in seen and enrollment.get("status") in CONTACT_STATUSES:
            seen[uid] = {
                "uid": uid,
                "name": enrollment.get("teacher_name") or "Your teacher",
                "course": enrollment.get("course_title", ""),
            }
    return sorted(seen.values(), key=lambda person: person["name"].lower())


def _render_chat(request, *, room_id: str = ""):
    actor = request.actor
    rooms = services.list_my_rooms(actor=actor, limit=ROOMS_FIRST_PAGE, cursor=None)
    # The new-message panel opens when asked (?new=1, also after a refused "Message" button).
    open_new = request.GET.get("new") == "1"
    context = {
        "chat_data": {
            "me": {"uid": actor.uid, "role": actor.role},
            "room": room_id,
            "rooms": [shapes.room_representation(room, uid=actor.uid) for room in rooms.items],
            "rooms_cursor": rooms.next_cursor,
            "can_search_people": actor.role in ("teacher", "admin"),
        },
        "room_id": room_id,
        "contacts": _contacts(actor),
        "can_search_people": actor.role in ("teacher", "admin"),
        "open_new": open_new or request.GET.get("group") == "1",
        "open_group": request.GET.get("group") == "1",
    }
    return render_form(request, "chat/chat.html", context)


@page(roles=SIGNED_IN)
@require_http_methods(["GET", "HEAD"])
def chat(request, room_id: str | None = None):
    if room_id is not None:
        if not ROOM_ID.match(room_id):
            raise errors.NotFound("No such chat room.")
        # A room the user may not see is the error page, not an empty conversation.
        services.get_room(actor=request.actor, room_id=room_id)
    return _render_chat(request, room_id=room_id or "")


@page(roles=SIGNED_IN)
@require_http_methods(["GET", "HEAD", "POST"])
def start_direct(request):
    """The "Message" buttons (contacts, person pages, a child's teachers): open or create the direct
    room with that person, then show it. A refusal comes back on the chat page (post/redirect/get);
    a GET (a reload, a bookmark) just opens the chat."""
    if request.method != "POST":
        return redirect("/chat/")
    uid = request.POST.get("uid", "").strip()
    try:
        if not UID.match(uid):
            raise errors.ValidationError("Choose the person to write to from the list.")
        room, _ = services.open_direct_room(actor=request.actor, other_uid=uid)
    except errors.DomainError as exc:
        message = "That person is not on cplatform (any more)." if isinstance(exc, errors.NotFound) else exc.message
        return flash(redirect("/chat/?new=1"), message)
    return redirect(f"/chat/{room['id']}/")


# --- notifications -------------------------------------------------------------------------------


def notification_link(item: dict) -> str:
    """Where a notification leads: the chat room of a message, the course of a lesson or enrolment."""
    data = item.get("data") or {}
    kind = item.get("kind", "")
    room_id, course_id = data.get("room_id"), data.get("course_id")
    if kind.startswith("message.") and isinstance(room_id, str) and ROOM_ID.match(room_id):
        return f"/chat/{room_id}/"
    if isinstance(course_id, str) and ROOM_ID.match(course_id):
        return f"/courses/{course_id}/"
    return ""


def _settings_form(values: dict, role: str | None) -> dict:
    quiet = values.get("quiet_hours") or {}
    hints = ROLE_HINTS.get(role or "", {})
    return {
        "groups": [
            {
                "key": group,
                "label": GROUP_LABELS[group][0],
                "hint": hints.get(group, GROUP_LABELS[group][1]),
                "hidden": group in TEACHER_ONLY_GROUPS and role != "teacher",
                "channels": [
                    {"key": channel, "label": CHANNEL_LABELS[channel], "on": values["groups"][group][channel]}
                    for channel in notification_services.CHANNELS
                ],
            }
            for group in notification_services.GROUPS
        ],
        "email_mode": values["email_mode"],
        "quiet": bool(quiet),
        "quiet_start": quiet.get("start", "22:00"),
        "quiet_end": quiet.get("end", "07:00"),
        "timezone": values.get("timezone", "UTC"),
    }


def _render_notifications(request, *, settings_form: dict | None = None, settings_errors: FormErrors | None = None):
    actor = request.actor
    unread_only = request.GET.get("unread") in ("1", "true")
    cursor = request.GET.get("cursor", "")[:2000] or None
    items, next_url, list_error = [], None, ""
    try:
        result = notification_services.list_my_notifications(
            actor=actor, unread_only=unread_only, limit=NOTIFICATIONS_PAGE, cursor=cursor
        )
    except Exception as exc:
        if not is_bad_input(exc):
            raise
        list_error = "That page of notifications is out of date. Here are the newest."
        result = notification_services.list_my_notifications(
            actor=actor, unread_only=unread_only, limit=NOTIFICATIONS_PAGE, cursor=None
        )
        cursor = None
    for item in result.items:
        shaped = ns.notification_representation(item)
        shaped["link"] = notification_link(shaped)
        shaped["created"] = item.get("created_at")
        items.append(shaped)
    if result.next_cursor:
        next_url = "?" + urlencode({**({"unread": "1"} if unread_only else {}), "cursor": result.next_cursor})
    settings_errors = settings_errors or FormErrors()
    context = {
        "items": items,
        "unread_only": unread_only,
        "next_url": next_url,
        "is_next_page": bool(cursor),
        "list_error": list_error,
        "unread_count": notification_services.count_my_unread_notifications(actor=actor),
        "settings": settings_form
        or _settings_form(notification_services.get_notification_settings(actor=actor), actor.role),
        "email_modes": list(EMAIL_MODE_LABELS.items()),
        "errors": settings_errors,
    }
    return render_form(request, "notifications/notifications.html", context, settings_errors)


@page(roles=SIGNED_IN)
@require_http_methods(["GET", "HEAD"])
def notifications(request):
    return _render_notifications(request)


@page(roles=SIGNED_IN)
@require_POST
def read_notification(request, notification_id: str):
    """Without JavaScript: mark one read and come back (with it, notifications.js calls the API)."""
    if UID.match(notification_id):
        # Already gone: the list shows what there is.
        with contextlib.suppress(errors.NotFound):
            notification_services.mark_notification_read(actor=request.actor, notification_id=notification_id)
    return redirect(safe_next(request, request.POST.get("next"), "/notifications/"))


@page(roles=SIGNED_IN)
@require_POST
def read_all_notifications(request):
    marked = 0
    for _ in range(READ_ALL_ROUNDS):
        result = notification_services.mark_all_notifications_read(actor=request.actor)
        marked += result["marked"]
        if not result["more"]:
            break
    message = "Nothing was unread." if not marked else f"Marked {marked} notification{'s' * (marked != 1)} as read."
    return flash(redirect("/notifications/"), message)


def _settings_changes(post, role: str | None) -> tuple[dict, dict]:
    """The form as the API's PUT body (validated by its own serializer) and the form to show again."""
    groups = {
        group: {channel: post.get(f"{group}.{channel}") == "on" for channel in notification_services.CHANNELS}
        for group in notification_services.GROUPS
    }
    quiet = post.get("quiet") == "on"
    start, end = post.get("quiet_start", "").strip(), post.get("quiet_end", "").strip()
    body = {
        "groups": groups,
        "email_mode": post.get("email_mode", ""),
        "quiet_hours": {"start": start, "end": end} if quiet else None,
    }
    shown = _settings_form(
        {
            "groups": groups,
            "email_mode": body["email_mode"],
            "quiet_hours": {"start": start, "end": end} if quiet else None,
            "timezone": post.get("timezone_shown", "UTC")[:64],
        },
        role,
    )
    shown["quiet"], shown["quiet_start"], shown["quiet_end"] = quiet, start or "22:00", end or "07:00"
    return body, shown


@page(roles=SIGNED_IN)
@require_POST
def notification_settings(request):
    body, shown = _settings_changes(request.POST, request.actor.role)
    try:
        changes = validate_form(ns.NotificationSettingsIn, body)
        notification_services.update_notification_settings(actor=request.actor, changes=changes)
    except errors.DomainError as exc:
        failure = form_errors(
            exc,
            field_names=("email_mode", "quiet_start", "quiet_end"),
            aliases={"quiet_hours.start": "quiet_start", "quiet_hours.end": "quiet_end", "quiet_hours": "quiet_end"},
        )
        return _render_notifications(request, settings_form=shown, settings_errors=failure)
    return flash(redirect("/notifications/#settings"), "Your notification settings are saved.")
