"""Load the demo data `make run` starts with. Safe to run again: existing accounts are kept."""

from __future__ import annotations

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from authentication import identity, services
from firestore_operations import users as user_store

DEMO_PASSWORD = "demo-pass-123"  # noqa: S105 - published demo logins for the emulators only
ADMIN = {"email": "admin@demo.cplatform.dev", "display_name": "Alex Admin"}
TEACHERS = [
    {
        "email": "ada@demo.cplatform.dev",
        "display_name": "Ada Lovelace",
        "teacher": {"subjects": ["Mathematics", "Computer Science"]},
        "bio": "Mathematician. I teach algorithms from first principles.",
    },
    {
        "email": "elodie@demo.cplatform.dev",
        "display_name": "Élodie Martin",
        "teacher": {"subjects": ["French", "Literature"]},
        "bio": "French teacher in Lyon; conversation classes for all levels.",
    },
]
STUDENTS = [
    {"email": "sam@demo.cplatform.dev", "display_name": "Sam Carter", "student": {"grade_level": "10"}},
    {"email": "lina@demo.cplatform.dev", "display_name": "Lina Okafor", "student": {"grade_level": "11"}},
    {"email": "tom@demo.cplatform.dev", "display_name": "Tom Nguyen", "student": {"grade_level": "9"}},
]
PARENT = {"email": "pat@demo.cplatform.dev", "display_name": "Pat Carter"}


class Command(BaseCommand):
    help = "Create the demo accounts (and, when the courses app provides it, demo courses)."

    def handle(self, *args, **options):
        if not settings.FIREBASE_AUTH_EMULATOR_HOST:
            # Demo accounts have a published password: never create them in a real project.
            raise CommandError("seed_demo only runs against the Firebase emulators.")
        admin = self._account(ADMIN, "admin")
        teachers = [self._account(spec, "teacher") for spec in TEACHERS]
        students = [self._account(spec, "student") for spec in STUDENTS]
        parent = self._account(PARENT, "parent")
        if students[0]["id"] not in services.children_of(parent):
            user_store.link_parent_and_child(parent["id"], students[0]["id"])
        self._seed_app_data("courses.demo", "seed_courses", teachers=teachers, students=students)
        self._seed_app_data("messaging.demo", "seed_messaging", admin=admin, teachers=teachers, students=students)
        self._seed_app_data(
            "payments.demo", "seed_payments", admin=admin, teachers=teachers, students=students, parent=parent
        )
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}):"))
        for profile in [admin, *teachers, *students, parent]:
            self.stdout.write(f"  {profile['role']:<8} {profile['email']}")

    def _account(self, spec: dict, role: str) -> dict:
        uid = identity.uid_for_email(spec["email"])
        if uid and user_store.get_profile(uid):
            return user_store.get_profile(uid)
        if uid:  # an Auth account left without its profile by an interrupted run
            identity.delete_account(uid)
        if role == "admin":
            profile = services.create_admin(
                email=spec["email"], password=DEMO_PASSWORD, display_name=spec["display_name"]
            )
        else:
            profile = services.register_user(
                email=spec["email"], password=DEMO_PASSWORD, display_name=spec["display_name"], role=role
            )
        changes = {key: spec[key] for key in ("bio", "teacher", "student") if key in spec}
        if changes:
            from cplatform.actor import Actor

            actor = Actor(uid=profile["id"], email=profile["email"], role=role)
            profile = services.update_my_profile(actor=actor, changes=changes)
        return profile

    def _seed_app_data(self, module_name: str, function: str, **kwargs) -> None:
        # Each app owns its demo data; an app that has none yet is simply skipped.
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            return
        getattr(module, function)(**kwargs)
        self.stdout.write(f"Seeded {module_name}.")
