"""The platform membership: a monthly or yearly Stripe subscription that opens courses marked
"included in membership" without a checkout.

State comes from Stripe (the answer to our calls, then webhooks: customer.subscription.*,
invoice.payment_succeeded|failed). A membership counts while its status is active or past_due and
its current period has not ended (courses.payments.membership_covers).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings

from courses.enrolment import services as enrolment_services
from courses.payments import has_paid_for_course, membership_covers
from cplatform import errors
from cplatform.actor import ADMIN, STUDENT, Actor
from firestore_operations import courses as course_store
from firestore_operations import memberships as store
from firestore_operations import users as user_store
from payments import invoicing, money, stripe_gateway

logger = logging.getLogger(__name__)

INTERVALS = {"monthly": "month", "yearly": "year"}
CREATE_LEASE = dt.timedelta(seconds=60)


def _unavailable(exc: Exception) -> errors.ServiceUnavailable:
    logger.warning("Stripe call failed: %s", exc)
    return errors.ServiceUnavailable("The payment provider did not answer; please try again in a moment.")


def get_plan(*, actor: Actor) -> dict:
    """The membership's prices. Raises NotFound (no membership offered yet)."""
    plan = store.get_plan()
    if not plan:
        raise errors.NotFound("No membership is offered yet.")
    return plan


def set_plan(*, actor: Actor, monthly: dict, yearly: dict) -> dict:
    """An admin sets the monthly and yearly prices (new Stripe Plans; existing members keep theirs).

    Raises PermissionDenied, ServiceUnavailable.
    """
    if actor.role != ADMIN:
        raise errors.PermissionDenied("Only admins set the membership prices.", code="wrong_role")
    try:
        product, plans = stripe_gateway.create_plan_prices(
            name="cplatform membership",
            prices={
                "month": (int(monthly["amount"]), monthly["currency"]),
                "year": (int(yearly["amount"]), yearly["currency"]),
            },
        )
    except stripe_gateway.GatewayError as exc:
        raise _unavailable(exc) from exc
    data = {
        "product_id": product,
        "monthly": {**monthly, "currency": monthly["currency"].upper(), "stripe_plan_id": plans["month"]},
        "yearly": {**yearly, "currency": yearly["currency"].upper(), "stripe_plan_id": plans["year"]},
        "updated_by": actor.uid,
    }
    store.save_plan(data)
    return store.get_plan()


def _expired(membership: dict, now: dt.datetime) -> bool:
    return float(membership.get("current_period_end") or 0) <= now.timestamp()


def subscribe(*, actor: Actor, interval: str, card_token: str, idempotency_key: str | None) -> dict:
    """Start a membership paid by the card; the same key returns the same membership.

    Raises ValidationError (no key), PermissionDenied, NotFound (no plan), Conflict (already a member,
    in progress), PaymentRequired (card declined), ServiceUnavailable.
    """
    if actor.role != STUDENT:
        raise errors.PermissionDenied("Memberships are for students.", code="wrong_role")
    if not idempotency_key:
        raise errors.ValidationError(
            "Send an Idempotency-Key header so a retry never subscribes twice.",
            code="idempotency_key_required",
            fields={"Idempotency-Key": ["Required."]},
        )
    plan = get_plan(actor=actor)
    choice = plan["monthly" if interval == "monthly" else "yearly"]
    key = hashlib.sha256(f"{actor.uid}|{idempotency_key}".encode()).hexdigest()[:32]
    now = dt.datetime.now(dt.UTC)

    def claim(current: dict | None) -> dict | None:
        current = current or {}
        if current.get("key") == key and current.get("stripe_subscription_id"):
            return None  # the same request again
        if current.get("status") in store.ACTIVE_STATUSES and not _expired(current, now):
            raise errors.Conflict("You are already a member.", code="already_member")
        until = current.get("creating_until")
        if until and until > now and current.get("key") != key:
            raise errors.Conflict("A membership is being set up right now.", code="in_progress")
        return {"key": key, "creating_until": now + CREATE_LEASE, "status": "incomplete", "interval": interval}

    _, claimed = store.change_membership(actor.uid, claim)
    if not claimed:
        return get_my_subscription(actor=actor)
    profile = user_store.get_profile(actor.uid) or {}
    try:
        sub = stripe_gateway.create_subscription(
            card_token=card_token,
            email=actor.email,
            plan_id=choice["stripe_plan_id"],
            metadata={"uid": actor.uid},
            idempotency_key=f"membership:{key}",
        )
    except stripe_gateway.CardDeclined as exc:
        store.change_membership(actor.uid, lambda current: {"creating_until": None, "key": None})
        raise errors.PaymentRequired(
            f"{exc.message.rstrip('.')}. Nothing was charged: try another card.", code="card_declined"
        ) from exc
    except stripe_gateway.GatewayError as exc:
        store.change_membership(actor.uid, lambda current: {"creating_until": None, "key": None})
        raise _unavailable(exc) from exc
    if sub.status == "incomplete":
        store.change_membership(actor.uid, lambda current: {"creating_until": None, "key": None})
        raise errors.PaymentRequired(
            "Your card was declined. Nothing was charged: try another card.", code="card_declined"
        )
    fields = {
        "status": sub.status,
        "interval": interval,
        "amount": int(choice["amount"]),
        "currency": choice["currency"],
        "stripe_subscription_id": sub.id,
        "stripe_customer_id": sub.customer_id,
        "current_period_end": sub.current_period_end,
        "cancel_at_period_end": sub.cancel_at_period_end,
        "client_secret": sub.client_secret or None,
        "creating_until": None,
        "member_name": profile.get("display_name", ""),
        "member_email": actor.email,
    }
    after, _ = store.change_membership(actor.uid, lambda current: fields)
    if sub.latest_invoice_paid and sub.latest_invoice_id:
        _record_period(after, sub.latest_invoice_id, sub.latest_invoice_amount or int(choice["amount"]))
    return get_my_subscription(actor=actor)


