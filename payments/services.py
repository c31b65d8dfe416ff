"""Payments: checkout with seat holds, Stripe's answers, fulfilment, refunds, invoices, history, earnings.

Every function takes the acting user explicitly and raises cplatform.errors on refusal.

Fulfilment of a paid intent runs in steps that each record their result on the payment document
(paid -> enrolled or seat refused -> invoice -> automatic refund if no seat -> notified), and each
step is skipped when its result is already stored. A webhook, a retried webhook and a status poll
may therefore all run it, even at once, and the work ends up done exactly once.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import time

from django.conf import settings

from authentication.access import linked_children
from courses.access import PUBLISHED
from courses.catalog.freshness import pages_changed
from courses.enrolment import services as course_services
from cplatform import errors
from cplatform.actor import ADMIN, PARENT, STUDENT, TEACHER, Actor
from firestore_operations import courses as course_store
from firestore_operations import enrollments as enrollment_store
from firestore_operations import invoices as invoice_store
from firestore_operations import lessons as lesson_store
from firestore_operations import memberships as membership_store
from firestore_operations import payments as store
from firestore_operations import users as user_store
from firestore_operations.documents import server_time
from firestore_operations.pagination import InvalidCursor, Page
from payments import events, invoicing, membership, money, stripe_gateway
from payments.access import access_invoice, access_payment

logger = logging.getLogger(__name__)

INTENT_LEASE = dt.timedelta(seconds=30)
NOTIFY_LEASE = dt.timedelta(seconds=60)
STALE_REFUND = dt.timedelta(seconds=60)
MAX_KEY_LENGTH = 255


class CheckoutOutcome(enum.Enum):
    CREATED = "created"  # a new payment and hold
    RENEWED = "renewed"  # an unpaid payment whose hold had expired got a new hold
    REUSED = "reused"  # an unpaid payment with a live hold, asked for with another key
    REPEAT = "repeat"  # the same Idempotency-Key again
    ALREADY_PAID = "already_paid"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _cursor_error(exc: Exception) -> errors.ValidationError:
    return errors.ValidationError("The cursor is not valid for this list.", fields={"cursor": ["Invalid."]})


def _unavailable(exc: Exception) -> errors.ServiceUnavailable:
    logger.warning("Stripe call failed: %s", exc)
    return errors.ServiceUnavailable("The payment provider did not answer; please try again in a moment.")


def _check_key(key: str | None) -> str:
    if not key or not key.strip():
        raise errors.ValidationError(
            "Send an Idempotency-Key header (any unique string per attempt) so a retry never pays twice.",
            code="idempotency_key_required",
            fields={"Idempotency-Key": ["Required."]},
        )
    if len(key) > MAX_KEY_LENGTH:
        raise errors.ValidationError(
            f"The Idempotency-Key is too long: at most {MAX_KEY_LENGTH} characters.",
            fields={"Idempotency-Key": ["Too long."]},
        )
    return key.strip()


def _target_student(actor: Actor, student_uid: str | None) -> str:
    """Herself for a student, a linked child for a parent. Raises ValidationError, PermissionDenied."""
    if actor.role == STUDENT:
        if student_uid and student_uid != actor.uid:
            raise errors.PermissionDenied("Students pay only for themselves.")
        return actor.uid
    if actor.role == PARENT:
        if not student_uid:
            raise errors.ValidationError(
                "Say which child: student_uid is required for parents.", fields={"student_uid": ["Required."]}
            )
        if student_uid not in linked_children(actor):
            raise errors.PermissionDenied("This student is not linked to you.")
        return student_uid
    raise errors.PermissionDenied("Only students and their parents pay for courses.", code="wrong_role")


def public_payment(payment: dict) -> dict:
    """The payment as clients see it (the publishable key comes along for the card form)."""
    return {**payment, "publishable_key": settings.STRIPE_PUBLISHABLE_KEY}


# --- checkout ------------------------------------------------------------------------------------


def start_checkout(
    *, actor: Actor, course_id: str, idempotency_key: str | None, student_uid: str | None = None
) -> dict:
    """Hold a seat and open a PaymentIntent for a paid course; the same key returns the same payment.

    Raises ValidationError (no key), PermissionDenied, NotFound, Conflict (free_course, course_not_open,
    already_enrolled, already_paid, course_full, idempotency_key_reused), ServiceUnavailable (Stripe).
    """
    key = _check_key(idempotency_key)
    target = _target_student(actor, student_uid)
    if not course_store.valid_id(course_id):
        raise errors.NotFound("No such course.")
    student = user_store.get_profile(target) or {}
    if student.get("role") != STUDENT:
        raise errors.NotFound("No such student.")
    payer = student if actor.uid == target else (user_store.get_profile(actor.uid) or {})
    now = time.time()
    hold_seconds = settings.SEAT_HOLD_MINUTES * 60
    pid = store.payment_id(course_id, target)

    def decide(state: store.CheckoutState) -> store.CheckoutPlan:
        course = state.course
        if course is None:
            raise errors.NotFound("No such course.")
        if state.key and state.key.get("payment_id") != pid:
            raise errors.Conflict(
                "This Idempotency-Key was already used for another payment: use a new one.",
                code="idempotency_key_reused",
            )
        payment = state.payment
        status = (payment or {}).get("status")
        if state.key and payment and status in (store.PENDING, store.FAILED, store.COMPLETED):
            return store.CheckoutPlan(result=CheckoutOutcome.REPEAT)  # the same attempt again: the same answer
        enrollment = state.enrollment or {}
        if enrollment.get("status") == enrollment_store.ACTIVE:
            raise errors.Conflict("The student is already enrolled in this course.", code="already_enrolled")
        if enrollment.get("status") == enrollment_store.COMPLETED:
            raise errors.Conflict("The student has already completed this course.", code="already_completed")
        if status == store.COMPLETED:
            return store.CheckoutPlan(result=CheckoutOutcome.ALREADY_PAID)
        if course.get("status") != PUBLISHED:
            raise errors.Conflict("This course is not open for enrolment.", code="course_not_open")
        price = course.get("price")
        if not price or not price.get("amount"):
            raise errors.Conflict("This course is free: enrol directly, no payment needed.", code="free_course")
        own_hold = (course.get("seat_holds") or {}).get(target)
        if payment and status in (store.PENDING, store.FAILED) and own_hold and own_hold["expires_at"] > now:
            return store.CheckoutPlan(result=CheckoutOutcome.REUSED)
        left = enrollment_store.seats_left(course, now=now, excluding=target)
        if left is not None and left <= 0:
            raise errors.Conflict(
                "This course is full right now. Join the waitlist to be told when a seat frees up.",
                code="course_full",
                waitlist=True,
            )
        hold_until = now + hold_seconds
        hold_at = dt.datetime.fromtimestamp(hold_until, dt.UTC)
        if payment and status in (store.PENDING, store.FAILED):
            return store.CheckoutPlan(
                payment={"hold_expires_at": hold_at},
                hold_until=hold_until,
                hold_now=now,
                result=CheckoutOutcome.RENEWED,
            )
        net, tax, total = money.charge_for(
            int(price["amount"]), rate_bps=settings.TAX_RATE_BPS, inclusive=settings.TAX_INCLUSIVE
        )
        fields = {
            "course_id": course_id,
            "course_title": course.get("title", ""),
            "teacher_uid": course.get("teacher_uid"),
            "teacher_name": course.get("teacher_name", ""),
            "student_uid": target,
            "student_name": student.get("display_name", ""),
            "payer_uid": actor.uid,
            "payer_role": actor.role,
            "payer_name": payer.get("display_name", ""),
            "payer_email": actor.email or payer.get("email", ""),
            "party_uids": sorted({actor.uid, target}),
            "amount": total,
            "net_amount": net,
            "tax_amount": tax,
            "tax_rate_bps": settings.TAX_RATE_BPS,
            "tax_inclusive": settings.TAX_INCLUSIVE,
            "currency": str(price["currency"]).upper(),
            "status": store.PENDING,
            "intent_id": None,
            "client_secret": None,
            "intent_reusable": True,
            "attempt": 1,
            "round": int((payment or {}).get("round", 0)) + 1,
            "hold_expires_at": hold_at,
            "paid_at": None,
            "failure_message": None,
            "refund_reserved": 0,
            "refunded_amount": 0,
            "invoice_id": None,
            "credit_note_ids": [],
            # This request creates the intent: the claim commits with the payment (no second round trip).
            "intent_claimed_until": _now() + INTENT_LEASE,
            "enrolled": False,
            "seat_refused": None,
            "notified": False,
            "created_at": store_server_time(),
        }
        return store.CheckoutPlan(
            payment=fields,
            hold_until=hold_until,
            hold_now=now,
            archive_previous=status == store.REFUNDED,
            result=CheckoutOutcome.CREATED,
        )

    payment, plan = store.checkout(course_id=course_id, student_uid=target, payer_uid=actor.uid, key=key, decide=decide)
    pages_changed()  # a seat hold changes the seats a list shows
    if plan.result == CheckoutOutcome.ALREADY_PAID:
        fulfil_payment(payment_id=pid)
        raise errors.Conflict("This course is already paid for: enrol without paying again.", code="already_paid")
    if plan.result == CheckoutOutcome.CREATED:
        return public_payment(_new_intent(payment))
    return public_payment(payment if payment.get("intent_id") else _ensure_intent(pid))


def store_server_time():
    return server_time()


def _ensure_intent(pid: str) -> dict:
    """The payment with its PaymentIntent, created once even when several requests race for it."""
    deadline = time.monotonic() + 10
    while True:
        payment = store.get_payment(pid)
        if payment is None:
            raise errors.NotFound("No such payment.")
        if payment.get("intent_id"):
            return payment
        if store.claim_intent_creation(pid, now=_now(), lease=INTENT_LEASE):
            return _new_intent(payment)
        if time.monotonic() > deadline:
            raise errors.ServiceUnavailable("The payment is still being prepared; please try again in a moment.")
        time.sleep(0.1)


def _new_intent(payment: dict) -> dict:
    """Create a PaymentIntent for the payment's current attempt and store it."""
    try:
        intent = stripe_gateway.create_intent(
            amount=int(payment["amount"]),
            currency=payment["currency"],
            metadata={"payment_id": payment["id"], "course_id": payment["course_id"]},
            idempotency_key=f"{payment['id']}:{payment.get('round', 1)}:{payment.get('attempt', 1)}",
            description=f"{payment.get('course_title', 'Course')} for {payment.get('student_name', 'a student')}",
        )
    except stripe_gateway.GatewayError as exc:
        store.change_payment(payment["id"], lambda p: store.PaymentChange({"intent_claimed_until": None}))
        raise _unavailable(exc) from exc

    def decide(current: dict | None) -> store.PaymentChange | None:
        if current is None:
            return None
        return store.PaymentChange(
            {
                "intent_id": intent.id,
                "client_secret": intent.client_secret,
                "intent_reusable": True,
                "intent_claimed_until": None,
            }
        )

    after, _ = store.change_payment(payment["id"], decide)
    return after


