"""The `course_payments` collection and what hangs off it: checkout keys, refunds, Stripe events, teacher totals.

`course_payments/{course_id}_{student_uid}` is the student's payment for the course (the courses app
asks only whether it is `completed`). A new checkout after a full refund first copies the old
document to `{course_id}_{student_uid}~{round}` so the history keeps it. Status:
pending -> completed | failed (failed -> completed when a later card works) -> refunded (in full).

The payments app decides; this module reads and writes. Every change that depends on what was read
runs in an atomic unit (firestore_operations.atomic) with the decision passed in as a callback.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from google.cloud import firestore

from firestore_operations import enrollments as enrollment_store
from firestore_operations.atomic import AtomicUnit, run_atomically
from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict, valid_id
from firestore_operations.pagination import DESCENDING, Page, fetch_page

COLLECTION = "course_payments"
KEYS = "checkout_keys"
REFUNDS = "payment_refunds"
EVENTS = "stripe_events"
EARNINGS = "teacher_earnings"
COURSES = "courses"

PENDING, COMPLETED, FAILED, REFUNDED = "pending", "completed", "failed", "refunded"
STATUSES = (PENDING, COMPLETED, FAILED, REFUNDED)


def payment_id(course_id: str, student_uid: str) -> str:
    return f"{course_id}_{student_uid}"


def _valid(*parts: str) -> bool:
    return all(valid_id(part, max_length=300) for part in parts)


def get_course_payment(course_id: str, student_uid: str) -> dict | None:
    if not _valid(course_id, student_uid):
        return None
    return get_payment(payment_id(course_id, student_uid))


def get_payment(pid: str) -> dict | None:
    if not _valid(pid) or len(pid) > 300:
        return None
    return snapshot_to_dict(db().collection(COLLECTION).document(pid).get())


def record_course_payment(
    course_id: str, student_uid: str, *, status: str, amount: int, currency: str, payer_uid: str
) -> None:
    """Write a payment record directly, outside Stripe: for tests and the courses demo data only."""
    course = db().collection(COURSES).document(course_id).get().to_dict() or {}
    db().collection(COLLECTION).document(payment_id(course_id, student_uid)).set(
        {
            "course_id": course_id,
            "course_title": course.get("title", ""),
            "teacher_uid": course.get("teacher_uid"),
            "student_uid": student_uid,
            "payer_uid": payer_uid,
            "party_uids": sorted({payer_uid, student_uid}),
            "status": status,
            "amount": amount,
            "currency": currency,
            "refunded_amount": 0,
            "created_at": firestore.SERVER_TIMESTAMP,
            "updated_at": firestore.SERVER_TIMESTAMP,
        }
    )


# --- checkout --------------------------------------------------------------------------------------


@dataclass
class CheckoutState:
    """What a checkout decision sees, as read in its atomic unit."""

    course: dict | None
    enrollment: dict | None
    payment: dict | None
    key: dict | None


@dataclass
class CheckoutPlan:
    """What to write: the payment's new fields (None: leave it), the hold's end (epoch s), archive the old round."""

    payment: dict | None = None
    hold_until: float | None = None
    hold_now: float = 0.0
    archive_previous: bool = False
    result: object = None


def key_id(payer_uid: str, key: str) -> str:
    return hashlib.sha256(f"{payer_uid}|{key}".encode()).hexdigest()[:32]


def checkout(
    *, course_id: str, student_uid: str, payer_uid: str, key: str, decide: Callable[[CheckoutState], CheckoutPlan]
) -> tuple[dict, CheckoutPlan]:
    """Read course, enrolment, payment and idempotency key; write what `decide` plans, all or nothing.

    The seat hold lives in the course document (see enrollments.live_holds), so it commits together
    with the payment and a concurrent checkout or enrolment makes this unit run again.
    """
    client = db()
    pid = payment_id(course_id, student_uid)
    course_ref = client.collection(COURSES).document(course_id)
    enrollment_ref = client.collection(enrollment_store.COLLECTION).document(pid)
    pay_ref = client.collection(COLLECTION).document(pid)
    key_ref = client.collection(KEYS).document(key_id(payer_uid, key))

    def body(unit: AtomicUnit) -> tuple[dict, CheckoutPlan]:
        state = CheckoutState(
            course=unit.get(course_ref),
            enrollment=unit.get(enrollment_ref),
            payment=unit.get(pay_ref),
            key=unit.get(key_ref),
        )
        plan = decide(state)
        payment = state.payment or {}
        if plan.archive_previous and state.payment:
            archive_ref = client.collection(COLLECTION).document(f"{pid}~{int(payment.get('round', 1))}")
            unit.get(archive_ref)
            old = {k: v for k, v in payment.items() if k != "id"}
            unit.put(archive_ref, {**old, "archived": True})
        if plan.payment is not None:
            unit.put(pay_ref, {**plan.payment, "updated_at": firestore.SERVER_TIMESTAMP})
            payment = {**payment, **plan.payment, "id": pid}
        if plan.hold_until is not None and state.course is not None:
            holds = enrollment_store.live_holds(state.course, now=plan.hold_now)
            holds[student_uid] = {"payment_id": pid, "expires_at": plan.hold_until}
            unit.update(course_ref, {"seat_holds": holds, "updated_at": firestore.SERVER_TIMESTAMP})
        if state.key is None:
            unit.put(key_ref, {"payment_id": pid, "payer_uid": payer_uid, "created_at": firestore.SERVER_TIMESTAMP})
        return payment, plan

    return run_atomically(body)


def release_hold(course_id: str, student_uid: str, *, now: float) -> None:
    """Drop the student's seat hold (and expired ones) from the course, if she has one."""
    client = db()
    course_ref = client.collection(COURSES).document(course_id)

    def body(unit: AtomicUnit) -> None:
        course = unit.get(course_ref)
        if not course or student_uid not in (course.get("seat_holds") or {}):
            return
        holds = enrollment_store.live_holds(course, now=now, excluding=student_uid)
        unit.update(course_ref, {"seat_holds": holds})

    run_atomically(body)


