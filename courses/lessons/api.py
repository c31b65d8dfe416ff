"""Lessons, schedules, attendance, history and progress API: one thin view per resource (validate, call, shape)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from courses import schedule_serializers as s
from courses import schedule_services as services
from cplatform.actor import PARENT, STUDENT, TEACHER
from cplatform.api import ApiView
from firestore_operations.documents import iso
from middlewares.roles import SIGNED_IN, STUDENTS, TEACHERS_AND_ADMINS

SCHEDULE_ROLES = frozenset({TEACHER, STUDENT, PARENT})


def _with_warnings(lesson: dict, warnings: list[str]) -> dict:
    return {**s.lesson_representation(lesson), "warnings": warnings}


class CourseLessonsView(ApiView):
    """Everyone who may see the course lists its lessons; its teacher (or an admin) adds them."""

    roles = SIGNED_IN

    @extend_schema(
        parameters=[s.LessonListIn], responses=s.LessonPageOut, tags=["lessons"], operation_id="courses_lessons_list"
    )
    def get(self, request, course_id: str):
        params = self.query(s.LessonListIn)
        page, details = services.list_lessons(
            actor=request.user,
            course_id=course_id,
            since=params.get("since"),
            limit=params["limit"],
            cursor=params["cursor"] or None,
        )
        items = [s.lesson_representation(lesson, details=details) for lesson in page.items]
        return Response({"items": items, "next_cursor": page.next_cursor})

    @extend_schema(request=s.LessonIn, responses={201: s.LessonWithWarningsOut}, tags=["lessons"])
    def post(self, request, course_id: str):
        data = self.validate(s.LessonIn, request.data)
        lesson, warnings = services.create_lesson(actor=request.user, course_id=course_id, **data)
        return Response(_with_warnings(lesson, warnings), status=status.HTTP_201_CREATED)


class CourseLessonView(ApiView):
    """One lesson: read (course visibility), change or cancel (DELETE = cancel; it stays listed)."""

    roles = SIGNED_IN

    @extend_schema(responses=s.LessonOut, tags=["lessons"], operation_id="courses_lessons_retrieve")
    def get(self, request, course_id: str, lesson_id: str):
        lesson, details = services.get_lesson(actor=request.user, course_id=course_id, lesson_id=lesson_id)
        return Response(s.lesson_representation(lesson, details=details))

    @extend_schema(request=s.LessonPatchIn, responses=s.LessonWithWarningsOut, tags=["lessons"])
    def patch(self, request, course_id: str, lesson_id: str):
        changes = self.validate(s.LessonPatchIn, request.data, partial=True)
        lesson, warnings = services.update_lesson(
            actor=request.user, course_id=course_id, lesson_id=lesson_id, changes=dict(changes)
        )
        return Response(_with_warnings(lesson, warnings))

    @extend_schema(request=None, responses=s.LessonOut, tags=["lessons"])
    def delete(self, request, course_id: str, lesson_id: str):
        lesson = services.cancel_lesson(actor=request.user, course_id=course_id, lesson_id=lesson_id)
        return Response(s.lesson_representation(lesson))


class CancelLessonView(ApiView):
    roles = TEACHERS_AND_ADMINS

    @extend_schema(request=s.CancelIn, responses=s.LessonOut, tags=["lessons"])
    def post(self, request, course_id: str, lesson_id: str):
        data = self.validate(s.CancelIn, request.data)
        lesson = services.cancel_lesson(
            actor=request.user, course_id=course_id, lesson_id=lesson_id, reason=data["reason"]
        )
        return Response(s.lesson_representation(lesson))


class MyScheduleView(ApiView):
    roles = SCHEDULE_ROLES

    @extend_schema(parameters=[s.ScheduleIn], responses=s.ScheduleOut, tags=["schedule"])
    def get(self, request):
        params = self.query(s.ScheduleIn)
        start, end = services.resolve_window(start=params.get("from"), end=params.get("to"), tz=params["tz"])
        page = services.get_schedule(
            actor=request.user, start=start, end=end, limit=params["limit"], cursor=params["cursor"] or None
        )
        return Response(
            {
                "items": [s.lesson_representation(lesson) for lesson in page.items],
                "next_cursor": page.next_cursor,
                "from": iso(start),
                "to": iso(end),
            }
        )


class MyCalendarView(ApiView):
    """The schedule as an iCalendar feed (normal sign-in: calendar apps need a signed feed URL, future work)."""

    roles = SCHEDULE_ROLES

    def perform_content_negotiation(self, request, force=False):
        # Calendar apps send Accept: text/calendar; errors are still answered in JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(parameters=[s.WindowIn], responses={(200, "text/calendar"): OpenApiTypes.STR}, tags=["schedule"])
    def get(self, request):
        params = self.query(s.WindowIn)
        start, end = services.resolve_window(
            start=params.get("from"), end=params.get("to"), tz=params["tz"], calendar=True
        )
        lessons = services.calendar_lessons(actor=request.user, start=start, end=end)
        body = s.calendar_representation(lessons, name="cplatform lessons", now=services.now_utc())
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="schedule.ics"'
        response["Cache-Control"] = "private, max-age=300"
        return response


class LessonAttendanceView(ApiView):
    """The lesson's teacher (or an admin) takes and reads attendance."""

    roles = TEACHERS_AND_ADMINS

    @extend_schema(parameters=[s.CursorPageQuery], responses=s.AttendanceOut, tags=["attendance"])
    def get(self, request, lesson_id: str):
        params = self.query(s.CursorPageQuery)
        lesson, page = services.list_attendance(
            actor=request.user, lesson_id=lesson_id, limit=params["limit"], cursor=params["cursor"] or None
        )
        return Response(
            {
                "lesson_id": lesson["id"],
                "items": [s.attendance_representation(record) for record in page.items],
                "next_cursor": page.next_cursor,
            }
        )

    @extend_schema(request=s.AttendanceIn, responses=s.AttendanceOut, tags=["attendance"])
    def post(self, request, lesson_id: str):
        data = self.validate(s.AttendanceIn, request.data)
        records = services.mark_attendance(actor=request.user, lesson_id=lesson_id, records=data["records"])
        return Response(
            {
                "lesson_id": lesson_id,
                "items": [s.attendance_representation(record) for record in records],
                "next_cursor": None,
            }
        )


