from django.urls import path

from analytics import api

urlpatterns = [
    path("analytics/engagement", api.EngagementView.as_view()),
    path("analytics/progress", api.ProgressView.as_view()),
    path("analytics/revenue", api.RevenueView.as_view()),
    path("analytics/warnings", api.WarningsView.as_view()),
]