def claim_intent_creation(pid: str, *, now: dt.datetime, lease: dt.timedelta) -> bool:
    """Whether this caller may create the payment's PaymentIntent (one caller at a time, lease-bound)."""
    ref = db().collection(COLLECTION).document(pid)

    def body(unit: AtomicUnit) -> bool:
        payment = unit.get(ref)
        if payment is None or payment.get("intent_id"):
            return False
        claimed = payment.get("intent_claimed_until")
        if claimed and claimed > now:
            return False
        unit.update(ref, {"intent_claimed_until": now + lease})
        return True

    return run_atomically(body)


# --- status changes ----------------------------------------------------------------------------------


@dataclass
class TotalsChange:
    """Amounts to add to a teacher's monthly totals (minor units of `currency`)."""

    teacher_uid: str
    month: str  # YYYY-MM
    currency: str
    course_id: str
    course_title: str = ""
    gross: int = 0
    refunds: int = 0
    payments: int = 0


@dataclass
class PaymentChange:
    fields: dict
    totals: list[TotalsChange] = field(default_factory=list)


def _add_totals(unit: AtomicUnit, change: TotalsChange) -> None:
    ref = db().collection(EARNINGS).document(f"{change.teacher_uid}_{change.month}")
    cur = change.currency.upper()
    unit.merge_blind(
        ref,
        {
            "teacher_uid": change.teacher_uid,
            "month": change.month,
            "by_currency": {
                cur: {
                    "gross": firestore.Increment(change.gross),
                    "refunds": firestore.Increment(change.refunds),
                    "payments": firestore.Increment(change.payments),
                }
            },
            "courses": {
                change.course_id: {
                    "title": change.course_title,
                    cur: {"gross": firestore.Increment(change.gross), "refunds": firestore.Increment(change.refunds)},
                }
            },
            "updated_at": firestore.SERVER_TIMESTAMP,
        },
    )


def change_payment(pid: str, decide: Callable[[dict | None], PaymentChange | None]) -> tuple[dict | None, bool]:
    """Apply decide(payment)'s change atomically (with its totals). Returns (payment after, changed)."""
    ref = db().collection(COLLECTION).document(pid)

    def body(unit: AtomicUnit) -> tuple[dict | None, bool]:
        payment = unit.get(ref)
        change = decide(payment)
        if payment is None or change is None:
            return payment, False
        unit.update(ref, {**change.fields, "updated_at": firestore.SERVER_TIMESTAMP})
        for totals in change.totals:
            _add_totals(unit, totals)
        return {**payment, **change.fields}, True

    return run_atomically(body)


# --- refunds -------------------------------------------------------------------------------------


def refund_id(pid: str, key: str) -> str:
    return hashlib.sha256(f"{pid}|{key}".encode()).hexdigest()[:32]


def get_refund(rid: str) -> dict | None:
    if not _valid(rid):
        return None
    return snapshot_to_dict(db().collection(REFUNDS).document(rid).get())


def reserve_refund(
    pid: str, rid: str, decide: Callable[[dict | None, dict | None], tuple[dict, dict] | None]
) -> tuple[dict | None, dict | None, bool]:
    """decide(payment, existing refund) -> (refund doc, payment changes) to reserve, or None for no change.

    The payment's `refund_reserved` (pending + succeeded refunds) changes in the same unit as the
    refund document, so concurrent refunds can never add up to more than was paid.
    Returns (payment, refund, created).
    """
    client = db()
    pay_ref = client.collection(COLLECTION).document(pid)
    refund_ref = client.collection(REFUNDS).document(rid)

    def body(unit: AtomicUnit):
        payment = unit.get(pay_ref)
        existing = unit.get(refund_ref)
        plan = decide(payment, existing)
        if plan is None:
            return payment, existing, False
        refund, payment_changes = plan
        unit.put(refund_ref, {**refund, "created_at": firestore.SERVER_TIMESTAMP})
        unit.update(pay_ref, {**payment_changes, "updated_at": firestore.SERVER_TIMESTAMP})
        return {**payment, **payment_changes}, {**refund, "id": rid}, True

    return run_atomically(body)


