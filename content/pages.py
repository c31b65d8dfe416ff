"""Public content pages (landing home, /p/, /blog/, /faq/, feeds, sitemap, robots.txt, teacher
profiles) and the editor pages for admins and teachers.

Public pages cache their rendered fragments (content.cache): a cached post page costs no
Firestore read. The page shell (navigation, who is signed in) is rendered per request around the
fragment, so nothing personal is ever cached. Editor pages validate with the API's own input
serializers and call the same services.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from authentication import pages as account_pages
from authentication import services as account_services
from content import cache as content_cache
from content import serializers as s
from content import services
from content.access import DRAFT, PENDING, PUBLISHED, can_manage, is_admin, require_create
from content.services import Kind
from courses.catalog import search as course_search
from courses.catalog import services as course_services
from courses.presenters import course_view, stars
from cplatform import errors
from cplatform.actor import TEACHER
from cplatform.pages import FormErrors, flash, form_errors, page, render_form, validate_form
from middlewares.roles import PUBLIC, TEACHERS_AND_ADMINS

BLOG_PAGE_SIZE = 10
DASHBOARD_SIZE = 50
LATEST_POSTS = 3
STATE_LABELS = {
    "draft": "Draft",
    "pending": "Waiting for review",
    "scheduled": "Scheduled",
    "published": "Published",
}
TOPIC_LABELS = {
    "learn": "What you will learn",
    "requirements": "Requirements",
    "audience": "Who this course is for",
    "syllabus": "Syllabus",
    "other": "More about this course",
}
KIND_PATHS = {"pages": Kind.PAGE, "posts": Kind.POST, "faqs": Kind.FAQ}
KIND_LABELS = {Kind.PAGE: "page", Kind.POST: "blog post", Kind.FAQ: "FAQ entry", Kind.SECTION: "course section"}


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


def _ttl_until_next(kind: Kind) -> int | None:
    """Seconds until the next scheduled item of this kind turns visible (lists must expire then)."""
    return services.seconds_until_next_scheduled(kind)


def _shell(request, template: str, context: dict):
    return render_form(request, template, context)


def _date_label(value) -> str:
    if not isinstance(value, dt.datetime):
        return ""
    return value.astimezone(dt.UTC).strftime("%-d %B %Y")


def _post_card(post: dict) -> dict:
    return {
        "title": post.get("title", ""),
        "url": f"/blog/{post.get('slug')}",
        "excerpt": post.get("excerpt", ""),
        "author_name": post.get("author_name", ""),
        "date_label": _date_label(post.get("publish_at")),
        "date_iso": post["publish_at"].isoformat() if isinstance(post.get("publish_at"), dt.datetime) else "",
        "reading_minutes": post.get("reading_minutes", 1),
        "tags": post.get("tags", []),
        "cover_url": s.PostOut().get_cover_url(post),
    }


# --- home (visitors: the landing page the admin edits) ------------------------------------------


def _landing_payload() -> tuple[dict | None, int | None]:
    try:
        found = services.find_by_slug(actor=None, kind=Kind.PAGE, slug=services.HOME_SLUG, public=True)
    except errors.NotFound:
        return None, None
    landing = found.item
    courses = []
    for course_id in landing.get("featured_course_ids", []):
        try:
            course = services.access_course(services.ANONYMOUS, course_id)
        except errors.NotFound:
            continue
        if course.get("status") == "published":
            courses.append(
                {
                    "id": course["id"],
                    "title": course.get("title", ""),
                    "teacher_name": course.get("teacher_name", ""),
                    "subject": course.get("subject", ""),
                }
            )
    teachers = services.public_teachers(list(landing.get("featured_teacher_uids", [])))
    latest = services.list_items(
        actor=None, kind=Kind.POST, query=services.ListQuery(), limit=LATEST_POSTS, cursor=None
    )
    html = render_to_string(
        "content/_landing.html",
        {
            "landing": landing,
            "courses": courses,
            "teachers": teachers,
            "posts": [_post_card(post) for post in latest.items],
        },
    )
    meta = {
        "title": landing.get("seo_title") or landing.get("title", ""),
        "description": landing.get("seo_description") or landing.get("hero_text") or landing.get("excerpt", ""),
        "id": landing["id"],
    }
    ttls = [ttl for ttl in (_ttl_until_next(Kind.PAGE), _ttl_until_next(Kind.POST)) if ttl]
    return {"html": html, "meta": meta}, min(ttls) if ttls else None


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD"])
def home(request):
    """Signed-in users get their home (the accounts app's page); visitors the landing page, when an
    admin has published one with the address `home`, else the built-in welcome page."""
    if request.actor:
        return account_pages.home(request)
    payload, _ = content_cache.cached("landing", (Kind.PAGE, Kind.POST), _landing_payload_or_empty)
    if not payload:
        return account_pages.home(request)
    context = {"fragment": payload["html"], "meta": payload["meta"], "canonical": _absolute(request, "/")}
    return _shell(request, "content/landing.html", context)


def _landing_payload_or_empty() -> tuple[dict, int | None]:
    payload, ttl = _landing_payload()
    # "No landing page" is cached too (as an empty dict): a visitor's home then costs no read.
    return payload or {}, ttl or None


# --- pages and posts by slug ---------------------------------------------------------------------


def _item_payload(kind: Kind, slug: str) -> tuple[dict, int | None]:
    """What a public page needs, cached: the rendered article, its metadata, or where it moved."""
    found = services.find_by_slug(actor=None, kind=kind, slug=slug, public=True)
    if found.redirect_to:
        return {"redirect": found.redirect_to}, None
    item = found.item
    template = "content/_post.html" if kind == Kind.POST else "content/_page.html"
    card = _post_card(item) if kind == Kind.POST else {}
    html = render_to_string(template, {"item": item, "card": card})
    meta = {
        "id": item["id"],
        "title": item.get("seo_title") or item.get("title", ""),
        "description": item.get("seo_description") or item.get("excerpt", ""),
        "image": card.get("cover_url"),
        "published_iso": card.get("date_iso", ""),
        "type": "article" if kind == Kind.POST else "website",
        "tags": item.get("tags", []),
    }
    return {"html": html, "meta": meta}, None


def _public_item(request, kind: Kind, slug: str, path_of):
    try:
        payload, hit = content_cache.cached(f"{kind.value}:{slug}", (kind,), lambda: _item_payload(kind, slug))
    except errors.NotFound:
        # A manager may look at her draft or scheduled item at its address (not cached).
        payload = _preview_for_manager(request, kind, slug)
        if payload is None:
            raise
        hit = False
    if "redirect" in payload:
        return HttpResponsePermanentRedirect(path_of(payload["redirect"]))
    context = {
        "fragment": payload["html"],
        "meta": payload["meta"],
        "canonical": _absolute(request, path_of(slug)),
        "kind": kind.value,
        "edit_url": _edit_url(request, kind, payload["meta"]["id"]),
        "not_public": payload.get("not_public", ""),
    }
    response = _shell(request, "content/item.html", context)
    response["X-Content-Cache"] = "hit" if hit else "miss"
    return response


def _preview_for_manager(request, kind: Kind, slug: str) -> dict | None:
    actor = request.actor if request.actor else None
    if actor is None:
        return None
    try:
        found = services.find_by_slug(actor=actor, kind=kind, slug=slug)
    except errors.NotFound:
        return None
    item = found.item
    if not can_manage(actor, kind, item):
        return None
    card = _post_card(item) if kind == Kind.POST else {}
    template = "content/_post.html" if kind == Kind.POST else "content/_page.html"
    return {
        "html": render_to_string(template, {"item": item, "card": card}),
        "meta": {"id": item["id"], "title": item.get("title", ""), "description": item.get("excerpt", ""), "tags": []},
        "not_public": STATE_LABELS.get(services.state_of(item), ""),
    }


def _edit_url(request, kind: Kind, item_id: str) -> str | None:
    actor = request.actor if request.actor else None
    if actor is None:
        return None
    if services.can_edit(actor, kind, item_id):
        return f"/content/{kind.value}s/{item_id}/edit/"
    return None


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD"])
def page_detail(request, slug: str):
    if slug == services.HOME_SLUG:
        return HttpResponsePermanentRedirect("/")
    return _public_item(request, Kind.PAGE, slug, lambda value: "/" if value == "home" else f"/p/{value}")


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD"])
def post_detail(request, slug: str):
    return _public_item(request, Kind.POST, slug, lambda value: f"/blog/{value}")


# --- blog lists --------------------------------------------------------------------------------------


def _blog_payload(tag: str | None, q: str | None, cursor: str | None, base: str) -> tuple[dict, int | None]:
    result = services.list_items(
        actor=None,
        kind=Kind.POST,
        query=services.ListQuery(tag=tag, q=q),
        limit=BLOG_PAGE_SIZE,
        cursor=cursor,
    )
    kept = {key: value for key, value in (("q", q),) if value}
    next_url = f"{base}?{urlencode({**kept, 'cursor': result.next_cursor})}" if result.next_cursor else None
    html = render_to_string(
        "content/_post_list.html",
        {"posts": [_post_card(post) for post in result.items], "next_url": next_url, "searched": bool(q)},
    )
    return {"html": html}, _ttl_until_next(Kind.POST)


def _blog(request, *, tag: str | None):
    q = request.GET.get("q", "").strip()
    cursor = request.GET.get("cursor", "").strip() or None
    base = f"/blog/tag/{tag}/" if tag else "/blog/"
    failure = FormErrors()
    fragment, hit = "", False
    try:
        if q:
            payload, _ = _blog_payload(tag, q, cursor, base)  # searches are not cached (endless keys)
        else:
            key = f"blog:{tag or ''}:{hashlib.sha256((cursor or '').encode()).hexdigest()[:16]}"
            payload, hit = content_cache.cached(key, (Kind.POST,), lambda: _blog_payload(tag, None, cursor, base))
        fragment = payload["html"]
    except errors.ValidationError as exc:
        if "cursor" in exc.fields:
            failure = FormErrors(message="That list page no longer exists; start from the first page.")
        else:
            failure = form_errors(exc, field_names=("q",))
    context = {
        "fragment": fragment,
        "tag": tag,
        "q": q,
        "errors": failure,
        "canonical": _absolute(request, base),
        "is_next_page": bool(cursor),
        "base": base,
    }
    response = render_form(request, "content/blog.html", context, failure)
    response["X-Content-Cache"] = "hit" if hit else "miss"
    return response


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD"])
def blog(request):
    return _blog(request, tag=None)


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD"])
def blog_tag(request, tag: str):
    clean = services.normalize_tag(tag)
    if not clean:
        raise errors.NotFound("No such tag.")
    if clean != tag:
        return HttpResponsePermanentRedirect(f"/blog/tag/{clean}/")
    return _blog(request, tag=clean)


# --- FAQ -------------------------------------------------------------------------------------------------


def _faq_payload() -> tuple[dict, int | None]:
    sections = [
        (name, [{"id": e["id"], "title": e.get("title", ""), "html": e.get("body_html", "")} for e in entries])
        for name, entries in services.public_faq()
    ]
    groups = [{"name": name, "anchor": services.slug_from(name), "entries": entries} for name, entries in sections]
    return {"html": render_to_string("content/_faq.html", {"groups": groups})}, _ttl_until_next(Kind.FAQ)


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD"])
def faq(request):
    payload, hit = content_cache.cached("faq", (Kind.FAQ,), _faq_payload)
    context = {"fragment": payload["html"], "canonical": _absolute(request, "/faq/"), "q": request.GET.get("q", "")}
    response = _shell(request, "content/faq.html", context)
    response["X-Content-Cache"] = "hit" if hit else "miss"
    return response


# --- teacher profiles -------------------------------------------------------------------------------------


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD"])
def teacher_profile(request, uid: str):
    teacher = services.public_teacher(uid)
    courses = course_search.list_courses(
        actor=services.ANONYMOUS, query=course_search.CatalogQuery(teacher=uid), limit=24, cursor=None
    )
    # The teacher's rating: every review of her published courses counts once.
    rated = [course for course in courses.items if course.get("rating_count")]
    reviews = sum(int(course["rating_count"]) for course in rated)
    rating = (
        sum(float(course["rating_avg"]) * int(course["rating_count"]) for course in rated) / reviews if reviews else 0
    )
    context = {
        "teacher": teacher,
        "photo_url": account_services.photo_url({"id": uid, **teacher}),
        "initials": account_pages.initials(teacher["name"]),
        "courses": [course_view(course) for course in courses.items],
        "rating_label": f"{rating:.1f}" if reviews else "",
        "rating_stars": stars(rating) if reviews else "",
        "review_count": reviews,
        "level_labels": [level.capitalize() for level in teacher["levels"]],
        "canonical": _absolute(request, f"/teachers/{uid}/"),
    }
    return _shell(request, "content/teacher.html", context)


# --- robots.txt ----------------------------------------------------------------------------------------


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD"])
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /api/",
        "Disallow: /auth/",
        "Disallow: /content/",
        "Disallow: /profile/",
        "Disallow: /chat/",
        "Disallow: /notifications/",
        f"Sitemap: {_absolute(request, '/sitemap.xml')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


# --- editor pages -------------------------------------------------------------------------------------


def _zone(request) -> zoneinfo.ZoneInfo:
    try:
        name = account_services.get_my_profile(actor=request.actor).get("timezone") or "UTC"
        return zoneinfo.ZoneInfo(name)
    except (errors.NotFound, zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _local_input(value, zone) -> str:
    if not isinstance(value, dt.datetime):
        return ""
    return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _when_label(value, zone) -> str:
    if not isinstance(value, dt.datetime):
        return ""
    return value.astimezone(zone).strftime("%-d %b %Y, %H:%M")


def _item_row(kind: Kind, item: dict, zone) -> dict:
    state = services.state_of(item)
    return {
        "id": item["id"],
        "title": item.get("title") or "(untitled)",
        "state": state,
        "state_label": STATE_LABELS.get(state, state),
        "when": _when_label(item.get("publish_at"), zone) if state in ("scheduled", "published") else "",
        "changed": _when_label(item.get("updated_at"), zone),
        "edit_url": f"/content/{kind.value}s/{item['id']}/edit/",
        "author_name": item.get("author_name", ""),
    }


@page(roles=TEACHERS_AND_ADMINS)
@require_http_methods(["GET", "HEAD"])
def dashboard(request):
    """What the signed-in editor may change: all content for admins, her own posts for a teacher.

    Each list shows DASHBOARD_SIZE items, last changed first; "More" opens the next page of that
    one list (`?kind=posts&cursor=...`).
    """
    actor, zone = request.actor, _zone(request)
    kinds = [Kind.POST] if actor.role == TEACHER else [Kind.PAGE, Kind.POST, Kind.FAQ]
    only = KIND_PATHS.get(request.GET.get("kind", ""))
    cursor = request.GET.get("cursor", "").strip() or None if only else None
    failure = FormErrors()
    lists = []
    for kind in [only] if only in kinds else kinds:
        try:
            if kind == Kind.FAQ:
                result = services.list_faqs(
                    actor=actor, course_id=None, manage=True, limit=DASHBOARD_SIZE, cursor=cursor
                )
            else:
                query = services.ListQuery(manage=True)
                result = services.list_items(actor=actor, kind=kind, query=query, limit=DASHBOARD_SIZE, cursor=cursor)
        except errors.ValidationError:
            failure = FormErrors(message="That list page no longer exists; start from the first page.")
            continue
        more = f"/content/?{urlencode({'kind': f'{kind.value}s', 'cursor': result.next_cursor})}"
        lists.append(
            {
                "kind": kind.value,
                "title": {Kind.PAGE: "Pages", Kind.POST: "Blog posts", Kind.FAQ: "FAQ"}[kind],
                "new_url": f"/content/{kind.value}s/new/",
                "new_label": f"New {KIND_LABELS[kind]}",
                "rows": [_item_row(kind, item, zone) for item in result.items],
                "more_url": more if result.next_cursor else None,
            }
        )
    context = {"lists": lists, "errors": failure, "paged": bool(only)}
    return render_form(request, "content/dashboard.html", context, failure)


def _form_values(kind: Kind, item: dict | None, zone) -> dict:
    item = item or {}
    return {
        "title": item.get("title", ""),
        "slug": item.get("slug", ""),
        "body_md": item.get("body_md", ""),
        "seo_title": item.get("seo_title", ""),
        "seo_description": item.get("seo_description", ""),
        "tags": ", ".join(item.get("tags", [])),
        "status": item.get("status", DRAFT),
        "publish_at": _local_input(item.get("publish_at"), zone),
        "layout": item.get("layout", "standard"),
        "hero_text": item.get("hero_text", ""),
        "featured_course_ids": list(item.get("featured_course_ids", [])),
        "featured_teacher_uids": list(item.get("featured_teacher_uids", [])),
        "section": item.get("section", ""),
        "position": str(item.get("position", 0)),
        "topic": item.get("topic", "learn"),
    }


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _read_form(kind: Kind, post, zone) -> tuple[dict, dict, list[str]]:
    """(data for the input serializer, the form as typed, problems found while reading it)."""
    form = {name: post.get(name, "") for name in _form_values(kind, None, zone)}
    form["featured_course_ids"] = post.getlist("featured_course_ids")
    form["featured_teacher_uids"] = post.getlist("featured_teacher_uids")
    data: dict = {"title": form["title"], "body_md": form["body_md"]}
    problems: list[str] = []
    if kind in (Kind.PAGE, Kind.POST):
        data.update(slug=form["slug"].strip(), seo_title=form["seo_title"], seo_description=form["seo_description"])
        if not data["slug"]:
            data.pop("slug")
    if kind == Kind.POST:
        data["tags"] = _split(form["tags"])
    if kind == Kind.PAGE:
        data.update(
            layout=form["layout"] or "standard",
            hero_text=form["hero_text"],
            featured_course_ids=form["featured_course_ids"],
            featured_teacher_uids=form["featured_teacher_uids"],
        )
    if kind in (Kind.FAQ, Kind.SECTION):
        data["position"] = form["position"] or "0"
    if kind == Kind.FAQ:
        data["section"] = form["section"] or "General"
    if kind == Kind.SECTION:
        data["topic"] = form["topic"]
    data["status"] = form["status"] or DRAFT
    if kind != Kind.SECTION:
        when = form["publish_at"].strip()
        if when:
            try:
                local = dt.datetime.strptime(when, "%Y-%m-%dT%H:%M")
                data["publish_at"] = local.replace(tzinfo=zone).astimezone(dt.UTC).isoformat()
            except ValueError:
                problems.append("Pick a date and time for the publication, or leave it empty to publish at once.")
        else:
            data["publish_at"] = None
    return data, form, problems


INPUTS = {Kind.PAGE: s.PageIn, Kind.POST: s.PostIn, Kind.FAQ: s.FaqIn, Kind.SECTION: s.SectionIn}
FIELDS = ("title", "slug", "body_md", "seo_title", "seo_description", "tags", "status", "publish_at", "layout")
FIELDS += ("hero_text", "featured_course_ids", "featured_teacher_uids", "section", "position", "topic")


def _editor_context(request, kind: Kind, item: dict | None, form: dict, zone, *, course: dict | None = None) -> dict:
    actor = request.actor
    statuses = [(DRAFT, "Draft: only editors see it"), (PUBLISHED, "Published (at the time below, or now)")]
    if kind == Kind.POST and not is_admin(actor):
        statuses = [(DRAFT, "Draft: only you see it"), (PENDING, "Submit for review: an admin publishes it")]
    if kind == Kind.SECTION:
        statuses = [(DRAFT, "Draft: only you see it"), (PUBLISHED, "Shown on the course page")]
    revisions = []
    if item:
        for revision in services.list_revisions(actor=actor, kind=kind, item_id=item["id"]):
            revisions.append(
                {
                    "number": revision["number"],
                    "title": revision.get("title", ""),
                    "when": _when_label(revision.get("saved_at"), zone),
                    "by": revision.get("saved_by_name", ""),
                    "current": revision["number"] == item.get("revision"),
                }
            )
    base = f"/content/courses/{course['id']}/sections" if kind == Kind.SECTION and course else f"/content/{kind.value}s"
    public_url = None
    if item and kind == Kind.POST:
        public_url = f"/blog/{item['slug']}"
    elif item and kind == Kind.PAGE:
        public_url = "/" if item.get("slug") == services.HOME_SLUG else f"/p/{item['slug']}"
    state = services.state_of(item) if item else DRAFT
    course_choices, teacher_choices = _featured_choices(form) if kind == Kind.PAGE else ([], [])
    return {
        "course_choices": course_choices,
        "teacher_choices": teacher_choices,
        "kind": kind.value,
        "kind_label": KIND_LABELS[kind],
        "item": item,
        "form": form,
        "statuses": statuses,
        "state_label": STATE_LABELS.get(state, state),
        "when_label": _when_label(item.get("publish_at"), zone) if item else "",
        "revisions": revisions,
        "action": f"{base}/{item['id']}/edit/" if item else f"{base}/new/",
        "base": base,
        "public_url": public_url,
        "course": course,
        "topics": list(TOPIC_LABELS.items()),
        "layouts": [("standard", "Standard page"), ("landing", "Landing page (hero, featured courses and teachers)")],
        "can_approve": bool(item) and kind == Kind.POST and is_admin(actor) and item.get("status") == PENDING,
        "zone_name": str(zone),
        "has_slug": kind in (Kind.PAGE, Kind.POST),
    }


def _featured_choices(form: dict) -> tuple[list[dict], list[dict]]:
    """Published courses and their teachers to pick from (by name: editors never type ids)."""
    result = course_search.list_courses(
        actor=services.ANONYMOUS, query=course_search.CatalogQuery(), limit=100, cursor=None
    )
    chosen_courses = set(form.get("featured_course_ids") or [])
    chosen_teachers = set(form.get("featured_teacher_uids") or [])
    courses, teachers = [], {}
    for course in result.items:
        courses.append(
            {
                "id": course["id"],
                "label": f"{course.get('title', '')} · {course.get('teacher_name', '')}",
                "checked": course["id"] in chosen_courses,
            }
        )
        teachers.setdefault(
            course["teacher_uid"],
            {
                "uid": course["teacher_uid"],
                "label": course.get("teacher_name", ""),
                "checked": course["teacher_uid"] in chosen_teachers,
            },
        )
    return courses, sorted(teachers.values(), key=lambda teacher: teacher["label"].lower())


def _editor(request, kind: Kind, item_id: str | None, *, course_id: str | None = None):
    actor, zone = request.actor, _zone(request)
    course = None
    if kind == Kind.SECTION:
        course = services.access_course(actor, course_id or "", for_write=True)
    item = None
    if item_id:
        if kind == Kind.SECTION:
            item = services.access_section(actor, course_id or "", item_id, for_write=True)
        else:
            item = services.get_item_for_edit(actor=actor, kind=kind, item_id=item_id)
    failure = FormErrors()
    form = _form_values(kind, item, zone)
    if request.method == "POST":
        data, form, problems = _read_form(kind, request.POST, zone)
        try:
            if problems:
                raise errors.ValidationError(problems[0], fields={"publish_at": problems})
            clean = validate_form(INPUTS[kind], data, partial=bool(item))
            if item:
                saved = services.update_item(actor=actor, kind=kind, item_id=item["id"], changes=clean)
            else:
                saved = services.create_item(actor=actor, kind=kind, data=clean, course_id=course_id)
        except (errors.ValidationError, errors.Conflict, errors.PermissionDenied) as exc:
            failure = form_errors(exc, field_names=FIELDS)
        else:
            base = f"/content/courses/{course_id}/sections" if kind == Kind.SECTION else f"/content/{kind.value}s"
            state = STATE_LABELS.get(services.state_of(saved), "")
            message = f"Saved. Status: {state}." if item else f"Created. Status: {state}."
            return flash(redirect(f"{base}/{saved['id']}/edit/"), message)
    context = _editor_context(request, kind, item, form, zone, course=course)
    context["errors"] = failure
    with timezone.override(zone):
        return render_form(request, "content/editor.html", context, failure)


def _kind_or_404(kind_path: str) -> Kind:
    kind = KIND_PATHS.get(kind_path)
    if kind is None:
        raise errors.NotFound("No such kind of content.")
    return kind


@page(roles=TEACHERS_AND_ADMINS)
@require_http_methods(["GET", "HEAD", "POST"])
def editor_new(request, kind_path: str):
    kind = _kind_or_404(kind_path)
    require_create(request.actor, kind)
    return _editor(request, kind, None)


@page(roles=TEACHERS_AND_ADMINS)
@require_http_methods(["GET", "HEAD", "POST"])
def editor_edit(request, kind_path: str, item_id: str):
    return _editor(request, _kind_or_404(kind_path), item_id)


@page(roles=TEACHERS_AND_ADMINS, back="/content/{kind_path}/{item_id}/edit/")
@require_POST
def editor_restore(request, kind_path: str, item_id: str, number: int):
    kind = _kind_or_404(kind_path)
    services.restore_revision(actor=request.actor, kind=kind, item_id=item_id, number=number)
    return flash(redirect(f"/content/{kind_path}/{item_id}/edit/"), f"Version {number} is back as the current one.")


@page(roles=TEACHERS_AND_ADMINS, back="/content/{kind_path}/{item_id}/edit/")
@require_POST
def editor_delete(request, kind_path: str, item_id: str):
    kind = _kind_or_404(kind_path)
    services.delete_item(actor=request.actor, kind=kind, item_id=item_id)
    return flash(redirect("/content/"), f"The {KIND_LABELS[kind]} is deleted.")


@page(roles=TEACHERS_AND_ADMINS, back="/content/posts/{item_id}/edit/")
@require_POST
def editor_approve(request, item_id: str):
    post = services.approve_post(actor=request.actor, post_id=item_id)
    state = STATE_LABELS.get(services.state_of(post), "")
    return flash(redirect(f"/content/posts/{item_id}/edit/"), f"Approved. Status: {state}.")


@page(roles=TEACHERS_AND_ADMINS)
@require_http_methods(["GET", "HEAD"])
def sections(request, course_id: str):
    """A course's landing sections, for its teacher (and admins)."""
    actor, zone = request.actor, _zone(request)
    result = services.list_sections(actor=actor, course_id=course_id, manage=True, limit=100, cursor=None)
    course = course_services.get_course(actor=actor, course_id=course_id)
    rows = []
    for item in result.items:
        row = _item_row(Kind.SECTION, item, zone)
        row["edit_url"] = f"/content/courses/{course_id}/sections/{item['id']}/edit/"
        row["topic_label"] = TOPIC_LABELS.get(item.get("topic"), "")
        rows.append(row)
    return _shell(request, "content/sections.html", {"course": course, "rows": rows})


@page(roles=TEACHERS_AND_ADMINS)
@require_http_methods(["GET", "HEAD", "POST"])
def section_new(request, course_id: str):
    return _editor(request, Kind.SECTION, None, course_id=course_id)


@page(roles=TEACHERS_AND_ADMINS)
@require_http_methods(["GET", "HEAD", "POST"])
def section_edit(request, course_id: str, item_id: str):
    return _editor(request, Kind.SECTION, item_id, course_id=course_id)


@page(roles=TEACHERS_AND_ADMINS, back="/content/courses/{course_id}/sections/")
@require_POST
def section_delete(request, course_id: str, item_id: str):
    services.delete_section(actor=request.actor, course_id=course_id, section_id=item_id)
    return flash(redirect(f"/content/courses/{course_id}/sections/"), "The section is deleted.")


@page(roles=TEACHERS_AND_ADMINS, back="/content/courses/{course_id}/sections/{item_id}/edit/")
@require_POST
def section_restore(request, course_id: str, item_id: str, number: int):
    services.restore_section_revision(actor=request.actor, course_id=course_id, section_id=item_id, number=number)
    return flash(
        redirect(f"/content/courses/{course_id}/sections/{item_id}/edit/"),
        f"Version {number} is back as the current one.",
    )
