"""Enrolment API routes (relative to /api/v1/)."""

from django.urls import path

from courses.enrolment import api

urlpatterns = [
    path("courses/<str:course_id>/enrollment", api.CourseEnrollmentView.as_view()),
    path("courses/<str:course_id>/enrollments", api.CourseRosterView.as_view()),
    path("me/enrollments", api.MyEnrollmentsView.as_view()),
]
