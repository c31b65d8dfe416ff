"""Content API through the HTTP client with real tokens: roles per persona, publishing and review,
scheduled publishing, slugs and redirects, revisions, FAQ, course sections, covers, sanitising."""

from __future__ import annotations

import datetime as dt
import io
import time
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.conftest import assert_error, call
from tests.factories import make_course

# Known XSS payloads: script tags, event attributes, javascript:/data: URLs, SVG, nested and
# malformed tags, Markdown link and image tricks. Each sets window.__xss if it ever runs.
XSS_PAYLOADS = [
    "<script>window.__xss = 1</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="window.__xss=1">',
    '<img src="https://example.com/a.png" onload="window.__xss=1">',
    '<svg onload="window.__xss=1"><circle r=1 /></svg>',
    "<svg><script>window.__xss=1</script></svg>",
    '<a href="javascript:window.__xss=1">click</a>',
    '<a href="JaVaScRiPt:window.__xss=1">click</a>',
    '<a href="jav&#x09;ascript:window.__xss=1">tab</a>',
    '<a href="&#106;avascript:window.__xss=1">entity</a>',
    "[md link](javascript:window.__xss=1)",
    "[md link spaced](<javascript:window.__xss=1>)",
    "[data link](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
    "![img](javascript:window.__xss=1)",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[ref][1]\n\n[1]: javascript:window.__xss=1",
    '<iframe src="javascript:window.__xss=1"></iframe>',
    '<object data="javascript:window.__xss=1"></object>',
    '<embed src="javascript:window.__xss=1">',
    '<form action="javascript:window.__xss=1"><button>go</button></form>',
    '<details open ontoggle="window.__xss=1">x</details>',
    '<p style="background:url(javascript:window.__xss=1)">styled</p>',
    "<style>body{background:url('javascript:window.__xss=1')}</style>",
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=1">',
    "<<script>script>window.__xss=1<</script>/script>",
    "<scr<script>ipt>window.__xss=1</scr</script>ipt>",
    '<div><p onclick="window.__xss=1">nested <b onmouseover="window.__xss=1">bold</b></p></div>',
    "<img src=`x` onerror=window.__xss=1>",
    '<body onload="window.__xss=1">',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=1">',
    '<base href="javascript:window.__xss=1//">',
    '<a href="//evil.example/">protocol-relative</a>',
    '<noscript><p title="</noscript><img src=x onerror=window.__xss=1>"></noscript>',
    "<!--<img src=x onerror=window.__xss=1>-->",
    '<input autofocus onfocus="window.__xss=1">',
    '<video><source onerror="window.__xss=1"></video>',
    '<a href="vbscript:window.__xss=1">vb</a>',
    '<img src="http://insecure.example/a.png">',
]
FORBIDDEN_TAGS = {
    "script", "svg", "iframe", "object", "embed", "form", "style", "math", "meta", "base", "body", "input",
    "video", "source", "noscript", "details", "link", "button", "frame", "frameset", "template",
}  # fmt: skip
SAFE_SCHEMES = ("https://", "/", "#", "mailto:", "http://")


