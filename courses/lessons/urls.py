"""Lesson and schedule API routes (relative to /api/v1/)."""

from django.urls import path

from courses.lessons import api

urlpatterns = [
    path("courses/<str:course_id>/lessons", api.CourseLessonsView.as_view()),
    path("courses/<str:course_id>/lessons/<str:lesson_id>", api.CourseLessonView.as_view()),
    path("courses/<str:course_id>/lessons/<str:lesson_id>/cancel", api.CancelLessonView.as_view()),
    path("me/schedule", api.MyScheduleView.as_view()),
    path("me/schedule.ics", api.MyCalendarView.as_view()),
]