# --- paying --------------------------------------------------------------------------------------


def confirm_card(*, actor: Actor, payment_id: str, card_token: str) -> dict:
    """Pay the payment with a card token from Stripe.js (server-side confirmation).

    Raises NotFound, PermissionDenied (not the payer), Conflict (not payable), PaymentRequired
    (card_declined, with a message for the payer), ServiceUnavailable.
    """
    payment = access_payment(actor, payment_id)
    if payment.get("payer_uid") != actor.uid:
        raise errors.PermissionDenied("Only the person who started this payment can pay it.")
    if payment.get("status") == store.COMPLETED:
        return public_payment(fulfil_payment(payment_id=payment_id))
    if payment.get("status") not in (store.PENDING, store.FAILED):
        raise errors.Conflict("This payment can no longer be paid: start a new checkout.", code="not_payable")
    if not payment.get("intent_id"):
        payment = _ensure_intent(payment_id)
    if not payment.get("intent_reusable", True):
        # A declined charge ends an intent on localstripe; a fresh attempt gets a fresh intent.
        def next_attempt(current):
            return store.PaymentChange(
                {"attempt": int(current.get("attempt", 1)) + 1, "intent_id": None, "client_secret": None}
            )

        store.change_payment(payment_id, next_attempt)
        payment = _ensure_intent(payment_id)
    try:
        intent = stripe_gateway.confirm_with_card_token(
            intent_id=payment["intent_id"], token=card_token, email=payment.get("payer_email", "")
        )
    except stripe_gateway.CardDeclined as exc:
        _record_failure(payment_id, payment["intent_id"], exc.message, reusable=exc.code == "card_invalid")
        raise errors.PaymentRequired(_human_decline(exc.message), code="card_declined") from exc
    except stripe_gateway.GatewayError as exc:
        raise _unavailable(exc) from exc
    return public_payment(apply_intent(payment_id=payment_id, intent=intent))


