"""Web pages of the payments app."""

from django.urls import path

from payments import pages

urlpatterns = [
    path("payments/", pages.history, name="payments"),
    path("payments/earnings/", pages.earnings, name="earnings"),
    path("admin/payments/", pages.admin_payments, name="admin-payments"),
    path("admin/payments/<str:payment_id>/refund/", pages.admin_refund, name="admin-refund"),
]
