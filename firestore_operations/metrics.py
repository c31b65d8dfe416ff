"""Per-request counts of Firestore reads and writes, and a record of the query shapes the code runs.

Counting happens once, at the gRPC boundary (see client.py), so every module - and every
transaction or batch - is counted without having to remember to. A request (or a socket frame, or
a bench script) opens a scope with `counting()`; code outside any scope is not counted.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class OperationCounts:
    reads: int = 0
    writes: int = 0
    queries: int = 0
    lookups: int = 0
    details: list[str] = field(default_factory=list)


_current: contextvars.ContextVar[OperationCounts | None] = contextvars.ContextVar("firestore_counts", default=None)

# Query shapes seen in this process, filled only when recording is switched on (by the tests).
_recorded_shapes: set[tuple] | None = None


@contextlib.contextmanager
def counting() -> Iterator[OperationCounts]:
    counts = OperationCounts()
    token = _current.set(counts)
    try:
        yield counts
    finally:
        _current.reset(token)


def current() -> OperationCounts | None:
    return _current.get()


def add_reads(count: int, what: str) -> None:
    counts = _current.get()
    if counts is not None:
        counts.reads += count
        counts.details.append(f"read {count} {what}")


def add_query(what: str) -> None:
    counts = _current.get()
    if counts is not None:
        counts.queries += 1


def add_lookup() -> None:
    counts = _current.get()
    if counts is not None:
        counts.lookups += 1


def add_writes(count: int) -> None:
    counts = _current.get()
    if counts is not None and count:
        counts.writes += count
        counts.details.append(f"write {count}")


def start_recording_shapes() -> None:
    global _recorded_shapes  # noqa: PLW0603 - process-wide switch used by the test suite only
    _recorded_shapes = set()


def recorded_shapes() -> set[tuple]:
    return set(_recorded_shapes or ())


def record_shape(shape: tuple) -> None:
    if _recorded_shapes is not None:
        _recorded_shapes.add(shape)