def settle_refund(
    pid: str, rid: str, decide: Callable[[dict, dict], tuple[dict, PaymentChange] | None]
) -> tuple[dict | None, dict | None]:
    """decide(payment, refund) -> (refund changes, payment change) once Stripe answered. Returns both after."""
    client = db()
    pay_ref = client.collection(COLLECTION).document(pid)
    refund_ref = client.collection(REFUNDS).document(rid)

    def body(unit: AtomicUnit):
        payment = unit.get(pay_ref)
        refund = unit.get(refund_ref)
        if payment is None or refund is None:
            return payment, refund
        plan = decide(payment, refund)
        if plan is None:
            return payment, refund
        refund_changes, change = plan
        unit.update(refund_ref, {**refund_changes, "updated_at": firestore.SERVER_TIMESTAMP})
        unit.update(pay_ref, {**change.fields, "updated_at": firestore.SERVER_TIMESTAMP})
        for totals in change.totals:
            _add_totals(unit, totals)
        return {**payment, **change.fields}, {**refund, **refund_changes}

    return run_atomically(body)


def list_payment_refunds(pid: str) -> list[dict]:
    query = db().collection(REFUNDS).where(filter=firestore.FieldFilter("payment_id", "==", pid)).limit(100)
    return [snapshot_to_dict(snap) for snap in query.stream()]


# --- Stripe events (each applied once) --------------------------------------------------------------


def event_done(event_id: str) -> bool:
    if not _valid(event_id):
        return False
    return db().collection(EVENTS).document(event_id).get().exists


def record_event(event_id: str, *, event_type: str, outcome: str) -> None:
    db().collection(EVENTS).document(event_id).set(
        {"type": event_type, "outcome": outcome, "processed_at": firestore.SERVER_TIMESTAMP}
    )


# --- lists -----------------------------------------------------------------------------------------


def list_party_payments(*, uid: str, limit: int, cursor: str | None) -> Page:
    """The payments a user made or was the student of (one query), newest first. Raises InvalidCursor."""
    query = db().collection(COLLECTION).where(filter=firestore.FieldFilter("party_uids", "array_contains", uid))
    return fetch_page(query, order=[("created_at", DESCENDING)], limit=limit, cursor=cursor, tag=f"payments:{uid}")


def list_all_payments(
    *,
    status: str | None,
    course_id: str | None,
    teacher_uid: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    limit: int,
    cursor: str | None,
) -> Page:
    """Admin list with any of the filters (one query; composite indexes for each combination)."""
    query = db().collection(COLLECTION)
    equals = {"status": status, "course_id": course_id, "teacher_uid": teacher_uid}
    for name, value in equals.items():
        if value:
            query = query.where(filter=firestore.FieldFilter(name, "==", value))
    if since:
        query = query.where(filter=firestore.FieldFilter("created_at", ">=", since))
    if until:
        query = query.where(filter=firestore.FieldFilter("created_at", "<", until))
    digest = hashlib.sha256(repr((sorted(equals.items()), since, until)).encode()).hexdigest()[:12]
    return fetch_page(query, order=[("created_at", DESCENDING)], limit=limit, cursor=cursor, tag=f"admin-pay:{digest}")


def totals_between(*, first_month: str, last_month: str) -> list[dict]:
    """Every teacher's monthly totals documents in [first_month, last_month] (one query: teachers x months rows)."""
    query = (
        db()
        .collection(EARNINGS)
        .where(filter=firestore.FieldFilter("month", ">=", first_month))
        .where(filter=firestore.FieldFilter("month", "<=", last_month))
        .order_by("month")
    )
    return [snapshot_to_dict(snap) for snap in query.stream()]


def teacher_totals(teacher_uid: str, *, first_month: str, last_month: str) -> list[dict]:
    """The teacher's monthly totals documents in [first_month, last_month] (one query, <= months rows)."""
    query = (
        db()
        .collection(EARNINGS)
        .where(filter=firestore.FieldFilter("teacher_uid", "==", teacher_uid))
        .where(filter=firestore.FieldFilter("month", ">=", first_month))
        .where(filter=firestore.FieldFilter("month", "<=", last_month))
        .order_by("month")
        .limit(240)
    )
    return [snapshot_to_dict(snap) for snap in query.stream()]
