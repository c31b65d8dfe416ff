"""Pages, blog posts, FAQ entries and course landing sections: writing, publishing, reading.

Every function takes the acting user explicitly (None for an anonymous visitor) and raises
cplatform.errors on refusal. Markdown is rendered and sanitised here, on save; readers get the
stored HTML. Each write invalidates the cached fragments of its kind after it committed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.text import slugify
from unidecode import unidecode

from content import cache as content_cache
from content import markdown
from content.access import (
    DRAFT,
    NOT_FOUND,
    PENDING,
    PUBLISHED,
    access_item,
    can_manage,
    is_admin,
    is_teacher,
    is_visible,
    now_utc,
    require_create,
)
from courses.access import access_course as _access_course
from cplatform import errors, images, text
from cplatform.actor import Actor
from firestore_operations import content as store
from firestore_operations import storage
from firestore_operations import users as user_store
from firestore_operations.content import Kind, SaveOutcome
from firestore_operations.documents import server_time
from firestore_operations.pagination import InvalidCursor, Page

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
HOME_SLUG = "home"
SECTION_TOPICS = ("learn", "requirements", "audience", "syllabus", "other")
LAYOUTS = ("standard", "landing")
COVER_MAX_SIDE = 1600
SEARCH_MAX_CHARS = 100
BODY_WORDS_INDEXED = 300
MAX_SEARCH_TOKENS = 600
# The fields each kind lets an editor change; revisions keep these (minus status and publish_at,
# so restoring an old version never publishes or unpublishes anything).
EDITABLE = {
    Kind.PAGE: (
        "title", "slug", "body_md", "seo_title", "seo_description", "layout", "hero_text",
        "featured_course_ids", "featured_teacher_uids", "status", "publish_at",
    ),
    Kind.POST: ("title", "slug", "body_md", "seo_title", "seo_description", "tags", "status", "publish_at"),
    Kind.FAQ: ("title", "body_md", "section", "position", "course_id", "status", "publish_at"),
    Kind.SECTION: ("title", "body_md", "topic", "position", "status"),
}  # fmt: skip
PUBLICATION_FIELDS = ("status", "publish_at")
# An anonymous visitor as the courses rules see one (no role: published courses only).
ANONYMOUS = Actor(uid="", email="", role=None)


def access_course(actor: Actor, course_id: str, *, for_write: bool = False) -> dict:
    """courses.access.access_course, after refusing ids Firestore could not even look up (404, not 500)."""
    if not store.valid_id(course_id):
        raise errors.NotFound("No such course.")
    return _access_course(actor, course_id, for_write=for_write)


def _revision_fields(kind: Kind) -> tuple[str, ...]:
    return tuple(name for name in EDITABLE[kind] if name not in PUBLICATION_FIELDS)


def _cursor_error(exc: Exception) -> errors.ValidationError:
    return errors.ValidationError("The cursor is not valid for this list.", fields={"cursor": ["Invalid."]})


# --- derived fields ----------------------------------------------------------------------------------


def slug_from(title: str) -> str:
    slug = slugify(unidecode(title or ""))[:SLUG_MAX].strip("-")
    return slug or "untitled"


def normalize_tag(tag: str) -> str:
    return slugify(unidecode(tag))[:30].strip("-")


def _body_tokens(body_text: str) -> list[str]:
    tokens: dict[str, None] = {}
    for word in list(dict.fromkeys(text.words(body_text)))[:BODY_WORDS_INDEXED]:
        for token in [word[: text.MAX_PREFIX]] if len(word) < 3 else text.prefixes(word, minimum=3):
            tokens.setdefault(token, None)
    return list(tokens)


def derived_fields(kind: Kind, item: dict) -> dict:
    """Fields computed from the item's own (HTML, excerpt, reading time, search tokens)."""
    html = markdown.render(item.get("body_md", ""))
    derived = {"body_html": html, "excerpt": markdown.excerpt(html)}
    if kind == Kind.POST:
        derived["reading_minutes"] = markdown.reading_minutes(html)
        title_tokens = text.prefix_tokens(item.get("title", ""), *item.get("tags", []))
        everything = dict.fromkeys([*title_tokens, *_body_tokens(markdown.plain_text(html))])
        derived["search_tokens"] = list(everything)[:MAX_SEARCH_TOKENS]
    return derived


# --- publication rules ---------------------------------------------------------------------------------


