"""Payments API: one thin view per action (checkout, pay, status, webhook, refunds, lists, invoices, earnings)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from cplatform.api import ApiView, page_body
from middlewares.roles import ADMINS, PUBLIC, SIGNED_IN, STUDENTS, STUDENTS_AND_PARENTS, TEACHERS
from payments import membership, services
from payments import serializers as s

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    # Blank or only spaces is refused as missing (services._check_key).
    {"type": "string", "minLength": 1, "maxLength": services.MAX_KEY_LENGTH, "pattern": r"\S"},
    OpenApiParameter.HEADER,
    required=True,
    description="one unique string per attempt",
)
MONTH_PATTERN = s.MONTH.pattern


class CheckoutView(ApiView):
    roles = STUDENTS_AND_PARENTS

    @extend_schema(parameters=[IDEMPOTENCY], request=s.CheckoutIn, responses={201: s.PaymentOut}, tags=["payments"])
    def post(self, request, course_id: str):
        data = self.validate(s.CheckoutIn, request.data)
        payment = services.start_checkout(
            actor=request.user,
            course_id=course_id,
            idempotency_key=request.headers.get("Idempotency-Key"),
            student_uid=data.get("student_uid"),
        )
        return Response(s.payment_representation(payment), status=status.HTTP_201_CREATED)


class PaymentDetailView(ApiView):
    roles = SIGNED_IN

    @extend_schema(
        responses=s.PaymentOut, tags=["payments"], description="A pending payment is checked with Stripe first."
    )
    def get(self, request, payment_id: str):
        return Response(s.payment_representation(services.get_payment(actor=request.user, payment_id=payment_id)))


class ConfirmView(ApiView):
    roles = STUDENTS_AND_PARENTS

    @extend_schema(request=s.ConfirmIn, responses=s.PaymentOut, tags=["payments"])
    def post(self, request, payment_id: str):
        data = self.validate(s.ConfirmIn, request.data)
        payment = services.confirm_card(actor=request.user, payment_id=payment_id, card_token=data["card_token"])
        return Response(s.payment_representation(payment))


class WebhookView(ApiView):
    """Stripe's events, signature-checked; no session or token (Stripe signs instead)."""

    roles = PUBLIC
    authentication_classes: list = []

    @extend_schema(request=None, responses={200: None}, tags=["payments"])
    def post(self, request):
        outcome = services.handle_webhook(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
        return Response({"received": True, "outcome": outcome})


class MyPaymentsView(ApiView):
    roles = SIGNED_IN

    @extend_schema(parameters=[s.CursorPageQuery], responses=s.PaymentPageOut, tags=["payments"])
    def get(self, request):
        params = self.query(s.CursorPageQuery)
        page = services.list_my_payments(actor=request.user, limit=params["limit"], cursor=params["cursor"] or None)
        return Response(page_body(page, s.payment_representation))


class AdminPaymentsView(ApiView):
    roles = ADMINS

    @extend_schema(parameters=[s.AdminPaymentsIn], responses=s.PaymentPageOut, tags=["payments"])
    def get(self, request):
        params = self.query(s.AdminPaymentsIn)
        page = services.list_all_payments(
            actor=request.user,
            status=params.get("status"),
            course_id=params.get("course"),
            teacher_uid=params.get("teacher"),
            since=params.get("since"),
            until=params.get("until"),
            limit=params["limit"],
            cursor=params["cursor"] or None,
        )
        return Response(page_body(page, s.payment_representation))


class AdminRefundView(ApiView):
    roles = ADMINS

    @extend_schema(parameters=[IDEMPOTENCY], request=s.RefundIn, responses={201: s.RefundOut}, tags=["payments"])
    def post(self, request, payment_id: str):
        data = self.validate(s.RefundIn, request.data)
        refund = services.refund_payment(
            actor=request.user,
            payment_id=payment_id,
            amount=data.get("amount"),
            reason=data["reason"],
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        return Response(s.refund_representation(refund), status=status.HTTP_201_CREATED)


class MyInvoicesView(ApiView):
    roles = SIGNED_IN

    @extend_schema(parameters=[s.CursorPageQuery], responses=s.InvoicePageOut, tags=["payments"])
    def get(self, request):
        params = self.query(s.CursorPageQuery)
        page = services.list_my_invoices(actor=request.user, limit=params["limit"], cursor=params["cursor"] or None)
        return Response(page_body(page, s.invoice_representation))


class InvoiceView(ApiView):
    roles = SIGNED_IN

    @extend_schema(responses=s.InvoiceOut, tags=["payments"])
    def get(self, request, invoice_id: str):
        return Response(s.invoice_representation(services.get_invoice(actor=request.user, invoice_id=invoice_id)))


class InvoicePdfView(ApiView):
    roles = SIGNED_IN

    @extend_schema(responses={(200, "application/pdf"): bytes}, tags=["payments"])
    def get(self, request, invoice_id: str):
        data, name = services.invoice_pdf(actor=request.user, invoice_id=invoice_id)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response


class EarningsView(ApiView):
    roles = TEACHERS

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, required=True, description="YYYY-MM", pattern=MONTH_PATTERN),
            OpenApiParameter("to", str, required=True, description="YYYY-MM", pattern=MONTH_PATTERN),
            OpenApiParameter("group", str, enum=["month", "course"]),
        ],
        responses=s.EarningsOut,
        tags=["payments"],
    )
    def get(self, request):
        query = request.query_params
        params = self.validate(
            s.EarningsIn,
            {"from_month": query.get("from"), "to_month": query.get("to"), "group": query.get("group", "month")},
        )
        earnings = services.get_earnings(
            actor=request.user, first_month=params["from_month"], last_month=params["to_month"], group=params["group"]
        )
        return Response(s.EarningsOut(earnings).data)


