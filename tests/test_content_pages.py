"""Content web pages through Django's test client: the visitors' home, blog lists, feeds, sitemap,
robots.txt, caching and its invalidation, teacher profiles, and the editor pages per role."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from django.test import Client

from authentication import identity
from tests.conftest import call
from tests.factories import make_course

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def signed_in(persona) -> Client:
    client = Client()
    client.cookies["session"] = identity.create_session_cookie(persona.token)
    return client


def post(api, persona, **fields) -> dict:
    body = {"title": "Learning fractions", "body_md": "Halves and *quarters*.", "status": "published", **fields}
    response = call(api, "post", "/api/v1/content/posts", persona, data=body)
    assert response.status_code == 201, response.content
    return response.json()


def page(api, persona, **fields) -> dict:
    body = {"title": "About us", "body_md": "We teach.", "status": "published", **fields}
    response = call(api, "post", "/api/v1/content/pages", persona, data=body)
    assert response.status_code == 201, response.content
    return response.json()


def published_course(api, teacher, title="Algebra basics") -> str:
    body = {"title": title, "subject": "Maths", "level": "beginner", "language": "en", "status": "published"}
    response = call(api, "post", "/api/v1/courses", teacher, data=body)
    assert response.status_code == 201, response.content
    return response.json()["id"]


class TestHome:
    def test_visitors_see_the_landing_page_the_admin_published(self, api, admin, owner_teacher):
        assert "Teach and learn, live and online." in Client().get("/").content.decode()  # built-in until then
        course_id = published_course(api, owner_teacher)
        post(api, admin, title="Welcome to the blog")
        page(
            api,
            admin,
            title="Learn with the best",
            slug="home",
            layout="landing",
            hero_text="Live lessons every day.",
            featured_course_ids=[course_id, "missing-course"],
            featured_teacher_uids=[owner_teacher.uid],
        )
        html = Client().get("/").content.decode()
        assert "Learn with the best" in html and "Live lessons every day." in html
        assert "Algebra basics" in html and "Ada Lovelace" in html and "Welcome to the blog" in html
        assert f'href="/teachers/{owner_teacher.uid}/"' in html
        assert Client().get("/p/home")["Location"] == "/"

    def test_signed_in_users_keep_their_own_home(self, api, admin, student):
        page(api, admin, title="Learn with the best", slug="home", layout="landing")
        html = signed_in(student).get("/").content.decode()
        assert "Hello, Sam Student" in html and "Learn with the best" not in html


class TestBlogPages:
    def test_the_blog_lists_published_posts_with_their_meta(self, api, admin, owner_teacher):
        shown = post(api, admin, title="Fractions made easy", tags=["maths"], seo_description="All about halves.")
        call(api, "post", "/api/v1/content/posts", owner_teacher, data={"title": "Teacher draft"})
        html = Client().get("/blog/").content.decode()
        assert "Fractions made easy" in html and "Teacher draft" not in html
        assert 'href="/blog/tag/maths/"' in html
        detail = Client().get(f"/blog/{shown['slug']}").content.decode()
        assert '<meta name="description" content="All about halves.">' in detail
        assert '<meta property="og:title" content="Fractions made easy">' in detail
        assert f'<link rel="canonical" href="http://testserver/blog/{shown["slug"]}">' in detail
        assert '<meta property="og:type" content="article">' in detail
        assert "1 min read" in detail

    def test_tag_pages_and_search(self, api, admin):
        post(api, admin, title="Fractions", tags=["maths"])
        post(api, admin, title="Knitting", tags=["crafts"])
        tagged = Client().get("/blog/tag/maths/").content.decode()
        assert "Fractions" in tagged and "Knitting" not in tagged
        assert Client().get("/blog/tag/Maths/")["Location"] == "/blog/tag/maths/"
        found = Client().get("/blog/?q=knit").content.decode()
        assert "Knitting" in found and "Fractions" not in found
        nothing = Client().get("/blog/?q=zebra").content.decode()
        assert "No post matches your search" in nothing

    def test_a_broken_cursor_gets_a_message_for_people(self, api, admin):
        post(api, admin)
        response = Client().get("/blog/?cursor=garbage")
        html = response.content.decode()
        assert response.status_code == 400 and "That list page no longer exists" in html
        assert "Traceback" not in html and "cursor" not in html.split("<main", 1)[1].split("</main>", 1)[0].lower()

    def test_a_missing_post_is_a_friendly_404(self):
        response = Client().get("/blog/not-there")
        assert response.status_code == 404 and "No such blog post." in response.content.decode()

    def test_managers_see_their_draft_at_its_address(self, api, owner_teacher, admin):
        draft = call(api, "post", "/api/v1/content/posts", owner_teacher, data={"title": "Work in progress"}).json()
        html = signed_in(owner_teacher).get(f"/blog/{draft['slug']}").content.decode()
        assert "Work in progress" in html and "Only editors see this" in html
        assert Client().get(f"/blog/{draft['slug']}").status_code == 404


class TestCaching:
    def test_a_post_page_is_served_from_the_cache_until_it_changes(self, api, admin):
        item = post(api, admin, title="Cached title")
        url = f"/blog/{item['slug']}"
        first = Client().get(url)
        second = Client().get(url)
        assert first["X-Content-Cache"] == "miss" and second["X-Content-Cache"] == "hit"
        assert second["X-Firestore-Reads"] == "0"
        call(api, "patch", f"/api/v1/content/posts/{item['id']}", admin, data={"title": "Fresh title"})
        third = Client().get(url)
        assert third["X-Content-Cache"] == "miss" and "Fresh title" in third.content.decode()

    def test_the_blog_list_is_invalidated_by_a_new_post(self, api, admin):
        post(api, admin, title="First post")
        cold = Client().get("/blog/")
        # One query for the page of posts, one for the next scheduled post (the entry's expiry).
        assert cold["X-Content-Cache"] == "miss" and cold["X-Firestore-Queries"] == "2"
        assert Client().get("/blog/")["X-Content-Cache"] == "hit"
        post(api, admin, title="Second post")
        response = Client().get("/blog/")
        assert response["X-Content-Cache"] == "miss" and "Second post" in response.content.decode()

    def test_an_unpublished_post_disappears_at_once(self, api, admin):
        item = post(api, admin)
        assert Client().get(f"/blog/{item['slug']}").status_code == 200
        call(api, "patch", f"/api/v1/content/posts/{item['id']}", admin, data={"status": "draft"})
        assert Client().get(f"/blog/{item['slug']}").status_code == 404


class TestFeedsAndSitemap:
    def test_the_rss_feed_parses_and_lists_published_posts(self, api, admin, owner_teacher):
        post(api, admin, title="Feed me", tags=["news"], body_md="Hello <script>x()</script>\n\n**there**")
        call(api, "post", "/api/v1/content/posts", owner_teacher, data={"title": "Not yet"})
        response = Client().get("/blog/rss.xml")
        assert response.status_code == 200 and response["Content-Type"].startswith("application/rss+xml")
        root = ET.fromstring(response.content)
        items = root.findall("./channel/item")
        assert [item.findtext("title") for item in items] == ["Feed me"]
        assert items[0].findtext("link") == "http://testserver/blog/feed-me"
        assert items[0].findtext("category") == "news"
        assert "<strong>there</strong>" in items[0].findtext("description")
        assert "script" not in items[0].findtext("description")

    def test_the_atom_feed_parses(self, api, admin):
        post(api, admin, title="Atom entry")
        response = Client().get("/blog/atom.xml")
        root = ET.fromstring(response.content)
        assert root.tag == f"{ATOM}feed"
        entries = root.findall(f"{ATOM}entry")
        assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Atom entry"]
        assert entries[0].find(f"{ATOM}link").get("href") == "http://testserver/blog/atom-entry"

    def test_the_sitemap_lists_only_public_items(self, api, admin, owner_teacher, other_teacher):
        post(api, admin, title="Public post")
        post(api, admin, title="Later post", publish_at=(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat())
        call(api, "post", "/api/v1/content/posts", owner_teacher, data={"title": "Draft post"})
        page(api, admin, title="Privacy")
        page(api, admin, title="Secret page", status="draft")
        course_id = published_course(api, owner_teacher)
        make_course(other_teacher, status="draft", title="Draft course")
        response = Client().get("/sitemap.xml")
        assert response.status_code == 200
        root = ET.fromstring(response.content)
        locations = {url.findtext(f"{SITEMAP}loc") for url in root.findall(f"{SITEMAP}url")}
        base = "http://testserver"
        assert {
            f"{base}/blog/public-post",
            f"{base}/p/privacy",
            f"{base}/blog/",
            f"{base}/faq/",
            f"{base}/courses/{course_id}/",
            f"{base}/teachers/{owner_teacher.uid}/",
        } == locations

    def test_robots_points_at_the_sitemap(self):
        body = Client().get("/robots.txt").content.decode()
        assert "Sitemap: http://testserver/sitemap.xml" in body and "Disallow: /api/" in body


class TestTeacherProfile:
    def test_a_teacher_has_a_public_profile_with_her_courses(self, api, owner_teacher, student):
        published_course(api, owner_teacher, title="Geometry")
        html = Client().get(f"/teachers/{owner_teacher.uid}/").content.decode()
        assert "Ada Lovelace" in html and "Geometry" in html
        assert Client().get(f"/teachers/{student.uid}/").status_code == 404

    def test_it_shows_languages_rating_and_asks_visitors_to_sign_in_to_message(self, api, owner_teacher, student):
        course_id = published_course(api, owner_teacher, title="Geometry")
        prefs = {"teaching_preferences": {"levels": ["beginner"], "languages": ["English", "French"], "formats": []}}
        assert call(api, "patch", "/api/v1/me", owner_teacher, data={"teacher": prefs}).status_code == 200
        assert call(api, "post", f"/api/v1/courses/{course_id}/enrollment", student).status_code in (200, 201)
        review = {"rating": 4, "comment": "Clear and kind."}
        assert call(api, "post", f"/api/v1/courses/{course_id}/feedback", student, data=review).status_code in (
            200,
            201,
        )
        html = Client().get(f"/teachers/{owner_teacher.uid}/").content.decode()
        assert "English, French" in html and "4.0 out of 5 from 1 review" in html
        assert 'id="sign-in-to-message"' in html and 'id="message-teacher"' not in html
        signed = signed_in(student).get(f"/teachers/{owner_teacher.uid}/").content.decode()
        assert 'id="message-teacher"' in signed


class TestEditorPages:
    def test_editors_only(self, student, parent):
        assert Client().get("/content/")["Location"].startswith("/auth/login/")
        for persona in (student, parent):
            response = signed_in(persona).get("/content/")
            assert response.status_code == 403 and "Not allowed" in response.content.decode()

    def test_a_teacher_cannot_open_the_page_editor(self, owner_teacher):
        assert signed_in(owner_teacher).get("/content/pages/new/").status_code == 403

    def test_a_teacher_writes_a_post_through_the_form(self, owner_teacher, admin):
        client = signed_in(owner_teacher)
        form = {"title": "My first post", "slug": "", "body_md": "Hello *world*", "tags": "maths, news"}
        response = client.post("/content/posts/new/", {**form, "status": "pending", "publish_at": ""})
        assert response.status_code == 302
        edit_url = response["Location"]
        html = client.get(edit_url).content.decode()
        assert "Waiting for review" in html and "Version 1" in html
        dashboard = signed_in(admin).get("/content/").content.decode()
        assert "My first post" in dashboard and "Waiting for review" in dashboard

    def test_form_errors_are_written_for_people(self, owner_teacher, admin):
        client = signed_in(owner_teacher)
        response = client.post(
            "/content/posts/new/", {"title": "", "slug": "Bad Slug", "body_md": "", "status": "published"}
        )
        html = response.content.decode()
        assert response.status_code == 400
        assert "Please correct the fields marked below." in html or "Please correct the following." in html
        assert 'id="title-error"' in html
        response = signed_in(admin).post(
            "/content/posts/new/", {"title": "Timed", "body_md": "", "status": "published", "publish_at": "someday"}
        )
        assert "Pick a date and time" in response.content.decode()

    def test_restoring_a_version_from_the_editor(self, api, admin):
        item = post(api, admin, title="One")
        call(api, "patch", f"/api/v1/content/posts/{item['id']}", admin, data={"title": "Two"})
        client = signed_in(admin)
        response = client.post(f"/content/posts/{item['id']}/revisions/1/restore/")
        assert response.status_code == 302
        assert call(api, "get", f"/api/v1/content/posts/{item['id']}", admin).json()["title"] == "One"

    def test_the_course_sections_editor_is_for_the_courses_teacher(self, owner_teacher, other_teacher):
        course_id = make_course(owner_teacher)
        response = signed_in(owner_teacher).post(
            f"/content/courses/{course_id}/sections/new/",
            {
                "title": "Requirements",
                "topic": "requirements",
                "body_md": "A pencil.",
                "position": "1",
                "status": "published",
            },
        )
        assert response.status_code == 302
        listing = signed_in(owner_teacher).get(f"/content/courses/{course_id}/sections/").content.decode()
        assert "Requirements" in listing
        assert signed_in(other_teacher).get(f"/content/courses/{course_id}/sections/").status_code == 403


class TestEditorExtras:
    def test_featured_courses_and_teachers_are_picked_by_name(self, api, admin, owner_teacher):
        course_id = published_course(api, owner_teacher, title="Geometry for all")
        client = signed_in(admin)
        html = client.get("/content/pages/new/").content.decode()
        assert "Geometry for all · Ada Lovelace" in html and f'value="{course_id}"' in html
        form = {
            "title": "Welcome",
            "slug": "home",
            "body_md": "Hello",
            "layout": "landing",
            "status": "published",
            "publish_at": "",
            "featured_course_ids": [course_id],
            "featured_teacher_uids": [owner_teacher.uid],
        }
        assert client.post("/content/pages/new/", form).status_code == 302
        landing = Client().get("/").content.decode()
        assert "Geometry for all" in landing and f"/teachers/{owner_teacher.uid}/" in landing

    def test_form_messages_are_written_for_people(self, admin):
        response = signed_in(admin).post(
            "/content/faqs/new/", {"title": "", "position": "first", "status": "published"}
        )
        html = response.content.decode()
        assert "Write the question." in html and "Use a whole number such as 1, 2 or 3." in html
        assert "This field" not in html and "valid integer" not in html

    def test_a_teacher_deletes_and_restores_her_course_sections(self, api, owner_teacher):
        course_id = make_course(owner_teacher)
        url = f"/api/v1/content/courses/{course_id}/sections"
        section = call(api, "post", url, owner_teacher, data={"title": "Old title"}).json()
        call(api, "patch", f"{url}/{section['id']}", owner_teacher, data={"title": "New title"})
        client = signed_in(owner_teacher)
        restore = f"/content/courses/{course_id}/sections/{section['id']}/revisions/1/restore/"
        assert client.post(restore).status_code == 302
        assert call(api, "get", f"{url}/{section['id']}", owner_teacher).json()["title"] == "Old title"
        assert len(call(api, "get", f"{url}/{section['id']}/revisions", owner_teacher).json()["items"]) == 3
        assert client.post(f"/content/courses/{course_id}/sections/{section['id']}/delete/").status_code == 302
        assert call(api, "get", f"{url}?manage=true", owner_teacher).json()["items"] == []

    def test_editors_find_the_content_pages_in_the_footer(self, owner_teacher, student):
        assert 'href="/content/"' in signed_in(owner_teacher).get("/").content.decode()
        assert 'href="/content/"' not in signed_in(student).get("/").content.decode()
        assert 'href="/blog/"' in Client().get("/").content.decode()


def test_a_teacher_opening_someone_elses_public_post_in_the_editor_is_refused(api, admin, other_teacher):
    item = post(api, admin, title="Admin's post")
    response = signed_in(other_teacher).get(f"/content/posts/{item['id']}/edit/")
    assert (
        response.status_code == 403 and "Only the post&#x27;s author and admins change it." in response.content.decode()
    )


def test_the_dashboard_pages_through_long_lists(api, admin, settings, monkeypatch):
    from content import pages as content_pages

    monkeypatch.setattr(content_pages, "DASHBOARD_SIZE", 2)
    for number in range(3):
        post(api, admin, title=f"Post number {number}")
    client = signed_in(admin)
    first = client.get("/content/").content.decode()
    assert first.count("Post number") == 2 and "More blog posts" in first
    more = first.split('href="/content/?kind=posts&amp;cursor=', 1)[1].split('"', 1)[0]
    second = client.get(f"/content/?kind=posts&cursor={more}").content.decode()
    assert second.count("Post number") == 1 and "Post number 0" in second and "More blog posts" not in second
    broken = client.get("/content/?kind=posts&cursor=junk")
    assert broken.status_code == 400 and "That list page no longer exists" in broken.content.decode()


def test_the_schema_documents_the_content_api(api):
    body = api.get("/api/schema/").content.decode()
    assert "/api/v1/content/posts/{item_id}/approve" in body and "/api/v1/content/preview" in body
