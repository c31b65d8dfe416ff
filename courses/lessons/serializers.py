"""Input validation and output shapes for lessons, schedules and the .ics calendar feed."""

from __future__ import annotations

import copy
import datetime as dt
import zoneinfo

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from icalendar import Calendar, Event
from rest_framework import serializers

from cplatform.serializers import CursorPageQuery, IsoDateTimeField, StrictSerializer, cursor_page_out
from firestore_operations.documents import iso

TIMEZONES = frozenset(zoneinfo.available_timezones())
LESSON_HINTS = {"status": "Cancel a lesson with POST .../cancel (or DELETE)."}


def _parse_iso(value: str) -> dt.date | dt.datetime:
    """'2025-03-03' (a date) or '2025-03-03T10:00:00+01:00' / '...Z' (a datetime)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError
    value = value.strip()
    if len(value) == 10:
        return dt.date.fromisoformat(value)
    return dt.datetime.fromisoformat(value)


class AwareDateTimeField(IsoDateTimeField):
    """An ISO 8601 datetime that must carry its timezone; stored in UTC."""

    def to_internal_value(self, data):
        try:
            value = _parse_iso(data)
        except (ValueError, TypeError) as exc:
            raise serializers.ValidationError("Use ISO 8601 with a timezone, e.g. 2025-03-03T14:00:00+01:00.") from exc
        if not isinstance(value, dt.datetime):
            raise serializers.ValidationError("Give a time as well as a date, e.g. 2025-03-03T14:00:00Z.")
        if value.tzinfo is None or value.utcoffset() is None:
            raise serializers.ValidationError("Add a timezone (Z or an offset such as +01:00).")
        return value.astimezone(dt.UTC)


@extend_schema_field(OpenApiTypes.STR)
class DateOrDateTimeField(serializers.Field):
    """An ISO date (a midnight) or datetime; a datetime without offset is read in the `tz` parameter."""

    def to_internal_value(self, data):
        try:
            return _parse_iso(data)
        except (ValueError, TypeError) as exc:
            raise serializers.ValidationError(
                "Use an ISO date (2025-03-03) or datetime (2025-03-03T08:00:00Z)."
            ) from exc

    def to_representation(self, value):
        return value.isoformat()


def validate_https(value: str | None) -> str | None:
    if value and not value.lower().startswith("https://"):
        raise serializers.ValidationError("Only https links are accepted.")
    return value


# --- input -------------------------------------------------------------------------------------


class LessonIn(StrictSerializer):
    unknown_hints = LESSON_HINTS

    title = serializers.CharField(min_length=1, max_length=200)
    starts_at = AwareDateTimeField(help_text="ISO 8601 with timezone; stored in UTC")
    duration_minutes = serializers.IntegerField(min_value=5, max_value=480)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    location = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    meeting_url = serializers.URLField(
        max_length=500, allow_blank=True, allow_null=True, required=False, default=None, validators=[validate_https]
    )


class LessonPatchIn(StrictSerializer):
    unknown_hints = LESSON_HINTS

    title = serializers.CharField(min_length=1, max_length=200)
    starts_at = AwareDateTimeField()
    duration_minutes = serializers.IntegerField(min_value=5, max_value=480)
    description = serializers.CharField(max_length=5000, allow_blank=True)
    location = serializers.CharField(max_length=300, allow_blank=True)
    meeting_url = serializers.URLField(max_length=500, allow_blank=True, allow_null=True, validators=[validate_https])

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs:
            raise serializers.ValidationError("Send at least one field to change.")
        return attrs


class CancelIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class LessonListIn(CursorPageQuery):
    since = AwareDateTimeField(required=False, help_text="only lessons starting at or after this time")


class WindowIn(serializers.Serializer):
    from_ = DateOrDateTimeField(required=False, help_text="ISO date or datetime; default: this week's Monday")
    to = DateOrDateTimeField(required=False, help_text="exclusive; at most 92 days after 'from'")
    tz = serializers.CharField(required=False, default="UTC", max_length=64, help_text="IANA zone for dates")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword: declared as from_, re-bound (a fresh copy) under its real name.
        self.fields["from"] = copy.deepcopy(self.fields.pop("from_"))

    def validate_tz(self, value: str) -> str:
        if value not in TIMEZONES:
            raise serializers.ValidationError("Unknown time zone; use an IANA name such as 'Europe/Paris'.")
        return value


class ScheduleIn(WindowIn, CursorPageQuery):
    pass


# --- output ------------------------------------------------------------------------------------


class LessonOut(serializers.Serializer):
    id = serializers.CharField()
    course_id = serializers.CharField()
    course_title = serializers.CharField()
    teacher_uid = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    starts_at = IsoDateTimeField()
    ends_at = IsoDateTimeField()
    duration_minutes = serializers.IntegerField()
    location = serializers.CharField()
    meeting_url = serializers.CharField(allow_null=True, required=False)
    status = serializers.CharField(help_text="scheduled or cancelled")
    cancel_reason = serializers.CharField(required=False)
    cancelled_at = IsoDateTimeField(allow_null=True, required=False)
    sequence = serializers.IntegerField()
    created_at = IsoDateTimeField()
    updated_at = IsoDateTimeField()


class LessonWithWarningsOut(LessonOut):
    warnings = serializers.ListField(child=serializers.CharField(), help_text="e.g. outside_availability")


LessonPageOut = cursor_page_out("LessonPageOut", LessonOut)


class ScheduleItemOut(LessonOut):
    student_uids = serializers.ListField(child=serializers.CharField(), required=False, help_text="parents only")


class ScheduleOut(serializers.Serializer):
    items = ScheduleItemOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)
    from_ = IsoDateTimeField(help_text="the window's start (UTC)")
    to = IsoDateTimeField(help_text="the window's end, exclusive (UTC)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = copy.deepcopy(self.fields.pop("from_"))


# --- representations ---------------------------------------------------------------------------


def lesson_representation(lesson: dict, *, details: bool = True) -> dict:
    """A lesson as the API shows it; without `details` the meeting link is left out (non-members)."""
    data = {
        "id": lesson["id"],
        "course_id": lesson.get("course_id"),
        "course_title": lesson.get("course_title", ""),
        "teacher_uid": lesson.get("teacher_uid"),
        "title": lesson.get("title", ""),
        "description": lesson.get("description", ""),
        "starts_at": iso(lesson.get("starts_at")),
        "ends_at": iso(lesson.get("ends_at")),
        "duration_minutes": lesson.get("duration_minutes"),
        "location": lesson.get("location", ""),
        "meeting_url": lesson.get("meeting_url") if details else None,
        "status": lesson.get("status"),
        "cancel_reason": lesson.get("cancel_reason", ""),
        "cancelled_at": iso(lesson.get("cancelled_at")),
        "sequence": lesson.get("sequence", 0),
        "created_at": iso(lesson.get("created_at")),
        "updated_at": iso(lesson.get("updated_at")),
    }
    if "student_uids" in lesson:
        data["student_uids"] = lesson["student_uids"]
    return data


def schedule_representation(page, *, start: dt.datetime, end: dt.datetime) -> dict:
    """A page of a person's schedule and the window it covers."""
    return {
        "items": [lesson_representation(lesson) for lesson in page.items],
        "next_cursor": page.next_cursor,
        "from": iso(start),
        "to": iso(end),
    }


