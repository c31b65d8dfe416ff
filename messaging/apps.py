"""The messaging app subscribes to the facts other apps publish (see messaging/receivers.py)."""

from __future__ import annotations

from django.apps import AppConfig

from messaging import receivers


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        receivers.connect()
