"""Attendance, lesson history and progress API routes (relative to /api/v1/)."""

from django.urls import path

from courses.progress import api

urlpatterns = [
    path("courses/<str:course_id>/progress", api.CourseProgressView.as_view()),
    path("me/lesson-history", api.MyLessonHistoryView.as_view()),
    path("lessons/<str:lesson_id>/attendance", api.LessonAttendanceView.as_view()),
    path("students/<str:uid>/lesson-history", api.StudentLessonHistoryView.as_view()),
]
