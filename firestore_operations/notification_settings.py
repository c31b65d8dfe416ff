"""Notification settings: one document per user at `users/{uid}/settings/notifications`.

The stored document holds only what the user chose; messaging.notification_services fills in the
defaults, so a group added later gets its default for everybody who never saved settings.
"""

from __future__ import annotations

import datetime as dt

from google.cloud import firestore

from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict, valid_id
from firestore_operations.notifications import server_time
from firestore_operations.users import COLLECTION as USERS

SUBCOLLECTION = "settings"
DOCUMENT = "notifications"


def _ref(uid: str) -> firestore.DocumentReference:
    return db().collection(USERS).document(uid).collection(SUBCOLLECTION).document(DOCUMENT)


def get_settings(uid: str) -> dict | None:
    """The stored settings, or None when the user never saved any."""
    return snapshot_to_dict(_ref(uid).get())


def save_settings(uid: str, values: dict) -> dt.datetime:
    """Replace the stored settings with `values` (complete, already merged); returns updated_at."""
    return server_time(_ref(uid).set({**values, "updated_at": firestore.SERVER_TIMESTAMP}))


def add_muted_room(uid: str, room_id: str) -> dt.datetime:
    # ArrayUnion with merge: two mutes at once both land, and no settings document is needed first.
    changes = {"muted_rooms": firestore.ArrayUnion([room_id]), "updated_at": firestore.SERVER_TIMESTAMP}
    return server_time(_ref(uid).set(changes, merge=True))


def remove_muted_room(uid: str, room_id: str) -> dt.datetime:
    changes = {"muted_rooms": firestore.ArrayRemove([room_id]), "updated_at": firestore.SERVER_TIMESTAMP}
    return server_time(_ref(uid).set(changes, merge=True))


def get_delivery_contexts(uids: list[str]) -> dict[str, dict]:
    """{uid: {"profile": dict|None, "settings": dict|None}} for every uid, in ONE batched lookup.

    The profile brings the email address and time zone, the settings document the user's choices.
    """
    uids = [uid for uid in dict.fromkeys(uids) if valid_id(uid)]
    contexts: dict[str, dict] = {uid: {"profile": None, "settings": None} for uid in uids}
    if not uids:
        return contexts
    client = db()
    refs = []
    for uid in uids:
        refs.append(client.collection(USERS).document(uid))
        refs.append(_ref(uid))
    for snap in client.get_all(refs):
        item = snapshot_to_dict(snap)
        if item is None:
            continue
        if snap.reference.parent.id == USERS:
            contexts[snap.id]["profile"] = item
        else:
            contexts[snap.reference.parent.parent.id]["settings"] = item
    return contexts


def delete_settings(uid: str) -> None:
    _ref(uid).delete()
