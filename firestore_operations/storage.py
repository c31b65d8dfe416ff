"""Cloud Storage: the only module that reads and writes blobs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from google.api_core import exceptions as google_exceptions

from firestore_operations.client import bucket

CHUNK = 8 * 1024 * 1024


@dataclass
class BlobInfo:
    path: str
    size: int
    content_type: str


def upload_bytes(path: str, data: bytes, content_type: str) -> BlobInfo:
    blob = bucket().blob(path)
    blob.upload_from_string(data, content_type=content_type)
    return BlobInfo(path=path, size=len(data), content_type=content_type)


def upload_stream(path: str, stream: BinaryIO, content_type: str, size: int) -> BlobInfo:
    """Upload from a file object in resumable chunks, never holding the whole file in memory."""
    blob = bucket().blob(path, chunk_size=CHUNK)
    blob.upload_from_file(stream, content_type=content_type, size=size, rewind=False)
    return BlobInfo(path=path, size=size, content_type=content_type)


def blob_info(path: str) -> BlobInfo | None:
    blob = bucket().get_blob(path)
    if blob is None:
        return None
    return BlobInfo(path=path, size=blob.size or 0, content_type=blob.content_type or "application/octet-stream")


def read_bytes(path: str) -> bytes | None:
    try:
        return bucket().blob(path).download_as_bytes()
    except google_exceptions.NotFound:
        return None


def iter_range(path: str, start: int, end: int) -> Iterator[bytes]:
    """Bytes start..end (inclusive) in chunks; the caller has checked the blob exists."""
    blob = bucket().blob(path)
    position = start
    while position <= end:
        stop = min(position + CHUNK - 1, end)
        yield blob.download_as_bytes(start=position, end=stop)
        position = stop + 1


def delete_blob(path: str) -> bool:
    try:
        bucket().blob(path).delete()
    except google_exceptions.NotFound:
        return False
    return True


def ping() -> None:
    """Raise when Storage is unreachable (used by /readyz)."""
    bucket().reload(timeout=3)
