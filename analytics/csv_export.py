"""Reports as CSV: one table per report, streamed row by row with Excel-safe quoting.

A cell that starts with = + - @ (or a tab / carriage return) would run as a formula in a
spreadsheet, so it is prefixed with an apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write returns what it was given (csv.writer into a generator)."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    yield "\ufeff"  # lets spreadsheet programs read the file as UTF-8
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])


def response(filename: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    """A streamed text/csv download (RFC 4180: CRLF line ends, quotes doubled)."""
    answer = StreamingHttpResponse(_lines(header, rows), content_type="text/csv; charset=utf-8")
    answer["Content-Disposition"] = f'attachment; filename="{filename}"'
    answer["X-Content-Type-Options"] = "nosniff"
    return answer


def _table(items: list[dict], columns: list[str]) -> Iterator[list]:
    for item in items:
        yield [item.get(column) for column in columns]


def engagement(report: dict) -> StreamingHttpResponse:
    columns = list(report["series"][0].keys()) if report["series"] else ["period", "active_users"]
    return response(f"engagement-{report['from']}-{report['to']}.csv", columns, _table(report["series"], columns))


def progress(report: dict) -> StreamingHttpResponse:
    columns = [
        "course_id",
        "course_title",
        "student_uid",
        "student_name",
        "status",
        "lessons_attended",
        "lessons_missed",
        "lessons_excused",
        "attendance_rate",
        "materials_opened",
        "last_activity",
    ]
    return response(f"progress-{report['from']}-{report['to']}.csv", columns, _table(report["students"], columns))


def revenue(report: dict) -> StreamingHttpResponse:
    columns = ["period", "currency", "gross", "refunds", "platform_fee", "net", "membership"]
    return response(f"revenue-{report['from']}-{report['to']}.csv", columns, _table(report["series"], columns))


def warnings(report: dict) -> StreamingHttpResponse:
    columns = ["course_id", "course_title", "student_uid", "student_name", "reasons", "last_activity", "notified_at"]
    rows = ({**item, "reasons": "; ".join(item["reasons"])} for item in report["items"])
    return response("warnings.csv", columns, _table(list(rows), columns))
