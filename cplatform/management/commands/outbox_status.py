"""Print the background-work figures the alerts watch, as one JSON object (docs/operations.md).

    python manage.py outbox_status
    {"overdue": 0, "oldest_seconds": 0.0, "failed": 0}

`overdue`: outbox entries past their due time (not yet taken by a worker); `oldest_seconds`: age of
the oldest of them; `failed`: tasks out of attempts waiting for an admin. Exit status 1 when
--max-age or --max-failed is exceeded, so a cron-style probe can alert on it.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from cplatform import background


class Command(BaseCommand):
    help = "Outbox backlog and failed background tasks, as JSON (for monitoring)."

    def add_arguments(self, parser):
        parser.add_argument("--max-age", type=float, default=None, help="fail when the oldest overdue entry is older")
        parser.add_argument("--max-failed", type=int, default=None, help="fail when more tasks than this have failed")

    def handle(self, *args, max_age=None, max_failed=None, **options):
        figures = background.backlog()
        self.stdout.write(json.dumps(figures))
        if max_age is not None and figures["oldest_seconds"] > max_age:
            raise CommandError(f"outbox backlog: oldest overdue entry is {figures['oldest_seconds']:.0f} s old")
        if max_failed is not None and figures["failed"] > max_failed:
            raise CommandError(f"{figures['failed']} background tasks have failed")
