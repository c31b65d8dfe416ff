"""Web pages of the analytics app."""

from django.urls import path

from analytics import pages

urlpatterns = [
    path("analytics/", pages.dashboard, name="analytics"),
]
