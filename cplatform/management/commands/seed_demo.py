"""Load the demo data `make run` starts with: each app seeds its own part, lowest app first.

Safe to run again: whatever exists is kept. The command lives in the project package because it
is the one place allowed to know every app (like urls.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from analytics import demo as analytics_demo
from authentication import demo as account_demo
from courses import demo as course_demo
from messaging import demo as messaging_demo
from payments import demo as payment_demo


class Command(BaseCommand):
    help = "Create the demo accounts, courses and conversations (emulators only)."

    def handle(self, *args, **options):
        if not settings.FIREBASE_AUTH_EMULATOR_HOST:
            # Demo accounts have a published password: never create them in a real project.
            raise CommandError("seed_demo only runs against the Firebase emulators.")
        accounts = account_demo.seed_accounts()
        admin, teachers, students = accounts["admin"], accounts["teachers"], accounts["students"]
        course_demo.seed_courses(teachers=teachers, students=students)
        self.stdout.write("Seeded courses.demo.")
        payment_demo.seed_payments(admin=admin, teachers=teachers, students=students, parent=accounts["parent"])
        self.stdout.write("Seeded payments.demo.")
        # After every enrolment (paid ones included), so past lessons carry everyone's attendance.
        course_demo.seed_lessons(teachers=teachers)
        self.stdout.write("Seeded lessons, attendance and materials.")
        messaging_demo.seed_messaging(admin=admin, teachers=teachers, students=students, parent=accounts["parent"])
        self.stdout.write("Seeded messaging.demo.")
        analytics_demo.seed_analytics()
        self.stdout.write("Seeded analytics.demo.")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {account_demo.DEMO_PASSWORD}):"))
        for profile in [admin, *teachers, *students, accounts["parent"]]:
            self.stdout.write(f"  {profile['role']:<8} {profile['email']}")
