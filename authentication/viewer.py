"""Who is looking at a page, as the page needs it: their name, time zone and locale (one profile read
per request, remembered on the request), and the one rule for showing a moment to them.

The rule: every time on a page, in a flash message, a notification or a code's expiry is shown in the
viewer's profile time zone, labelled with the zone's abbreviation, in the locale's clock (12 h for
en-US, 24 h elsewhere). Templates use `{% when value %}` (authentication.templatetags.cptime, a
builtin); Python code uses `format_when`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.utils.functional import SimpleLazyObject

from authentication import services
from cplatform import errors

# Locales whose people read a 12-hour clock.
TWELVE_HOUR_LOCALES = frozenset({"en-US", "en-CA", "en-AU", "en-PH", "en-IN"})
STYLES = ("datetime", "date", "time", "time_label", "short")


@dataclass(frozen=True)
class Viewer:
    name: str
    zone: dt.tzinfo
    locale: str

    @property
    def zone_name(self) -> str:
        return str(self.zone)

    @property
    def hour12(self) -> bool:
        return self.locale in TWELVE_HOUR_LOCALES


UTC_VIEWER = Viewer(name="", zone=zoneinfo.ZoneInfo("UTC"), locale="en")


def viewer(request) -> Viewer:
    """The viewer of this request (visitors and unreadable profiles: UTC, English)."""
    cached = getattr(request, "_cp_viewer", None)
    if cached is not None:
        return cached
    actor = getattr(request, "actor", None)
    result = UTC_VIEWER
    if actor is not None and getattr(actor, "uid", "") and getattr(actor, "is_authenticated", False):
        try:
            profile = services.get_my_profile(actor=actor)
        except errors.DomainError:
            profile = {}
        try:
            zone = zoneinfo.ZoneInfo(profile.get("timezone") or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = UTC_VIEWER.zone
        name = profile.get("display_name") or (actor.email or "").split("@")[0]
        result = Viewer(name=name, zone=zone, locale=profile.get("locale") or "en")
    request._cp_viewer = result
    return result


def _moment(value) -> dt.datetime | None:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return None


def zone_label(local: dt.datetime) -> str:
    """CET, EST, or UTC+03 where the zone has no letters for itself."""
    abbreviation = local.strftime("%Z")
    if abbreviation and abbreviation[0] in "+-":
        return f"UTC{abbreviation}"
    return abbreviation or "UTC"


def _clock(local: dt.datetime, hour12: bool) -> str:
    if hour12:
        return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"
    return f"{local:%H:%M}"


def format_when(value, viewer_: Viewer, style: str = "datetime") -> str:
    """A moment (datetime or ISO 8601 text) in the viewer's zone and clock; '' for nothing."""
    moment = _moment(value)
    if moment is None:
        return ""
    local = moment.astimezone(viewer_.zone)
    clock, label = _clock(local, viewer_.hour12), zone_label(local)
    if viewer_.hour12:
        date, short_date = f"{local:%a}, {local:%b} {local.day}, {local.year}", f"{local:%b} {local.day}"
    else:
        date, short_date = f"{local:%a} {local.day} {local:%b} {local.year}", f"{local.day} {local:%b}"
    if style == "date":
        return date
    # A calendar chip's two halves: the viewer's month and day, which near midnight can differ
    # from the server's.
    if style == "month":
        return f"{local:%b}"
    if style == "day":
        return str(local.day)
    if style == "time":
        return clock
    if style == "time_label":
        return f"{clock} {label}"
    if style == "short":
        return f"{short_date}, {clock} {label}"
    return f"{date}, {clock} {label}"


def viewer_context(request) -> dict:
    """Template context: `viewer` (read only when a template uses it)."""
    return {"viewer": SimpleLazyObject(lambda: viewer(request))}
