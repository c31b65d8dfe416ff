"""Feedback API routes (relative to /api/v1/)."""

from django.urls import path

from courses.feedback import api

urlpatterns = [
    path("courses/<str:course_id>/feedback", api.CourseFeedbackView.as_view()),
    path("courses/<str:course_id>/feedback/<str:student_uid>/reply", api.FeedbackReplyView.as_view()),
    path("courses/<str:course_id>/feedback/<str:student_uid>/hide", api.FeedbackHideView.as_view()),
]
