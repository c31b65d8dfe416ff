"""Reachability probes for /readyz."""

from __future__ import annotations

from firestore_operations.client import db


def ping_firestore() -> None:
    """One cheap lookup of a document that need not exist."""
    db().collection("_health").document("ping").get(timeout=3)
