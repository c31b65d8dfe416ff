"""Sending stored files back: HTTP byte ranges and streamed bodies under WSGI and ASGI."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest

from cplatform import errors


class RangeNotSatisfiable(errors.DomainError):
    """A Range header that asks for bytes the file does not have (answer 416 with `bytes */size`)."""

    code = "range_not_satisfiable"
    status = 416


_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for one `bytes=` range, None to send the whole file. Raises RangeNotSatisfiable.

    Several ranges, other units and malformed values are ignored (RFC 9110 allows a full answer).
    """
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(f"The range asks for no bytes of a {size}-byte file.")
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable(f"The range starts at byte {start}; the file has {size} bytes.")
    return start, min(end, size - 1)


def streaming_body(request, chunks: Iterator[bytes]) -> Iterator[bytes] | AsyncIterator[bytes]:
    """The right iterator kind for StreamingHttpResponse.

    Under ASGI Django consumes a synchronous iterator whole before sending a byte (it warns and
    builds a list): the file would sit in memory. There each chunk is fetched in a worker thread
    instead; under WSGI (and the test client) the synchronous iterator streams as it is.
    """
    if isinstance(getattr(request, "_request", request), ASGIRequest):
        return _async_chunks(chunks)
    return chunks


async def _async_chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    fetch = sync_to_async(next, thread_sensitive=False)
    try:
        while (chunk := await fetch(chunks, None)) is not None:
            yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close:
            await sync_to_async(close, thread_sensitive=False)()
