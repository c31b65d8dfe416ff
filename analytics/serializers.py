"""Input and output shapes of the analytics reports (the OpenAPI schema is built from these)."""

from __future__ import annotations

import zoneinfo

from rest_framework import serializers

from cplatform.serializers import IsoDateTimeField, StrictSerializer

FORMATS = ("json", "csv")


def _validate_timezone(value: str) -> str:
    if value not in zoneinfo.available_timezones():
        raise serializers.ValidationError("Not a time zone name (e.g. Europe/Paris).")
    return value


def _query_serializer(name: str, extra: dict) -> type[StrictSerializer]:
    # `from` is a Python keyword, so the fields are declared through a dict.
    fields = {
        "from": serializers.DateField(
            required=False, help_text="first local date (YYYY-MM-DD), default 29 days before `to`"
        ),
        "to": serializers.DateField(required=False, help_text="last local date (YYYY-MM-DD), default today"),
        "group": serializers.ChoiceField(choices=("day", "week", "month"), default="day"),
        "tz": serializers.CharField(
            required=False,
            max_length=64,
            validators=[_validate_timezone],
            help_text="IANA time zone; default: the viewer's",
        ),
        "format": serializers.ChoiceField(choices=FORMATS, default="json"),
        **extra,
    }
    return type(name, (StrictSerializer,), {**fields, "__module__": __name__})


def _id(help_text: str):
    return serializers.RegexField(r"^[A-Za-z0-9_-]{1,128}$", required=False, help_text=help_text)


EngagementIn = _query_serializer(
    "EngagementIn", {"course_id": _id("one course"), "teacher_uid": _id("one teacher (admins)")}
)
ProgressIn = _query_serializer("ProgressIn", {"course_id": _id("one course"), "student_uid": _id("one student")})
RevenueIn = _query_serializer("RevenueIn", {"teacher_uid": _id("one teacher (admins)")})
WarningsIn = type(
    "WarningsIn",
    (StrictSerializer,),
    {
        "course_id": _id("one course"),
        "student_uid": _id("one student"),
        "format": serializers.ChoiceField(choices=FORMATS, default="json"),
        "__module__": __name__,
    },
)


class ScopeOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=("platform", "teacher", "course"))
    id = serializers.CharField(allow_null=True)


class EngagementTotalsOut(serializers.Serializer):
    active_users = serializers.IntegerField(help_text="distinct users active in the range")
    dau = serializers.IntegerField(help_text="distinct users active on `to`")
    wau = serializers.IntegerField(help_text="distinct users active in the 7 days ending `to`")
    mau = serializers.IntegerField(help_text="distinct users active in the 30 days ending `to`")
    sign_ins = serializers.IntegerField()
    messages = serializers.IntegerField()
    views = serializers.IntegerField()
    searches = serializers.IntegerField()
    searches_empty = serializers.IntegerField()
    enrollments = serializers.IntegerField()
    withdrawals = serializers.IntegerField()
    downloads = serializers.IntegerField()
    feedback = serializers.IntegerField()


