"""Demo payments for `manage.py seed_demo`: a paid course whose students really paid through
(local)Stripe, with their invoices, one partial refund with its credit note, and a membership plan.
Safe to run again: whatever exists is kept.
"""

from __future__ import annotations

from courses.catalog import services as course_services
from cplatform.actor import Actor
from firestore_operations import courses as course_store
from firestore_operations import memberships as membership_store
from firestore_operations import payments as payment_store
from payments import membership, services, stripe_gateway

COURSE_ID = "demo-statistics"
COURSE = {
    "title": "Statistics with real data",
    "description": "Means, spreads, distributions and tests, on data sets you choose. Weekly live sessions.",
    "subject": "Mathematics",
    "level": "secondary",
    "language": "en",
    "tags": ["statistics", "data", "probability"],
    "price": {"amount": 3900, "currency": "EUR"},
    "capacity": 12,
    "status": "published",
}
PLAN = {"monthly": {"amount": 1500, "currency": "EUR"}, "yearly": {"amount": 15000, "currency": "EUR"}}


def _actor(profile: dict) -> Actor:
    return Actor(uid=profile["id"], email=profile.get("email", ""), role=profile["role"])


def seed_payments(*, admin: dict, teachers: list[dict], students: list[dict], parent: dict | None = None) -> None:
    """The paid demo course and its paid students (the first student's parent pays for her)."""
    if not teachers or not students:
        return
    if course_store.get_course(COURSE_ID) is None:
        course_services.create_course(actor=_actor(teachers[0]), data=COURSE, course_id=COURSE_ID)
    for index, student in enumerate(students):
        payer = parent if index == 0 and parent else student
        existing = payment_store.get_course_payment(COURSE_ID, student["id"])
        if existing and existing.get("status") in (payment_store.COMPLETED, payment_store.REFUNDED):
            continue
        extra = {"student_uid": student["id"]} if payer is not student else {}
        payment = services.start_checkout(
            actor=_actor(payer), course_id=COURSE_ID, idempotency_key=f"demo-{student['id']}", **extra
        )
        services.confirm_card(
            actor=_actor(payer), payment_id=payment["id"], card_token=stripe_gateway.test_card_token()
        )
    last = payment_store.get_course_payment(COURSE_ID, students[-1]["id"])
    if admin and last and last.get("status") == payment_store.COMPLETED and not last.get("refunded_amount"):
        services.refund_payment(
            actor=_actor(admin),
            payment_id=last["id"],
            amount=900,
            reason="Goodwill: missed the first session",
            idempotency_key="demo-goodwill",
        )
    if admin and membership_store.get_plan() is None:
        membership.set_plan(actor=_actor(admin), monthly=PLAN["monthly"], yearly=PLAN["yearly"])
