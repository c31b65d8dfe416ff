"""Input and output shapes of the payments API (money: integer minor units + ISO 4217 currency)."""

from __future__ import annotations

import datetime as dt
import re

from rest_framework import serializers

from cplatform.serializers import CursorPageQuery, IsoDateTimeField, StrictSerializer
from firestore_operations.payments import STATUSES

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class CheckoutIn(StrictSerializer):
    student_uid = serializers.CharField(required=False, max_length=128, help_text="parents: the linked child")


class ConfirmIn(StrictSerializer):
    card_token = serializers.CharField(max_length=255, help_text="a token from Stripe.js createToken")


class RefundIn(StrictSerializer):
    amount = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="minor units; omitted = all that is left"
    )
    reason = serializers.CharField(max_length=500)


class AdminPaymentsIn(CursorPageQuery):
    status = serializers.ChoiceField(choices=STATUSES, required=False)
    course = serializers.CharField(required=False, max_length=128)
    teacher = serializers.CharField(required=False, max_length=128)
    since = IsoDateTimeField(required=False)
    until = IsoDateTimeField(required=False)


MONTH_MESSAGE = "Give the month as YYYY-MM."


def month_field() -> serializers.RegexField:
    """A calendar month as YYYY-MM; anything else (missing, blank, 2026-1) gets one plain message."""
    messages = {"invalid": MONTH_MESSAGE, "blank": MONTH_MESSAGE, "required": MONTH_MESSAGE, "null": MONTH_MESSAGE}
    return serializers.RegexField(MONTH, help_text="YYYY-MM", error_messages=messages)


class MonthQuery(serializers.Serializer):
    month = month_field()


class EarningsIn(serializers.Serializer):
    from_month = month_field()
    to_month = month_field()
    group = serializers.ChoiceField(choices=("month", "course"), default="month")


class PaymentOut(serializers.Serializer):
    payment_id = serializers.CharField(source="id")
    course_id = serializers.CharField()
    course_title = serializers.CharField(default="")
    student_uid = serializers.CharField()
    student_name = serializers.CharField(default="")
    payer_uid = serializers.CharField()
    status = serializers.CharField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    tax_amount = serializers.IntegerField(default=0)
    refunded_amount = serializers.IntegerField(default=0)
    client_secret = serializers.CharField(allow_null=True, required=False)
    publishable_key = serializers.CharField(required=False)
    hold_expires_at = IsoDateTimeField(allow_null=True, required=False)
    paid_at = IsoDateTimeField(allow_null=True, required=False)
    created_at = IsoDateTimeField(allow_null=True, required=False)
    enrolled = serializers.BooleanField(default=False)
    seat_refused = serializers.CharField(allow_null=True, required=False)
    failure_message = serializers.CharField(allow_null=True, required=False)
    invoice_id = serializers.CharField(allow_null=True, required=False)
    credit_note_ids = serializers.ListField(child=serializers.CharField(), default=list)
    invoice_url = serializers.SerializerMethodField()
    credit_note_urls = serializers.SerializerMethodField()

    def get_invoice_url(self, payment) -> str | None:
        invoice = payment.get("invoice_id")
        return f"/api/v1/invoices/{invoice}.pdf" if invoice else None

    def get_credit_note_urls(self, payment) -> list[str]:
        return [f"/api/v1/invoices/{note}.pdf" for note in payment.get("credit_note_ids") or []]


class PaymentPageOut(serializers.Serializer):
    items = PaymentOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class RefundOut(serializers.Serializer):
    refund_id = serializers.CharField(source="id")
    payment_id = serializers.CharField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField(default="")
    automatic = serializers.BooleanField(default=False)
    credit_note_id = serializers.CharField(allow_null=True, required=False)


class PartyOut(serializers.Serializer):
    uid = serializers.CharField(required=False, allow_null=True)
    name = serializers.CharField(default="")
    email = serializers.CharField(required=False, default="")


class SellerOut(serializers.Serializer):
    name = serializers.CharField()
    address = serializers.CharField()
    tax_id = serializers.CharField(allow_blank=True)


class LineOut(serializers.Serializer):
    description = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_amount = serializers.IntegerField()
    amount = serializers.IntegerField()


class InvoiceOut(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=("invoice", "credit_note"))
    number = serializers.CharField()
    issued_at = IsoDateTimeField()
    seller = SellerOut()
    buyer = PartyOut()
    student = PartyOut()
    payment_id = serializers.CharField()
    course_id = serializers.CharField(allow_null=True)
    related_invoice_number = serializers.CharField(allow_null=True, required=False)
    currency = serializers.CharField()
    lines = LineOut(many=True)
    tax_rate_bps = serializers.IntegerField()
    tax_inclusive = serializers.BooleanField()
    net = serializers.IntegerField()
    tax = serializers.IntegerField()
    total = serializers.IntegerField()
    pdf_url = serializers.SerializerMethodField()

    def get_pdf_url(self, invoice) -> str:
        return f"/api/v1/invoices/{invoice['id']}.pdf"


class InvoicePageOut(serializers.Serializer):
    items = InvoiceOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class EarningsRowOut(serializers.Serializer):
    month = serializers.CharField(required=False)
    course_id = serializers.CharField(required=False)
    course_title = serializers.CharField(required=False)
    currency = serializers.CharField()
    gross = serializers.IntegerField()
    refunds = serializers.IntegerField()
    platform_fee = serializers.IntegerField()
    net = serializers.IntegerField()


class EarningsOut(serializers.Serializer):
    group = serializers.CharField()
    platform_fee_bps = serializers.IntegerField()
    rows = EarningsRowOut(many=True)
    totals = EarningsRowOut(many=True)


def payment_representation(payment: dict) -> dict:
    return PaymentOut(payment).data


def refund_representation(refund: dict) -> dict:
    return RefundOut(refund).data


def invoice_representation(invoice: dict) -> dict:
    return InvoiceOut(invoice).data


class PlanPriceIn(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1, max_value=100_000_000, help_text="minor units")
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", help_text="ISO 4217")


class MembershipPlanIn(StrictSerializer):
    monthly = PlanPriceIn()
    yearly = PlanPriceIn()


class PlanPriceOut(serializers.Serializer):
    amount = serializers.IntegerField()
    currency = serializers.CharField()


class MembershipPlanOut(serializers.Serializer):
    monthly = PlanPriceOut()
    yearly = PlanPriceOut()


class SubscribeIn(StrictSerializer):
    interval = serializers.ChoiceField(choices=("monthly", "yearly"))
    card_token = serializers.CharField(max_length=255, help_text="a token from Stripe.js createToken")


class SubscriptionOut(serializers.Serializer):
    status = serializers.CharField()
    interval = serializers.CharField()
    amount = serializers.IntegerField(required=False)
    currency = serializers.CharField(required=False)
    current_period_end = serializers.SerializerMethodField()
    cancel_at_period_end = serializers.BooleanField(default=False)
    covers_now = serializers.BooleanField(default=False)
    client_secret = serializers.CharField(allow_null=True, required=False)

    def get_current_period_end(self, membership) -> str | None:
        end = membership.get("current_period_end")
        if not end:
            return None
        return dt.datetime.fromtimestamp(float(end), dt.UTC).isoformat().replace("+00:00", "Z")
