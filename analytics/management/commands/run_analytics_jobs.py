"""Run the scheduled analytics work: early warnings and parents' weekly summaries (analytics/jobs.py).

Schedule it (cron, Cloud Scheduler, or a Celery beat task calling analytics.jobs.run_analytics_jobs):
    hourly (or daily):   python manage.py run_analytics_jobs
Repeats are harmless: a student-course is flagged at most once per ANALYTICS_WARN_REPEAT_DAYS and a
parent gets one summary per child per ISO week (the first run of the week sends it).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from analytics import recorder
from analytics.jobs import run_analytics_jobs


class Command(BaseCommand):
    help = "Send early warnings (teachers, parents) and parents' weekly progress summaries."

    def handle(self, *args, **options):
        result = run_analytics_jobs()
        warnings, summaries = result["warnings"], result["summaries"]
        self.stdout.write(
            f"warnings: {warnings.get('flagged', 0)} flagged of {warnings.get('checked', 0)} active enrolments "
            f"({warnings.get('skipped_recent', 0)} flagged recently, not repeated); "
            f"summaries: {summaries.get('sent', 0)} sent, {summaries.get('already', 0)} already sent this week; "
            f"recording failures in this process: {recorder.failure_count()}."
        )
