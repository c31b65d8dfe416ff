"""The `course_search` collection: the course search index (postings). See docs/search.md.

One document per normalised token (`{token}` or, for hot short tokens, `{token}~{shard}`), holding
`entries`: {course_id: [weight, rating, popularity, status, teacher_uid, subject_key, level,
language_key, is_free, order_seconds]}. The business layer decides tokens, weights and shards; this
module only writes and reads the documents. One `_vocab` document keeps the words, subjects and
teacher names typo matching and suggestions start from.
"""

from __future__ import annotations

from google.cloud import firestore

from firestore_operations.client import db

COLLECTION = "course_search"
VOCAB_ID = "_vocab"
BATCH_SIZE = 400
BULK_BATCH_SIZE = 40


def _ref(doc_id: str) -> firestore.DocumentReference:
    return db().collection(COLLECTION).document(doc_id)


def write_postings(course_id: str, *, remove: list[str], add: dict[str, list], vocab: dict | None = None) -> None:
    """Remove the course from the `remove` documents, put its entry in the `add` ones, in batches."""
    writes = [(doc_id, firestore.DELETE_FIELD) for doc_id in remove if doc_id not in add]
    writes += list(add.items())
    for start in range(0, len(writes), BATCH_SIZE):
        batch = db().batch()
        for doc_id, entry in writes[start : start + BATCH_SIZE]:
            batch.set(_ref(doc_id), {"entries": {course_id: entry}}, merge=True)
        if vocab and start == 0:
            batch.set(_ref(VOCAB_ID), vocab, merge=True)
        batch.commit()


def write_index(postings: dict[str, dict[str, list]], vocab: dict) -> None:
    """Write whole postings documents at once (bulk loads: each document written once)."""
    items = list(postings.items())
    # Whole postings documents are large (one entry per course): a batch of 400 of them passes the
    # 4 MB request limit, so bulk loads go in smaller batches.
    for start in range(0, len(items), BULK_BATCH_SIZE):
        batch = db().batch()
        for doc_id, entries in items[start : start + BULK_BATCH_SIZE]:
            batch.set(_ref(doc_id), {"entries": entries}, merge=True)
        batch.commit()
    _ref(VOCAB_ID).set(vocab, merge=True)


def read_postings(doc_ids: list[str]) -> dict[str, dict[str, list]]:
    """{doc_id: entries} for the given documents, in one batched read (missing ones are empty)."""
    ids = list(dict.fromkeys(doc_ids))
    found = {doc_id: {} for doc_id in ids}
    if not ids:
        return found
    for snap in db().get_all([_ref(doc_id) for doc_id in ids]):
        if snap.exists:
            found[snap.id] = (snap.to_dict() or {}).get("entries") or {}
    return found


def read_vocab() -> dict:
    snap = _ref(VOCAB_ID).get()
    return (snap.to_dict() or {}) if snap.exists else {}