def _human_decline(message: str) -> str:
    base = message.rstrip(".") if message else "Your card was declined"
    return f"{base}. Nothing was charged: try another card."


def _record_failure(pid: str, intent_id: str, message: str, *, reusable: bool) -> None:
    def decide(payment: dict | None) -> store.PaymentChange | None:
        if payment is None or payment.get("intent_id") != intent_id:
            return None
        fields = {"failure_message": message, "intent_reusable": reusable}
        if payment.get("status") == store.PENDING:
            fields["status"] = store.FAILED  # a failure after success changes nothing
        return store.PaymentChange(fields)

    after, changed = store.change_payment(pid, decide)
    if changed and after and after.get("status") == store.FAILED:
        events.publish(events.payment_failed, payment=after)


def apply_intent(*, payment_id: str, intent: stripe_gateway.Intent) -> dict:
    """Bring the payment in line with its intent's state (from a webhook, a poll or a confirmation)."""
    if intent.status == "succeeded":
        month = _now().strftime("%Y-%m")

        def decide(payment: dict | None) -> store.PaymentChange | None:
            if payment is None:
                return None
            if payment.get("intent_id") != intent.id:
                return None  # an intent this payment no longer uses: refunded below
            if payment.get("status") not in (store.PENDING, store.FAILED):
                return None  # already paid (or refunded): applied once
            totals = store.TotalsChange(
                teacher_uid=payment["teacher_uid"],
                month=month,
                currency=payment["currency"],
                course_id=payment["course_id"],
                course_title=payment.get("course_title", ""),
                gross=int(payment["amount"]),
                payments=1,
            )
            fields = {"status": store.COMPLETED, "paid_at": _now(), "paid_month": month, "failure_message": None}
            return store.PaymentChange(fields, totals=[totals])

        after, _ = store.change_payment(payment_id, decide)
        if after and after.get("intent_id") != intent.id:
            _refund_stale_intent(payment_id, intent)
        return fulfil_payment(payment_id=payment_id)
    if intent.status == "requires_payment_method" and intent.error:
        _record_failure(payment_id, intent.id, intent.error, reusable=False)
    return store.get_payment(payment_id)


