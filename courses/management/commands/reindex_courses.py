"""Rebuild the courses' derived fields and the search index (safe to run again)."""

from django.core.management.base import BaseCommand

from courses.catalog import services


class Command(BaseCommand):
    help = "Recompute derived course fields and rebuild the catalog search index."

    def handle(self, *args, **options):
        count = services.reindex_catalog()
        self.stdout.write(f"Reindexed {count} courses.")
