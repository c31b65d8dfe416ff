"""Course and catalog API routes (relative to /api/v1/)."""

from django.urls import path

from courses.catalog import api

urlpatterns = [
    path("courses", api.CourseCollectionView.as_view()),
    path("courses/<str:course_id>", api.CourseDetailView.as_view()),
    path("courses/<str:course_id>/cover", api.CourseCoverView.as_view()),
]
