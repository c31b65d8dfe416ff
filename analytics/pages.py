"""The analytics dashboard: one page per role, charts drawn by static/js/analytics.js (Chart.js) from
the same numbers the tables under them show, and CSV downloads through the API."""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import urlencode

from analytics import serializers as s
from analytics import services
from analytics.periods import zone
from cplatform import errors
from cplatform.actor import ADMIN, PARENT, STUDENT, TEACHER
from cplatform.pages import form_errors, page, render_form, validate_form
from middlewares.roles import SIGNED_IN
from payments.money import format_amount

FIELDS = ("from", "to", "group")


def _percent(value: float | None) -> str:
    return "no marks" if value is None else f"{round(value * 100)} %"


def _when(value: dt.datetime | None, tz) -> str:
    if value is None:
        return "never"
    return value.astimezone(tz).strftime("%d %b %Y")


@page(roles=SIGNED_IN)
def dashboard(request):
    actor = request.actor
    failure = None
    query = {name: request.GET[name] for name in FIELDS if request.GET.get(name)}
    try:
        params = validate_form(s.DashboardIn, query)
        rng = services.viewer_range(
            actor=actor, first=params.get("from"), last=params.get("to"), group=params["group"], timezone=None
        )
    except errors.ValidationError as exc:
        failure = form_errors(exc, field_names=FIELDS)
        rng = services.viewer_range(actor=actor, first=None, last=None, group="day", timezone=None)
    tz = zone(rng.timezone)
    api_query = urlencode({"from": rng.first.isoformat(), "to": rng.last.isoformat(), "group": rng.group})
    month_query = urlencode({"from": rng.first.isoformat(), "to": rng.last.isoformat(), "group": "month"})
    context: dict = {
        "failure": failure,
        "range": rng,
        "role": actor.role,
        "csv": {
            "engagement": f"/api/v1/analytics/engagement?{api_query}&format=csv",
            "progress": f"/api/v1/analytics/progress?{api_query}&format=csv",
            "revenue": f"/api/v1/analytics/revenue?{month_query}&format=csv",
            "warnings": "/api/v1/analytics/warnings?format=csv",
        },
    }
    charts: dict = {}
    if actor.role in (ADMIN, TEACHER):
        engagement = services.engagement_report(actor=actor, rng=rng)
        context["engagement"] = engagement
        charts["activity"] = {
            "labels": [row["period"] for row in engagement["series"]],
            "series": {
                "Active users": [row["active_users"] for row in engagement["series"]],
                "Course views": [row["views"] for row in engagement["series"]],
                "Sign-ins": [row["sign_ins"] for row in engagement["series"]],
                "Messages": [row["messages"] for row in engagement["series"]],
            },
        }
        context["has_activity"] = any(any(values) for values in charts["activity"]["series"].values())
        if engagement["courses"]:
            charts["courses"] = {
                "labels": [row["course_title"] or "A course" for row in engagement["courses"]],
                "series": {
                    "Active students": [row["active_students"] for row in engagement["courses"]],
                    "Views": [row["views"] for row in engagement["courses"]],
                },
            }
        revenue = services.revenue_report(actor=actor, rng=dataclasses.replace(rng, group="month"))
        context["revenue_rows"] = [
            {
                **row,
                **{
                    key: format_amount(row[key], row["currency"]) for key in ("gross", "refunds", "platform_fee", "net")
                },
                "membership_label": format_amount(row["membership"], row["currency"]),
            }
            for row in revenue["series"]
        ]
        context["revenue_courses"] = [
            {
                **row,
                "gross_label": format_amount(row["gross"], row["currency"]),
                "net_label": format_amount(row["net"], row["currency"]),
            }
            for row in revenue["courses"]
        ]
        context["has_revenue"] = any(row["gross"] or row["membership"] for row in revenue["series"])
        charts["revenue"] = {
            "labels": [f"{row['period']} {row['currency']}" for row in revenue["series"]],
            "series": {
                "Net": [row["net"] for row in revenue["series"]],
                "Gross": [row["gross"] for row in revenue["series"]],
            },
            "minor_units": True,
        }
    if actor.role in (TEACHER, PARENT, STUDENT):
        progress = services.progress_report(actor=actor, rng=rng)
        context["progress_students"] = [
            {
                **row,
                "rate_label": _percent(row["attendance_rate"]),
                "last_label": _when(row["last_activity"], tz),
            }
            for row in progress["students"]
        ]
        context["progress_courses"] = [
            {
                **row,
                "completion_label": _percent(row["completion_rate"]),
                "dropout_label": _percent(row["dropout_rate"]),
            }
            for row in progress["courses"]
        ]
        if progress["students"]:
            label = (
                (lambda row: row["course_title"])
                if actor.role == STUDENT
                else (lambda row: f"{row['student_name'] or 'A student'} · {row['course_title']}")
            )
            charts["attendance"] = {
                "labels": [label(row) for row in progress["students"]],
                "series": {
                    "Attendance %": [
                        None if row["attendance_rate"] is None else round(row["attendance_rate"] * 100)
                        for row in progress["students"]
                    ]
                },
                "percent": True,
            }
    warnings = services.list_warnings(actor=actor)
    context["warnings"] = [{**item, "last_label": _when(item["last_activity"], tz)} for item in warnings["items"]]
    context["charts"] = charts
    return render_form(request, "analytics/dashboard.html", context, *([failure] if failure else []))
