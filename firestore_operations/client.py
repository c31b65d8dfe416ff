"""The Firestore and Cloud Storage clients: created lazily, once per process, and instrumented.

gRPC channels made before a fork hang in the child, so nothing is created at import time.
With FIRESTORE_EMULATOR_HOST / STORAGE_EMULATOR_HOST set the libraries talk to the emulators;
without them they use the ambient Google credentials (GOOGLE_APPLICATION_CREDENTIALS).
"""

from __future__ import annotations

import functools
import os
import threading

import google.auth
import requests
from django.conf import settings
from google.api_core import exceptions as google_exceptions
from google.api_core import retry as google_retry
from google.auth.credentials import AnonymousCredentials
from google.auth.transport.requests import AuthorizedSession
from google.cloud import firestore, storage

from firestore_operations import errors, metrics

_lock = threading.Lock()
_pid: int | None = None
_db: firestore.Client | None = None
_storage: storage.Client | None = None


def _reset_if_forked() -> None:
    global _pid, _db, _storage
    if _pid != os.getpid():
        _pid, _db, _storage = os.getpid(), None, None


def db() -> firestore.Client:
    """The process's Firestore client, with read/write counting installed."""
    global _db  # noqa: PLW0603
    with _lock:
        _reset_if_forked()
        if _db is None:
            client = firestore.Client(project=settings.FIREBASE_PROJECT_ID)
            _instrument(client)
            _bound_calls(client)
            _db = client
        return _db


def storage_client() -> storage.Client:
    global _storage  # noqa: PLW0603
    with _lock:
        _reset_if_forked()
        if _storage is None:
            if settings.STORAGE_EMULATOR_HOST:
                credentials = AnonymousCredentials()
            else:
                credentials, _ = google.auth.default(scopes=storage.Client.SCOPE)
            _storage = storage.Client(
                project=settings.FIREBASE_PROJECT_ID, credentials=credentials, _http=_BoundedSession(credentials)
            )
        return _storage


def bucket() -> storage.Bucket:
    return storage_client().bucket(settings.STORAGE_BUCKET)


# --- bounded waits ----------------------------------------------------------------------------------
# The libraries' defaults wait for a dead backend far longer than a client does: Firestore retries
# UNAVAILABLE for up to 60 s and a hung emulator or network path holds a call for 300 s; Storage
# retries connection errors for 120 s. A request thread stuck that long answers nobody and holds a
# worker thread, so every call gets a deadline (FIRESTORE_TIMEOUT_SECONDS, STORAGE_TIMEOUT_SECONDS)
# and fails as Unavailable (a 503 the client may retry) instead.

# Calls with a natural end; `listen` and `write` are long-lived streams and keep their defaults.
_BOUNDED_METHODS = (
    "batch_get_documents",
    "batch_write",
    "begin_transaction",
    "commit",
    "create_document",
    "delete_document",
    "get_document",
    "list_collection_ids",
    "list_documents",
    "partition_query",
    "rollback",
    "run_aggregation_query",
    "run_query",
    "update_document",
)


def _bound_calls(client: firestore.Client) -> None:
    """Give every Firestore call a deadline, retrying only refusals (UNAVAILABLE) within it."""
    api = client._firestore_api
    seconds = settings.FIRESTORE_TIMEOUT_SECONDS
    retry = google_retry.Retry(
        predicate=google_retry.if_exception_type(google_exceptions.ServiceUnavailable),
        initial=0.1,
        maximum=1.0,
        multiplier=2.0,
        timeout=seconds,
    )

    for name in _BOUNDED_METHODS:
        original = getattr(api, name)

        @functools.wraps(original)
        def bounded(*args, _original=original, **kwargs):
            kwargs.setdefault("timeout", seconds)
            kwargs.setdefault("retry", retry)
            return _original(*args, **kwargs)

        setattr(api, name, bounded)