def _publication(actor: Actor, kind: Kind, current: dict | None, data: dict) -> dict:
    """The status and publish_at to store, from the request and the item as it is.

    Teachers' posts never publish themselves: a teacher submits (pending) and an admin approves; a
    teacher's change to a published post sends it back to review. A scheduled item is stored as
    published with a future publish_at.
    """
    current = current or {}
    status = data.get("status", current.get("status", DRAFT))
    publish_at = data.get("publish_at", current.get("publish_at"))
    if status == PENDING and kind != Kind.POST:
        raise errors.ValidationError(
            "Only blog posts wait for review; choose draft or published.", fields={"status": ["Not available."]}
        )
    if kind == Kind.POST and not is_admin(actor):
        if status == PUBLISHED and "status" in data:
            raise errors.PermissionDenied(
                "An admin approves teachers' posts before they go public: submit it for review (status "
                "pending) instead.",
                code="needs_approval",
                fields={"status": ["Choose draft or pending."]},
            )
        if current.get("status") == PUBLISHED:
            status = PENDING  # edited after approval: back to review, off the public site meanwhile
    result = {"status": status}
    if status == PUBLISHED:
        stored = current.get("publish_at")
        scheduled = isinstance(stored, dt.datetime) and stored > now_utc()
        if "publish_at" in data and data["publish_at"] is not None:
            result["publish_at"] = data["publish_at"]
        elif "publish_at" in data and current.get("status") == PUBLISHED and scheduled:
            result["publish_at"] = server_time()  # the schedule was cleared: publish now
        elif current.get("status") != PUBLISHED or not current.get("publish_at"):
            result["publish_at"] = publish_at if isinstance(publish_at, dt.datetime) else server_time()
    elif "publish_at" in data:
        result["publish_at"] = data["publish_at"]  # the requested time, kept for the approval
    return result


def state_of(item: dict, *, now: dt.datetime | None = None) -> str:
    """draft | pending | scheduled | published: what editors see."""
    status = item.get("status", DRAFT)
    if status == PUBLISHED and not is_visible(item, now=now):
        return "scheduled"
    return status


# --- writing ---------------------------------------------------------------------------------------------


def _check_slug(slug: str) -> str:
    if not SLUG.match(slug) or len(slug) > SLUG_MAX:
        raise errors.ValidationError(
            "Use lowercase letters, digits and single hyphens for the address (e.g. my-first-post).",
            fields={"slug": ["Not a valid address."]},
        )
    return slug


def _slug_taken(slug: str) -> errors.Conflict:
    return errors.Conflict(
        f"The address “{slug}” is already used by another item; choose another one.",
        code="slug_taken",
        fields={"slug": ["Already used."]},
    )


def _clean_fields(kind: Kind, data: dict) -> dict:
    clean = {name: value for name, value in data.items() if name in EDITABLE[kind]}
    if "tags" in clean:
        clean["tags"] = list(dict.fromkeys(tag for tag in map(normalize_tag, clean["tags"]) if tag))
    if "slug" in clean:
        if clean["slug"]:
            clean["slug"] = _check_slug(clean["slug"])
        else:
            del clean["slug"]  # left empty: keep the current address (or make one from the title)
    for name in ("featured_course_ids", "featured_teacher_uids"):
        if name in clean:
            clean[name] = list(dict.fromkeys(clean[name]))
    return clean


