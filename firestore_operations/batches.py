"""Bulk changes to every document a query matches, a page at a time (a batch holds at most 500 writes)."""

from __future__ import annotations

from google.cloud import firestore

from firestore_operations.client import db

PAGE_SIZE = 400


def update_matching(query: firestore.Query, changes: dict, *, page_size: int = PAGE_SIZE) -> int:
    """Apply `changes` to every matching document, one batch per page; returns how many changed.

    Used to keep copied fields (names, titles) current. Pages are ordered by document path, so a
    document updated mid-way is neither skipped nor updated twice.
    """
    updated = 0
    last = None
    while True:
        page = query.order_by("__name__").limit(page_size)
        if last is not None:
            page = page.start_after(last)
        snapshots = list(page.stream())
        if snapshots:
            batch = db().batch()
            for snap in snapshots:
                batch.update(snap.reference, changes)
            batch.commit()
            updated += len(snapshots)
        if len(snapshots) < page_size:
            return updated
        last = snapshots[-1]


def delete_matching(query: firestore.Query, *, page_size: int = PAGE_SIZE) -> int:
    """Delete every matching document, one batch per page; returns how many went."""
    deleted = 0
    while True:
        snapshots = list(query.order_by("__name__").limit(page_size).stream())
        if snapshots:
            batch = db().batch()
            for snap in snapshots:
                batch.delete(snap.reference)
            batch.commit()
            deleted += len(snapshots)
        if len(snapshots) < page_size:
            return deleted
