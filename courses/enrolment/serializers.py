"""Input validation and output shapes for enrolments."""

from __future__ import annotations

from rest_framework import serializers

from cplatform.serializers import CursorPageQuery, IsoDateTimeField, StrictSerializer, cursor_page_out

ENROLLMENT_STATUSES = ("active", "waitlisted", "withdrawn", "completed")


class EnrollIn(StrictSerializer):
    student_uid = serializers.CharField(required=False, max_length=128, help_text="parents: the child to enrol")


class StudentQuery(serializers.Serializer):
    student_uid = serializers.CharField(required=False, max_length=128, help_text="parents: the child")


class MyEnrollmentsIn(CursorPageQuery):
    status = serializers.ChoiceField(choices=ENROLLMENT_STATUSES, required=False)
    student_uid = serializers.CharField(required=False, max_length=128, help_text="parents: one child only")


class RosterIn(CursorPageQuery):
    status = serializers.ChoiceField(choices=ENROLLMENT_STATUSES, required=False)


class EnrollmentOut(serializers.Serializer):
    id = serializers.CharField()
    course_id = serializers.CharField()
    course_title = serializers.CharField()
    teacher_uid = serializers.CharField()
    teacher_name = serializers.CharField()
    student_uid = serializers.CharField()
    student_name = serializers.CharField()
    status = serializers.ChoiceField(choices=ENROLLMENT_STATUSES)
    position = serializers.IntegerField(required=False, help_text="waitlist position (1 = next seat)")
    waitlist_seq = serializers.IntegerField(allow_null=True, required=False, help_text="waitlist order key")
    requested_at = IsoDateTimeField()
    enrolled_at = IsoDateTimeField(allow_null=True)
    withdrawn_at = IsoDateTimeField(allow_null=True)
    lessons_attended = serializers.IntegerField(default=0)
    enrolled_by = serializers.CharField()
    refund = serializers.DictField(
        required=False, help_text="after a withdrawal from a paid course: refunded or not, and why"
    )


EnrollmentPageOut = cursor_page_out("EnrollmentPageOut", EnrollmentOut)


def enrollment_representation(enrollment: dict) -> dict:
    return EnrollmentOut(enrollment).data