def _refund_stale_intent(payment_id: str, intent: stripe_gateway.Intent) -> None:
    """An intent replaced after a decline was paid after all (a client kept its secret): that money
    buys nothing, so it all goes back. The idempotency key makes a repeated event refund once."""
    logger.warning("payment %s: replaced intent %s succeeded; refunding it in full", payment_id, intent.id)
    try:
        stripe_gateway.refund(
            intent_id=intent.id, amount=intent.amount, idempotency_key=f"stale-intent-{intent.id}", reason="duplicate"
        )
    except stripe_gateway.GatewayError as exc:
        # The event is answered with an error, so Stripe delivers it again and the refund is retried.
        raise _unavailable(exc) from exc


def fulfil_payment(*, payment_id: str) -> dict:
    """Finish a completed payment's work from where it stopped: seat, invoice, refund if no seat, notices."""
    payment = store.get_payment(payment_id)
    if payment is None or payment.get("status") not in (store.COMPLETED, store.REFUNDED) or not payment.get("paid_at"):
        return payment
    if not payment.get("enrolled") and payment.get("seat_refused") is None and payment["status"] == store.COMPLETED:
        payer = Actor(uid=payment["payer_uid"], email=payment.get("payer_email", ""), role=payment.get("payer_role"))
        try:
            course_services.enroll_student(
                actor=payer, course_id=payment["course_id"], student_uid=payment["student_uid"], waitlist=False
            )
            fields = {"enrolled": True}
        except (errors.Conflict, errors.NotFound, errors.PermissionDenied) as exc:
            # No seat for her money (hold expired on a now full course, course closed, link removed).
            fields = {"seat_refused": exc.code}
        payment, _ = store.change_payment(payment_id, lambda current: store.PaymentChange(fields))
        store.release_hold(payment["course_id"], payment["student_uid"], now=time.time())
        pages_changed()
    if not payment.get("invoice_id"):
        invoicing.issue_invoice(payment=payment)
        payment = store.get_payment(payment_id)
    if payment.get("seat_refused") and payment.get("status") == store.COMPLETED:
        remaining = int(payment["amount"]) - int(payment.get("refund_reserved", 0))
        if remaining > 0:
            _refund(
                payment=payment,
                amount=remaining,
                reason="No seat was left for this payment: refunded in full.",
                key=f"seat-refused-{payment.get('round', 1)}",
                requested_by="system",
                automatic=True,
            )
        payment = store.get_payment(payment_id)
    if payment.get("enrolled") and not payment.get("notified"):
        _notify_success(payment)
        payment = store.get_payment(payment_id)
    return payment


