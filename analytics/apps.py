"""The analytics app counts what the apps below it publish (analytics/receivers.py)."""

from __future__ import annotations

from django.apps import AppConfig

from analytics import receivers


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self) -> None:
        receivers.connect()