class _TagAudit(HTMLParser):
    """What a browser would build from the HTML: every tag and attribute, entities decoded."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, raw in attrs:
            value = (raw or "").strip()
            lowered = "".join(value.split()).lower()
            if name.startswith("on") or name in ("style", "srcdoc", "formaction", "action"):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in ("href", "src") and not lowered.startswith(SAFE_SCHEMES):
                self.problems.append(f"{name}={value!r} on <{tag}>")
            if name in ("href", "src") and lowered.startswith("//"):
                self.problems.append(f"protocol-relative {name} on <{tag}>")
            if name == "src" and lowered.startswith("http://"):
                self.problems.append(f"insecure image {value!r}")

    handle_startendtag = handle_starttag


def assert_safe(html: str) -> None:
    audit = _TagAudit()
    audit.feed(html)
    audit.close()
    assert audit.problems == [], (audit.problems, html)


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def new_post(api, persona, **fields):
    body = {"title": "Learning fractions", "body_md": "Halves and *quarters*.", **fields}
    return call(api, "post", "/api/v1/content/posts", persona, data=body)


def published_post(api, admin, **fields):
    response = new_post(api, admin, status="published", **fields)
    assert response.status_code == 201, response.content
    return response.json()


# --- roles -----------------------------------------------------------------------------------------


class TestRoles:
    def test_only_admins_write_pages(self, api, admin, owner_teacher, student, parent):
        body = {"title": "About us", "body_md": "We teach."}
        assert_error(api.post("/api/v1/content/pages", body, format="json"), 401)
        for persona in (student, parent, owner_teacher):
            assert_error(call(api, "post", "/api/v1/content/pages", persona, data=body), 403, "wrong_role")
        created = call(api, "post", "/api/v1/content/pages", admin, data=body)
        assert created.status_code == 201
        assert created.json()["slug"] == "about-us" and created.json()["state"] == "draft"

    def test_only_admins_write_faq_entries(self, api, admin, owner_teacher, student):
        body = {"title": "How do I enrol?", "body_md": "Click **Enrol**."}
        assert_error(call(api, "post", "/api/v1/content/faqs", owner_teacher, data=body), 403)
        assert_error(call(api, "post", "/api/v1/content/faqs", student, data=body), 403)
        assert call(api, "post", "/api/v1/content/faqs", admin, data=body).status_code == 201

    def test_students_parents_and_visitors_cannot_write_posts(self, api, student, parent):
        assert_error(new_post(api, None), 401)
        assert_error(new_post(api, student), 403)
        assert_error(new_post(api, parent), 403)

    def test_drafts_are_invisible_to_everyone_but_their_managers(
        self, api, admin, owner_teacher, other_teacher, student, parent
    ):
        post = new_post(api, owner_teacher).json()
        for persona in (None, student, parent, other_teacher):
            assert_error(call(api, "get", f"/api/v1/content/posts/{post['id']}", persona), 404)
        for persona in (owner_teacher, admin):
            assert call(api, "get", f"/api/v1/content/posts/{post['id']}", persona).status_code == 200

    def test_anyone_reads_published_items_even_anonymous(self, api, admin, student, parent, other_teacher):
        post = published_post(api, admin)
        for persona in (None, student, parent, other_teacher):
            response = call(api, "get", f"/api/v1/content/posts/{post['id']}", persona)
            assert response.status_code == 200 and response.json()["title"] == "Learning fractions"
            listed = call(api, "get", "/api/v1/content/posts", persona).json()
            assert [item["id"] for item in listed["items"]] == [post["id"]]

    def test_another_teacher_cannot_change_or_delete_a_post(self, api, admin, owner_teacher, other_teacher):
        post = new_post(api, owner_teacher, status="pending").json()
        call(api, "post", f"/api/v1/content/posts/{post['id']}/approve", admin, data={})
        url = f"/api/v1/content/posts/{post['id']}"
        assert_error(call(api, "patch", url, other_teacher, data={"title": "Mine now"}), 403)
        assert_error(call(api, "delete", url, other_teacher), 403)
        assert call(api, "get", url, None).json()["title"] == "Learning fractions"

    def test_the_manage_list_shows_a_teacher_only_her_posts(self, api, admin, owner_teacher, other_teacher, student):
        mine = new_post(api, owner_teacher, title="Mine").json()
        new_post(api, other_teacher, title="Hers")
        listed = call(api, "get", "/api/v1/content/posts?manage=true", owner_teacher).json()["items"]
        assert [item["id"] for item in listed] == [mine["id"]]
        assert len(call(api, "get", "/api/v1/content/posts?manage=true", admin).json()["items"]) == 2
        assert_error(call(api, "get", "/api/v1/content/posts?manage=true", student), 403)
        assert_error(call(api, "get", "/api/v1/content/pages?manage=true", owner_teacher), 403)

    def test_preview_is_for_editors(self, api, owner_teacher, admin, student, parent):
        body = {"body_md": "# Hi\n\n<script>window.__xss=1</script>\n\n**bold**"}
        assert_error(api.post("/api/v1/content/preview", body, format="json"), 401)
        assert_error(call(api, "post", "/api/v1/content/preview", student, data=body), 403)
        assert_error(call(api, "post", "/api/v1/content/preview", parent, data=body), 403)
        for persona in (owner_teacher, admin):
            html = call(api, "post", "/api/v1/content/preview", persona, data=body).json()["html"]
            assert "<h1>Hi</h1>" in html and "<strong>bold</strong>" in html and "script" not in html


# --- teacher posts wait for an admin ---------------------------------------------------------------


class TestReview:
    def test_a_teacher_cannot_publish_her_post_herself(self, api, owner_teacher):
        error = assert_error(new_post(api, owner_teacher, status="published"), 403, "needs_approval")
        assert "status" in error["fields"]

    def test_an_admin_approves_a_submitted_post(self, api, owner_teacher, admin):
        post = new_post(api, owner_teacher, status="pending").json()
        assert post["state"] == "pending"
        assert call(api, "get", "/api/v1/content/posts", None).json()["items"] == []
        assert_error(call(api, "post", f"/api/v1/content/posts/{post['id']}/approve", owner_teacher, data={}), 403)
        approved = call(api, "post", f"/api/v1/content/posts/{post['id']}/approve", admin, data={})
        assert approved.status_code == 200 and approved.json()["state"] == "published"
        assert [item["id"] for item in call(api, "get", "/api/v1/content/posts", None).json()["items"]] == [post["id"]]

    def test_approving_a_draft_is_a_conflict(self, api, owner_teacher, admin):
        post = new_post(api, owner_teacher).json()
        assert_error(call(api, "post", f"/api/v1/content/posts/{post['id']}/approve", admin, data={}), 409)

    def test_a_teacher_edit_of_a_published_post_goes_back_to_review(self, api, owner_teacher, admin):
        post = new_post(api, owner_teacher, status="pending").json()
        call(api, "post", f"/api/v1/content/posts/{post['id']}/approve", admin, data={})
        changed = call(api, "patch", f"/api/v1/content/posts/{post['id']}", owner_teacher, data={"title": "New"})
        assert changed.json()["state"] == "pending"
        assert_error(call(api, "get", f"/api/v1/content/posts/{post['id']}", None), 404)

    def test_an_admin_unpublishes(self, api, admin):
        post = published_post(api, admin)
        call(api, "patch", f"/api/v1/content/posts/{post['id']}", admin, data={"status": "draft"})
        assert_error(call(api, "get", f"/api/v1/content/posts/{post['id']}", None), 404)


# --- scheduled publishing ---------------------------------------------------------------------------


class TestScheduling:
    def test_a_scheduled_post_appears_at_its_time_without_any_job(self, api, admin):
        when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
        post = published_post(api, admin, publish_at=iso(when))
        assert post["state"] == "scheduled"
        assert call(api, "get", "/api/v1/content/posts", None).json()["items"] == []
        assert_error(call(api, "get", f"/api/v1/content/posts/{post['id']}", None), 404)
        first = api.get("/blog/")
        assert post["title"] not in first.content.decode()
        time.sleep(max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds()) + 1.1)
        assert [item["id"] for item in call(api, "get", "/api/v1/content/posts", None).json()["items"]] == [post["id"]]
        assert call(api, "get", f"/api/v1/content/posts/{post['id']}", None).json()["state"] == "published"
        # The cached /blog/ list expired when the post was due.
        assert post["title"] in api.get("/blog/").content.decode()

    def test_clearing_the_schedule_publishes_now(self, api, admin):
        when = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
        post = published_post(api, admin, publish_at=iso(when))
        url = f"/api/v1/content/posts/{post['id']}"
        assert call(api, "patch", url, admin, data={"title": "Renamed"}).json()["state"] == "scheduled"
        now = call(api, "patch", url, admin, data={"publish_at": None}).json()
        assert now["state"] == "published" and call(api, "get", url, None).status_code == 200

    def test_a_teacher_asks_for_a_time_and_the_approval_keeps_it(self, api, owner_teacher, admin):
        when = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
        post = new_post(api, owner_teacher, status="pending", publish_at=iso(when)).json()
        approved = call(api, "post", f"/api/v1/content/posts/{post['id']}/approve", admin, data={}).json()
        assert approved["state"] == "scheduled" and approved["publish_at"].startswith(when.date().isoformat())


# --- slugs ----------------------------------------------------------------------------------------------


class TestSlugs:
    def test_slugs_come_from_titles_and_stay_unique(self, api, admin):
        first = published_post(api, admin, title="Élan & Café: a story!")
        second = published_post(api, admin, title="Élan & Café: a story!")
        assert first["slug"] == "elan-cafe-a-story"
        assert second["slug"] == "elan-cafe-a-story-2"

    def test_a_taken_slug_is_a_conflict(self, api, admin):
        published_post(api, admin, slug="shared")
        assert_error(new_post(api, admin, slug="shared"), 409, "slug_taken")
        other = published_post(api, admin, slug="other")
        error = assert_error(
            call(api, "patch", f"/api/v1/content/posts/{other['id']}", admin, data={"slug": "shared"}), 409
        )
        assert error["fields"] == {"slug": ["Already used."]}

    def test_a_bad_slug_is_a_400_with_a_message(self, api, admin):
        error = assert_error(new_post(api, admin, slug="Not A Slug!"), 400)
        assert "slug" in error["fields"]

    def test_an_old_slug_redirects_permanently(self, api, admin):
        post = published_post(api, admin, slug="old-address")
        call(api, "patch", f"/api/v1/content/posts/{post['id']}", admin, data={"slug": "new-address"})
        response = api.get("/blog/old-address")
        assert response.status_code == 301 and response["Location"] == "/blog/new-address"
        assert api.get("/blog/new-address").status_code == 200
        # Going back to the old address makes it current again, and the other one redirects.
        call(api, "patch", f"/api/v1/content/posts/{post['id']}", admin, data={"slug": "old-address"})
        assert api.get("/blog/old-address").status_code == 200
        assert api.get("/blog/new-address")["Location"] == "/blog/old-address"

    def test_pages_redirect_too_and_slugs_are_per_kind(self, api, admin):
        page = call(api, "post", "/api/v1/content/pages", admin, data={"title": "Terms", "status": "published"}).json()
        published_post(api, admin, slug="terms")  # a post may use a page's slug
        call(api, "patch", f"/api/v1/content/pages/{page['id']}", admin, data={"slug": "terms-of-use"})
        assert api.get("/p/terms")["Location"] == "/p/terms-of-use"
        assert api.get("/p/terms-of-use").status_code == 200

    def test_a_deleted_items_slug_is_free_again(self, api, admin):
        post = published_post(api, admin, slug="reuse-me")
        assert call(api, "delete", f"/api/v1/content/posts/{post['id']}", admin).status_code == 204
        assert published_post(api, admin, slug="reuse-me")["slug"] == "reuse-me"
        assert api.get("/blog/nothing-here").status_code == 404


# --- revisions ----------------------------------------------------------------------------------------


class TestRevisions:
    def test_restore_brings_back_an_old_version(self, api, admin):
        post = published_post(api, admin, title="Version one", body_md="one")
        url = f"/api/v1/content/posts/{post['id']}"
        call(api, "patch", url, admin, data={"title": "Version two", "body_md": "two"})
        call(api, "patch", url, admin, data={"title": "Version three", "body_md": "three"})
        revisions = call(api, "get", f"{url}/revisions", admin).json()["items"]
        assert [r["number"] for r in revisions] == [3, 2, 1]
        restored = call(api, "post", f"{url}/revisions/1/restore", admin).json()
        assert restored["title"] == "Version one" and restored["body_html"] == "<p>one</p>\n"
        assert restored["state"] == "published" and restored["revision"] == 4

    def test_only_the_last_n_versions_are_kept(self, api, admin, settings):
        settings.CONTENT_REVISIONS_KEPT = 3
        post = published_post(api, admin, title="v1")
        for number in range(2, 6):
            call(api, "patch", f"/api/v1/content/posts/{post['id']}", admin, data={"title": f"v{number}"})
        revisions = call(api, "get", f"/api/v1/content/posts/{post['id']}/revisions", admin).json()["items"]
        assert [r["number"] for r in revisions] == [5, 4, 3]
        assert_error(call(api, "post", f"/api/v1/content/posts/{post['id']}/revisions/1/restore", admin), 404)

    def test_revisions_are_for_managers(self, api, admin, owner_teacher, student):
        post = published_post(api, admin)
        assert_error(call(api, "get", f"/api/v1/content/posts/{post['id']}/revisions", student), 403)
        assert_error(call(api, "get", f"/api/v1/content/posts/{post['id']}/revisions", owner_teacher), 403)


# --- lists: tags, search, pages -----------------------------------------------------------------------


class TestLists:
    def test_posts_filter_by_tag_and_search_by_words(self, api, admin):
        maths = published_post(api, admin, title="Fractions made easy", tags=["Maths", "Exam Prep"])
        published_post(api, admin, title="Knitting patterns", body_md="Wool and needles.", tags=["crafts"])
        by_tag = call(api, "get", "/api/v1/content/posts?tag=exam-prep", None).json()["items"]
        assert [item["id"] for item in by_tag] == [maths["id"]]
        assert maths["tags"] == ["maths", "exam-prep"]
        found = call(api, "get", "/api/v1/content/posts?q=fract%20easy", None).json()["items"]
        assert [item["id"] for item in found] == [maths["id"]]
        assert call(api, "get", "/api/v1/content/posts?q=needle", None).json()["items"][0]["title"] == (
            "Knitting patterns"
        )
        assert call(api, "get", "/api/v1/content/posts?q=fractions&tag=crafts", None).json()["items"] == []

    def test_lists_are_cursor_paginated(self, api, admin):
        ids = [published_post(api, admin, title=f"Post {n}")["id"] for n in range(3)]
        first = call(api, "get", "/api/v1/content/posts?limit=2", None).json()
        assert len(first["items"]) == 2 and first["next_cursor"]
        second = call(api, "get", f"/api/v1/content/posts?limit=2&cursor={first['next_cursor']}", None).json()
        assert second["next_cursor"] is None
        assert {item["id"] for item in first["items"] + second["items"]} == set(ids)
        assert_error(call(api, "get", "/api/v1/content/posts?cursor=nonsense", None), 400)

    def test_bad_input_is_a_400_never_a_500(self, api, admin):
        assert_error(new_post(api, admin, title=""), 400)
        assert_error(new_post(api, admin, status="live"), 400)
        assert_error(new_post(api, admin, publish_at="tomorrow"), 400)
        assert_error(new_post(api, admin, author_uid="me"), 400)
        assert_error(call(api, "get", "/api/v1/content/posts?q=%20%21", None), 400)
        assert_error(call(api, "get", "/api/v1/content/posts/does-not-exist", None), 404)


# --- FAQ ----------------------------------------------------------------------------------------------


class TestFaq:
    def test_entries_are_grouped_and_ordered_and_drafts_hidden(self, api, admin):
        def add(title, section, position, status="published"):
            body = {"title": title, "section": section, "position": position, "status": status, "body_md": "A."}
            return call(api, "post", "/api/v1/content/faqs", admin, data=body).json()

        add("Second", "Accounts", 2)
        add("First", "Accounts", 1)
        add("Hidden", "Accounts", 0, status="draft")
        add("Pay how?", "Billing", 1)
        listed = call(api, "get", "/api/v1/content/faqs", None).json()["items"]
        assert [(item["section"], item["title"]) for item in listed] == [
            ("Accounts", "First"),
            ("Accounts", "Second"),
            ("Billing", "Pay how?"),
        ]
        page = api.get("/faq/").content.decode()
        assert 'id="accounts"' in page and "Pay how?" in page and "Hidden" not in page

    def test_an_entry_can_belong_to_a_course(self, api, admin, owner_teacher):
        course_id = make_course(owner_teacher)
        body = {"title": "Books?", "course_id": course_id, "status": "published"}
        assert call(api, "post", "/api/v1/content/faqs", admin, data=body).status_code == 201
        listed = call(api, "get", f"/api/v1/content/faqs?course_id={course_id}", None).json()["items"]
        assert [item["title"] for item in listed] == ["Books?"]
        from django.test import Client

        from authentication import identity

        client = Client()
        client.cookies["session"] = identity.create_session_cookie(owner_teacher.token)
        assert "Questions about this course" in client.get(f"/courses/{course_id}/").content.decode()
        assert "Books?" not in api.get("/faq/").content.decode()  # the site FAQ lists general entries only
        bad = {"title": "x", "course_id": "no-such-course"}
        assert_error(call(api, "post", "/api/v1/content/faqs", admin, data=bad), 404)


# --- course landing sections -------------------------------------------------------------------------


class TestCourseSections:
    def test_the_owner_adds_sections_that_the_course_page_shows(self, api, owner_teacher, student):
        course_id = make_course(owner_teacher)
        url = f"/api/v1/content/courses/{course_id}/sections"
        body = {"title": "What you will learn", "topic": "learn", "body_md": "- fractions\n- <b onclick=x>ratios</b>"}
        created = call(api, "post", url, owner_teacher, data={**body, "status": "published"})
        assert created.status_code == 201
        call(api, "post", url, owner_teacher, data={"title": "Draft bit", "position": 2})
        public = call(api, "get", url, None).json()["items"]
        assert [item["title"] for item in public] == ["What you will learn"]
        assert "onclick" not in public[0]["body_html"] and "<li><b>ratios</b></li>" in public[0]["body_html"]
        managed = call(api, "get", f"{url}?manage=true", owner_teacher).json()["items"]
        assert len(managed) == 2

        from django.test import Client

        from authentication import identity

        client = Client()
        client.cookies["session"] = identity.create_session_cookie(student.token)
        page = client.get(f"/courses/{course_id}/").content.decode()
        assert "What you will learn" in page and "Draft bit" not in page

    def test_other_teachers_and_students_cannot_add_sections(self, api, owner_teacher, other_teacher, student, admin):
        course_id = make_course(owner_teacher)
        url = f"/api/v1/content/courses/{course_id}/sections"
        assert_error(call(api, "post", url, other_teacher, data={"title": "Mine"}), 403)
        assert_error(call(api, "post", url, student, data={"title": "Mine"}), 403)
        assert_error(call(api, "get", f"{url}?manage=true", other_teacher), 403)
        section = call(api, "post", url, admin, data={"title": "By admin", "status": "published"}).json()
        # The course's teacher manages sections an admin wrote on her course.
        patched = call(api, "patch", f"{url}/{section['id']}", owner_teacher, data={"title": "Hers now"})
        assert patched.status_code == 200 and patched.json()["title"] == "Hers now"
        assert_error(call(api, "patch", f"{url}/{section['id']}", other_teacher, data={"title": "x"}), 403)

    def test_a_draft_courses_sections_are_hidden(self, api, owner_teacher):
        course_id = make_course(owner_teacher, status="draft")
        url = f"/api/v1/content/courses/{course_id}/sections"
        call(api, "post", url, owner_teacher, data={"title": "Soon", "status": "published"})
        assert_error(call(api, "get", url, None), 404)
        assert_error(call(api, "get", "/api/v1/content/courses/nope/sections", None), 404)


# --- covers -------------------------------------------------------------------------------------------


class TestCovers:
    def test_a_cover_is_sniffed_resized_and_served(self, api, admin):
        post = published_post(api, admin)
        url = f"/api/v1/content/posts/{post['id']}/cover"
        upload = SimpleUploadedFile("cover.png", png_bytes((3000, 1000)), content_type="image/png")
        response = call(api, "post", url, admin, data={"cover": upload}, format="multipart")
        assert response.status_code == 200, response.content
        cover_url = response.json()["cover_url"]
        served = api.get(cover_url)
        assert served.status_code == 200 and served["Content-Type"] == "image/png"
        assert Image.open(io.BytesIO(served.content)).size == (1600, 533)

    def test_a_non_image_is_refused(self, api, admin):
        post = published_post(api, admin)
        fake = SimpleUploadedFile("cover.png", b"<script>not an image</script>", content_type="image/png")
        response = call(
            api, "post", f"/api/v1/content/posts/{post['id']}/cover", admin, data={"cover": fake}, format="multipart"
        )
        assert_error(response, 415)


# --- sanitising -----------------------------------------------------------------------------------------


class TestSanitising:
    @pytest.mark.parametrize("payload", XSS_PAYLOADS)
    def test_no_payload_survives_rendering(self, api, admin, payload):
        post = published_post(api, admin, title="Payload", body_md=f"Before\n\n{payload}\n\nAfter")
        assert_safe(post["body_html"])
        page = api.get(f"/blog/{post['slug']}").content.decode()
        body = page.split('id="item-body">', 1)[1].split("</article>", 1)[0]
        assert_safe(body)

    def test_safe_markdown_keeps_its_formatting(self, api, admin):
        md = (
            "# Title\n\nSome **bold**, _italic_ and `code`.\n\n"
            "| Name | Score |\n|:-----|------:|\n| Sam  | 12    |\n\n"
            "[a link](https://example.com) and ![pic](https://example.com/p.png) and ![ours](/api/v1/x)\n"
        )
        html = published_post(api, admin, body_md=md)["body_html"]
        assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html and "<em>italic</em>" in html
        assert '<th class="text-left">Name</th>' in html and '<td class="text-right">12</td>' in html
        assert '<a href="https://example.com" rel="noopener noreferrer nofollow">a link</a>' in html
        assert '<img src="https://example.com/p.png" alt="pic">' in html and 'src="/api/v1/x"' in html


def test_deleting_a_course_removes_its_sections(api, owner_teacher):
    body = {"title": "Short course", "subject": "Maths", "level": "beginner", "language": "en"}
    course_id = call(api, "post", "/api/v1/courses", owner_teacher, data=body).json()["id"]
    url = f"/api/v1/content/courses/{course_id}/sections"
    section = call(api, "post", url, owner_teacher, data={"title": "Syllabus", "topic": "syllabus"}).json()
    assert call(api, "delete", f"/api/v1/courses/{course_id}", owner_teacher).status_code == 204
    from firestore_operations import content as store
    from firestore_operations.content import Kind

    assert store.get_item(Kind.SECTION, section["id"]) is None


# --- the role matrix: every write, every persona ------------------------------------------------------

PERSONAS = ("anonymous", "student", "parent", "owner_teacher", "other_teacher", "admin")
# Expected status per persona for each write; "ok" is the action's success status.
MATRIX = {
    "create page": ("post", "/api/v1/content/pages", 201, {"admin"}),
    "create post": ("post", "/api/v1/content/posts", 201, {"owner_teacher", "other_teacher", "admin"}),
    "create faq": ("post", "/api/v1/content/faqs", 201, {"admin"}),
    "create section": ("post", "/api/v1/content/courses/{course}/sections", 201, {"owner_teacher", "admin"}),
    "edit page": ("patch", "/api/v1/content/pages/{page}", 200, {"admin"}),
    "edit post": ("patch", "/api/v1/content/posts/{post}", 200, {"owner_teacher", "admin"}),
    "edit faq": ("patch", "/api/v1/content/faqs/{faq}", 200, {"admin"}),
    "edit section": ("patch", "/api/v1/content/courses/{course}/sections/{section}", 200, {"owner_teacher", "admin"}),
    "preview": ("post", "/api/v1/content/preview", 200, {"owner_teacher", "other_teacher", "admin"}),
}


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_every_write_is_denied_by_default(request, api, action, admin, owner_teacher, other_teacher, student, parent):
    course = make_course(owner_teacher)
    ids = {
        "course": course,
        "page": call(api, "post", "/api/v1/content/pages", admin, data={"title": "P", "status": "published"}).json()[
            "id"
        ],
        "post": new_post(api, owner_teacher, status="pending").json()["id"],
        "faq": call(api, "post", "/api/v1/content/faqs", admin, data={"title": "Q", "status": "published"}).json()[
            "id"
        ],
        "section": call(
            api,
            "post",
            f"/api/v1/content/courses/{course}/sections",
            owner_teacher,
            data={"title": "S", "status": "published"},
        ).json()["id"],
    }
    call(api, "post", f"/api/v1/content/posts/{ids['post']}/approve", admin, data={})  # visible: refusals are 403
    method, path, ok, allowed = MATRIX[action]
    body = {"body_md": "x"} if action == "preview" else {"title": "Changed"}
    personas = {"anonymous": None, "student": student, "parent": parent, "owner_teacher": owner_teacher}
    personas |= {"other_teacher": other_teacher, "admin": admin}
    # Refusals first: an allowed edit may change what the others can see (a teacher's edit of a
    # published post sends it back to review).
    for name in sorted(PERSONAS, key=lambda persona: persona in allowed):
        response = call(api, method, path.format(**ids), personas[name], data=body)
        if name in allowed:
            assert response.status_code == ok, (action, name, response.content)
        elif name == "anonymous":
            assert_error(response, 401)
        else:
            assert_error(response, 403)


def test_odd_ids_and_blank_slugs_are_handled(api, admin):
    for path in ("/api/v1/content/posts/__reserved__", "/api/v1/content/pages/%20", "/api/v1/content/faqs/..."):
        assert_error(call(api, "get", path, None), 404)
    assert api.get("/blog/__reserved__").status_code == 404
    assert api.get("/p/..").status_code == 404
    assert_error(call(api, "get", "/api/v1/content/courses/__x__/sections", None), 404)
    assert_error(call(api, "post", "/api/v1/content/courses/__x__/sections", admin, data={"title": "x"}), 404)
    post = published_post(api, admin, title="Keep my address")
    kept = call(api, "patch", f"/api/v1/content/posts/{post['id']}", admin, data={"slug": "", "title": "Renamed"})
    assert kept.status_code == 200 and kept.json()["slug"] == "keep-my-address"


def test_two_simultaneous_claims_of_one_slug_leave_one_winner(admin):
    """Uniqueness comes from the slug document created in the same commit as the item."""
    from concurrent.futures import ThreadPoolExecutor

    from content import services
    from cplatform import errors
    from cplatform.actor import Actor
    from firestore_operations.content import Kind

    actor = Actor(uid=admin.uid, email=admin.email, role="admin")

    def claim(number: int) -> str:
        try:
            services.create_item(actor=actor, kind=Kind.POST, data={"title": f"Racer {number}", "slug": "the-one"})
        except errors.Conflict:
            return "conflict"
        return "created"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = sorted(pool.map(claim, range(6)))
    assert outcomes == ["conflict"] * 5 + ["created"]


def test_a_renamed_author_is_shown_with_her_new_name(api, owner_teacher, admin):
    post = new_post(api, owner_teacher, status="pending").json()
    call(api, "post", f"/api/v1/content/posts/{post['id']}/approve", admin, data={})
    assert api.get(f"/blog/{post['slug']}").content.decode().count("Ada Lovelace") >= 1
    assert call(api, "patch", "/api/v1/me", owner_teacher, data={"display_name": "Ada King"}).status_code == 200
    assert call(api, "get", f"/api/v1/content/posts/{post['id']}", None).json()["author_name"] == "Ada King"
    page = api.get(f"/blog/{post['slug']}").content.decode()
    assert "Ada King" in page and "Ada Lovelace" not in page
