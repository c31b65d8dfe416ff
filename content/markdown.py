"""Markdown to safe HTML: CommonMark + tables (markdown-it-py), then an allow-list sanitiser (nh3).

Rendered once when an item is saved (and for the editor's preview); pages show the stored HTML.
Raw HTML in the Markdown is parsed too, and everything goes through nh3, so what survives is only:
the tags in TAGS, the attributes in ATTRIBUTES, links to http(s)/mailto/same-site paths, and images
from https or this site's own paths. No script, style, event attribute, `javascript:`/`data:` URL,
iframe, form or SVG gets through (see docs/architecture.md "Content: sanitising").
"""

from __future__ import annotations

import html as html_module
import math
import re

import nh3
from markdown_it import MarkdownIt

TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub",
    "kbd", "abbr",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "abbr": {"title"},
    "th": {"class"},
    "td": {"class"},
    "code": {"class"},
}
ALIGN_CLASSES = {"text-left", "text-right", "text-center"}
LINK_SCHEMES = {"http", "https", "mailto"}
_ALIGN = re.compile(r'<(th|td) style="text-align:(left|right|center)">')
_LANGUAGE = re.compile(r"^language-[A-Za-z0-9_+-]{1,30}$")
WORDS_PER_MINUTE = 200

_parser = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")


def _safe_url(value: str, *, image: bool) -> bool:
    url = value.strip()
    lowered = url.lower()
    if lowered.startswith("//") or "\\" in url:
        return False  # protocol-relative: another host; backslashes are read as slashes by browsers
    if lowered.startswith("https://"):
        return True
    if image:
        # Images come from https hosts or our own storage-backed paths only.
        return url.startswith("/")
    if lowered.startswith(("http://", "mailto:")):
        return True
    return url.startswith(("/", "#")) or ":" not in url.split("/", 1)[0]


def _filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute in ("href", "src"):
        return value if _safe_url(value, image=tag == "img") else None
    if attribute == "class":
        if tag in ("th", "td"):
            return value if value in ALIGN_CLASSES else None
        return value if tag == "code" and _LANGUAGE.match(value) else None
    if attribute in ("width", "height", "start"):
        return value if value.isdigit() and len(value) <= 5 else None
    return value


def sanitize(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URLs."""
    html = _ALIGN.sub(lambda m: f'<{m.group(1)} class="text-{m.group(2)}">', html)
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=LINK_SCHEMES,
        attribute_filter=_filter,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render(markdown: str) -> str:
    """Sanitised HTML for Markdown text."""
    return sanitize(_parser.render(markdown or ""))


def plain_text(html: str) -> str:
    """The text of (sanitised) HTML, for excerpts, descriptions and word counts."""
    text = nh3.clean(html or "", tags=set())
    return html_module.unescape(re.sub(r"\s+", " ", text).strip())


def excerpt(html: str, length: int = 200) -> str:
    text = plain_text(html)
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def reading_minutes(html: str) -> int:
    words = len(plain_text(html).split())
    return max(1, math.ceil(words / WORDS_PER_MINUTE))