def create_item(*, actor: Actor, kind: Kind, data: dict, course_id: str | None = None) -> dict:
    """A new page, post, FAQ entry or (with course_id) course section. Raises PermissionDenied,
    NotFound (course), Conflict (slug taken), ValidationError."""
    require_create(actor, kind)
    item = _clean_fields(kind, data)
    item.setdefault("body_md", "")
    if kind in (Kind.PAGE, Kind.POST):
        item.setdefault("seo_title", "")
        item.setdefault("seo_description", "")
    if kind == Kind.POST:
        item.setdefault("tags", [])
    if kind == Kind.PAGE:
        item.setdefault("hero_text", "")
        item.setdefault("featured_course_ids", [])
        item.setdefault("featured_teacher_uids", [])
    if kind == Kind.SECTION:
        course = access_course(actor, course_id or "", for_write=True)
        item["course_id"] = course["id"]
        item["teacher_uid"] = course["teacher_uid"]
        item.setdefault("topic", "other")
        item.setdefault("position", 0)
    if kind == Kind.FAQ:
        item.setdefault("section", "General")
        item.setdefault("position", 0)
        item.setdefault("course_id", None)
        if item["course_id"]:
            access_course(actor, item["course_id"])
    if kind == Kind.PAGE:
        item.setdefault("layout", "standard")
    item["author_uid"] = actor.uid
    item["author_name"] = _author_name(actor)
    item.update(_publication(actor, kind, None, data))
    item.setdefault("publish_at", None)
    item.update(derived_fields(kind, item))
    if kind == Kind.POST:
        item.update({"cover_path": None, "cover_type": None, "cover_version": 0})
    explicit_slug = bool(item.get("slug"))
    if kind in (Kind.PAGE, Kind.POST) and not explicit_slug:
        item["slug"] = slug_from(item.get("title", ""))
    item_id = store.new_id(kind)
    for attempt in range(1, 6):
        outcome = store.create_item(
            kind,
            item_id,
            item,
            revision=_revision(kind, item, actor),
            keep_revisions=settings.CONTENT_REVISIONS_KEPT,
        )
        if outcome == SaveOutcome.SAVED:
            break
        if explicit_slug or kind not in (Kind.PAGE, Kind.POST):
            raise _slug_taken(item.get("slug", ""))
        base = slug_from(item.get("title", ""))[: SLUG_MAX - 8]
        item["slug"] = f"{base}-{attempt + 1}" if attempt < 4 else f"{base}-{item_id[:6].lower()}"
    else:
        raise _slug_taken(item.get("slug", ""))
    _changed(kind, item)
    return _get(kind, item_id)


def _author_name(actor: Actor) -> str:
    profile = user_store.get_profile(actor.uid) or {}
    return profile.get("display_name", "")


def _revision(kind: Kind, item: dict, actor: Actor) -> dict:
    return {
        **{name: item.get(name) for name in _revision_fields(kind)},
        "saved_by": actor.uid,
        "saved_by_name": _author_name(actor),
    }


def _get(kind: Kind, item_id: str) -> dict:
    item = store.get_item(kind, item_id)
    if item is None:
        raise errors.NotFound(NOT_FOUND[kind])
    return item


def _changed(kind: Kind, item: dict) -> None:
    scopes: list = [kind]
    if kind == Kind.SECTION:
        scopes.append(f"course:{item.get('course_id')}")
    content_cache.invalidate(*scopes)


def update_item(*, actor: Actor, kind: Kind, item_id: str, changes: dict) -> dict:
    """Change an item (its manager only). Raises NotFound, PermissionDenied, Conflict, ValidationError."""
    access_item(actor, kind, item_id, for_write=True)
    clean = _clean_fields(kind, changes)
    if kind == Kind.FAQ and clean.get("course_id"):
        access_course(actor, clean["course_id"])
    name = _author_name(actor)

    def decide(current: dict) -> dict:
        if not can_manage(actor, kind, current):
            raise errors.PermissionDenied("You can no longer change this item.")
        merged = {**current, **clean}
        result = {**clean, **_publication(actor, kind, current, clean)}
        if set(clean) - set(PUBLICATION_FIELDS) or not clean:
            result.update(derived_fields(kind, merged))
        return result

    def revision_of(merged: dict) -> dict:
        return {
            **{field: merged.get(field) for field in _revision_fields(kind)},
            "saved_by": actor.uid,
            "saved_by_name": name,
        }

    outcome, _ = store.update_item(
        kind, item_id, decide, revision_of=revision_of, keep_revisions=settings.CONTENT_REVISIONS_KEPT
    )
    if outcome == SaveOutcome.MISSING:
        raise errors.NotFound(NOT_FOUND[kind])
    if outcome == SaveOutcome.SLUG_TAKEN:
        raise _slug_taken(clean.get("slug", ""))
    after = _get(kind, item_id)
    _changed(kind, after)
    return after


def approve_post(*, actor: Actor, post_id: str, publish_at: dt.datetime | None = None) -> dict:
    """An admin publishes a post waiting for review (at publish_at, or at the time its author asked
    for, or now). Raises PermissionDenied, NotFound, Conflict (not waiting)."""
    if not is_admin(actor):
        raise errors.PermissionDenied("Only admins approve posts.", code="wrong_role")
    access_item(actor, Kind.POST, post_id, for_write=True)

    def decide(current: dict) -> dict:
        if current.get("status") != PENDING:
            raise errors.Conflict("This post is not waiting for review.", code="not_pending")
        requested = current.get("publish_at")
        when = publish_at or (requested if isinstance(requested, dt.datetime) and requested > now_utc() else None)
        return {"status": PUBLISHED, "publish_at": when or server_time(), "approved_by": actor.uid}

    outcome, _ = store.update_item(Kind.POST, post_id, decide, revision_of=None, keep_revisions=0)
    if outcome == SaveOutcome.MISSING:
        raise errors.NotFound(NOT_FOUND[Kind.POST])
    after = _get(Kind.POST, post_id)
    _changed(Kind.POST, after)
    return after


