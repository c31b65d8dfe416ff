"""Shared bits of the benchmark scripts: Django set-up, a live daphne, a bounded concurrent load loop.

Run the scripts on the emulators: `python scripts/stack.py test -- .venv/bin/python bench/<script>.py`
(or `make bench`). Every loop is bounded in requests and time and targets 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cplatform.settings")
os.environ.setdefault("DEBUG", "1")


def setup_django() -> None:
    import django

    django.setup()


def start_server(extra_env: dict | None = None):
    """A daphne subprocess on a free port; returns (process, base_url)."""
    from tests.conftest import start_daphne

    (ROOT / ".local").mkdir(exist_ok=True)
    return start_daphne(extra_env)


@dataclass
class LoadResult:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    reads_per_request: float | None
    max_reads: int | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        data = sorted(self.latencies_ms)
        if not data:
            return float("nan")
        index = min(len(data) - 1, round(p / 100 * (len(data) - 1)))
        return data[index]

    def line(self) -> str:
        reads = "" if self.reads_per_request is None else f"  firestore reads/request {self.reads_per_request:.1f}"
        return (
            f"{self.name:<34} {self.rps:8.1f} req/s   p50 {self.percentile(50):7.1f} ms   "
            f"p99 {self.percentile(99):7.1f} ms   mean {statistics.fmean(self.latencies_ms):7.1f} ms   "
            f"errors {self.errors}/{self.requests}{reads}"
        )


def load(
    name: str,
    base_url: str,
    path: str,
    *,
    headers: dict | None = None,
    concurrency: int = 20,
    total: int = 2000,
    max_seconds: float = 60,
) -> LoadResult:
    """`total` GETs over `concurrency` keep-alive connections (stops early after max_seconds)."""
    host, port = base_url.removeprefix("http://").split(":")
    latencies: list[float] = []
    reads: list[int] = []
    errors = 0
    lock = threading.Lock()
    remaining = [total]
    deadline = time.monotonic() + max_seconds

    def worker():
        nonlocal errors
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        while True:
            with lock:
                if remaining[0] <= 0 or time.monotonic() > deadline:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers or {})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                read_header = response.getheader("X-Firestore-Reads")
            except (OSError, http.client.HTTPException):
                ok, read_header = False, None
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors += 1
                if read_header is not None:
                    reads.append(int(read_header))
        conn.close()

    # Warm the path once (first request pays imports and certificate fetches).
    warm = http.client.HTTPConnection(host, int(port), timeout=30)
    warm.request("GET", path, headers=headers or {})
    warm.getresponse().read()
    warm.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return LoadResult(
        name=name,
        requests=len(latencies),
        errors=errors,
        seconds=seconds,
        latencies_ms=latencies,
        reads_per_request=(sum(reads) / len(reads)) if reads else None,
        max_reads=max(reads) if reads else None,
    )
