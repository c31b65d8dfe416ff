from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Registers the payments app's answer to a withdrawal with the courses app (which never imports payments)."""

    name = "payments"
    default = True

    def ready(self) -> None:
        from courses.payments import set_withdrawal_hook
        from payments.services import refund_hook

        set_withdrawal_hook(refund_hook)
