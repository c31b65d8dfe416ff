"""Public content pages with and without the rendered-fragment cache, on the emulators.

    python scripts/stack.py test -- .venv/bin/python bench/content.py

Seeds 40 published blog posts (about 900 words of Markdown each), then starts two daphne
processes on the same data: one with CONTENT_CACHE_SECONDS=0 (the baseline: every request queries
Firestore and renders the templates) and one with the cache on (the default). Each line is
BENCH_REQUESTS GETs (default 300) over 10 keep-alive connections (x10), after a third as many one
at a time (x1: the render time of a single request), for /blog/ (a list of 10 posts) and for one
post page, printing requests/s, p50/p99 latency and Firestore reads per request.
The emulator is slower than Firestore, so the baseline is pessimistic in absolute terms; the
reads per request are what production would bill.
"""

from __future__ import annotations

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import load, setup_django, start_server

POSTS = 40
WORDS = [
    "fraction",
    "equation",
    "lesson",
    "student",
    "teacher",
    "practice",
    "example",
    "method",
    "answer",
    "question",
    "number",
    "graph",
    "line",
    "angle",
    "triangle",
    "circle",
    "area",
    "volume",
    "chapter",
    "exercise",
    "review",
    "exam",
    "study",
    "homework",
    "progress",
    "skill",
]


def paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def seed() -> str:
    """Create the posts through the service (Markdown rendered and sanitised on save); returns a slug."""
    from content import services
    from cplatform.actor import Actor
    from firestore_operations.content import Kind

    rng = random.Random(7)
    admin = Actor(uid="bench-admin", email="bench@example.com", role="admin")
    slug = ""
    for number in range(POSTS):
        body = "\n\n".join(
            [
                f"## Part {part}\n\n{paragraph(rng, 70)}\n\n- {paragraph(rng, 8)}\n- **{paragraph(rng, 6)}**"
                for part in range(8)
            ]
        )
        body += "\n\n| topic | minutes |\n|---|--:|\n| review | 20 |\n| practice | 40 |\n"
        post = services.create_item(
            actor=admin,
            kind=Kind.POST,
            data={
                "title": f"Study notes {number}: {rng.choice(WORDS)} and {rng.choice(WORDS)}",
                "body_md": body,
                "tags": [rng.choice(WORDS), "study"],
                "status": "published",
            },
        )
        slug = post["slug"]
    return slug


def main() -> int:
    setup_django()
    slug = seed()
    requests = int(os.environ.get("BENCH_REQUESTS", "300"))
    print(f"{POSTS} published posts; x1 = {requests // 3} sequential requests, x10 = {requests} over 10 connections\n")
    results = []
    for label, env in (("baseline (cache off)", {"CONTENT_CACHE_SECONDS": "0"}), ("cached", {})):
        proc, url = start_server(env)
        try:
            for concurrency in (1, 10):
                for name, path in (("/blog/", "/blog/"), ("post page", f"/blog/{slug}")):
                    result = load(
                        f"{name} {label} x{concurrency}",
                        url,
                        path,
                        concurrency=concurrency,
                        total=requests if concurrency > 1 else requests // 3,
                        max_seconds=120,
                    )
                    results.append(result)
                    print(result.line(), flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    failed = sum(result.errors for result in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
