"""The `parent_link_codes` collection: one-time codes a student hands to a parent (id = the code)."""

from __future__ import annotations

import datetime as dt
import enum

from google.api_core import exceptions as google_exceptions
from google.cloud import firestore

from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict
from firestore_operations.users import COLLECTION as USERS

COLLECTION = "parent_link_codes"


def create_code(code: str, *, student_uid: str, expires_at: dt.datetime) -> bool:
    """False when the code already exists (the caller draws another)."""
    try:
        db().collection(COLLECTION).document(code).create(
            {"student_uid": student_uid, "expires_at": expires_at, "created_at": firestore.SERVER_TIMESTAMP}
        )
    except google_exceptions.AlreadyExists:
        return False
    return True


class RedeemOutcome(enum.Enum):
    OK = "ok"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    ALREADY_LINKED = "already_linked"
    TOO_MANY = "too_many"


def redeem_code(code: str, *, parent_uid: str, now: dt.datetime, max_children: int) -> tuple[RedeemOutcome, str | None]:
    """Consume the code and link parent and student atomically; returns (outcome, student_uid)."""
    client = db()
    code_ref = client.collection(COLLECTION).document(code)
    parent_ref = client.collection(USERS).document(parent_uid)

    @firestore.transactional
    def run(transaction):
        code_doc = snapshot_to_dict(code_ref.get(transaction=transaction))
        if code_doc is None:
            return RedeemOutcome.UNKNOWN, None
        student_uid = code_doc["student_uid"]
        if code_doc["expires_at"] <= now:
            transaction.delete(code_ref)
            return RedeemOutcome.EXPIRED, None
        parent = snapshot_to_dict(parent_ref.get(transaction=transaction)) or {}
        children = (parent.get("parent") or {}).get("children", [])
        if student_uid in children:
            transaction.delete(code_ref)
            return RedeemOutcome.ALREADY_LINKED, student_uid
        if len(children) >= max_children:
            return RedeemOutcome.TOO_MANY, None
        student_ref = client.collection(USERS).document(student_uid)
        transaction.delete(code_ref)
        transaction.update(parent_ref, {"parent.children": firestore.ArrayUnion([student_uid])})
        transaction.update(student_ref, {"student.parents": firestore.ArrayUnion([parent_uid])})
        return RedeemOutcome.OK, student_uid

    return run(client.transaction())


def delete_codes_of_student(student_uid: str) -> None:
    query = db().collection(COLLECTION).where(filter=firestore.FieldFilter("student_uid", "==", student_uid))
    batch = db().batch()
    for snap in query.stream():
        batch.delete(snap.reference)
    batch.commit()
