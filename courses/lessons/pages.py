"""Lesson pages: a course's lesson scheduler (add, edit, cancel) and my week's schedule.

Times are shown and typed in the viewer's profile time zone.
"""

from __future__ import annotations

import datetime as dt

from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from authentication import services as account_services
from authentication.viewer import format_when, viewer
from courses import clock, presenters
from courses.access import access_course
from courses.lessons import serializers as s
from courses.lessons import services
from courses.presenters import course_view, list_query, next_url, render, start_of_today, validate_page_form
from courses.presenters import zone as viewer_zone
from cplatform import errors
from cplatform.actor import PARENT
from cplatform.pages import FormErrors, flash, form_errors, page, validate_form
from middlewares.roles import TEACHERS_AND_ADMINS

LESSON_FIELDS = ("title", "starts_at", "duration_minutes", "description", "location", "meeting_url")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A week view reads at most this many pages of the schedule.
WEEK_MAX_PAGES = 5
WARNING_TEXTS = {
    services.OUTSIDE_AVAILABILITY: (
        "Heads-up: this lesson is outside your weekly availability. Students still see it; "
        "change the time, or your availability, if that was not intended."
    )
}


# --- lesson scheduler --------------------------------------------------------------------------------


def _local_input(value: dt.datetime | None, zone: dt.tzinfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if value else ""


def _lesson_form(lesson: dict | None, zone: dt.tzinfo) -> dict:
    lesson = lesson or {}
    return {
        "title": lesson.get("title", ""),
        "starts_at": _local_input(lesson.get("starts_at"), zone),
        "duration_minutes": str(lesson.get("duration_minutes", 60)),
        "description": lesson.get("description", ""),
        "location": lesson.get("location", ""),
        "meeting_url": lesson.get("meeting_url") or "",
    }


def _lesson_data(form: dict, zone: dt.tzinfo, serializer, **kwargs) -> dict:
    """The form as the API's lesson body (the local time made aware), validated by the same serializer."""
    problems: dict = {}
    data = {name: form[name] for name in LESSON_FIELDS}
    data["meeting_url"] = form["meeting_url"].strip() or None
    try:
        local = dt.datetime.fromisoformat(form["starts_at"].strip())
    except ValueError:
        problems["starts_at"] = ["Pick a date and a start time."]
        data.pop("starts_at")
    else:
        data["starts_at"] = (local if local.tzinfo else local.replace(tzinfo=zone)).isoformat()
    return validate_page_form(serializer, data, problems, **kwargs)


def _lesson_failure(request, exc: errors.DomainError) -> FormErrors:
    """The form's errors; a clash with another lesson is told in the viewer's time, by title (the
    API's message names the lesson's id and ISO times, which are for programs)."""
    clash = exc.extra.get("conflicting_lesson") if exc.code == "lesson_overlap" else None
    if clash:
        person = viewer(request)
        where = f" ({clash['course_title']})" if clash.get("course_title") else ""
        text = (
            f"This overlaps your lesson “{clash.get('title', '')}”{where}, "
            f"{format_when(clash['starts_at'], person)} to {format_when(clash['ends_at'], person, 'time_label')}. "
            "Pick another time: your lessons never overlap."
        )
        exc = errors.Conflict(text, code="lesson_overlap", fields={"starts_at": [text]})
    return form_errors(exc, field_names=LESSON_FIELDS)


def _lessons_url(course_id: str, warnings: list[str]) -> str:
    # The list then links to the availability editor beside the warning (a flash is plain text).
    outside = services.OUTSIDE_AVAILABILITY in warnings
    return f"/courses/{course_id}/lessons/" + ("?outside=1" if outside else "")


def _warning_text(warnings: list[str]) -> str:
    return " ".join(WARNING_TEXTS.get(warning, warning) for warning in warnings)


def _render_lessons(request, course: dict, *, form: dict | None = None, failure: FormErrors | None = None):
    zone = viewer_zone(request)
    show_past = request.GET.get("past") == "1"
    cursor = request.GET.get("cursor", "").strip()
    list_failure, lessons, next_page = FormErrors(), [], None
    try:
        query = list_query(cursor)
        result, _ = services.list_lessons(
            actor=request.actor,
            course_id=course["id"],
            since=None if show_past else start_of_today(request),
            limit=query["limit"],
            cursor=query["cursor"] or None,
        )
    except errors.ValidationError as exc:
        list_failure = form_errors(exc)
    else:
        now = clock.now_utc()
        lessons = [{**lesson, "started": lesson["starts_at"] <= now} for lesson in result.items]
        next_page = next_url({"past": "1"} if show_past else {}, result.next_cursor)
    failure = failure or FormErrors()
    context = {
        "course": course_view(course),
        "form": form or _lesson_form(None, zone),
        "errors": failure,
        "list_errors": list_failure,
        "lessons": lessons,
        "next_url": next_page,
        "show_past": show_past,
        "editing": None,
        "outside_availability": request.GET.get("outside") == "1",
    }
    return render(request, "courses/lessons.html", context, failure, list_failure)


@page(roles=TEACHERS_AND_ADMINS)
@require_http_methods(["GET", "HEAD", "POST"])
def lessons(request, course_id: str):
    course = access_course(request.actor, course_id, for_write=True)
    if request.method != "POST":
        return _render_lessons(request, course)
    zone = viewer_zone(request)
    form = {name: request.POST.get(name, "") for name in LESSON_FIELDS}
    try:
        data = _lesson_data(form, zone, s.LessonIn)
        lesson, warnings = services.create_lesson(actor=request.actor, course_id=course_id, **data)
    except (errors.ValidationError, errors.Conflict) as exc:
        return _render_lessons(request, course, form=form, failure=_lesson_failure(request, exc))
    message = f"“{lesson['title']}” is scheduled for {format_when(lesson['starts_at'], viewer(request))}."
    if warnings:
        message = f"{message} {_warning_text(warnings)}"
    return flash(redirect(_lessons_url(course_id, warnings)), message)


@page(roles=TEACHERS_AND_ADMINS)
@require_http_methods(["GET", "HEAD", "POST"])
def lesson_edit(request, course_id: str, lesson_id: str):
    course = access_course(request.actor, course_id, for_write=True)
    lesson, _ = services.get_lesson(actor=request.actor, course_id=course_id, lesson_id=lesson_id)
    zone = viewer_zone(request)
    current = _lesson_form(lesson, zone)
    failure = FormErrors()
    form = current
    if request.method == "POST":
        form = {name: request.POST.get(name, "") for name in LESSON_FIELDS}
        try:
            data = _lesson_data(form, zone, s.LessonPatchIn, partial=True)
            # Only what the teacher changed: an untouched time must not trip the "has started" rule.
            changes = {
                name: value
                for name, value in data.items()
                if (lesson.get(name) or None) != (value or None)
                and not (name == "meeting_url" and not value and not lesson.get(name))
            }
            if not changes:
                return flash(redirect(f"/courses/{course_id}/lessons/"), "Nothing changed.")
            updated, warnings = services.update_lesson(
                actor=request.actor, course_id=course_id, lesson_id=lesson_id, changes=changes
            )
        except (errors.ValidationError, errors.Conflict) as exc:
            failure = _lesson_failure(request, exc)
        else:
            message = f"“{updated['title']}” is updated."
            if warnings:
                message = f"{message} {_warning_text(warnings)}"
            return flash(redirect(_lessons_url(course_id, warnings)), message)
    context = {
        "course": course_view(course),
        "lesson": lesson,
        "form": form,
        "errors": failure,
        "started": lesson["starts_at"] <= clock.now_utc(),
    }
    return render(request, "courses/lesson_edit.html", context, failure)


@page(roles=TEACHERS_AND_ADMINS, back="/courses/{course_id}/lessons/")
@require_POST
def lesson_cancel(request, course_id: str, lesson_id: str):
    try:
        data = validate_form(s.CancelIn, {"reason": request.POST.get("reason", "")})
        lesson = services.cancel_lesson(
            actor=request.actor, course_id=course_id, lesson_id=lesson_id, reason=data["reason"]
        )
    except (errors.ValidationError, errors.Conflict) as exc:
        course = access_course(request.actor, course_id, for_write=True)
        return _render_lessons(request, course, failure=form_errors(exc))
    return flash(redirect(f"/courses/{course_id}/lessons/"), f"“{lesson['title']}” is cancelled.")


# --- my schedule: a week calendar ------------------------------------------------------------------


def _week_start(request) -> tuple[dt.date, FormErrors]:
    today = presenters.today(request)
    failure = FormErrors()
    raw = request.GET.get("week", "").strip()
    day = today
    if raw:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            failure = form_errors(
                errors.ValidationError(
                    "That week is not a date; showing this week instead.",
                    fields={"week": ["Use a date such as 2025-03-03."]},
                )
            )
    return day - dt.timedelta(days=day.weekday()), failure


@page(roles=services.SCHEDULE_ROLES)
@require_http_methods(["GET", "HEAD"])
def schedule(request):
    actor = request.actor
    zone = viewer_zone(request)
    monday, failure = _week_start(request)
    start, end = services.resolve_window(start=monday, end=monday + dt.timedelta(days=7), tz=str(zone))
    items = services.schedule_lessons(actor=actor, start=start, end=end, max_pages=WEEK_MAX_PAGES)
    children = {}
    if actor.role == PARENT:
        children = {
            child["id"]: child.get("display_name", "") for child in account_services.list_my_children(actor=actor)
        }
    today = presenters.today(request)
    days = []
    for offset in range(7):
        date = monday + dt.timedelta(days=offset)
        days.append({"date": date, "name": WEEKDAYS[offset], "today": date == today, "lessons": []})
    for lesson in items:
        local = lesson["starts_at"].astimezone(zone)
        index = (local.date() - monday).days
        if 0 <= index < 7:
            names = [children.get(uid, "") for uid in lesson.get("student_uids", [])]
            days[index]["lessons"].append({**lesson, "for_names": ", ".join(name for name in names if name)})
    context = {
        "days": days,
        "monday": monday,
        "sunday": monday + dt.timedelta(days=6),
        "prev_week": (monday - dt.timedelta(days=7)).isoformat(),
        "next_week": (monday + dt.timedelta(days=7)).isoformat(),
        "is_this_week": monday <= today < monday + dt.timedelta(days=7),
        "lesson_total": sum(len(day["lessons"]) for day in days),
        "errors": failure,
        "ics_url": "/api/v1/me/schedule.ics",
    }
    return render(request, "schedule/week.html", context, failure)
