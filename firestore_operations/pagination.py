"""Cursor pagination for every list: one query per page, the document path as the tie-breaker.

A cursor is opaque to clients: URL-safe base64 of the last row's sort values and document path,
so equal sort values neither skip nor repeat rows. Offsets are never used (billed per skipped doc).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from google.cloud import firestore

from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict
from firestore_operations.errors import InvalidCursor

ASCENDING = firestore.Query.ASCENDING
DESCENDING = firestore.Query.DESCENDING
MAX_LIMIT = 100


@dataclass
class Page:
    items: list[dict]
    next_cursor: str | None = None
    extra: dict = field(default_factory=dict)


def _encode_value(value):
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    return value


def _decode_value(value):
    if isinstance(value, dict) and set(value) == {"t"}:
        return dt.datetime.fromisoformat(value["t"])
    return value


def _pack(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _unpack(cursor: str):
    """The cursor's JSON. Raises ValueError (binascii.Error and JSON errors are ValueErrors)."""
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def encode_cursor(values: Iterable, path: str, tag: str) -> str:
    return _pack({"k": tag, "v": [_encode_value(v) for v in values], "p": path})


def decode_cursor(cursor: str, tag: str, size: int) -> tuple[list, str]:
    try:
        data = _unpack(cursor)
        values, path = [_decode_value(v) for v in data["v"]], data["p"]
        if data["k"] != tag or len(values) != size or not isinstance(path, str):
            raise InvalidCursor("cursor belongs to another list")
        # A document path has an even number of segments; anything else would fail inside the query.
        if not path or path.count("/") % 2 != 1 or "" in path.split("/"):
            raise InvalidCursor("cursor does not point at a document")
        return values, path
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor("cursor is not valid") from exc


def encode_offset_cursor(offset: int, tag: str) -> str:
    """A cursor for a list rebuilt on every page from a bounded set (a ranked search): an offset into it."""
    return _pack({"k": tag, "o": offset})


def decode_offset_cursor(cursor: str, tag: str, *, bound: int) -> int:
    """The offset an offset cursor carries; it must come from the same list (`tag`) and lie below `bound`.

    Raises InvalidCursor.
    """
    try:
        data = _unpack(cursor)
        offset = data["o"]
        if data["k"] != tag or not isinstance(offset, int) or not 0 <= offset < bound:
            raise InvalidCursor("cursor of another list")
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor("cursor of another list") from exc
    return offset


def _value_at(data: dict, dotted: str):
    for part in dotted.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def fetch_page(
    query: firestore.Query,
    *,
    order: list[tuple[str, str]],
    limit: int,
    cursor: str | None,
    tag: str,
    keep: Callable[[dict], bool] | None = None,
    transform: Callable[[dict], dict] | None = None,
) -> Page:
    """Run one query for one page.

    `order` is [(field, ASCENDING|DESCENDING)]; the document path is appended as the tie-breaker in
    the direction of the last field. `keep` filters rows the query could not (Firestore allows one
    array-contains per query); a page may then be short, but `next_cursor` still moves on.
    Raises InvalidCursor.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    direction = order[-1][1] if order else ASCENDING
    for field_path, field_direction in order:
        query = query.order_by(field_path, direction=field_direction)
    query = query.order_by("__name__", direction=direction)
    if cursor:
        values, path = decode_cursor(cursor, tag, len(order))
        query = query.start_after([*values, db().document(path)])
    # One extra row tells whether there is a next page without a second query.
    snapshots = list(query.limit(limit + 1).stream())
    has_more = len(snapshots) > limit
    snapshots = snapshots[:limit]
    items = []
    for snap in snapshots:
        item = snapshot_to_dict(snap)
        if keep is None or keep(item):
            items.append(transform(item) if transform else item)
    next_cursor = None
    if has_more and snapshots:
        last = snapshots[-1]
        data = last.to_dict() or {}
        next_cursor = encode_cursor([_value_at(data, f) for f, _ in order], last.reference.path, tag)
    return Page(items=items, next_cursor=next_cursor)