def _notify_success(payment: dict) -> None:
    now = _now()

    def claim(current: dict | None) -> store.PaymentChange | None:
        if current is None or current.get("notified"):
            return None
        until = current.get("notify_claimed_until")
        if until and until > now:
            return None
        return store.PaymentChange({"notify_claimed_until": now + NOTIFY_LEASE})

    _, claimed = store.change_payment(payment["id"], claim)
    if not claimed:
        return
    events.publish(events.payment_succeeded, payment=payment, course_title=payment.get("course_title", ""))
    store.change_payment(payment["id"], lambda current: store.PaymentChange({"notified": True}))


def get_payment(*, actor: Actor, payment_id: str) -> dict:
    """The payment; a pending one is first brought up to date with Stripe (a lost webhook delays nothing).

    Raises NotFound.
    """
    payment = access_payment(actor, payment_id)
    if payment.get("status") in (store.PENDING, store.FAILED) and payment.get("intent_id"):
        try:
            intent = stripe_gateway.retrieve_intent(payment["intent_id"])
        except stripe_gateway.GatewayError as exc:
            logger.warning("could not refresh payment %s: %s", payment_id, exc)
            return public_payment(payment)
        payment = apply_intent(payment_id=payment_id, intent=intent)
    elif (
        payment.get("status") == store.COMPLETED and not (payment.get("notified") or payment.get("seat_refused"))
    ) or (payment.get("status") == store.COMPLETED and payment.get("seat_refused")):
        payment = fulfil_payment(payment_id=payment_id)
    visible = public_payment(payment)
    if actor.uid != payment.get("payer_uid"):
        visible["client_secret"] = None
    return visible


# --- webhooks ------------------------------------------------------------------------------------

INTENT_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed")


def handle_webhook(*, payload: bytes, signature: str) -> str:
    """Verify and apply one Stripe event, once per event id. Returns what happened (for logs).

    Raises ValidationError (bad signature, stale timestamp, malformed JSON): nothing changes then.
    """
    try:
        event = stripe_gateway.verify_event(payload, signature)
    except stripe_gateway.InvalidEvent as exc:
        raise errors.ValidationError(f"Webhook refused: {exc}", code="invalid_webhook") from exc
    event_id, event_type = event["id"], event.get("type", "")
    if store.event_done(event_id):
        return "duplicate"
    outcome = "ignored"
    obj = event["data"].get("object")
    if not isinstance(obj, dict):
        event_type = "malformed"  # signed, but not an object we understand: acknowledged, nothing changes
        obj = {}
    if event_type in INTENT_EVENTS:
        metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        pid = metadata.get("payment_id") if isinstance(metadata.get("payment_id"), str) else None
        if pid and store.get_payment(pid) is not None:
            error = obj.get("last_payment_error") or {}
            status = obj.get("status") or ""
            if event_type == "payment_intent.payment_failed":
                status = "requires_payment_method"
            intent = stripe_gateway.Intent(
                id=obj.get("id", ""),
                status=status,
                amount=int(obj.get("amount") or 0),
                currency=str(obj.get("currency") or "").upper(),
                error=(error.get("message") if isinstance(error, dict) else "") or "Your card was declined.",
            )
            apply_intent(payment_id=pid, intent=intent)
            outcome = "applied"
        else:
            outcome = "unknown_payment"
    elif event_type in membership.SUBSCRIPTION_EVENTS or event_type.startswith("invoice.payment_"):
        outcome = membership.apply_event(event_type, obj)
    store.record_event(event_id, event_type=event_type, outcome=outcome)
    return outcome


# --- refunds -------------------------------------------------------------------------------------


