"""Input validation and output shapes for course feedback."""

from __future__ import annotations

from rest_framework import serializers

from cplatform.serializers import IsoDateTimeField, StrictSerializer, cursor_page_out


class FeedbackIn(StrictSerializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ReplyIn(StrictSerializer):
    reply = serializers.CharField(min_length=1, max_length=2000)


class HideIn(StrictSerializer):
    hidden = serializers.BooleanField()


class FeedbackOut(serializers.Serializer):
    course_id = serializers.CharField()
    student_uid = serializers.CharField()
    student_name = serializers.CharField()
    rating = serializers.IntegerField()
    comment = serializers.CharField(allow_blank=True)
    reply = serializers.CharField(allow_null=True)
    replied_at = IsoDateTimeField(allow_null=True)
    hidden = serializers.BooleanField()
    posted_at = IsoDateTimeField()
    created_at = IsoDateTimeField()


FeedbackPageOut = cursor_page_out("FeedbackPageOut", FeedbackOut)


def feedback_representation(feedback: dict) -> dict:
    return FeedbackOut(feedback).data
