"""firestore.rules for the content collections: no client reads or writes them directly."""

from __future__ import annotations

from firestore_operations.client import db
from tests.emulators import firestore_rest


class TestContentCollections:
    def test_even_a_published_post_is_unreadable_directly(self, student, admin):
        db().collection("content_posts").document("p1").set({"title": "Hello", "status": "published"})
        for persona in (student, admin):
            assert firestore_rest("GET", "content_posts/p1", persona.token).status_code == 403
        assert firestore_rest("GET", "content_posts/p1", None).status_code == 403

    def test_nobody_writes_content_or_slugs_directly(self, admin, owner_teacher):
        body = {"fields": {"title": {"stringValue": "Hijacked"}}}
        for path in (
            "content_pages/x",
            "content_posts/x",
            "content_faqs/x",
            "course_sections/x",
            "content_slugs/post_x",
        ):
            for persona in (admin, owner_teacher):
                assert firestore_rest("PATCH", path, persona.token, json=body).status_code == 403
        assert db().collection("content_posts").document("x").get().exists is False

    def test_revisions_are_unreadable(self, admin):
        db().collection("content_posts").document("p1").collection("revisions").document("000001").set({"n": 1})
        assert firestore_rest("GET", "content_posts/p1/revisions/000001", admin.token).status_code == 403
