"""Demo content for `manage.py seed_content` (run by `make run` after seed_demo): the visitors' home
page, about/terms/privacy, a few blog posts (one written by a teacher and approved), FAQ entries and
the landing sections of a demo course. Safe to run again: whatever exists is kept."""

from __future__ import annotations

import datetime as dt

from content import services
from cplatform import errors
from cplatform.actor import Actor
from firestore_operations import content as store
from firestore_operations.content import Kind

PAGES = [
    {
        "slug": "home",
        "title": "Learn live with teachers who know you",
        "layout": "landing",
        "hero_text": "Small live classes, real-time chat, and parents who stay in the loop.",
        "body_md": "Pick a course, meet your teacher online and learn at your pace.\n\n"
        "| For | What you get |\n|---|---|\n| Students | live lessons, materials, feedback |\n"
        "| Parents | progress and a direct line to teachers |\n| Teachers | courses, schedules, payments |",
        "featured_course_ids": ["demo-algebra-from-scratch", "demo-algorithms", "demo-french-for-beginners"],
    },
    {"slug": "about", "title": "About us", "body_md": "We are a small team of teachers and engineers."},
    {"slug": "terms", "title": "Terms of use", "body_md": "## 1. Accounts\n\nOne account per person."},
    {"slug": "privacy", "title": "Privacy", "body_md": "We keep only what teaching needs. No ads, no tracking."},
]
POSTS = [
    {
        "slug": "welcome-to-the-blog",
        "title": "Welcome to the blog",
        "tags": ["news"],
        "body_md": "Every week: study tips, teacher stories and what is new on the platform.",
    },
    {
        "slug": "five-ways-to-revise-algebra",
        "title": "Five ways to revise algebra",
        "tags": ["maths", "study-tips"],
        "body_md": "1. Redo the worked examples **without** looking.\n2. Explain a step aloud.\n"
        "3. Mix old and new exercises.\n4. Sleep on it.\n5. Ask in the course chat.",
    },
]
TEACHER_POST = {
    "slug": "why-i-teach-online",
    "title": "Why I teach online",
    "tags": ["teaching"],
    "body_md": "Because a student in a small town deserves the same teacher as one in a big city.",
}
FAQ = [
    ("Getting started", 1, "How do I enrol in a course?", "Open the course and press **Enrol**."),
    ("Getting started", 2, "Can my parents follow my progress?", "Yes: give them your link code from your profile."),
    ("Payments", 1, "Which cards are accepted?", "Visa, Mastercard and American Express."),
]
SECTIONS = [
    ("learn", "What you will learn", "- Solve linear equations\n- Read and draw graphs\n- Work with functions"),
    ("requirements", "Requirements", "Arithmetic and a notebook. No calculator needed."),
    ("audience", "Who this course is for", "Anyone starting algebra, from 13 years old."),
]
SECTION_COURSE = "demo-algebra-from-scratch"


def _actor(profile: dict) -> Actor:
    return Actor(uid=profile["id"], email=profile.get("email", ""), role=profile["role"])


def _published(kind: Kind, slug: str) -> bool:
    return store.get_slug(kind, slug) is not None


def seed_content(*, admin: dict, teachers: list[dict]) -> int:
    """Create what is missing; returns how many items were created."""
    created = 0
    editor = _actor(admin)
    for spec in PAGES:
        if not _published(Kind.PAGE, spec["slug"]):
            data = {**spec, "status": "published"}
            if teachers and spec["slug"] == "home":
                data["featured_teacher_uids"] = [teacher["id"] for teacher in teachers]
            try:
                services.create_item(actor=editor, kind=Kind.PAGE, data=data)
            except errors.NotFound:
                continue
            created += 1
    for number, spec in enumerate(POSTS):
        if not _published(Kind.POST, spec["slug"]):
            when = dt.datetime.now(dt.UTC) - dt.timedelta(days=len(POSTS) - number)
            services.create_item(actor=editor, kind=Kind.POST, data={**spec, "status": "published", "publish_at": when})
            created += 1
    if teachers and not _published(Kind.POST, TEACHER_POST["slug"]):
        post = services.create_item(
            actor=_actor(teachers[0]), kind=Kind.POST, data={**TEACHER_POST, "status": "pending"}
        )
        services.approve_post(actor=editor, post_id=post["id"])
        created += 1
    existing_faq = {item["title"] for item in store.iter_ordered(Kind.FAQ, equals={}, order=["section", "position"])}
    for section, position, question, answer in FAQ:
        if question not in existing_faq:
            data = {"title": question, "body_md": answer, "section": section, "position": position}
            services.create_item(actor=editor, kind=Kind.FAQ, data={**data, "status": "published"})
            created += 1
    if teachers:
        created += _seed_sections(_actor(teachers[0]))
    return created


def _seed_sections(teacher: Actor) -> int:
    try:
        existing = services.list_sections(actor=teacher, course_id=SECTION_COURSE, manage=True, limit=100, cursor=None)
    except (errors.NotFound, errors.PermissionDenied):
        return 0  # the demo course is not there (or not hers): nothing to decorate
    titles = {item["title"] for item in existing.items}
    created = 0
    for position, (topic, title, body) in enumerate(SECTIONS):
        if title not in titles:
            data = {"title": title, "topic": topic, "body_md": body, "position": position, "status": "published"}
            services.create_item(actor=teacher, kind=Kind.SECTION, data=data, course_id=SECTION_COURSE)
            created += 1
    return created
