"""Attendance, lesson history and progress API: thin views over progress.services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from courses.progress import serializers as s
from courses.progress import services
from cplatform.api import ApiView
from cplatform.serializers import CursorPageQuery
from middlewares.roles import SIGNED_IN, STUDENTS, TEACHERS_AND_ADMINS


class LessonAttendanceView(ApiView):
    """The lesson's teacher (or an admin) takes and reads attendance."""

    roles = TEACHERS_AND_ADMINS

    @extend_schema(parameters=[CursorPageQuery], responses=s.AttendanceOut, tags=["attendance"])
    def get(self, request, lesson_id: str):
        params = self.query(CursorPageQuery)
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

    @extend_schema(parameters=[CursorPageQuery], responses=s.HistoryPageOut, tags=["history"])
    def get(self, request):
        params = self.query(CursorPageQuery)
        page = services.lesson_history(
            actor=request.user, student_uid=request.user.uid, limit=params["limit"], cursor=params["cursor"] or None
        )
        return Response(_history_body(request.user.uid, page))


class StudentLessonHistoryView(ApiView):
    """The student's teachers (their own courses only), linked parents and admins."""

    roles = SIGNED_IN

    @extend_schema(parameters=[CursorPageQuery], responses=s.HistoryPageOut, tags=["history"])
    def get(self, request, uid: str):
        params = self.query(CursorPageQuery)
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
