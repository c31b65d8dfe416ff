"""Send the queued notification emails: one email per user, then clear what was sent.

Celery beat runs the same digests on its schedule (settings.CELERY_BEAT_SCHEDULE: held every 10
minutes, daily, weekly); this command runs one by hand:
    python manage.py send_notification_digests --period daily|weekly|held
`held` releases emails kept back by quiet hours once the user's quiet hours are over.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from messaging.notification_services import DIGEST_PERIODS, send_email_digests


class Command(BaseCommand):
    help = "Email every user their queued notifications for one period (daily, weekly, or held by quiet hours)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, choices=DIGEST_PERIODS)

    def handle(self, *args, period: str, **options):
        stats = send_email_digests(period=period)
        self.stdout.write(
            f"{period}: {stats['emails']} emails with {stats['items']} notifications sent; "
            f"{stats['held']} held for quiet hours, {stats['failed']} emails failed (kept for the next run), "
            f"{stats['dropped']} dropped (no address)."
        )
