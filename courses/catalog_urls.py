"""Catalog, search, enrolment and feedback routes (the schedule and materials parts keep their own lists)."""

from django.urls import path

from courses import api

urlpatterns = [
    path("courses", api.CourseCollectionView.as_view()),
    path("courses/<str:course_id>", api.CourseDetailView.as_view()),
    path("courses/<str:course_id>/cover", api.CourseCoverView.as_view()),
    path("courses/<str:course_id>/enrollment", api.CourseEnrollmentView.as_view()),
    path("courses/<str:course_id>/enrollments", api.CourseRosterView.as_view()),
    path("courses/<str:course_id>/feedback", api.CourseFeedbackView.as_view()),
    path("courses/<str:course_id>/feedback/<str:student_uid>/reply", api.FeedbackReplyView.as_view()),
    path("courses/<str:course_id>/feedback/<str:student_uid>/hide", api.FeedbackHideView.as_view()),
    path("me/enrollments", api.MyEnrollmentsView.as_view()),
]