class _BoundedSession(AuthorizedSession):
    """The Storage client's HTTP session: a read/connect timeout per call and no silent retrying.

    google-cloud-storage retries requests' ConnectionError and Timeout for up to 120 s; re-raising
    them as StorageUnreachable (which its retry predicate does not know) makes a dead bucket fail
    at once, and firestore_operations.errors turns it into Unavailable.
    """

    def request(self, method, url, data=None, headers=None, **kwargs):
        limit = settings.STORAGE_TIMEOUT_SECONDS
        timeout = kwargs.get("timeout")
        if timeout is None or (isinstance(timeout, int | float) and timeout > limit):
            kwargs["timeout"] = limit
        elif isinstance(timeout, tuple):
            kwargs["timeout"] = tuple(min(part, limit) for part in timeout)
        try:
            return super().request(method, url, data=data, headers=headers, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise errors.StorageUnreachable(f"Cloud Storage is not answering: {exc}") from exc


# --- instrumentation -----------------------------------------------------------------------------
# Firestore bills per document read (a query that matches nothing still costs one read; an
# aggregation costs one per 1,000 index entries) and per document written. The GAPIC client is the
# one door every call goes through, so the counters sit there.


def _instrument(client: firestore.Client) -> None:
    api = client._firestore_api

    def wrap_stream(name, count_response):
        original = getattr(api, name)

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            request = kwargs.get("request") or (args[0] if args else None)
            if name == "run_query" and request is not None:
                metrics.add_query("query")
                _record_query_shape(request)
            if name == "batch_get_documents":
                metrics.add_lookup()
            responses = original(*args, **kwargs)
            return _counted(responses, count_response, minimum=1 if name != "batch_get_documents" else 0)

        setattr(api, name, wrapper)

    wrap_stream("batch_get_documents", lambda r: 1 if (r.found or r.missing) else 0)
    wrap_stream("run_query", lambda r: 1 if r.document else 0)
    wrap_stream("run_aggregation_query", lambda r: 0)

    original_commit = api.commit

    @functools.wraps(original_commit)
    def commit(*args, **kwargs):
        request = kwargs.get("request") or (args[0] if args else None)
        writes = len(request.get("writes", [])) if isinstance(request, dict) else len(request.writes)
        response = original_commit(*args, **kwargs)
        metrics.add_writes(writes)
        return response

    api.commit = commit


_MID_STREAM_UNAVAILABLE = (
    google_exceptions.DeadlineExceeded,
    google_exceptions.ServiceUnavailable,
    google_exceptions.InternalServerError,
    google_exceptions.ResourceExhausted,
)


def _counted(responses, count_response, minimum: int):
    # Counted as each response arrives: callers such as DocumentReference.get stop after the first.
    total = 0
    try:
        for response in responses:
            found = count_response(response)
            if found:
                total += found
                metrics.add_reads(found, "doc")
            yield response
    except _MID_STREAM_UNAVAILABLE as exc:
        # Query.stream answers a mid-stream error by reading `transport.run_query._retry`, which the
        # gRPC transport of google-cloud-firestore 2.34 lacks: an AttributeError, a 500. Raised as our
        # own error it passes that code untouched (and a resume could not finish within the deadline).
        raise errors.Unavailable(f"Firestore stopped answering mid-stream: {exc}") from exc
    if total < minimum:
        metrics.add_reads(minimum - total, "empty result")


def _record_query_shape(request) -> None:
    """Remember (collection, equality fields, array field, range field, order fields) of a query."""
    query = request.get("structured_query") if isinstance(request, dict) else request.structured_query
    if query is None:
        return
    collection = query.from_[0].collection_id if query.from_ else ""
    group = bool(query.from_ and query.from_[0].all_descendants)
    equalities, arrays, ranges = [], [], []

    def walk(flt):
        if flt is None:
            return
        if flt.composite_filter and flt.composite_filter.filters:
            for inner in flt.composite_filter.filters:
                walk(inner)
            return
        ff = flt.field_filter
        if ff and ff.field.field_path:
            op = ff.op.name
            if op in ("EQUAL", "IN"):
                equalities.append(ff.field.field_path)
            elif op in ("ARRAY_CONTAINS", "ARRAY_CONTAINS_ANY"):
                arrays.append(ff.field.field_path)
            else:
                ranges.append(ff.field.field_path)

    walk(query.where if query.where else None)
    orders = tuple(
        (order.field.field_path, order.direction.name)
        for order in query.order_by
        if order.field.field_path != "__name__"
    )
    metrics.record_shape(
        (collection, group, tuple(sorted(set(equalities))), tuple(arrays), tuple(sorted(set(ranges))), orders)
    )