def _refund(*, payment: dict, amount: int, reason: str, key: str, requested_by: str, automatic: bool) -> dict:
    """Reserve, send to Stripe, record, issue the credit note, announce. Idempotent per key."""
    pid = payment["id"]
    rid = store.refund_id(pid, key)
    now = _now()

    def reserve(current: dict | None, existing: dict | None):
        if existing is not None:
            return None
        if current is None:
            raise errors.NotFound("No such payment.")
        if current.get("status") != store.COMPLETED:
            raise errors.Conflict("Only a completed payment can be refunded.", code="not_refundable")
        available = int(current["amount"]) - int(current.get("refund_reserved", 0))
        if amount > available:
            raise errors.Conflict(
                f"At most {money.format_amount(available, current['currency'])} can still be refunded.",
                code="refund_too_large",
                fields={"amount": [f"At most {available}."]},
            )
        refund = {
            "payment_id": pid,
            "amount": amount,
            "currency": current["currency"],
            "reason": reason,
            "status": "pending",
            "automatic": automatic,
            "requested_by": requested_by,
            "party_uids": current.get("party_uids", []),
            "course_id": current["course_id"],
            "teacher_uid": current.get("teacher_uid"),
            "stripe_refund_id": None,
            "credit_note_id": None,
        }
        return refund, {"refund_reserved": int(current.get("refund_reserved", 0)) + amount}

    current, refund, created = store.reserve_refund(pid, rid, reserve)
    if refund is None:
        raise errors.NotFound("No such payment.")
    if refund["status"] == "pending" and not created:
        started = refund.get("created_at")
        if started and started > now - STALE_REFUND:
            return refund  # another request is sending this very refund right now
    if refund["status"] == "pending":
        try:
            answer = stripe_gateway.refund(intent_id=current["intent_id"], amount=refund["amount"], idempotency_key=rid)
        except stripe_gateway.GatewayError as exc:
            failure = str(exc)[:300]

            def undo(p: dict, r: dict):
                if r.get("status") != "pending":
                    return None
                return {"status": "failed", "failure": failure}, store.PaymentChange(
                    {"refund_reserved": max(0, int(p.get("refund_reserved", 0)) - int(r["amount"]))}
                )

            store.settle_refund(pid, rid, undo)
            raise _unavailable(exc) from exc
        month = _now().strftime("%Y-%m")

        def settle(p: dict, r: dict):
            if r.get("status") != "pending":
                return None
            refunded = int(p.get("refunded_amount", 0)) + int(r["amount"])
            fields = {"refunded_amount": refunded}
            if refunded >= int(p["amount"]):
                fields["status"] = store.REFUNDED
            totals = store.TotalsChange(
                teacher_uid=p["teacher_uid"],
                month=month,
                currency=p["currency"],
                course_id=p["course_id"],
                course_title=p.get("course_title", ""),
                refunds=int(r["amount"]),
            )
            return {"status": "succeeded", "stripe_refund_id": answer.id, "refunded_at": _now()}, store.PaymentChange(
                fields, totals=[totals]
            )

        current, refund = store.settle_refund(pid, rid, settle)
    if refund.get("status") == "succeeded" and not refund.get("credit_note_id"):
        invoicing.issue_credit_note(refund={**refund, "id": rid})
        refund = store.get_refund(rid)
        events.publish(
            events.payment_refunded,
            payment=store.get_payment(pid),
            refund=refund,
            course_title=payment.get("course_title", ""),
            automatic=automatic,
        )
    return refund


def refund_payment(
    *, actor: Actor, payment_id: str, amount: int | None, reason: str, idempotency_key: str | None
) -> dict:
    """An admin refunds all or part of a payment (never more than was paid, concurrent requests included).

    Raises ValidationError (no key, bad amount), PermissionDenied, NotFound, Conflict, ServiceUnavailable.
    """
    if actor.role != ADMIN:
        raise errors.PermissionDenied("Only admins refund payments.", code="wrong_role")
    key = _check_key(idempotency_key)
    payment = store.get_payment(payment_id)
    if payment is None:
        raise errors.NotFound("No such payment.")
    if amount is None:
        amount = int(payment.get("amount", 0)) - int(payment.get("refund_reserved", 0))
    if amount <= 0:
        raise errors.ValidationError("Nothing left to refund on this payment.", fields={"amount": ["Must be > 0."]})
    return _refund(
        payment=payment, amount=amount, reason=reason, key=f"admin-{key}", requested_by=actor.uid, automatic=False
    )


def _first_lesson_start(course_id: str) -> dt.datetime | None:
    page = lesson_store.list_course_lessons(course_id, since=None, limit=10, cursor=None)
    for lesson in page.items:
        if lesson.get("status") != lesson_store.CANCELLED:
            return lesson.get("starts_at")
    return None


