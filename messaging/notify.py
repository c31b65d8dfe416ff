"""The one entry point other apps use to notify users; the messaging app's dispatcher delivers it.

kinds: message.new, lesson.created, lesson.updated, lesson.cancelled, enrollment.created,
enrollment.withdrawn, enrollment.promoted, feedback.received, payment.succeeded (payer), payment.enrolled
(student paid for by a parent), payment.teacher, payment.refunded (sent by messaging/apps.py on
payments/events.py signals), progress.warning (teacher and parents: a student needs attention) and
progress.summary (a parent's weekly summary of one child), both sent by analytics/jobs.py.
"""

from __future__ import annotations

from messaging import dispatcher


def notify(
    *,
    recipient_uids: list[str],
    kind: str,
    title: str,
    body: str,
    data: dict | None = None,
    actor_uid: str | None = None,
) -> None:
    """Store and deliver a notification to each recipient, honouring their settings."""
    dispatcher.dispatch(
        recipient_uids=recipient_uids, kind=kind, title=title, body=body, data=data or {}, actor_uid=actor_uid
    )