def _history_body(student_uid: str, page) -> dict:
    return {
        "student_uid": student_uid,
        "items": [s.history_representation(lesson) for lesson in page.items],
        "next_cursor": page.next_cursor,
    }


class MyLessonHistoryView(ApiView):
    roles = STUDENTS

    @extend_schema(parameters=[s.CursorPageQuery], responses=s.HistoryPageOut, tags=["history"])
    def get(self, request):
        params = self.query(s.CursorPageQuery)
        page = services.lesson_history(
            actor=request.user, student_uid=request.user.uid, limit=params["limit"], cursor=params["cursor"] or None
        )
        return Response(_history_body(request.user.uid, page))


class StudentLessonHistoryView(ApiView):
    """The student's teachers (their own courses only), linked parents and admins."""

    roles = SIGNED_IN

    @extend_schema(parameters=[s.CursorPageQuery], responses=s.HistoryPageOut, tags=["history"])
    def get(self, request, uid: str):
        params = self.query(s.CursorPageQuery)
        page = services.lesson_history(
            actor=request.user, student_uid=uid, limit=params["limit"], cursor=params["cursor"] or None
        )
        return Response(_history_body(uid, page))


class CourseProgressView(ApiView):
    roles = SIGNED_IN

    @extend_schema(parameters=[s.ProgressIn], responses=s.ProgressOut, tags=["history"])
    def get(self, request, course_id: str):
        params = self.query(s.ProgressIn)
        progress = services.course_progress(
            actor=request.user, course_id=course_id, student_uid=params.get("student_uid")
        )
        return Response(progress)
