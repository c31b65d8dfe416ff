"""Atomic read-check-write units: the one concurrency primitive of the data layer.

Used wherever a write depends on what was read (seats and waitlists, ratings, course edits).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from google.api_core import exceptions as google_exceptions
from google.cloud import firestore

from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict
from firestore_operations.errors import Contention

# Twenty students racing for the last seats of one course each need a turn: one commit wins per
# round, the others re-read and try again after a jittered pause (at most ~7 s in all).
MAX_ATTEMPTS = 30

T = TypeVar("T")

# Why not @firestore.transactional: the emulator's pessimistic locks livelock when many read-write
# transactions hit one document (20 concurrent increments of one document: 3 committed in 90 s,
# "Transaction lock timeout"; firebase-tools issues 2452, 6758, 8105). An optimistic unit behaves
# the same in production and in the emulator: plain reads remember each document's update time,
# and all writes go in one atomic batch where every write requires the document to be unchanged
# since it was read (or still absent, for a new one). A concurrent change fails the whole commit
# and the unit runs again on fresh reads. Queries in a unit are safe because every change they
# could miss (a new enrolment, a status change) also rewrites the course document, which the
# unit always writes with its precondition.

_RETRYABLE = (
    google_exceptions.FailedPrecondition,  # a document changed since it was read
    google_exceptions.AlreadyExists,  # a document appeared since it was read as missing
    google_exceptions.NotFound,  # a document vanished since it was read
    google_exceptions.Aborted,
)


class AtomicUnit:
    """Reads that remember update times, and writes committed together only if those reads still hold."""

    def __init__(self) -> None:
        self._client = db()
        self._batch = self._client.batch()
        self._read: dict[str, object] = {}
        self._writes = 0

    def get(self, ref: firestore.DocumentReference) -> dict | None:
        snapshot = ref.get()
        self._read[ref.path] = snapshot.update_time if snapshot.exists else None
        return snapshot_to_dict(snapshot)

    def query(self, query: firestore.Query) -> list[dict]:
        rows = []
        for snapshot in query.stream():
            self._read[snapshot.reference.path] = snapshot.update_time
            rows.append(snapshot_to_dict(snapshot))
        return rows

    def _unchanged(self, ref: firestore.DocumentReference):
        if ref.path not in self._read:
            raise RuntimeError(f"{ref.path} is written without having been read in this unit")
        return self._client.write_option(last_update_time=self._read[ref.path])

    def put(self, ref: firestore.DocumentReference, data: dict) -> None:
        """Create the document if it was read as missing, else update these fields of it."""
        if self._read.get(ref.path) is None:
            self._unchanged(ref)  # it must have been read
            self._batch.create(ref, data)
        else:
            self._batch.update(ref, data, option=self._unchanged(ref))
        self._writes += 1

    def update(self, ref: firestore.DocumentReference, changes: dict) -> None:
        self._batch.update(ref, changes, option=self._unchanged(ref))
        self._writes += 1

    def merge_blind(self, ref: firestore.DocumentReference, changes: dict) -> None:
        """Merge fields without reading the document first and without a precondition.

        Only for commutative changes (firestore.Increment on totals): they never conflict, so a hot
        totals document does not make the unit retry; they still commit with the unit's other writes.
        """
        self._batch.set(ref, changes, merge=True)
        self._writes += 1

    def delete(self, ref: firestore.DocumentReference) -> None:
        self._batch.delete(ref, option=self._unchanged(ref))
        self._writes += 1

    def commit(self) -> None:
        if self._writes:
            self._batch.commit()


def run_atomically(body: Callable[[AtomicUnit], T], *, attempts: int = MAX_ATTEMPTS) -> T:
    """Run body(unit) and commit its writes; on a concurrent change run it again after a jittered pause.

    body may raise (a refusal): nothing is written. After `attempts` collisions it raises
    Contention, which the exception handler answers with 409 contention.
    """
    delay = 0.01
    for _ in range(attempts):
        unit = AtomicUnit()
        result = body(unit)
        try:
            unit.commit()
        except _RETRYABLE:
            time.sleep(random.uniform(delay / 2, delay))  # noqa: S311 - jitter, not security
            delay = min(delay * 2, 0.25)
            continue
        return result
    raise Contention(f"Gave up after {attempts} simultaneous changes to the same documents.")
