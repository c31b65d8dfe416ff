"""Payment events other apps react to (messaging notifies payer, student and teacher).

Sent after the change was stored, with plain data only (dicts of the payment as stored).
"""

from django.dispatch import Signal

from cplatform.events import publish

__all__ = ["publish"]

# payment: dict, course_title: str - a payment went through and the student has her seat.
payment_succeeded = Signal()
# payment: dict - a card was declined or a payment failed.
payment_failed = Signal()
# payment: dict, refund: dict, course_title: str, automatic: bool - money went back to the payer.
payment_refunded = Signal()
