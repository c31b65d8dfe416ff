"""Create an admin account: admins cannot register themselves, so the first one is made here."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from authentication import services
from cplatform import errors


class Command(BaseCommand):
    help = "Create an admin account (Firebase Auth user with the admin role claim, and its profile)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--display-name", required=True, dest="display_name")

    def handle(self, *args, email: str, password: str, display_name: str, **options):
        if not display_name.strip():
            raise CommandError("--display-name must not be blank.")
        try:
            profile = services.create_admin(email=email, password=password, display_name=display_name.strip())
        except errors.DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Admin {profile['email']} created (uid {profile['id']})."))
