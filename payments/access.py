"""Who may see a payment or an invoice: the payer, the student, her linked parents and admins.

Everyone else gets NotFound, so an id reveals nothing. Views, pages and services all use these.
"""

from __future__ import annotations

from cplatform import errors
from cplatform.actor import ADMIN, PARENT, Actor
from firestore_operations import invoices as invoice_store
from firestore_operations import payments as payment_store
from firestore_operations import users as user_store


def _may_see(actor: Actor, *, payer_uid: str | None, student_uid: str | None) -> bool:
    if actor.role == ADMIN or actor.uid in (payer_uid, student_uid):
        return True
    if actor.role == PARENT and student_uid:
        profile = user_store.get_profile(actor.uid) or {}
        return student_uid in ((profile.get("parent") or {}).get("children") or [])
    return False


def access_payment(actor: Actor, payment_id: str) -> dict:
    """The payment, if the actor may see it. Raises NotFound."""
    payment = payment_store.get_payment(payment_id)
    if payment is None or not _may_see(
        actor, payer_uid=payment.get("payer_uid"), student_uid=payment.get("student_uid")
    ):
        raise errors.NotFound("No such payment.")
    return payment


def access_invoice(actor: Actor, invoice_id: str) -> dict:
    """The invoice or credit note, if the actor may read it. Raises NotFound."""
    invoice = invoice_store.get_invoice(invoice_id)
    if invoice is None or not _may_see(
        actor, payer_uid=(invoice.get("buyer") or {}).get("uid"), student_uid=(invoice.get("student") or {}).get("uid")
    ):
        raise errors.NotFound("No such invoice.")
    return invoice
