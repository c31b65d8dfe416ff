"""Analytics listens to the facts the other apps publish and counts them (analytics/recorder.py).

Analytics sits on top of the app order: it imports the events of every app below it and nobody
imports analytics. Receivers run after the publishing app's write committed; the recorder never
raises, so a lost count can never fail the request.
"""

from __future__ import annotations

import logging

from analytics import recorder, tasks
from authentication import events as account_events
from courses import clock
from courses import events as course_events
from messaging import events as messaging_events
from payments import events as payment_events

logger = logging.getLogger(__name__)


def on_signed_in(sender, uid: str, **kwargs) -> None:
    recorder.signed_in(uid=uid, at=clock.now_utc())


def on_course_viewed(sender, course_id: str, teacher_uid: str, viewer_uid=None, viewer_role=None, **kwargs) -> None:
    recorder.course_viewed(
        course_id=course_id, teacher_uid=teacher_uid, viewer_uid=viewer_uid, viewer_role=viewer_role, at=clock.now_utc()
    )


def on_searched(sender, query: str, result_count: int, actor_uid=None, **kwargs) -> None:
    recorder.searched(query=query, result_count=result_count, uid=actor_uid, at=clock.now_utc())


def on_enrollment_activated(sender, course_id: str, student_uid: str, teacher_uid: str, **kwargs) -> None:
    recorder.enrollment_started(
        course_id=course_id,
        teacher_uid=teacher_uid,
        student_uid=student_uid,
        course_title=kwargs.get("course_title") or "",
        student_name=kwargs.get("student_name") or "",
        promoted=bool(kwargs.get("promoted")),
        at=clock.now_utc(),
    )


def on_enrollment_ended(sender, course_id: str, student_uid: str, teacher_uid: str, **kwargs) -> None:
    recorder.enrollment_ended(
        course_id=course_id,
        teacher_uid=teacher_uid,
        student_uid=student_uid,
        course_title=kwargs.get("course_title") or "",
        reason=kwargs.get("reason") or "withdrawn",
        at=clock.now_utc(),
    )


def on_attendance_marked(sender, *, lesson_id: str, course_id: str, teacher_uid: str, starts_at, marks: dict, **kwargs):
    recorder.attendance_marked(
        lesson_id=lesson_id,
        course_id=course_id,
        teacher_uid=teacher_uid,
        starts_at=starts_at,
        marks=marks,
        at=clock.now_utc(),
    )


def on_material_downloaded(sender, course_id: str, teacher_uid: str, uid: str, role=None, **kwargs) -> None:
    recorder.material_downloaded(course_id=course_id, teacher_uid=teacher_uid, uid=uid, role=role, at=clock.now_utc())


def on_message_sent(sender, room_kind: str, sender_uid: str, course_id=None, sender_role=None, **kwargs) -> None:
    # Chat keeps two Firestore writes per message whatever the room (docs/chat.md): the count goes
    # through the worker. Should the broker be down, it is counted here rather than lost.
    fields = {"room_kind": room_kind, "course_id": course_id, "sender_uid": sender_uid, "sender_role": sender_role}
    at = clock.now_utc()
    try:
        tasks.record_message_sent.apply_async(kwargs={**fields, "at": at.timestamp()}, retry=False)
    except Exception:
        logger.warning("analytics: message count not queued; counting it in the request", exc_info=True)
        recorder.message_sent(**fields, at=at)


def on_feedback_created(sender, course_id: str, teacher_uid: str, student_uid: str, **kwargs) -> None:
    recorder.feedback_given(course_id=course_id, teacher_uid=teacher_uid, student_uid=student_uid, at=clock.now_utc())


def on_payment_succeeded(sender, **kwargs) -> None:
    recorder.payment_counted(refunded=False, at=clock.now_utc())


def on_payment_refunded(sender, **kwargs) -> None:
    recorder.payment_counted(refunded=True, at=clock.now_utc())


CONNECTIONS = (
    (account_events.user_signed_in, on_signed_in),
    (course_events.course_viewed, on_course_viewed),
    (course_events.courses_searched, on_searched),
    (course_events.enrollment_activated, on_enrollment_activated),
    (course_events.enrollment_ended, on_enrollment_ended),
    (course_events.attendance_marked, on_attendance_marked),
    (course_events.material_downloaded, on_material_downloaded),
    (course_events.feedback_created, on_feedback_created),
    (messaging_events.message_sent, on_message_sent),
    (payment_events.payment_succeeded, on_payment_succeeded),
    (payment_events.payment_refunded, on_payment_refunded),
)


def connect() -> None:
    for signal, receiver in CONNECTIONS:
        signal.connect(receiver, dispatch_uid=f"analytics.{receiver.__name__}")
