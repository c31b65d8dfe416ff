"""Cloud Storage: the only module that reads and writes blobs."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import requests
from google.api_core import exceptions as google_exceptions
from google.cloud.storage.exceptions import DataCorruption

from firestore_operations.client import bucket
from firestore_operations.errors import Unavailable

CHUNK = 8 * 1024 * 1024


@dataclass
class BlobInfo:
    path: str
    size: int
    content_type: str
    sha256: str | None = None


def upload_bytes(path: str, data: bytes, content_type: str) -> BlobInfo:
    blob = bucket().blob(path)
    blob.upload_from_string(data, content_type=content_type)
    return BlobInfo(path=path, size=len(data), content_type=content_type)


def upload_stream(path: str, stream: BinaryIO, content_type: str, size: int) -> BlobInfo:
    """Upload from a file object in resumable chunks, never holding the whole file in memory."""
    blob = bucket().blob(path, chunk_size=CHUNK)
    blob.upload_from_file(stream, content_type=content_type, size=size, rewind=False)
    return BlobInfo(path=path, size=size, content_type=content_type)


class _HashingReader:
    """A read-only file object that feeds sha256 with every byte exactly once.

    The resumable uploader seeks back to resend a chunk the server did not confirm; bytes already
    hashed are not hashed again, so the digest stays that of the file.
    """

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._sha256 = hashlib.sha256()
        self._hashed_to = stream.tell()
        self._gap = False

    def read(self, size: int = -1) -> bytes:
        position = self._stream.tell()
        data = self._stream.read(size)
        if position > self._hashed_to:
            self._gap = True
        elif position + len(data) > self._hashed_to:
            self._sha256.update(data[self._hashed_to - position :])
            self._hashed_to = position + len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()

    def hexdigest(self) -> str:
        if self._gap:
            raise ValueError("bytes were skipped while hashing the upload")
        return self._sha256.hexdigest()


def upload_stream_hashed(path: str, stream: BinaryIO, content_type: str, size: int) -> BlobInfo:
    """upload_stream that also returns the sha256 of the bytes sent, computed as they are read.

    Files up to 8 MB go in one request (read whole), larger ones in 8 MB resumable chunks.
    Storage failures become Unavailable (a 503 for the client).
    """
    reader = _HashingReader(stream)
    blob = bucket().blob(path, chunk_size=CHUNK)
    try:
        blob.upload_from_file(reader, content_type=content_type, size=size, rewind=False)
    except (google_exceptions.GoogleAPICallError, requests.RequestException, DataCorruption) as exc:
        raise Unavailable(f"Cloud Storage did not take the upload: {exc}") from exc
    return BlobInfo(path=path, size=size, content_type=content_type, sha256=reader.hexdigest())


def signed_url(path: str, *, seconds: int, content_type: str, disposition: str) -> str:
    """A V4 GET URL valid for `seconds`; needs credentials with a private key (never the emulator)."""
    return (
        bucket()
        .blob(path)
        .generate_signed_url(
            version="v4",
            expiration=dt.timedelta(seconds=seconds),
            method="GET",
            response_type=content_type,
            response_disposition=disposition,
        )
    )


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


def iter_range(path: str, start: int, end: int, chunk_size: int = CHUNK) -> Iterator[bytes]:
    """Bytes start..end (inclusive) in chunks; the caller has checked the blob exists."""
    blob = bucket().blob(path)
    position = start
    while position <= end:
        stop = min(position + chunk_size - 1, end)
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
