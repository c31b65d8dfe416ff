"""Input validation and output shapes for notifications, their settings and push devices."""

from __future__ import annotations

import re

from rest_framework import serializers

from cplatform.serializers import CursorPageQuery, IsoDateTimeField, StrictSerializer
from firestore_operations.documents import iso
from messaging.notification_services import CHANNELS, EMAIL_MODES, GROUPS, MAX_MUTED_ROOMS, PLATFORMS

HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
ROOM_ID = re.compile(r"^[^/\s]{1,128}$")
# FCM registration tokens (and raw APNs hex tokens): letters, digits, ':', '_', '-', '.'.
PUSH_TOKEN = re.compile(r"^[A-Za-z0-9_:.\-]{16,4096}$")


# --- input --------------------------------------------------------------------------------------


class NotificationListIn(CursorPageQuery):
    unread = serializers.BooleanField(default=False, help_text="true: only unread notifications")


class ChannelsIn(StrictSerializer):
    in_app = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)
    push = serializers.BooleanField(required=False)


class GroupsIn(StrictSerializer):
    messages = ChannelsIn(required=False)
    lessons = ChannelsIn(required=False)
    enrollments = ChannelsIn(required=False)
    feedback = ChannelsIn(required=False)
    payments = ChannelsIn(required=False)
    progress = ChannelsIn(required=False)


class QuietHoursIn(StrictSerializer):
    start = serializers.RegexField(HHMM, help_text="HH:MM in your profile's time zone")
    end = serializers.RegexField(HHMM, help_text="HH:MM; before start means the window wraps midnight")

    def validate(self, attrs):
        if attrs["start"] == attrs["end"]:
            raise serializers.ValidationError({"end": ["Must differ from start (use null for no quiet hours)."]})
        return attrs


class NotificationSettingsIn(StrictSerializer):
    """Every field is optional: what is left out keeps its current value."""

    groups = GroupsIn(required=False)
    email_mode = serializers.ChoiceField(choices=EMAIL_MODES, required=False)
    muted_rooms = serializers.ListField(
        child=serializers.RegexField(ROOM_ID), max_length=MAX_MUTED_ROOMS, required=False
    )
    quiet_hours = QuietHoursIn(required=False, allow_null=True)


class DeviceIn(StrictSerializer):
    token = serializers.RegexField(PUSH_TOKEN, help_text="the FCM registration token of this app install")
    platform = serializers.ChoiceField(choices=PLATFORMS)


# --- output -------------------------------------------------------------------------------------


class NotificationOut(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.CharField(help_text="e.g. message.new, lesson.cancelled, enrollment.promoted")
    title = serializers.CharField()
    body = serializers.CharField()
    data = serializers.DictField(help_text="ids to open the right screen: room_id, course_id, lesson_id, ...")
    actor_uid = serializers.CharField(allow_null=True)
    read = serializers.BooleanField()
    read_at = IsoDateTimeField(allow_null=True)
    created_at = IsoDateTimeField()


def notification_representation(item: dict) -> dict:
    """A plain dict (also the `notification` of a notification.new socket frame, so no datetimes)."""
    return {
        "id": item["id"],
        "kind": item.get("kind", ""),
        "title": item.get("title", ""),
        "body": item.get("body", ""),
        "data": dict(item.get("data") or {}),
        "actor_uid": item.get("actor_uid"),
        "read": bool(item.get("read")),
        "read_at": iso(item.get("read_at")),
        "created_at": iso(item.get("created_at")),
    }


class NotificationPageOut(serializers.Serializer):
    items = NotificationOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class UnreadCountOut(serializers.Serializer):
    unread = serializers.IntegerField()


class ReadAllOut(serializers.Serializer):
    marked = serializers.IntegerField(help_text="how many notifications this call marked read")
    more = serializers.BooleanField(help_text="true: unread ones remain, call again")


class ChannelsOut(serializers.Serializer):
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()
    push = serializers.BooleanField()


class QuietHoursOut(serializers.Serializer):
    start = serializers.CharField()
    end = serializers.CharField()


class NotificationSettingsOut(serializers.Serializer):
    groups = serializers.DictField(child=ChannelsOut(), help_text=f"keys: {', '.join(GROUPS)}")
    email_mode = serializers.ChoiceField(choices=EMAIL_MODES)
    muted_rooms = serializers.ListField(child=serializers.CharField())
    quiet_hours = QuietHoursOut(allow_null=True)
    timezone = serializers.CharField(help_text="the profile's time zone, in which quiet hours apply")
    updated_at = IsoDateTimeField(allow_null=True, help_text="null until the settings are first saved")


def settings_representation(values: dict) -> dict:
    return {
        "groups": {group: {channel: values["groups"][group][channel] for channel in CHANNELS} for group in GROUPS},
        "email_mode": values["email_mode"],
        "muted_rooms": list(values["muted_rooms"]),
        "quiet_hours": dict(values["quiet_hours"]) if values["quiet_hours"] else None,
        "timezone": values["timezone"],
        "updated_at": iso(values.get("updated_at")),
    }


class DeviceOut(serializers.Serializer):
    id = serializers.CharField()
    token = serializers.CharField()
    platform = serializers.CharField()
    created_at = IsoDateTimeField(allow_null=True)
    registered_at = IsoDateTimeField(allow_null=True, help_text="last time the app registered this token")


class DeviceListOut(serializers.Serializer):
    items = DeviceOut(many=True)


def device_representation(device: dict) -> dict:
    return {
        "id": device["id"],
        "token": device.get("token", ""),
        "platform": device.get("platform", ""),
        "created_at": iso(device.get("created_at")),
        "registered_at": iso(device.get("registered_at")),
    }


# A client may PUT back what it got: the time zone (changed with PATCH /api/v1/me) and updated_at are ignored.
NotificationSettingsIn.echo_of = NotificationSettingsOut
