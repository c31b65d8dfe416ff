"""Input validation and output shapes for lessons, schedules, attendance, history and progress."""

from __future__ import annotations

import copy
import datetime as dt
import zoneinfo

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cplatform.serializers import CursorPageQuery, IsoDateTimeField
from firestore_operations.documents import iso

TIMEZONES = frozenset(zoneinfo.available_timezones())
ATTENDANCE_STATUSES = ("present", "absent", "excused")
MAX_ATTENDANCE_RECORDS = 200  # two writes each, inside one transaction (limit 500)


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


def reject_unknown(serializer: serializers.Serializer, attrs: dict) -> dict:
    unknown = sorted(set(getattr(serializer, "initial_data", {}) or {}) - set(serializer.fields))
    if "status" in unknown:
        raise serializers.ValidationError({"status": ["Cancel a lesson with POST .../cancel (or DELETE)."]})
    if unknown:
        raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
    return attrs


# --- input -------------------------------------------------------------------------------------


class LessonIn(serializers.Serializer):
    title = serializers.CharField(min_length=1, max_length=200)
    starts_at = AwareDateTimeField(help_text="ISO 8601 with timezone; stored in UTC")
    duration_minutes = serializers.IntegerField(min_value=5, max_value=480)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    location = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    meeting_url = serializers.URLField(
        max_length=500, allow_blank=True, allow_null=True, required=False, default=None, validators=[validate_https]
    )

    def validate(self, attrs):
        return reject_unknown(self, attrs)


class LessonPatchIn(serializers.Serializer):
    title = serializers.CharField(min_length=1, max_length=200)
    starts_at = AwareDateTimeField()
    duration_minutes = serializers.IntegerField(min_value=5, max_value=480)
    description = serializers.CharField(max_length=5000, allow_blank=True)
    location = serializers.CharField(max_length=300, allow_blank=True)
    meeting_url = serializers.URLField(max_length=500, allow_blank=True, allow_null=True, validators=[validate_https])

    def validate(self, attrs):
        reject_unknown(self, attrs)
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


class AttendanceRecordIn(serializers.Serializer):
    student_uid = serializers.CharField(min_length=1, max_length=128)
    status = serializers.ChoiceField(choices=ATTENDANCE_STATUSES)


class AttendanceIn(serializers.Serializer):
    records = AttendanceRecordIn(many=True, min_length=1, max_length=MAX_ATTENDANCE_RECORDS)

    def validate_records(self, records):
        seen, twice = set(), []
        for record in records:
            if record["student_uid"] in seen:
                twice.append(record["student_uid"])
            seen.add(record["student_uid"])
        if twice:
            raise serializers.ValidationError(f"Each student once per request; repeated: {', '.join(twice)}.")
        return records


class ProgressIn(serializers.Serializer):
    student_uid = serializers.CharField(required=False, max_length=128)


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


class LessonPageOut(serializers.Serializer):
    items = LessonOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


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


class AttendanceRecordOut(serializers.Serializer):
    lesson_id = serializers.CharField()
    course_id = serializers.CharField()
    student_uid = serializers.CharField()
    status = serializers.CharField()
    lesson_title = serializers.CharField()
    course_title = serializers.CharField()
    starts_at = IsoDateTimeField()
    marked_by = serializers.CharField()
    marked_at = IsoDateTimeField()


class AttendanceOut(serializers.Serializer):
    lesson_id = serializers.CharField()
    items = AttendanceRecordOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class HistoryItemOut(serializers.Serializer):
    lesson_id = serializers.CharField()
    course_id = serializers.CharField()
    course_title = serializers.CharField()
    teacher_uid = serializers.CharField()
    title = serializers.CharField()
    starts_at = IsoDateTimeField()
    ends_at = IsoDateTimeField()
    duration_minutes = serializers.IntegerField()
    attendance = serializers.CharField(allow_null=True, help_text="present, absent, excused, or null (not marked)")
    marked_at = IsoDateTimeField(allow_null=True)


class HistoryPageOut(serializers.Serializer):
    student_uid = serializers.CharField()
    items = HistoryItemOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class ProgressOut(serializers.Serializer):
    course_id = serializers.CharField()
    student_uid = serializers.CharField()
    enrollment_status = serializers.CharField()
    lessons_total = serializers.IntegerField(help_text="the course's non-cancelled lessons")
    lessons_completed = serializers.IntegerField(help_text="non-cancelled lessons that have ended")
    lessons_attended = serializers.IntegerField(help_text="lessons the student was marked present at")
    percent = serializers.IntegerField(help_text="lessons_attended / lessons_total, 0-100")
    attendance_percent = serializers.IntegerField(allow_null=True, help_text="lessons_attended / lessons_completed")


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


def attendance_representation(record: dict) -> dict:
    return {
        "lesson_id": record.get("lesson_id"),
        "course_id": record.get("course_id"),
        "student_uid": record.get("student_uid"),
        "status": record.get("status"),
        "lesson_title": record.get("lesson_title", ""),
        "course_title": record.get("course_title", ""),
        "starts_at": iso(record.get("starts_at")),
        "marked_by": record.get("marked_by"),
        "marked_at": iso(record.get("marked_at")),
    }


def history_representation(lesson: dict) -> dict:
    return {
        "lesson_id": lesson["id"],
        "course_id": lesson.get("course_id"),
        "course_title": lesson.get("course_title", ""),
        "teacher_uid": lesson.get("teacher_uid"),
        "title": lesson.get("title", ""),
        "starts_at": iso(lesson.get("starts_at")),
        "ends_at": iso(lesson.get("ends_at")),
        "duration_minutes": lesson.get("duration_minutes"),
        "attendance": lesson.get("attendance"),
        "marked_at": iso(lesson.get("marked_at")),
    }


def _utc_seconds(value: dt.datetime) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(value.timestamp()), dt.UTC)


def calendar_representation(lessons: list[dict], *, name: str, now: dt.datetime) -> bytes:
    """An iCalendar (RFC 5545) document: one VEVENT per lesson, times in UTC, cancelled ones marked so.

    UID is stable per lesson and SEQUENCE counts its changes, so calendar apps update events in place.
    """
    from icalendar import Calendar, Event

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