def refund_on_withdrawal(*, actor: Actor, course_id: str, student_uid: str) -> dict | None:
    """The courses app's withdrawal hook: refund in full inside the window, or say why not.

    Inside the window: REFUND_WINDOW_DAYS after payment and before the course's first lesson.
    None for a course she did not pay for.
    """
    payment = store.get_course_payment(course_id, student_uid)
    if not payment or not payment.get("paid_at") or payment.get("status") not in (store.COMPLETED, store.REFUNDED):
        return None
    key = f"withdrawal-{payment.get('round', 1)}"
    existing = store.get_refund(store.refund_id(payment["id"], key))
    if existing is None and payment.get("status") == store.REFUNDED:
        return {"status": "not_refunded", "reason": "already_refunded", "message": "This payment was already refunded."}
    if existing is None:
        now = _now()
        window_end = payment["paid_at"] + dt.timedelta(days=settings.REFUND_WINDOW_DAYS)
        first = _first_lesson_start(course_id)
        if now > window_end or (first is not None and now >= first):
            why = (
                f"the refund window of {settings.REFUND_WINDOW_DAYS} days has passed"
                if now > window_end
                else "the course has already started"
            )
            return {
                "status": "not_refunded",
                "reason": "outside_window",
                "message": f"You have left the course. No refund: {why}.",
            }
    remaining = int(payment["amount"]) - int(payment.get("refund_reserved", 0))
    if existing is None and remaining <= 0:
        return {"status": "not_refunded", "reason": "already_refunded", "message": "This payment was already refunded."}
    refund = _refund(
        payment=payment,
        amount=int(existing["amount"]) if existing else remaining,
        reason="Withdrawal within the refund window.",
        key=key,
        requested_by=actor.uid,
        automatic=True,
    )
    return {
        "status": "refunded" if refund.get("status") == "succeeded" else refund.get("status"),
        "amount": refund["amount"],
        "currency": refund["currency"],
        "refund_id": refund["id"],
        "credit_note_id": refund.get("credit_note_id"),
        "message": f"You have left the course; {money.format_amount(refund['amount'], refund['currency'])} "
        "goes back to the card that paid.",
    }


def refund_hook(*, actor: Actor, course_id: str, student_uid: str) -> dict | None:
    """What courses.payments.settle_withdrawal calls: errors become an answer, never a failed withdrawal."""
    try:
        return refund_on_withdrawal(actor=actor, course_id=course_id, student_uid=student_uid)
    except errors.DomainError as exc:
        logger.warning("refund on withdrawal of %s from %s failed: %s", student_uid, course_id, exc.message)
        return {"status": "refund_failed", "reason": exc.code, "message": exc.message}


# --- lists, invoices, earnings -----------------------------------------------------------------------


def list_my_payments(*, actor: Actor, limit: int, cursor: str | None) -> Page:
    """Payments the actor made or was the student of, newest first. Raises ValidationError."""
    try:
        return store.list_party_payments(uid=actor.uid, limit=limit, cursor=cursor)
    except InvalidCursor as exc:
        raise _cursor_error(exc) from exc


def list_all_payments(
    *,
    actor: Actor,
    status: str | None,
    course_id: str | None,
    teacher_uid: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    limit: int,
    cursor: str | None,
) -> Page:
    """Every payment with filters, for admins. Raises PermissionDenied, ValidationError."""
    if actor.role != ADMIN:
        raise errors.PermissionDenied("Only admins list all payments.", code="wrong_role")
    try:
        return store.list_all_payments(
            status=status,
            course_id=course_id,
            teacher_uid=teacher_uid,
            since=since,
            until=until,
            limit=limit,
            cursor=cursor,
        )
    except InvalidCursor as exc:
        raise _cursor_error(exc) from exc


def list_payment_refunds(*, actor: Actor, payment_id: str) -> list[dict]:
    access_payment(actor, payment_id)
    return store.list_payment_refunds(payment_id)


def list_my_invoices(*, actor: Actor, limit: int, cursor: str | None) -> Page:
    """Invoices and credit notes where the actor is payer or student. Raises ValidationError."""
    try:
        return invoice_store.list_party_invoices(uid=actor.uid, limit=limit, cursor=cursor)
    except InvalidCursor as exc:
        raise _cursor_error(exc) from exc


def get_invoice(*, actor: Actor, invoice_id: str) -> dict:
    """Raises NotFound (also for anyone but payer, student, her linked parents and admins)."""
    return access_invoice(actor, invoice_id)


def invoice_pdf(*, actor: Actor, invoice_id: str) -> tuple[bytes, str]:
    """(PDF bytes, file name). Raises NotFound."""
    invoice = access_invoice(actor, invoice_id)
    return invoicing.render_pdf(invoice), f"{invoice['number']}.pdf"


