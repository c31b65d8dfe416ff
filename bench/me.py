"""GET /api/v1/me against /healthz on the same server, 20 concurrent clients, on the emulators.

    python scripts/stack.py test -- .venv/bin/python bench/me.py

/healthz touches nothing: the gap between the two lines is the cost of verifying the Firebase ID token
(with the cached revocation check) plus one Firestore read.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import load, setup_django, start_server


def main() -> None:
    setup_django()
    from authentication import services
    from tests import emulators

    emulators.clear_firestore()
    emulators.clear_auth()
    services.register_user(email="bench@example.com", password="bench-pass-1", display_name="Bench", role="student")
    token = emulators.sign_in("bench@example.com", "bench-pass-1")["idToken"]
    total = int(os.environ.get("BENCH_REQUESTS", "2000"))
    proc, url = start_server()
    try:
        print(f"server: one daphne process, {url}; 20 concurrent keep-alive clients, {total} requests each line")
        health = load("GET /healthz", url, "/healthz", total=total)
        me = load("GET /api/v1/me", url, "/api/v1/me", headers={"Authorization": f"Bearer {token}"}, total=total)
        print(health.line())
        print(me.line())
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
