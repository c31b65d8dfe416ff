"""What several course pages share: the viewer's time zone, rendering in it, list paging, and courses,
materials and money shaped for the templates (the API's representation plus display strings)."""

from __future__ import annotations

import datetime as dt
import decimal
import zoneinfo
from urllib.parse import urlencode

from django.utils import timezone

from authentication.viewer import viewer
from courses import clock
from courses.access import ARCHIVED, DRAFT, PUBLISHED
from courses.catalog.serializers import course_representation
from courses.catalog.services import LEVELS
from courses.materials.serializers import material_representation
from cplatform import errors
from cplatform.pages import FIX_FIELDS, FormErrors, render_form, validate_form
from cplatform.serializers import CursorPageQuery

LIST_SIZE = 50
LEVEL_LABELS = {level: level.capitalize() for level in LEVELS}
STATUS_LABELS = {DRAFT: "Draft", PUBLISHED: "Published", ARCHIVED: "Archived"}


# --- time zone -------------------------------------------------------------------------------------


def zone(request) -> zoneinfo.ZoneInfo:
    """The viewer's time zone (one profile read per request, remembered on the request)."""
    return viewer(request).zone


def render(request, template: str, context: dict, *failures: FormErrors):
    """render_form with the viewer's time zone active, so templates show local times."""
    viewer_zone = zone(request)
    with timezone.override(viewer_zone):
        return render_form(request, template, {**context, "zone_name": str(viewer_zone)}, *failures)


def today(request) -> dt.date:
    """Today's date where the viewer is."""
    return clock.now_utc().astimezone(zone(request)).date()


def start_of_today(request) -> dt.datetime:
    # Stable for the whole day, so a list's cursor made this morning still fits its query tonight.
    viewer_zone = zone(request)
    return dt.datetime.combine(today(request), dt.time(0), tzinfo=viewer_zone).astimezone(dt.UTC)


# --- forms and lists -------------------------------------------------------------------------------


def validate_page_form(serializer_class, data: dict, problems: dict, **kwargs) -> dict:
    """validate_form, with the problems the page found itself (inputs it could not even read, such as
    a price or a local time) reported next to the serializer's. Raises ValidationError."""
    try:
        validated = validate_form(serializer_class, data, **kwargs)
    except errors.ValidationError as exc:
        raise errors.ValidationError(exc.message, fields={**exc.fields, **problems}) from exc
    if problems:
        raise errors.ValidationError(FIX_FIELDS, fields=problems)
    return dict(validated)


def list_query(cursor: str) -> dict:
    """A list page's limit and cursor, checked by the API's page query. Raises ValidationError."""
    return validate_form(CursorPageQuery, {"limit": LIST_SIZE, "cursor": cursor})


def next_url(kept: dict, cursor: str | None) -> str | None:
    return f"?{urlencode({**kept, 'cursor': cursor})}" if cursor else None


# --- display strings -------------------------------------------------------------------------------


def amount_label(amount: int) -> str:
    """Minor units (cents) as a decimal amount: 4900 -> '49.00'."""
    return f"{decimal.Decimal(amount) / 100:.2f}"


def money(price: dict | None) -> str:
    if not price:
        return "Free"
    return f"{amount_label(price['amount'])} {price.get('currency', '')}"


def stars(rating) -> str:
    rating = max(0, min(5, round(float(rating or 0))))
    return "★" * rating + "☆" * (5 - rating)


def course_view(course: dict) -> dict:
    """A course as the templates show it: the API's representation plus display strings."""
    data = course_representation(course)
    data["price_label"] = money(data.get("price"))
    data["level_label"] = LEVEL_LABELS.get(data.get("level"), data.get("level", ""))
    data["status_label"] = STATUS_LABELS.get(data.get("status"), data.get("status", ""))
    data["rating_label"] = f"{data['rating_avg']:.1f}" if data.get("rating_count") else ""
    data["stars"] = stars(data.get("rating_avg")) if data.get("rating_count") else ""
    return data


def size_label(size: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def material_view(material: dict) -> dict:
    data = material_representation(material)
    data["size_label"] = size_label(int(data.get("size") or 0))
    return data