def _months(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= last and len(out) < 240:
        out.append(f"{year:04d}-{month:02d}")
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


def earnings_line(gross: int, refunds: int) -> dict:
    """Gross, refunds, the platform fee on what was kept, and the teacher's net (docs/payments.md "Earnings")."""
    kept = gross - refunds
    fee = money.share(kept, bps=settings.PLATFORM_FEE_BPS) if kept > 0 else 0
    return {"gross": gross, "refunds": refunds, "platform_fee": fee, "net": kept - fee}


def revenue_totals(*, actor: Actor, first_month: str, last_month: str, teacher_uid: str | None = None) -> list[dict]:
    """The stored monthly earnings totals (by currency and course) of one teacher or, for admins, of all.

    Teachers get only their own. The analytics revenue report reads these instead of the payments.
    Raises PermissionDenied.
    """
    if actor.role == TEACHER:
        if teacher_uid not in (None, actor.uid):
            raise errors.PermissionDenied("Teachers see only their own revenue.")
        teacher_uid = actor.uid
    elif actor.role != ADMIN:
        raise errors.PermissionDenied("Revenue is for teachers and admins.", code="wrong_role")
    if teacher_uid:
        return store.teacher_totals(teacher_uid, first_month=first_month, last_month=last_month)
    return store.totals_between(first_month=first_month, last_month=last_month)


def membership_revenue(*, actor: Actor, months: list[tuple[str, dt.datetime, dt.datetime]]) -> list[dict]:
    """Membership periods paid per month, per currency of the current plan (aggregation queries).

    `months` is [(label, start, end)]. Raises PermissionDenied.
    """
    if actor.role != ADMIN:
        raise errors.PermissionDenied("Membership revenue is for admins.", code="wrong_role")
    plan = membership_store.get_plan() or {}
    currencies = sorted({(plan.get(key) or {}).get("currency", "").upper() for key in ("monthly", "yearly")} - {""})
    rows = []
    for label, start, end in months:
        for currency in currencies:
            periods, amount = membership_store.sum_period_payments(start, end, currency=currency)
            rows.append({"month": label, "currency": currency, "periods": periods, "amount": amount})
    return rows


def get_earnings(*, actor: Actor, first_month: str, last_month: str, group: str) -> dict:
    """A teacher's gross, refunds, platform fee and net per month or per course, from stored monthly totals.

    Raises PermissionDenied, ValidationError.
    """
    if actor.role != TEACHER:
        raise errors.PermissionDenied("Earnings are for teachers.", code="wrong_role")
    if first_month > last_month:
        raise errors.ValidationError("`from` must not be after `to`.", fields={"from": ["After to."]})
    docs = store.teacher_totals(actor.uid, first_month=first_month, last_month=last_month)
    fee_bps = settings.PLATFORM_FEE_BPS

    def line(gross: int, refunds: int) -> dict:
        kept = gross - refunds
        fee = money.share(kept, bps=fee_bps) if kept > 0 else 0
        return {"gross": gross, "refunds": refunds, "platform_fee": fee, "net": kept - fee}

    rows: list[dict] = []
    totals: dict[str, dict] = {}
    if group == "course":
        per: dict[tuple[str, str], dict] = {}
        for doc in docs:
            for course_id, data in (doc.get("courses") or {}).items():
                for cur, values in data.items():
                    if not isinstance(values, dict):
                        continue
                    entry = per.setdefault(
                        (course_id, cur), {"course_id": course_id, "title": data.get("title", ""), "g": 0, "r": 0}
                    )
                    entry["g"] += int(values.get("gross", 0))
                    entry["r"] += int(values.get("refunds", 0))
        for (course_id, cur), entry in sorted(per.items(), key=lambda item: (item[1]["title"], item[0])):
            rows.append(
                {
                    "course_id": course_id,
                    "course_title": entry["title"],
                    "currency": cur,
                    **line(entry["g"], entry["r"]),
                }
            )
    else:
        by_month = {doc["month"]: doc for doc in docs}
        currencies = sorted({cur for doc in docs for cur in (doc.get("by_currency") or {})}) or ["EUR"]
        for month in _months(first_month, last_month):
            for cur in currencies:
                values = ((by_month.get(month) or {}).get("by_currency") or {}).get(cur) or {}
                rows.append(
                    {
                        "month": month,
                        "currency": cur,
                        **line(int(values.get("gross", 0)), int(values.get("refunds", 0))),
                    }
                )
    for row in rows:
        total = totals.setdefault(row["currency"], {"gross": 0, "refunds": 0})
        total["gross"] += row["gross"]
        total["refunds"] += row["refunds"]
    return {
        "group": group,
        "from": first_month,
        "to": last_month,
        "platform_fee_bps": fee_bps,
        "rows": rows,
        "totals": [{"currency": cur, **line(t["gross"], t["refunds"])} for cur, t in sorted(totals.items())],
    }
