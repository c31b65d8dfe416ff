"""Placeholder until the messaging issue lands: notifications are accepted and dropped."""

from __future__ import annotations


def dispatch(*, recipient_uids: list[str], kind: str, title: str, body: str, data: dict, actor_uid: str | None) -> None:
    return None
