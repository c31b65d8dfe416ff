"""Lessons and schedule API: a course's lessons (list, add, change, cancel), my week, my .ics feed.

One thin view per resource: validate, call lessons.services, shape.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from courses import clock
from courses.lessons import serializers as s
from courses.lessons import services
from cplatform.api import ApiView
from middlewares.roles import SIGNED_IN, TEACHERS_AND_ADMINS


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

    # A serializer alone would be documented as 204 (drf-spectacular's default for DELETE); this answers 200.
    @extend_schema(request=None, responses={200: s.LessonOut}, tags=["lessons"])
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
    roles = services.SCHEDULE_ROLES

    @extend_schema(parameters=[s.ScheduleIn], responses=s.ScheduleOut, tags=["schedule"])
    def get(self, request):
        params = self.query(s.ScheduleIn)
        start, end = services.resolve_window(start=params.get("from"), end=params.get("to"), tz=params["tz"])
        page = services.get_schedule(
            actor=request.user, start=start, end=end, limit=params["limit"], cursor=params["cursor"] or None
        )
        return Response(s.schedule_representation(page, start=start, end=end))


class MyCalendarView(ApiView):
    """The schedule as an iCalendar feed (normal sign-in: calendar apps need a signed feed URL, future work)."""

    roles = services.SCHEDULE_ROLES

    def perform_content_negotiation(self, request, force=False):
        # Calendar apps send Accept: text/calendar; errors are still answered in JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(parameters=[s.WindowIn], responses={(200, "text/calendar"): OpenApiTypes.STR}, tags=["schedule"])
    def get(self, request):
        params = self.query(s.WindowIn)
        start, end = services.resolve_window(
            start=params.get("from"), end=params.get("to"), tz=params["tz"], calendar=True
        )
        lessons = services.schedule_lessons(actor=request.user, start=start, end=end)
        body = s.calendar_representation(lessons, name="cplatform lessons", now=clock.now_utc())
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="schedule.ics"'
        response["Cache-Control"] = "private, max-age=300"
        return response