def _record_period(membership: dict, stripe_invoice_id: str, amount: int) -> None:
    """The paid period, and its invoice (one per Stripe invoice, whatever tells us first)."""
    uid = membership["id"]
    label = "monthly" if membership.get("interval") == "monthly" else "yearly"
    payment = store.record_period_payment(
        stripe_invoice_id,
        {
            "kind": "membership",
            "status": "completed",
            "amount": amount,
            "currency": membership.get("currency", "EUR"),
            "tax_amount": money.split_tax(amount, rate_bps=0),
            "course_title": f"Membership ({label})",
            "description": f"cplatform membership, {label}",
            "payer_uid": uid,
            "payer_name": membership.get("member_name", ""),
            "payer_email": membership.get("member_email", ""),
            "student_uid": uid,
            "student_name": membership.get("member_name", ""),
            "party_uids": [uid],
            "invoice_id": None,
        },
    )
    if not payment.get("invoice_id"):
        invoicing.issue_invoice(payment={**payment, "id": stripe_invoice_id}, collection=store.PAYMENTS)


def get_my_subscription(*, actor: Actor) -> dict:
    """Raises NotFound (never subscribed)."""
    membership = store.get_membership(actor.uid)
    if not membership or not membership.get("stripe_subscription_id"):
        raise errors.NotFound("You have no membership.")
    now = dt.datetime.now(dt.UTC)
    return {
        **membership,
        "covers_now": membership.get("status") in store.ACTIVE_STATUSES and not _expired(membership, now),
    }


def cancel_my_subscription(*, actor: Actor) -> dict:
    """Cancel at the end of the paid period (it keeps working until then). Raises NotFound, ServiceUnavailable."""
    membership = get_my_subscription(actor=actor)
    if membership.get("cancel_at_period_end") or membership.get("status") == "canceled":
        return membership
    try:
        sub = stripe_gateway.cancel_at_period_end(membership["stripe_subscription_id"])
    except stripe_gateway.GatewayError as exc:
        raise _unavailable(exc) from exc
    store.change_membership(actor.uid, lambda current: {"cancel_at_period_end": True, "status": sub.status})
    return get_my_subscription(actor=actor)


SUBSCRIPTION_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)


