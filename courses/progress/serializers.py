"""Input validation and output shapes for attendance, lesson history and progress."""

from __future__ import annotations

from rest_framework import serializers

from courses.progress.services import ATTENDANCE_STATUSES
from cplatform.serializers import IsoDateTimeField
from firestore_operations.documents import iso

MAX_ATTENDANCE_RECORDS = 200  # two writes each, inside one transaction (limit 500)


# --- input -------------------------------------------------------------------------------------


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
