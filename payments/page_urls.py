"""Web pages of the payments app."""

from django.urls import path

from payments import pages

urlpatterns = [
    path("payments/", pages.history, name="payments"),
    path("payments/earnings/", pages.earnings, name="earnings"),
    path("payments/membership/", pages.membership_page, name="membership"),
    path("payments/membership/cancel/", pages.membership_cancel, name="membership-cancel"),
    path("admin/payments/", pages.admin_payments, name="admin-payments"),
    path("admin/payments/<str:payment_id>/refund/", pages.admin_refund, name="admin-refund"),
]
