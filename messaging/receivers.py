"""What messaging does when another app publishes a fact: keep course rooms right and tell people.

The owning apps (accounts, courses) publish plain data and never import messaging; the wording of
every notification and the choice of whom to tell live here. Receivers run after the change was
stored and are called through `cplatform.events.publish`, which logs a failure instead of failing
the request: room membership and notifications are repairable, the committed change is not undone.
"""

from __future__ import annotations

import datetime as dt
import logging

from authentication import events as account_events
from courses import events as course_events
from firestore_operations import attendance as attendance_store
from messaging import notification_services, notify, services
from payments import events as payment_events
from payments.money import format_amount

logger = logging.getLogger(__name__)


def _when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%a %d %b %Y %H:%M UTC")


# --- course rooms --------------------------------------------------------------------------------


def open_course_room(sender, course: dict, **kwargs) -> None:
    services.ensure_course_room(course=course)


def add_room_member(sender, course_id: str, student_uid: str, teacher_uid: str, **kwargs) -> None:
    services.add_course_member(course_id=course_id, student_uid=student_uid, teacher_uid=teacher_uid)


def remove_room_member(sender, course_id: str, student_uid: str, **kwargs) -> None:
    services.remove_course_member(course_id=course_id, student_uid=student_uid)


def rename_course_room(sender, course_id: str, title: str, **kwargs) -> None:
    services.rename_course_room(course_id=course_id, title=title)


def delete_course_room(sender, course_id: str, **kwargs) -> None:
    services.delete_course_room(course_id=course_id)


def rename_member(sender, uid: str, display_name: str, **kwargs) -> None:
    services.rename_member_everywhere(uid=uid, display_name=display_name)


def forget_deleted_account(sender, uid: str, **kwargs) -> None:
    notification_services.delete_notification_data(uid=uid)
    services.leave_every_room(uid=uid)


# --- notifications -------------------------------------------------------------------------------


def tell_teacher_of_new_student(
    sender, course_id: str, student_uid: str, teacher_uid: str, promoted: bool = False, **kwargs
) -> None:
    course_title = kwargs.get("course_title") or ""
    name = kwargs.get("student_name") or "A student"
    data = {"course_id": course_id, "student_uid": student_uid}
    notify.notify(
        recipient_uids=[teacher_uid],
        kind="enrollment.created",
        title=f"New student in {course_title or 'your course'}",
        body=f"{name} {'took a freed seat' if promoted else 'enrolled'}.",
        data=data,
    )
    if promoted:
        notify.notify(
            recipient_uids=[student_uid],
            kind="enrollment.promoted",
            title=f"You have a seat in {course_title or 'the course'}",
            body="A seat was freed and it is yours: you are now enrolled.",
            data=data,
        )


def tell_student_of_offered_seat(sender, course_id: str, student_uid: str, **kwargs) -> None:
    notify.notify(
        recipient_uids=[student_uid],
        kind="enrollment.seat_offered",
        title=f"A seat is free in {kwargs.get('course_title') or 'your course'}",
        body="You are on the waitlist of this paid course: pay now to take the seat (first to pay gets it).",
        data={"course_id": course_id, "student_uid": student_uid},
    )


def tell_teacher_of_withdrawal(
    sender, course_id: str, student_uid: str, teacher_uid: str, reason: str = "withdrawn", **kwargs
) -> None:
    if reason != "withdrawn":
        return  # an archived course ends every membership at once; its teacher did it
    notify.notify(
        recipient_uids=[teacher_uid],
        kind="enrollment.withdrawn",
        title=f"A student left {kwargs.get('course_title') or 'your course'}",
        body=f"{kwargs.get('student_name') or 'A student'} withdrew.",
        data={"course_id": course_id, "student_uid": student_uid},
    )


def tell_teacher_of_feedback(sender, course_id: str, teacher_uid: str, student_uid: str, rating: int, **kwargs) -> None:
    notify.notify(
        recipient_uids=[teacher_uid],
        kind="feedback.received",
        title=f"New feedback on {kwargs.get('course_title') or 'your course'}",
        body=f"{kwargs.get('student_name') or 'A student'} rated it {rating}/5.",
        data={"course_id": course_id, "student_uid": student_uid, "rating": rating},
    )


def _tell_students(lesson: dict, actor_uid: str, *, kind: str, title: str, body: str) -> None:
    """The course's active students (one enrolment query)."""
    recipients = attendance_store.active_student_uids(lesson["course_id"])
    if recipients:
        notify.notify(
            recipient_uids=recipients,
            kind=kind,
            title=title,
            body=body,
            data={"course_id": lesson["course_id"], "lesson_id": lesson["id"]},
            actor_uid=actor_uid,
        )


