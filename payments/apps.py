"""The payments app registers its answer to a withdrawal with the courses app (which never imports
payments) and remembers which seats a membership gave (they end with it)."""

import logging

from django.apps import AppConfig

from courses import events as course_events
from courses.payments import set_withdrawal_hook
from payments import membership
from payments.services import refund_hook

logger = logging.getLogger(__name__)


def on_enrollment_activated(sender, course_id: str, student_uid: str, **kwargs) -> None:
    membership.note_enrollment(course_id=course_id, student_uid=student_uid)


class PaymentsConfig(AppConfig):
    name = "payments"
    default = True

    def ready(self) -> None:
        set_withdrawal_hook(refund_hook)
        course_events.enrollment_activated.connect(on_enrollment_activated, dispatch_uid="payments.membership_seat")