class MembershipPlanView(ApiView):
    @property
    def roles(self):
        return ADMINS if self.request.method == "PUT" else SIGNED_IN

    @extend_schema(responses=s.MembershipPlanOut, tags=["membership"])
    def get(self, request):
        return Response(s.MembershipPlanOut(membership.get_plan(actor=request.user)).data)

    @extend_schema(request=s.MembershipPlanIn, responses=s.MembershipPlanOut, tags=["membership"])
    def put(self, request):
        data = self.validate(s.MembershipPlanIn, request.data)
        plan = membership.set_plan(actor=request.user, monthly=dict(data["monthly"]), yearly=dict(data["yearly"]))
        return Response(s.MembershipPlanOut(plan).data)


class SubscribeView(ApiView):
    roles = STUDENTS

    @extend_schema(
        parameters=[IDEMPOTENCY], request=s.SubscribeIn, responses={201: s.SubscriptionOut}, tags=["membership"]
    )
    def post(self, request):
        data = self.validate(s.SubscribeIn, request.data)
        result = membership.subscribe(
            actor=request.user,
            interval=data["interval"],
            card_token=data["card_token"],
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        return Response(s.SubscriptionOut(result).data, status=status.HTTP_201_CREATED)


class MySubscriptionView(ApiView):
    roles = STUDENTS

    @extend_schema(responses=s.SubscriptionOut, tags=["membership"])
    def get(self, request):
        return Response(s.SubscriptionOut(membership.get_my_subscription(actor=request.user)).data)

    @extend_schema(
        responses={200: s.SubscriptionOut}, tags=["membership"], description="Cancels at the end of the paid period."
    )
    def delete(self, request):
        return Response(s.SubscriptionOut(membership.cancel_my_subscription(actor=request.user)).data)


class MembershipSharesView(ApiView):
    roles = ADMINS

    @extend_schema(
        parameters=[OpenApiParameter("month", str, required=True, description="YYYY-MM", pattern=MONTH_PATTERN)],
        responses={200: dict},
        tags=["membership"],
        description="The month's membership revenue split among teachers by members' attended lessons.",
    )
    def get(self, request):
        month = self.query(s.MonthQuery)["month"]
        return Response(membership.membership_shares(actor=request.user, month=month))