def delete_item(*, actor: Actor, kind: Kind, item_id: str) -> None:
    """Raises NotFound, PermissionDenied."""
    access_item(actor, kind, item_id, for_write=True)
    deleted = store.delete_item(kind, item_id)
    if deleted is None:
        raise errors.NotFound(NOT_FOUND[kind])
    if deleted.get("cover_path"):
        storage.delete_blob(deleted["cover_path"])
    _changed(kind, deleted)


def get_item(*, actor: Actor | None, kind: Kind, item_id: str) -> dict:
    """Raises NotFound (drafts, pending and scheduled items are invisible to all but their managers)."""
    return access_item(actor, kind, item_id)


def get_item_for_edit(*, actor: Actor, kind: Kind, item_id: str) -> dict:
    """Raises NotFound (or PermissionDenied when the item is public but not the actor's to change)."""
    return access_item(actor, kind, item_id, for_write=True)


# --- revisions ---------------------------------------------------------------------------------------


def list_revisions(*, actor: Actor, kind: Kind, item_id: str) -> list[dict]:
    access_item(actor, kind, item_id, for_write=True)
    return store.list_revisions(kind, item_id, limit=settings.CONTENT_REVISIONS_KEPT)


def restore_revision(*, actor: Actor, kind: Kind, item_id: str, number: int) -> dict:
    """Make an old version the current one (as a new revision; status and schedule stay as they are).

    Raises NotFound (no such revision any more), PermissionDenied, Conflict (its slug is taken).
    """
    access_item(actor, kind, item_id, for_write=True)
    revision = store.get_revision(kind, item_id, number)
    if revision is None:
        raise errors.NotFound("That version is no longer kept.")
    changes = {name: revision[name] for name in _revision_fields(kind) if revision.get(name) is not None}
    if not changes.get("slug"):
        changes.pop("slug", None)
    return update_item(actor=actor, kind=kind, item_id=item_id, changes=changes)


# --- covers ---------------------------------------------------------------------------------------------


def set_post_cover(*, actor: Actor, post_id: str, upload) -> dict:
    """Store a checked, shrunk cover image. Raises NotFound, PermissionDenied, PayloadTooLarge, UnsupportedMediaType."""
    post = access_item(actor, Kind.POST, post_id, for_write=True)
    data, content_type = images.normalize_image(
        upload, max_bytes=settings.COVER_MAX_BYTES, max_side=COVER_MAX_SIDE, field="cover"
    )
    path = f"content/posts/{post_id}/cover"
    storage.upload_bytes(path, data, content_type)
    changes = {"cover_path": path, "cover_type": content_type, "cover_version": int(post.get("cover_version", 0)) + 1}
    if not store.set_item_fields(Kind.POST, post_id, changes):
        storage.delete_blob(path)
        raise errors.NotFound(NOT_FOUND[Kind.POST])
    after = _get(Kind.POST, post_id)
    _changed(Kind.POST, after)
    return after


def get_post_cover(*, actor: Actor | None, post_id: str) -> tuple[bytes, str]:
    """Raises NotFound (no post the actor may see, or no cover)."""
    post = access_item(actor, Kind.POST, post_id)
    data = storage.read_bytes(post["cover_path"]) if post.get("cover_path") else None
    if data is None:
        raise errors.NotFound("This post has no cover image.")
    return data, post.get("cover_type") or "image/jpeg"


# --- reading lists -----------------------------------------------------------------------------------


def _search_terms(q: str) -> list[str]:
    if len(q) > SEARCH_MAX_CHARS:
        raise errors.ValidationError(
            f"The search text is too long: at most {SEARCH_MAX_CHARS} characters.", fields={"q": ["Too long."]}
        )
    terms = list(dict.fromkeys(text.query_terms(q)))
    if not terms:
        raise errors.ValidationError("Type at least one letter or digit to search.", fields={"q": ["No words."]})
    return terms


@dataclass
class ListQuery:
    manage: bool = False  # the items the actor manages, in every status
    tag: str | None = None
    q: str | None = None
    slug: str | None = None


