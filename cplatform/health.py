"""Readiness: whether every backing service answers, probed in parallel within a deadline."""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable

from authentication import identity
from firestore_operations import health as firestore_health
from firestore_operations import storage

logger = logging.getLogger(__name__)

_probe_pool = concurrent.futures.ThreadPoolExecutor(max_workers=6, thread_name_prefix="readyz")
TIMEOUT = 5.0


def _auth_probe() -> None:
    identity.account_exists("readyz-probe")


PROBES: dict[str, Callable[[], None]] = {
    "firestore": firestore_health.ping_firestore,
    "auth": _auth_probe,
    "storage": storage.ping,
}


def check_backends() -> dict[str, str]:
    """Each backend's state: "ok", "timeout" or "error: <type>". A hanging backend costs at most TIMEOUT."""
    futures = {name: _probe_pool.submit(probe) for name, probe in PROBES.items()}
    done, _ = concurrent.futures.wait(futures.values(), timeout=TIMEOUT)
    checks = {}
    for name, future in futures.items():
        if future not in done:
            checks[name] = "timeout"
        elif future.exception() is not None:
            logger.warning("readiness probe %s failed: %s", name, future.exception())
            checks[name] = f"error: {type(future.exception()).__name__}"
        else:
            checks[name] = "ok"
    return checks