def _utc_seconds(value: dt.datetime) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(value.timestamp()), dt.UTC)


def calendar_representation(lessons: list[dict], *, name: str, now: dt.datetime) -> bytes:
    """An iCalendar (RFC 5545) document: one VEVENT per lesson, times in UTC, cancelled ones marked so.

    UID is stable per lesson and SEQUENCE counts its changes, so calendar apps update events in place.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//cplatform//lesson schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for lesson in lessons:
        event = Event()
        event.add("uid", f"lesson-{lesson['id']}@cplatform")
        event.add("dtstamp", _utc_seconds(lesson.get("updated_at") or now))
        event.add("dtstart", _utc_seconds(lesson["starts_at"]))
        event.add("dtend", _utc_seconds(lesson["ends_at"]))
        event.add("summary", f"{lesson.get('course_title', '')}: {lesson.get('title', '')}")
        if lesson.get("description"):
            event.add("description", lesson["description"])
        if lesson.get("location") or lesson.get("meeting_url"):
            event.add("location", lesson.get("location") or lesson["meeting_url"])
        if lesson.get("meeting_url"):
            event.add("url", lesson["meeting_url"])
        event.add("status", "CANCELLED" if lesson.get("status") == "cancelled" else "CONFIRMED")
        event.add("sequence", int(lesson.get("sequence") or 0))
        calendar.add_component(event)
    return calendar.to_ical()
