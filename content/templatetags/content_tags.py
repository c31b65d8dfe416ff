"""Template tags other apps' templates use to show content without importing it in Python.

`{% load content_tags %}{% course_sections course.id manager %}` renders a course's published
landing sections (cached per course) and, for its managers, a link to edit them. The courses app's
Python code never imports content: only its course page template asks for this tag.
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from content import cache as content_cache
from content import services
from content.services import Kind
from cplatform import errors

register = template.Library()


def _sections_payload(course_id: str) -> tuple[str, int | None]:
    page = services.list_sections(actor=None, course_id=course_id, manage=False, limit=100, cursor=None)
    sections = [
        {
            "id": item["id"],
            "title": item.get("title", ""),
            "topic": item.get("topic", ""),
            "body_html": item["body_html"],
        }
        for item in page.items
    ]
    faq = services.list_faqs(actor=None, course_id=course_id, manage=False, limit=50, cursor=None)
    questions = [{"id": item["id"], "title": item.get("title", ""), "html": item["body_html"]} for item in faq.items]
    html = render_to_string("content/_course_sections.html", {"sections": sections, "questions": questions})
    return html, services.seconds_until_next_scheduled(Kind.FAQ)


@register.simple_tag
def course_sections(course_id: str, manager: bool = False) -> str:
    """The published sections and FAQ entries of a (non-draft) course; a draft course's show to nobody here."""
    try:
        html, _ = content_cache.cached(
            f"sections:{course_id}",
            (Kind.SECTION, Kind.FAQ, f"course:{course_id}"),
            lambda: _sections_payload(course_id),
        )
    except errors.NotFound:
        html = ""
    link = ""
    if manager:
        link = format_html(
            '<p class="small-print"><a href="/content/courses/{}/sections/" id="manage-sections">'
            "Edit the course page sections</a></p>",
            course_id,
        )
    return mark_safe(html + link)  # noqa: S308 - our template's output from sanitised HTML, and format_html
