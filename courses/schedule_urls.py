"""Lessons, schedules, attendance, lesson history and progress (relative to /api/v1/)."""

from django.urls import path

from courses import schedule_api as api

urlpatterns = [
    path("courses/<str:course_id>/lessons", api.CourseLessonsView.as_view()),
    path("courses/<str:course_id>/lessons/<str:lesson_id>", api.CourseLessonView.as_view()),
    path("courses/<str:course_id>/lessons/<str:lesson_id>/cancel", api.CancelLessonView.as_view()),
    path("courses/<str:course_id>/progress", api.CourseProgressView.as_view()),
    path("me/schedule", api.MyScheduleView.as_view()),
    path("me/schedule.ics", api.MyCalendarView.as_view()),
    path("me/lesson-history", api.MyLessonHistoryView.as_view()),
    path("lessons/<str:lesson_id>/attendance", api.LessonAttendanceView.as_view()),
    path("students/<str:uid>/lesson-history", api.StudentLessonHistoryView.as_view()),
]
