"""Web pages of the payments app: payment history, a teacher's earnings, the admin payments list with refunds.

The checkout itself lives on the course page (templates/payments/_checkout.html + static/js/checkout.js),
which talks to the JSON API.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

from django.conf import settings
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from cplatform import errors
from cplatform.actor import ADMIN
from cplatform.pages import flash, form_errors, page, render_form
from middlewares.roles import ADMINS, SIGNED_IN, STUDENTS, TEACHERS
from payments import membership, money, services
from payments.serializers import STATUSES

STATUS_LABELS = {
    "pending": "Waiting for payment",
    "failed": "Card declined",
    "completed": "Paid",
    "refunded": "Refunded",
}
PAGE_SIZE = 25


def stripe_context(request) -> dict:
    """Template context: where Stripe.js comes from (localstripe in development)."""
    return {"stripe_js_url": settings.STRIPE_JS_URL}


def _day(value) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%-d %B %Y")
    return ""


def _payment_view(payment: dict) -> dict:
    refunded = int(payment.get("refunded_amount", 0))
    label = STATUS_LABELS.get(payment.get("status"), payment.get("status", ""))
    if payment.get("status") == "completed" and refunded:
        label = f"Paid, {money.format_amount(refunded, payment['currency'])} refunded"
    return {
        **payment,
        "amount_label": money.format_amount(int(payment.get("amount", 0)), payment.get("currency", "EUR")),
        "status_label": label,
        "day": _day(payment.get("paid_at") or payment.get("created_at")),
        "invoice_url": f"/api/v1/invoices/{payment['invoice_id']}.pdf" if payment.get("invoice_id") else None,
        "credit_note_urls": [f"/api/v1/invoices/{note}.pdf" for note in payment.get("credit_note_ids") or []],
        "refundable": max(0, int(payment.get("amount", 0)) - int(payment.get("refund_reserved", 0)))
        if payment.get("status") == "completed"
        else 0,
        "refundable_label": money.format_amount(
            max(0, int(payment.get("amount", 0)) - int(payment.get("refund_reserved", 0))),
            payment.get("currency", "EUR"),
        ),
        "major_step": "1" if money.exponent(payment.get("currency", "EUR")) == 0 else "0.01",
    }


@page(roles=SIGNED_IN)
def history(request):
    cursor = request.GET.get("cursor") or None
    result = services.list_my_payments(actor=request.actor, limit=PAGE_SIZE, cursor=cursor)
    return render_form(
        request,
        "payments/history.html",
        {"payments": [_payment_view(p) for p in result.items], "next_cursor": result.next_cursor},
    )


def _month(value: str | None, default: dt.date) -> str:
    if value and len(value) == 7 and value[4] == "-":
        return value
    return default.strftime("%Y-%m")


@page(roles=TEACHERS)
def earnings(request):
    today = dt.datetime.now(dt.UTC).date()
    year_ago = (today.replace(day=1) - dt.timedelta(days=330)).replace(day=1)
    first = _month(request.GET.get("from"), year_ago)
    last = _month(request.GET.get("to"), today)
    failure = None
    try:
        data = services.get_earnings(actor=request.actor, first_month=first, last_month=last, group="month")
        by_course = services.get_earnings(actor=request.actor, first_month=first, last_month=last, group="course")
    except errors.ValidationError as exc:
        failure = form_errors(exc)
        data = by_course = {"rows": [], "totals": []}
    rows = data["rows"]
    peak = max([row["net"] for row in rows] + [1])
    bars = []
    for row in rows:
        label = dt.date(int(row["month"][:4]), int(row["month"][5:]), 1).strftime("%b %Y")
        bars.append(
            {
                **row,
                "label": label,
                "height": max(0, round(100 * row["net"] / peak)),
                "top": 100 - max(0, round(100 * row["net"] / peak)),
                "x": 10 * len(bars) + 1,
                "net_label": money.format_amount(row["net"], row["currency"]),
                "gross_label": money.format_amount(row["gross"], row["currency"]),
                "refunds_label": money.format_amount(row["refunds"], row["currency"]),
                "fee_label": money.format_amount(row["platform_fee"], row["currency"]),
            }
        )
    courses = [
        {
            **row,
            "net_label": money.format_amount(row["net"], row["currency"]),
            "gross_label": money.format_amount(row["gross"], row["currency"]),
        }
        for row in by_course["rows"]
    ]
    totals = [{**t, "net_label": money.format_amount(t["net"], t["currency"])} for t in data["totals"]]
    return render_form(
        request,
        "payments/earnings.html",
        {
            "bars": bars,
            "chart_width": max(10, 10 * len(bars)),
            "courses": courses,
            "totals": totals,
            "first": first,
            "last": last,
            "fee_percent": f"{settings.PLATFORM_FEE_BPS / 100:g}",
            "failure": failure,
        },
    )


@page(roles=ADMINS)
def admin_payments(request):
    status = request.GET.get("status") or None
    if status not in STATUSES:
        status = None
    cursor = request.GET.get("cursor") or None
    result = services.list_all_payments(
        actor=request.actor,
        status=status,
        course_id=None,
        teacher_uid=None,
        since=None,
        until=None,
        limit=PAGE_SIZE,
        cursor=cursor,
    )
    return render_form(
        request,
        "payments/admin.html",
        {
            "payments": [_payment_view(p) for p in result.items],
            "next_cursor": result.next_cursor,
            "status": status or "",
            "statuses": [(value, STATUS_LABELS[value]) for value in STATUSES],
            "refund_key": uuid.uuid4().hex,
        },
    )


def _parse_amount(text: str, currency: str) -> int | None:
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = decimal.Decimal(text)
    except decimal.InvalidOperation as exc:
        raise errors.ValidationError("Enter an amount such as 10 or 10.50.", fields={"amount": ["Invalid."]}) from exc
    places = money.exponent(currency)
    minor = value.scaleb(places)
    if not value.is_finite() or value <= 0 or minor != minor.to_integral_value():
        raise errors.ValidationError(
            "Enter a positive amount with at most " + ("no decimals." if places == 0 else f"{places} decimals."),
            fields={"amount": ["Invalid."]},
        )
    return int(minor)


@page(roles=ADMINS, back="/admin/payments/")
@require_POST
def admin_refund(request, payment_id: str):
    if request.actor.role != ADMIN:
        raise errors.PermissionDenied("Only admins refund payments.")
    payment = services.get_payment(actor=request.actor, payment_id=payment_id)
    try:
        amount = _parse_amount(request.POST.get("amount", ""), payment["currency"])
        refund = services.refund_payment(
            actor=request.actor,
            payment_id=payment_id,
            amount=amount,
            reason=request.POST.get("reason", "").strip()[:500] or "Refund by an admin",
            idempotency_key=request.POST.get("key", ""),
        )
    except (errors.ValidationError, errors.Conflict, errors.ServiceUnavailable) as exc:
        return flash(redirect("/admin/payments/"), f"Refund not made: {exc.message}")
    refunded = money.format_amount(int(refund["amount"]), refund["currency"])
    student = payment.get("student_name") or "the student"
    return flash(redirect("/admin/payments/"), f"Refunded {refunded} to {student} for {payment.get('course_title')}.")


@page(roles=STUDENTS)
def membership_page(request):
    try:
        plan = membership.get_plan(actor=request.actor)
    except errors.NotFound:
        plan = None
    try:
        mine = membership.get_my_subscription(actor=request.actor)
    except errors.NotFound:
        mine = None
    state = None
    if mine:
        end = dt.datetime.fromtimestamp(float(mine.get("current_period_end") or 0), dt.UTC)
        day = end.strftime("%-d %B %Y")
        if mine.get("covers_now") and mine.get("cancel_at_period_end"):
            state = f"Your membership is cancelled and ends on {day}."
        elif mine.get("covers_now") and mine.get("status") == "past_due":
            state = f"Your last payment failed: please update your card before {day}."
        elif mine.get("covers_now"):
            state = f"You're a member. Next renewal on {day}."
        else:
            state = "Your membership has ended. You can join again."
    prices = None
    if plan:
        prices = {
            "monthly": money.format_amount(int(plan["monthly"]["amount"]), plan["monthly"]["currency"]),
            "yearly": money.format_amount(int(plan["yearly"]["amount"]), plan["yearly"]["currency"]),
        }
    return render_form(
        request,
        "payments/membership.html",
        {
            "prices": prices,
            "state": state,
            "member": bool(mine and mine.get("covers_now")),
            "cancellable": bool(mine and mine.get("covers_now") and not mine.get("cancel_at_period_end")),
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        },
    )


@page(roles=STUDENTS)
@require_POST
def membership_cancel(request):
    membership.cancel_my_subscription(actor=request.actor)
    return flash(
        redirect("/payments/membership/"), "Your membership is cancelled; it keeps working until the period ends."
    )
