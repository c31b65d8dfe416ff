"""The clock every course rule reads (lesson start checks, schedules, history, progress, pages).

Call it as `clock.now_utc()` so that tests can move it in one place (tests.factories.Clock).
"""

from __future__ import annotations

import datetime as dt


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
