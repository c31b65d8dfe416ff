"""Payments routes (mounted under /api/v1/)."""

from django.urls import path

from payments import api

urlpatterns = [
    path("courses/<str:course_id>/checkout", api.CheckoutView.as_view()),
    path("payments/webhook", api.WebhookView.as_view()),
    path("payments/<str:payment_id>", api.PaymentDetailView.as_view()),
    path("payments/<str:payment_id>/confirm", api.ConfirmView.as_view()),
    path("me/payments", api.MyPaymentsView.as_view()),
    path("me/invoices", api.MyInvoicesView.as_view()),
    path("me/earnings", api.EarningsView.as_view()),
    path("admin/payments", api.AdminPaymentsView.as_view()),
    path("admin/payments/<str:payment_id>/refund", api.AdminRefundView.as_view()),
    path("admin/membership-plan", api.MembershipPlanView.as_view()),
    path("membership-plan", api.MembershipPlanView.as_view()),
    path("admin/membership-shares", api.MembershipSharesView.as_view()),
    path("subscriptions", api.SubscribeView.as_view()),
    path("me/subscription", api.MySubscriptionView.as_view()),
    path("invoices/<str:invoice_id>.pdf", api.InvoicePdfView.as_view()),
    path("invoices/<str:invoice_id>", api.InvoiceView.as_view()),
]
