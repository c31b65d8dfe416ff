"""Make Firebase Auth and the user documents agree now, as beat does every ACCOUNT_RECONCILE_SECONDS."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from authentication import services


class Command(BaseCommand):
    help = "Apply Firebase console edits: disabled accounts from Auth, roles from the user documents."

    def handle(self, *args, **options):
        counts = services.reconcile_accounts()
        self.stdout.write(", ".join(f"{name}: {number}" for name, number in counts.items()))
