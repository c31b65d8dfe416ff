"""The `invoices` collection (invoices and credit notes) and their per-year number counters.

Numbers are gapless per kind and calendar year: `invoice_counters/{PREFIX}-{YEAR}` holds the next
sequence number, and it is read and advanced in the same atomic unit that creates the document and
links it from its source (a payment or a refund). Two concurrent issues therefore never share a
number, and a failed issue never burns one. Issued documents are never updated.
"""

from __future__ import annotations

from collections.abc import Callable

from google.cloud import firestore

from firestore_operations.atomic import AtomicUnit, run_atomically
from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict, valid_id
from firestore_operations.pagination import DESCENDING, Page, fetch_page

COLLECTION = "invoices"
COUNTERS = "invoice_counters"


def get_invoice(invoice_id: str) -> dict | None:
    if not valid_id(invoice_id):
        return None
    return snapshot_to_dict(db().collection(COLLECTION).document(invoice_id).get())


def issue(
    *,
    invoice_id: str,
    prefix: str,
    year: int,
    source: tuple[str, str],
    link_field: str,
    build: Callable[[dict, int], dict | None],
) -> dict | None:
    """Issue the document `invoice_id` once, numbered from the `{prefix}-{year}` counter.

    build(source document, sequence number) returns the document's fields (None: nothing to
    issue). The source document (collection, id) gets `link_field` = invoice_id in the same commit.
    A repeat returns the document already issued. Returns None when the source is missing.
    """
    client = db()
    ref = client.collection(COLLECTION).document(invoice_id)
    counter_ref = client.collection(COUNTERS).document(f"{prefix}-{year}")
    source_ref = client.collection(source[0]).document(source[1])

    def body(unit: AtomicUnit) -> dict | None:
        existing = unit.get(ref)
        if existing is not None:
            return existing
        origin = unit.get(source_ref)
        if origin is None:
            return None
        counter = unit.get(counter_ref)
        seq = int((counter or {}).get("next", 1))
        data = build(origin, seq)
        if data is None:
            return None
        data = {**data, "issued_at": firestore.SERVER_TIMESTAMP}
        unit.put(ref, data)
        unit.put(counter_ref, {"next": seq + 1, "prefix": prefix, "year": year})
        unit.update(source_ref, {link_field: invoice_id})
        return {**data, "id": invoice_id}

    issued = run_atomically(body)
    if issued is not None and issued.get("issued_at") is firestore.SERVER_TIMESTAMP:
        return get_invoice(invoice_id)
    return issued


def list_party_invoices(*, uid: str, limit: int, cursor: str | None) -> Page:
    """Invoices and credit notes where the user is payer or student, newest first (one query)."""
    query = db().collection(COLLECTION).where(filter=firestore.FieldFilter("party_uids", "array_contains", uid))
    return fetch_page(query, order=[("issued_at", DESCENDING)], limit=limit, cursor=cursor, tag=f"invoices:{uid}")
