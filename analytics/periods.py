"""Time for analytics: the UTC day and quarter-hour slot an event is counted in, and the viewer's periods.

Counters are stored per UTC day in 96 quarter-hour slots. Every real time zone's offset is a whole
number of quarter hours, so any slot falls wholly inside one local day of any viewer: reports in
the viewer's time zone are exact, daylight-saving days included (docs/analytics.md).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

SLOT_MINUTES = 15
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
GROUPS = ("day", "week", "month")


def day_and_slot(at: dt.datetime) -> tuple[str, int]:
    """The UTC day (YYYY-MM-DD) and quarter-hour slot (0..95) of an instant."""
    utc = at.astimezone(dt.UTC)
    return utc.date().isoformat(), (utc.hour * 60 + utc.minute) // SLOT_MINUTES


def slot_start(day: str, slot: int) -> dt.datetime:
    base = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)
    return base + dt.timedelta(minutes=int(slot) * SLOT_MINUTES)


def zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The named zone, or UTC for an empty or unknown name."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def period_key(day: dt.date, group: str) -> str:
    """A local date's period: the date itself, the Monday of its ISO week, or YYYY-MM."""
    if group == "week":
        return (day - dt.timedelta(days=day.weekday())).isoformat()
    if group == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


@dataclass(frozen=True)
class Window:
    """Local dates first..last (inclusive) in a time zone, grouped by day, week or month."""

    first: dt.date
    last: dt.date
    tz: zoneinfo.ZoneInfo
    group: str = "day"

    def local_midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=self.tz).astimezone(dt.UTC)

    @property
    def start_utc(self) -> dt.datetime:
        return self.local_midnight(self.first)

    @property
    def end_utc(self) -> dt.datetime:
        return self.local_midnight(self.last + dt.timedelta(days=1))

    def utc_days(self) -> tuple[str, str]:
        """The UTC days whose documents can hold slots of this window."""
        return self.start_utc.date().isoformat(), (self.end_utc - dt.timedelta(microseconds=1)).date().isoformat()

    def local_day(self, day: str, slot: int) -> dt.date:
        return slot_start(day, slot).astimezone(self.tz).date()

    def periods(self) -> list[str]:
        """Every period the window touches, in order (empty ones included: a report shows the gaps)."""
        keys: list[str] = []
        day = self.first
        while day <= self.last:
            key = period_key(day, self.group)
            if not keys or keys[-1] != key:
                keys.append(key)
            day += dt.timedelta(days=1)
        return keys

    def contains(self, day: dt.date) -> bool:
        return self.first <= day <= self.last