def list_items(*, actor: Actor | None, kind: Kind, query: ListQuery, limit: int, cursor: str | None) -> Page:
    """Pages or posts. Public: published and due, newest first, by tag and/or words. With manage:
    what the actor may change (admins: all; teachers: their own posts), last changed first.

    Raises ValidationError, PermissionDenied.
    """
    try:
        if query.manage:
            if is_admin(actor):
                return store.list_managed(kind, author_uid=None, limit=limit, cursor=cursor)
            if is_teacher(actor) and kind == Kind.POST:
                return store.list_managed(kind, author_uid=actor.uid, limit=limit, cursor=cursor)
            raise errors.PermissionDenied("You manage no items of this kind.", code="wrong_role")
        if query.slug:
            item = find_by_slug(actor=actor, kind=kind, slug=query.slug, public=True)
            return Page(items=[item.item] if item.item else [])
        tag = normalize_tag(query.tag) if query.tag else None
        if query.q:
            terms = _search_terms(query.q)
            longest = max(terms, key=len)

            def keep(item: dict) -> bool:
                tokens = set(item.get("search_tokens", []))
                return all(term in tokens for term in terms)

            return store.list_published(
                kind, now=now_utc(), limit=limit, cursor=cursor, tag=tag, token=None if tag else longest, keep=keep
            )
        return store.list_published(kind, now=now_utc(), limit=limit, cursor=cursor, tag=tag)
    except InvalidCursor as exc:
        raise _cursor_error(exc) from exc


@dataclass
class SlugLookup:
    item: dict | None = None
    redirect_to: str | None = None  # the current slug when an old one was asked for


def find_by_slug(*, actor: Actor | None, kind: Kind, slug: str, public: bool = False) -> SlugLookup:
    """The item at this address, or where it moved. Raises NotFound."""
    record = store.get_slug(kind, slug)
    if record is None:
        raise errors.NotFound(NOT_FOUND[kind])
    item = store.get_item(kind, record["item_id"])
    if item is None or (not is_visible(item) and (public or not can_manage(actor, kind, item))):
        raise errors.NotFound(NOT_FOUND[kind])
    if not record.get("current") and item.get("slug") != slug:
        return SlugLookup(item=item, redirect_to=item["slug"])
    return SlugLookup(item=item)


def list_faqs(*, actor: Actor | None, course_id: str | None, manage: bool, limit: int, cursor: str | None) -> Page:
    """FAQ entries by section then position; public lists show published ones only."""
    if manage and not is_admin(actor):
        raise errors.PermissionDenied("Only admins manage FAQ entries.", code="wrong_role")
    equals: dict = {}
    if course_id:
        access_course(actor or ANONYMOUS, course_id)
        equals["course_id"] = course_id
    if not manage:
        equals["status"] = PUBLISHED
    now = now_utc()
    try:
        return store.list_ordered(
            Kind.FAQ,
            equals=equals,
            order=["section", "position"],
            limit=limit,
            cursor=cursor,
            keep=None if manage else (lambda item: is_visible(item, now=now)),
        )
    except InvalidCursor as exc:
        raise _cursor_error(exc) from exc


def list_sections(*, actor: Actor | None, course_id: str, manage: bool, limit: int, cursor: str | None) -> Page:
    """A course's landing sections by position. Raises NotFound (no such course), PermissionDenied."""
    if manage:
        access_course(actor or ANONYMOUS, course_id, for_write=True)
        equals = {"course_id": course_id}
    else:
        access_course(actor or ANONYMOUS, course_id)
        equals = {"course_id": course_id, "status": PUBLISHED}
    try:
        return store.list_ordered(Kind.SECTION, equals=equals, order=["position"], limit=limit, cursor=cursor)
    except InvalidCursor as exc:
        raise _cursor_error(exc) from exc


def access_section(actor: Actor | None, course_id: str, section_id: str, *, for_write: bool = False) -> dict:
    item = access_item(actor, Kind.SECTION, section_id, for_write=for_write)
    if item.get("course_id") != course_id:
        raise errors.NotFound(NOT_FOUND[Kind.SECTION])
    return item


def preview(*, actor: Actor, body_md: str) -> dict:
    """The sanitised HTML an editor's Markdown becomes (nothing is stored)."""
    html = markdown.render(body_md)
    return {"html": html, "reading_minutes": markdown.reading_minutes(html)}


def get_section(*, actor: Actor | None, course_id: str, section_id: str) -> dict:
    return access_section(actor, course_id, section_id)


