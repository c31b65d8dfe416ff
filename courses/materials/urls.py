"""Course material API routes (relative to /api/v1/)."""

from django.urls import path

from courses.materials import api

urlpatterns = [
    path("courses/<str:course_id>/materials", api.MaterialsView.as_view()),
    path("courses/<str:course_id>/materials/<str:material_id>", api.MaterialView.as_view()),
    path("courses/<str:course_id>/materials/<str:material_id>/download", api.MaterialDownloadView.as_view()),
]