def apply_event(event_type: str, obj: dict) -> str:
    """Keep a membership in step with Stripe's subscription and invoice events. Returns the outcome."""
    if event_type in SUBSCRIPTION_EVENTS:
        if not isinstance(obj.get("id"), str):
            return "ignored"
        sub = stripe_gateway.subscription_from_event(obj)
        membership = store.find_by_subscription(sub.id)
        if membership is None:
            return "unknown_subscription"
        status = "canceled" if event_type == "customer.subscription.deleted" else sub.status
        if status == "canceled":
            end_membership_enrollments(student_uid=membership["id"])
        store.change_membership(
            membership["id"],
            lambda current: {
                "status": status,
                "current_period_end": sub.current_period_end or current.get("current_period_end"),
                "cancel_at_period_end": sub.cancel_at_period_end,
            },
        )
        return "applied"
    if event_type in ("invoice.payment_succeeded", "invoice.payment_failed"):
        sub_id = obj.get("subscription")
        membership = store.find_by_subscription(sub_id) if isinstance(sub_id, str) and sub_id else None
        if membership is None:
            return "unknown_subscription"
        if event_type == "invoice.payment_failed":
            store.change_membership(membership["id"], lambda current: {"status": "past_due"})
            return "applied"
        amount = int(obj.get("amount_paid") or obj.get("total") or 0)
        _record_period(membership, obj["id"], amount)
        lines = ((obj.get("lines") or {}).get("data") or [{}])[0]
        period_end = ((lines.get("period") or {}).get("end")) or membership.get("current_period_end")
        store.change_membership(
            membership["id"], lambda current: {"status": "active", "current_period_end": period_end}
        )
        return "applied"
    return "ignored"


def _split(total: int, weights: dict[str, int]) -> dict[str, int]:
    """total split in proportion to weights, in whole minor units that add up exactly (largest remainder)."""
    whole = sum(weights.values())
    if total <= 0 or whole <= 0:
        return dict.fromkeys(weights, 0)
    shares = {key: total * weight // whole for key, weight in weights.items()}
    left = total - sum(shares.values())
    by_remainder = sorted(weights, key=lambda key: (-(total * weights[key] % whole), key))
    for key in by_remainder[:left]:
        shares[key] += 1
    return shares


def membership_shares(*, actor: Actor, month: str) -> dict:
    """How a month's membership revenue is shared among teachers (see docs/payments.md).

    pool = membership periods paid in the month, minus the platform fee; each teacher gets
    pool x (lessons of her included courses that members attended in the month) / (all such lessons).
    Raises PermissionDenied, ValidationError.
    """
    if actor.role != ADMIN:
        raise errors.PermissionDenied("Only admins see the membership shares.", code="wrong_role")
    try:
        start = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise errors.ValidationError("Give the month as YYYY-MM.", fields={"month": ["Invalid."]}) from exc
    end = (start + dt.timedelta(days=32)).replace(day=1)
    periods = store.period_payments_between(start, end)
    members = {p["payer_uid"] for p in periods}
    pools: dict[str, int] = {}
    for period in periods:
        pools[period["currency"]] = pools.get(period["currency"], 0) + int(period["amount"])
    attended: dict[str, int] = {}
    included: dict[str, bool] = {}
    for record in store.attended_between(start, end):
        if record.get("student_uid") not in members:
            continue
        course_id = record.get("course_id")
        if course_id not in included:
            included[course_id] = bool((course_store.get_course(course_id) or {}).get("included_in_membership"))
        if included[course_id]:
            teacher = record.get("teacher_uid")
            attended[teacher] = attended.get(teacher, 0) + 1
    result = []
    for currency, gross in sorted(pools.items()):
        fee = money.share(gross, bps=settings.PLATFORM_FEE_BPS)
        shares = _split(gross - fee, attended)
        result.append(
            {
                "currency": currency,
                "gross": gross,
                "platform_fee": fee,
                "pool": gross - fee,
                "teachers": [
                    {"teacher_uid": uid, "attended_lessons": attended[uid], "share": shares[uid]}
                    for uid in sorted(attended)
                ],
            }
        )
    return {"month": month, "members": len(members), "pools": result}


def note_enrollment(*, course_id: str, student_uid: str) -> None:
    """After a seat was given: remember it when the membership paid for it (not a course payment)."""
    course = course_store.get_course(course_id) or {}
    if not course.get("price") or not course.get("included_in_membership"):
        return
    if has_paid_for_course(student_uid=student_uid, course_id=course_id):
        return
    if membership_covers(student_uid=student_uid, course=course, now=dt.datetime.now(dt.UTC).timestamp()):
        store.record_membership_enrollment(course_id, student_uid)


def end_membership_enrollments(*, student_uid: str) -> int:
    """The membership ended (Stripe deleted the subscription at the end of its period): the seats it
    gave end too, through the courses app's own withdrawal (the next waiting student gets the seat)."""
    ended = 0
    for row in store.active_membership_enrollments(student_uid):
        try:
            enrolment_services.withdraw_student(
                actor=Actor(uid=student_uid, email="", role=STUDENT), course_id=row["course_id"]
            )
        except errors.DomainError as exc:
            logger.info("membership seat %s of %s: %s", row["course_id"], student_uid, exc.message)
        store.end_membership_enrollment(row["course_id"], student_uid)
        ended += 1
    return ended
