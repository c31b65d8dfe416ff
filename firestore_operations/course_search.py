"""The `course_search` collection: the course search index (postings). See docs/search.md.

One document per normalised token (document id = the token), holding `entries`: {course_id: a
short string packing the course's weight for the token, its ranking fields and filter values}
(courses/catalog/search.py `postings` owns the layout). Strings, not arrays: a client decodes a
10,000-entry map of strings about ten times faster than the same map of arrays, and it stays far
below the 1 MiB document limit. The business layer decides tokens and entries; this module only
writes and reads the documents. One `_vocab` document keeps the words, subjects and teacher names
typo matching and suggestions start from.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from google.cloud import firestore

from firestore_operations.client import db

COLLECTION = "course_search"
VOCAB_ID = "_vocab"
BATCH_SIZE = 400
# A commit request must stay under the 4 MB gRPC message limit: bulk batches are cut by size.
BULK_BATCH_BYTES = 2_000_000
BULK_WORKERS = 4


def _ref(doc_id: str) -> firestore.DocumentReference:
    return db().collection(COLLECTION).document(doc_id)


def write_postings(course_id: str, *, remove: list[str], add: dict[str, str], vocab: dict | None = None) -> None:
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


def write_index(postings: dict[str, dict[str, str]], vocab: dict) -> None:
    """Write whole postings documents (replacing what they held) and the vocabulary: bulk loads and
    rebuilds, each document written once, in batches cut by size committed a few at a time."""
    batches: list[list[tuple[str, dict[str, str]]]] = [[]]
    size = 0
    for doc_id, entries in postings.items():
        doc_size = len(doc_id) + sum(len(key) + len(value) + 8 for key, value in entries.items())
        if batches[-1] and (size + doc_size > BULK_BATCH_BYTES or len(batches[-1]) >= BATCH_SIZE):
            batches.append([])
            size = 0
        batches[-1].append((doc_id, entries))
        size += doc_size

    def commit(items: list[tuple[str, dict[str, str]]]) -> None:
        batch = db().batch()
        for doc_id, entries in items:
            batch.set(_ref(doc_id), {"entries": entries})
        batch.commit()

    with ThreadPoolExecutor(max_workers=BULK_WORKERS) as pool:
        list(pool.map(commit, [items for items in batches if items]))
    _ref(VOCAB_ID).set(vocab)


def delete_other_postings(keep: set[str]) -> int:
    """Delete the postings documents not in `keep` (after a rebuild: tokens no course has any
    more); returns how many."""
    stale = [
        snap.reference
        for snap in db().collection(COLLECTION).select([]).stream()
        if snap.id not in keep and snap.id != VOCAB_ID
    ]
    for start in range(0, len(stale), BATCH_SIZE):
        batch = db().batch()
        for ref in stale[start : start + BATCH_SIZE]:
            batch.delete(ref)
        batch.commit()
    return len(stale)


def read_postings(doc_ids: list[str]) -> dict[str, dict[str, str]]:
    """{doc_id: entries} for the given documents, in one batched read (missing ones are empty).

    Read through the GAPIC call itself: the snapshot path decodes every map value in Python and
    deep-copies the map again in to_dict(), about 70 % of a one-letter search over 10,000 courses
    (6,000 entries); the raw messages give the strings straight from the protobuf map.
    """
    ids = list(dict.fromkeys(doc_ids))
    found: dict[str, dict[str, str]] = {doc_id: {} for doc_id in ids}
    if not ids:
        return found
    client = db()
    request = {"database": client._database_string, "documents": [_ref(doc_id)._document_path for doc_id in ids]}
    for response in client._firestore_api.batch_get_documents(request=request, metadata=client._rpc_metadata):
        message = type(response).pb(response)
        if message.WhichOneof("result") != "found":
            continue
        doc_id = message.found.name.rsplit("/", 1)[1]
        entries = message.found.fields["entries"].map_value.fields if "entries" in message.found.fields else {}
        # Entries of the earlier array layout (no string value) are skipped until reindex_courses.
        found[doc_id] = {key: value.string_value for key, value in entries.items() if value.string_value}
    return found


def read_vocab() -> dict:
    snap = _ref(VOCAB_ID).get()
    return (snap.to_dict() or {}) if snap.exists else {}
