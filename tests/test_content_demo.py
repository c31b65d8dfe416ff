"""The demo content `make run` loads after the demo accounts and courses: complete, and safe to load again."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.test import Client

from firestore_operations import content as store
from firestore_operations.content import Kind


def seed() -> str:
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_content", stdout=out)
    return out.getvalue()


def count(kind: Kind) -> int:
    if kind == Kind.FAQ:
        return len(list(store.iter_ordered(kind, equals={}, order=["section", "position"])))
    if kind == Kind.SECTION:
        return len(
            list(store.iter_ordered(kind, equals={"course_id": "demo-algebra-from-scratch"}, order=["position"]))
        )
    return len(list(store.iter_published(kind, now=dt.datetime.now(dt.UTC))))


def test_the_demo_content_is_complete_and_loaded_once():
    assert "Seeded content (" in seed()
    counts = {kind: count(kind) for kind in Kind}
    assert counts == {Kind.PAGE: 4, Kind.POST: 3, Kind.FAQ: 3, Kind.SECTION: 3}
    assert "(0 new items)" in seed()
    assert {kind: count(kind) for kind in Kind} == counts
    home = Client().get("/").content.decode()
    assert "Learn live with teachers who know you" in home and "Algebra from scratch" in home
    assert "Why I teach online" in Client().get("/blog/").content.decode()
