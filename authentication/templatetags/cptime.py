"""`{% when value [style] %}`: the one way a page shows a moment (authentication.viewer's rule).

A builtin (settings.TEMPLATES), so no template needs to load it. Styles: datetime (default),
date, time, time_label, short, month and day (a calendar chip).
"""

from __future__ import annotations

from django import template

from authentication.viewer import UTC_VIEWER, format_when, viewer

register = template.Library()


@register.simple_tag(takes_context=True)
def when(context, value, style: str = "datetime") -> str:
    request = context.get("request")
    return format_when(value, viewer(request) if request is not None else UTC_VIEWER, style)
