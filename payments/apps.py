import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


def on_enrollment_activated(sender, course_id: str, student_uid: str, **kwargs) -> None:
    from payments import membership

    try:
        membership.note_enrollment(course_id=course_id, student_uid=student_uid)
    except Exception:
        logger.exception("could not record the membership seat of %s in %s", student_uid, course_id)


class PaymentsConfig(AppConfig):
    """Registers the payments app's answer to a withdrawal with the courses app (which never imports
    payments), and remembers which seats a membership gave (they end with it)."""

    name = "payments"
    default = True

    def ready(self) -> None:
        from courses.payments import set_withdrawal_hook
        from payments.services import refund_hook

        set_withdrawal_hook(refund_hook)
        from courses import signals as course_signals

        course_signals.enrollment_activated.connect(on_enrollment_activated, dispatch_uid="payments.membership_seat")