class EngagementRowOut(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM-DD (day; the Monday of a week) or YYYY-MM")
    active_users = serializers.IntegerField()
    sign_ins = serializers.IntegerField()
    messages = serializers.IntegerField()
    views = serializers.IntegerField()
    searches = serializers.IntegerField()
    searches_empty = serializers.IntegerField()
    enrollments = serializers.IntegerField()
    withdrawals = serializers.IntegerField()
    downloads = serializers.IntegerField()
    feedback = serializers.IntegerField()


class CourseEngagementOut(serializers.Serializer):
    course_id = serializers.CharField()
    course_title = serializers.CharField()
    active_students = serializers.IntegerField()
    views = serializers.IntegerField()
    enrollments = serializers.IntegerField()
    withdrawals = serializers.IntegerField()
    downloads = serializers.IntegerField()
    feedback = serializers.IntegerField()


class QueryCountOut(serializers.Serializer):
    query = serializers.CharField()
    count = serializers.IntegerField()


class _EngagementOutBody(serializers.Serializer):
    to = serializers.DateField()
    group = serializers.CharField()
    timezone = serializers.CharField()
    scope = ScopeOut()
    totals = EngagementTotalsOut()
    series = EngagementRowOut(many=True)
    courses = CourseEngagementOut(many=True)
    top_queries = QueryCountOut(many=True)
    empty_queries = QueryCountOut(many=True)


EngagementOut = type(
    "EngagementReportOut", (_EngagementOutBody,), {"from": serializers.DateField(), "__module__": __name__}
)


class StudentProgressOut(serializers.Serializer):
    course_id = serializers.CharField()
    course_title = serializers.CharField()
    student_uid = serializers.CharField()
    student_name = serializers.CharField()
    status = serializers.CharField()
    lessons_attended = serializers.IntegerField()
    lessons_missed = serializers.IntegerField()
    lessons_excused = serializers.IntegerField()
    attendance_rate = serializers.FloatField(allow_null=True)
    materials_opened = serializers.IntegerField()
    last_activity = IsoDateTimeField(allow_null=True)


class LessonAttendanceOut(serializers.Serializer):
    lesson_id = serializers.CharField()
    starts_at = IsoDateTimeField()
    present = serializers.IntegerField()
    absent = serializers.IntegerField()
    excused = serializers.IntegerField()
    attendance_rate = serializers.FloatField(allow_null=True)


class CourseProgressOut(serializers.Serializer):
    course_id = serializers.CharField()
    course_title = serializers.CharField()
    members = serializers.IntegerField()
    completed = serializers.IntegerField()
    dropped = serializers.IntegerField()
    completion_rate = serializers.FloatField(allow_null=True)
    dropout_rate = serializers.FloatField(allow_null=True)
    lessons = LessonAttendanceOut(many=True)


class _ProgressOutBody(serializers.Serializer):
    to = serializers.DateField()
    timezone = serializers.CharField()
    completion_threshold = serializers.FloatField()
    students = StudentProgressOut(many=True)
    courses = CourseProgressOut(many=True)


# Named apart from courses.progress's ProgressOut: two components of one name make a wrong schema.
ProgressOut = type(
    "AnalyticsProgressOut", (_ProgressOutBody,), {"from": serializers.DateField(), "__module__": __name__}
)


class MoneyLineOut(serializers.Serializer):
    currency = serializers.CharField()
    gross = serializers.IntegerField(help_text="minor units")
    refunds = serializers.IntegerField()
    platform_fee = serializers.IntegerField()
    net = serializers.IntegerField()


class RevenueRowOut(MoneyLineOut):
    period = serializers.CharField(help_text="YYYY-MM")
    membership = serializers.IntegerField(help_text="membership periods paid (admins, all teachers)")


class RevenueCourseOut(MoneyLineOut):
    course_id = serializers.CharField()
    course_title = serializers.CharField()
    teacher_uid = serializers.CharField()


class RevenueTeacherOut(MoneyLineOut):
    teacher_uid = serializers.CharField()
    teacher_name = serializers.CharField()


class RevenueTotalOut(MoneyLineOut):
    membership = serializers.IntegerField()


class _RevenueOutBody(serializers.Serializer):
    to = serializers.DateField()
    group = serializers.CharField()
    timezone = serializers.CharField()
    platform_fee_bps = serializers.IntegerField()
    series = RevenueRowOut(many=True)
    courses = RevenueCourseOut(many=True)
    teachers = RevenueTeacherOut(many=True)
    totals = RevenueTotalOut(many=True)


RevenueOut = type("RevenueReportOut", (_RevenueOutBody,), {"from": serializers.DateField(), "__module__": __name__})


class WarningOut(serializers.Serializer):
    course_id = serializers.CharField()
    course_title = serializers.CharField()
    student_uid = serializers.CharField()
    student_name = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    last_activity = IsoDateTimeField(allow_null=True)
    notified_at = IsoDateTimeField(allow_null=True)


class WarningsOut(serializers.Serializer):
    generated_at = IsoDateTimeField()
    items = WarningOut(many=True)


DashboardIn = _query_serializer("DashboardIn", {})
