"""Load the demo content (`make run` runs it after seed_demo). Safe to run again."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from authentication import identity
from content.demo import seed_content
from firestore_operations import users as user_store

ADMIN_EMAIL = "admin@demo.cplatform.dev"
TEACHER_EMAILS = ("ada@demo.cplatform.dev", "elodie@demo.cplatform.dev")


class Command(BaseCommand):
    help = "Create the demo home page, pages, blog posts, FAQ and course sections (after seed_demo)."

    def handle(self, *args, **options):
        if not settings.FIRESTORE_EMULATOR_HOST or not settings.FIREBASE_AUTH_EMULATOR_HOST:
            raise CommandError("seed_content only runs against the Firebase emulators.")
        admin = self._profile(ADMIN_EMAIL)
        if admin is None:
            raise CommandError("Run `manage.py seed_demo` first: the demo admin is missing.")
        teachers = [profile for profile in map(self._profile, TEACHER_EMAILS) if profile]
        created = seed_content(admin=admin, teachers=teachers)
        self.stdout.write(f"Seeded content ({created} new items). Visitors' home: /, blog: /blog/, FAQ: /faq/.")

    @staticmethod
    def _profile(email: str) -> dict | None:
        uid = identity.uid_for_email(email)
        return user_store.get_profile(uid) if uid else None
