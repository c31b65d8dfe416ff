"""The messaging app: course rooms follow the courses app's signals, room names follow profile renames."""

from __future__ import annotations

import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


# The receivers run after the course or profile change was stored. Room membership is repairable
# (the next enrolment event or a retry fixes it), so a failure here is logged, never turned into an
# error for the enrolment that triggered it.


def on_course_created(sender, course: dict, **kwargs) -> None:
    from messaging import services

    try:
        services.ensure_course_room(course=course)
    except Exception:
        logger.exception("could not create the chat room of course %s", course.get("id"))


def on_enrollment_activated(sender, course_id: str, student_uid: str, teacher_uid: str, **kwargs) -> None:
    from messaging import services

    try:
        services.add_course_member(course_id=course_id, student_uid=student_uid, teacher_uid=teacher_uid)
    except Exception:
        logger.exception("could not add %s to the chat room of course %s", student_uid, course_id)


def on_enrollment_ended(sender, course_id: str, student_uid: str, teacher_uid: str | None = None, **kwargs) -> None:
    from messaging import services

    try:
        services.remove_course_member(course_id=course_id, student_uid=student_uid)
    except Exception:
        logger.exception("could not remove %s from the chat room of course %s", student_uid, course_id)


def on_profile_renamed(sender, uid: str, display_name: str, **kwargs) -> None:
    from messaging import services

    try:
        services.rename_member_everywhere(uid=uid, display_name=display_name)
    except Exception:
        logger.exception("could not update the chat rooms' copies of %s's name", uid)


def on_account_deleted(sender, uid: str, **kwargs) -> None:
    from messaging import notification_services

    try:
        notification_services.delete_notification_data(uid=uid)
    except Exception:
        logger.exception("could not delete the notification data of deleted account %s", uid)


def _money(amount: int, currency: str) -> str:
    from payments.money import format_amount

    return format_amount(amount, currency)


def on_payment_succeeded(sender, payment: dict, course_title: str = "", **kwargs) -> None:
    """Payer, then student, then teacher: each told in their own words."""
    from messaging.notify import notify

    title = course_title or "the course"
    data = {"payment_id": payment.get("id"), "course_id": payment.get("course_id")}
    paid = _money(int(payment.get("amount", 0)), payment.get("currency", ""))
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
            notify(recipient_uids=[uid], kind=kind, title=heading, body=body, data=data)
        except Exception:
            logger.exception("could not notify %s of payment %s", uid, payment.get("id"))


def on_payment_refunded(sender, payment: dict, refund: dict, course_title: str = "", **kwargs) -> None:
    from messaging.notify import notify

    title = course_title or "the course"
    amount = _money(int(refund.get("amount", 0)), refund.get("currency", ""))
    recipients = [uid for uid in dict.fromkeys([payment.get("payer_uid"), payment.get("student_uid")]) if uid]
    try:
        notify(
            recipient_uids=recipients,
            kind="payment.refunded",
            title=f"Refund for {title}",
            body=f"{amount} is on its way back to the card that paid. {refund.get('reason', '')}".strip(),
            data={"payment_id": payment.get("id"), "course_id": payment.get("course_id")},
        )
    except Exception:
        logger.exception("could not notify the refund of payment %s", payment.get("id"))


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        from authentication import signals as account_signals
        from courses import signals as course_signals

        course_signals.course_created.connect(on_course_created, dispatch_uid="chat.course_created")
        course_signals.enrollment_activated.connect(on_enrollment_activated, dispatch_uid="chat.enrollment_activated")
        course_signals.enrollment_ended.connect(on_enrollment_ended, dispatch_uid="chat.enrollment_ended")
        account_signals.profile_renamed.connect(on_profile_renamed, dispatch_uid="chat.profile_renamed")
        account_signals.account_deleted.connect(on_account_deleted, dispatch_uid="notifications.account_deleted")
        from payments import events as payment_events

        payment_events.payment_succeeded.connect(on_payment_succeeded, dispatch_uid="notifications.payment_succeeded")
        payment_events.payment_refunded.connect(on_payment_refunded, dispatch_uid="notifications.payment_refunded")
