"""Platform membership: the plan (`membership_plan/current`), each member's subscription
(`memberships/{uid}`) and each paid membership period (`membership_payments/{stripe invoice id}`).
"""

from __future__ import annotations

from collections.abc import Callable

from google.cloud import firestore

from firestore_operations.atomic import AtomicUnit, run_atomically
from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict, valid_id

PLAN = "membership_plan"
COLLECTION = "memberships"
PAYMENTS = "membership_payments"
ACTIVE_STATUSES = ("active", "past_due")


def get_plan() -> dict | None:
    return snapshot_to_dict(db().collection(PLAN).document("current").get())


def save_plan(data: dict) -> None:
    db().collection(PLAN).document("current").set({**data, "updated_at": firestore.SERVER_TIMESTAMP})


def get_membership(uid: str) -> dict | None:
    if not valid_id(uid):
        return None
    return snapshot_to_dict(db().collection(COLLECTION).document(uid).get())


def change_membership(uid: str, decide: Callable[[dict | None], dict | None]) -> tuple[dict | None, bool]:
    """decide(membership or None) -> fields to write (create or update) or None. Returns (after, changed)."""
    ref = db().collection(COLLECTION).document(uid)

    def body(unit: AtomicUnit):
        current = unit.get(ref)
        fields = decide(current)
        if fields is None:
            return current, False
        unit.put(ref, {**fields, "updated_at": firestore.SERVER_TIMESTAMP})
        return {**(current or {}), **fields, "id": uid}, True

    return run_atomically(body)


def find_by_subscription(subscription_id: str) -> dict | None:
    query = (
        db()
        .collection(COLLECTION)
        .where(filter=firestore.FieldFilter("stripe_subscription_id", "==", subscription_id))
        .limit(1)
    )
    for snap in query.stream():
        return snapshot_to_dict(snap)
    return None


def record_period_payment(invoice_id: str, data: dict) -> dict:
    """The paid period, once per Stripe invoice (a repeat returns the stored one)."""
    ref = db().collection(PAYMENTS).document(invoice_id)

    def body(unit: AtomicUnit):
        current = unit.get(ref)
        if current is not None:
            return current
        unit.put(ref, {**data, "created_at": firestore.SERVER_TIMESTAMP})
        return {**data, "id": invoice_id}

    return run_atomically(body)


def period_payments_between(start, end) -> list[dict]:
    """Membership periods paid in [start, end) (a monthly report: one query, one read per period)."""
    query = (
        db()
        .collection(PAYMENTS)
        .where(filter=firestore.FieldFilter("created_at", ">=", start))
        .where(filter=firestore.FieldFilter("created_at", "<", end))
    )
    return [snapshot_to_dict(snap) for snap in query.stream()]


def sum_period_payments(start, end, *, currency: str) -> tuple[int, int]:
    """(periods, amount) paid in [start, end) in one currency: one aggregation query, not a read per period."""
    query = (
        db()
        .collection(PAYMENTS)
        .where(filter=firestore.FieldFilter("currency", "==", currency))
        .where(filter=firestore.FieldFilter("created_at", ">=", start))
        .where(filter=firestore.FieldFilter("created_at", "<", end))
    )
    aggregation = query.count(alias="periods").sum("amount", alias="amount")
    values = {result.alias: result.value for row in aggregation.get() for result in row}
    return int(values.get("periods") or 0), int(values.get("amount") or 0)


def attended_between(start, end) -> list[dict]:
    """Every "present" attendance record of lessons starting in [start, end) (a monthly report)."""
    query = (
        db()
        .collection("attendance")
        .where(filter=firestore.FieldFilter("status", "==", "present"))
        .where(filter=firestore.FieldFilter("starts_at", ">=", start))
        .where(filter=firestore.FieldFilter("starts_at", "<", end))
    )
    return [snapshot_to_dict(snap) for snap in query.stream()]


ENROLLMENTS = "membership_enrollments"


def record_membership_enrollment(course_id: str, student_uid: str) -> None:
    """Remember that this seat came through the membership (ended with it)."""
    db().collection(ENROLLMENTS).document(f"{course_id}_{student_uid}").set(
        {"course_id": course_id, "student_uid": student_uid, "active": True, "created_at": firestore.SERVER_TIMESTAMP}
    )


def active_membership_enrollments(student_uid: str) -> list[dict]:
    query = (
        db()
        .collection(ENROLLMENTS)
        .where(filter=firestore.FieldFilter("student_uid", "==", student_uid))
        .where(filter=firestore.FieldFilter("active", "==", True))
        .limit(500)
    )
    return [snapshot_to_dict(snap) for snap in query.stream()]


def end_membership_enrollment(course_id: str, student_uid: str) -> None:
    db().collection(ENROLLMENTS).document(f"{course_id}_{student_uid}").update(
        {"active": False, "ended_at": firestore.SERVER_TIMESTAMP}
    )