def update_section(*, actor: Actor, course_id: str, section_id: str, changes: dict) -> dict:
    """Raises NotFound (not a section of this course), PermissionDenied, ValidationError."""
    access_section(actor, course_id, section_id, for_write=True)
    return update_item(actor=actor, kind=Kind.SECTION, item_id=section_id, changes=changes)


def list_section_revisions(*, actor: Actor, course_id: str, section_id: str) -> list[dict]:
    access_section(actor, course_id, section_id, for_write=True)
    return list_revisions(actor=actor, kind=Kind.SECTION, item_id=section_id)


def restore_section_revision(*, actor: Actor, course_id: str, section_id: str, number: int) -> dict:
    access_section(actor, course_id, section_id, for_write=True)
    return restore_revision(actor=actor, kind=Kind.SECTION, item_id=section_id, number=number)


def delete_section(*, actor: Actor, course_id: str, section_id: str) -> None:
    access_section(actor, course_id, section_id, for_write=True)
    delete_item(actor=actor, kind=Kind.SECTION, item_id=section_id)


def delete_course_sections(*, course_id: str) -> int:
    """Remove a deleted course's landing sections (called on the courses app's course_deleted signal)."""
    sections = list(store.iter_ordered(Kind.SECTION, equals={"course_id": course_id}, order=["position"]))
    for section in sections:
        store.delete_item(Kind.SECTION, section["id"])
    if sections:
        content_cache.invalidate(Kind.SECTION, f"course:{course_id}")
    return len(sections)


# --- what the public pages read -------------------------------------------------------------------


def seconds_until_next_scheduled(kind: Kind) -> int | None:
    """Seconds until the next scheduled item of this kind turns visible: a cached list must expire then."""
    now = now_utc()
    return content_cache.seconds_until(store.next_scheduled(kind, now=now), now=now)


def iter_public(kind: Kind):
    """Every page or post visible now, newest first, read page by page (sitemap)."""
    yield from store.iter_published(kind, now=now_utc())


def public_faq() -> list[tuple[str, list[dict]]]:
    """The site's FAQ (entries not tied to a course) visible now, as [(section, entries)] in order."""
    now = now_utc()
    sections: dict[str, list[dict]] = {}
    for entry in store.iter_ordered(Kind.FAQ, equals={"status": PUBLISHED}, order=["section", "position"]):
        if entry.get("course_id") or not is_visible(entry, now=now):
            continue
        sections.setdefault(entry.get("section") or "General", []).append(entry)
    return list(sections.items())


def can_edit(actor: Actor | None, kind: Kind, item_id: str) -> bool:
    """Whether the actor may change the item (for an Edit link; one read, only for editors)."""
    if not (is_admin(actor) or (is_teacher(actor) and kind in (Kind.POST, Kind.SECTION))):
        return False
    item = store.get_item(kind, item_id)
    return item is not None and can_manage(actor, kind, item)


def public_teacher(uid: str) -> dict:
    """A teacher's public profile (name, bio, photo, subjects, teaching languages and levels).

    Raises NotFound (unknown, disabled, or not a teacher)."""
    profile = user_store.get_profile(uid) if store.valid_id(uid) else None
    if profile is None or profile.get("role") != "teacher" or profile.get("disabled"):
        raise errors.NotFound("No such teacher.")
    teacher = profile.get("teacher") or {}
    preferences = teacher.get("teaching_preferences") or {}
    return {
        "uid": uid,
        "name": profile.get("display_name", ""),
        "bio": profile.get("bio") or "",
        "subjects": teacher.get("subjects", []),
        "languages": preferences.get("languages", []),
        "levels": preferences.get("levels", []),
        "has_photo": bool(profile.get("photo_path") or profile.get("external_photo_url")),
        "photo_path": profile.get("photo_path"),
        "photo_version": profile.get("photo_version", 0),
        "external_photo_url": profile.get("external_photo_url"),
    }


def public_teachers(uids: list[str]) -> list[dict]:
    """The teachers among these uids, in that order, as public profiles (one batched read)."""
    profiles = user_store.get_profiles([uid for uid in uids if store.valid_id(uid)])
    return [
        {"uid": uid, "name": profiles[uid].get("display_name", ""), "bio": (profiles[uid].get("bio") or "")[:160]}
        for uid in uids
        if uid in profiles and profiles[uid].get("role") == "teacher"
    ]


def follow_author_rename(*, uid: str, display_name: str) -> None:
    """Keep the author name copied onto items current after a profile rename (signal from accounts)."""
    if store.update_author_name(uid, display_name):
        content_cache.invalidate(*Kind)