def tell_students_of_new_lesson(sender, lesson: dict, actor_uid: str, **kwargs) -> None:
    _tell_students(
        lesson,
        actor_uid,
        kind="lesson.created",
        title=f"New lesson: {lesson['title']}",
        body=f"{lesson['course_title']}: {lesson['title']} on {_when(lesson['starts_at'])}.",
    )


def tell_students_of_changed_lesson(sender, lesson: dict, moved: bool, actor_uid: str, **kwargs) -> None:
    detail = f"now on {_when(lesson['starts_at'])}" if moved else "has new details"
    _tell_students(
        lesson,
        actor_uid,
        kind="lesson.updated",
        title=f"Lesson changed: {lesson['title']}",
        body=f"{lesson['course_title']}: {lesson['title']} {detail}.",
    )


def tell_students_of_cancelled_lesson(sender, lesson: dict, reason: str, actor_uid: str, **kwargs) -> None:
    because = f" Reason: {reason}" if reason else ""
    _tell_students(
        lesson,
        actor_uid,
        kind="lesson.cancelled",
        title=f"Lesson cancelled: {lesson['title']}",
        body=f"{lesson['course_title']}: {lesson['title']} on {_when(lesson['starts_at'])} is cancelled.{because}",
    )


# --- payments ------------------------------------------------------------------------------------


def on_payment_succeeded(sender, payment: dict, course_title: str = "", **kwargs) -> None:
    """Payer, then student, then teacher: each told in their own words."""
    title = course_title or "the course"
    data = {"payment_id": payment.get("id"), "course_id": payment.get("course_id")}
    paid = format_amount(int(payment.get("amount", 0)), payment.get("currency", ""))
    payer, student = payment.get("payer_uid"), payment.get("student_uid")
    messages = [
        (payer, "payment.succeeded", f"Payment received for {title}", f"We received {paid}. Your invoice is ready."),
    ]
    if student and student != payer:
        messages.append((student, "payment.enrolled", f"You're enrolled in {title}", "Your seat has been paid for."))
    messages.append(
        (
            payment.get("teacher_uid"),
            "payment.teacher",
            f"New paid student in {title}",
            f"{payment.get('student_name') or 'A student'} paid {paid}.",
        )
    )
    for uid, kind, heading, body in messages:
        if not uid:
            continue
        try:
            notify.notify(recipient_uids=[uid], kind=kind, title=heading, body=body, data=data)
        except Exception:
            logger.exception("could not notify %s of payment %s", uid, payment.get("id"))


def on_payment_refunded(sender, payment: dict, refund: dict, course_title: str = "", **kwargs) -> None:
    title = course_title or "the course"
    amount = format_amount(int(refund.get("amount", 0)), refund.get("currency", ""))
    recipients = [uid for uid in dict.fromkeys([payment.get("payer_uid"), payment.get("student_uid")]) if uid]
    try:
        notify.notify(
            recipient_uids=recipients,
            kind="payment.refunded",
            title=f"Refund for {title}",
            body=f"{amount} is on its way back to the card that paid. {refund.get('reason', '')}".strip(),
            data={"payment_id": payment.get("id"), "course_id": payment.get("course_id")},
        )
    except Exception:
        logger.exception("could not notify the refund of payment %s", payment.get("id"))


# (signal, receiver) in the order they run: a new member joins the room before being told.
SUBSCRIPTIONS = (
    (course_events.course_created, open_course_room),
    (course_events.course_renamed, rename_course_room),
    (course_events.course_deleted, delete_course_room),
    (course_events.enrollment_activated, add_room_member),
    (course_events.enrollment_activated, tell_teacher_of_new_student),
    (course_events.enrollment_ended, remove_room_member),
    (course_events.enrollment_ended, tell_teacher_of_withdrawal),
    (course_events.waitlist_seat_offered, tell_student_of_offered_seat),
    (course_events.feedback_created, tell_teacher_of_feedback),
    (course_events.lesson_scheduled, tell_students_of_new_lesson),
    (course_events.lesson_changed, tell_students_of_changed_lesson),
    (course_events.lesson_cancelled, tell_students_of_cancelled_lesson),
    (account_events.profile_renamed, rename_member),
    (account_events.account_deleted, forget_deleted_account),
    (payment_events.payment_succeeded, on_payment_succeeded),
    (payment_events.payment_refunded, on_payment_refunded),
)


def connect() -> None:
    for signal, receiver in SUBSCRIPTIONS:
        signal.connect(receiver, dispatch_uid=f"messaging.{receiver.__name__}")
