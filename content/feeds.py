"""The blog's RSS and Atom feeds and the sitemap, from plain dicts (no SQL models here).

django.contrib.syndication and django.contrib.sitemaps work without models or installed apps when
given plain objects: items() returns the services' dicts and the item_* / location hooks read them.
Both documents are cached like the pages (content.cache) and dropped when posts or pages change.
"""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_http_methods

from content import cache as content_cache
from content import services
from content.services import Kind
from courses.catalog import search as course_search
from cplatform.pages import page
from middlewares.roles import PUBLIC

FEED_SIZE = 20
SITEMAP_MAX_COURSE_PAGES = 50
SITEMAP_COURSE_PAGE = 100  # courses per catalog page read for the sitemap (the largest page)


class LatestPostsFeed(Feed):
    title = "cplatform blog"
    link = "/blog/"
    description = "New posts from the cplatform teachers and team."
    description_template = None

    def items(self):
        page = services.list_items(actor=None, kind=Kind.POST, query=services.ListQuery(), limit=FEED_SIZE, cursor=None)
        return page.items

    def item_title(self, item):
        return item.get("title", "")

    def item_description(self, item):
        return item.get("body_html", "")

    def item_link(self, item):
        return f"/blog/{item['slug']}"

    def item_guid(self, item):
        return f"post:{item['id']}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.get("publish_at")

    def item_updateddate(self, item):
        return item.get("updated_at")

    def item_author_name(self, item):
        return item.get("author_name") or None

    def item_categories(self, item):
        return item.get("tags", [])


class AtomPostsFeed(LatestPostsFeed):
    feed_type = Atom1Feed
    subtitle = LatestPostsFeed.description


def _cached_feed(request, feed: Feed, key: str) -> HttpResponse:
    def build():
        response = feed(request)
        return {"body": response.content.decode(), "type": response["Content-Type"]}, _next_post_ttl()

    # The feed holds absolute links: one entry per host it was asked for.
    payload, _ = content_cache.cached(f"{key}:{request.get_host()}", (Kind.POST,), build)
    return HttpResponse(payload["body"], content_type=payload["type"])


def _next_post_ttl() -> int | None:
    return services.seconds_until_next_scheduled(Kind.POST)


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD"])
def rss(request):
    return _cached_feed(request, LatestPostsFeed(), "rss")


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD"])
def atom(request):
    return _cached_feed(request, AtomPostsFeed(), "atom")


# --- sitemap -------------------------------------------------------------------------------------------


class _DictSitemap(Sitemap):
    def location(self, item):
        return item["loc"]

    def lastmod(self, item):
        return item.get("lastmod")


class ContentSitemap(_DictSitemap):
    """Published pages and posts visible now: only public URLs."""

    def items(self):
        entries = []
        for kind, path in ((Kind.PAGE, "/p/"), (Kind.POST, "/blog/")):
            for item in services.iter_public(kind):
                loc = "/" if kind == Kind.PAGE and item["slug"] == services.HOME_SLUG else f"{path}{item['slug']}"
                entries.append({"loc": loc, "lastmod": item.get("updated_at")})
        entries.append({"loc": "/blog/", "lastmod": None})
        entries.append({"loc": "/faq/", "lastmod": None})
        return entries


class CourseSitemap(_DictSitemap):
    """Published courses and the profiles of the teachers who have one."""

    def items(self):
        entries, teachers, cursor = [], {}, None
        for _ in range(SITEMAP_MAX_COURSE_PAGES):
            page = course_search.list_courses(
                actor=services.ANONYMOUS, query=course_search.CatalogQuery(), limit=SITEMAP_COURSE_PAGE, cursor=cursor
            )
            for course in page.items:
                entries.append({"loc": f"/courses/{course['id']}/", "lastmod": course.get("updated_at")})
                teachers.setdefault(course["teacher_uid"], course.get("updated_at"))
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        entries += [{"loc": f"/teachers/{uid}/", "lastmod": None} for uid in teachers]
        return entries


SITEMAPS = {"content": ContentSitemap, "courses": CourseSitemap}


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD"])
def sitemap(request):
    def build():
        response = sitemap_views.sitemap(request, SITEMAPS, template_name="content/sitemap.xml")
        response.render()
        return {"body": response.content.decode()}, _next_post_ttl()

    payload, _ = content_cache.cached(f"sitemap:{request.get_host()}", (Kind.PAGE, Kind.POST), build)
    return HttpResponse(payload["body"], content_type="application/xml")
