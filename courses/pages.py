"""Courses web pages: catalog, course page, course editor, lesson scheduler, materials, schedule, history.

Thin like the API views: validate with the API's own input serializers, call the same services,
render. Failures come back as messages next to the fields (middlewares.pages.form_errors). Times
are shown and typed in the viewer's profile time zone.
"""

from __future__ import annotations

import datetime as dt
import decimal
import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from authentication import services as account_services
from courses import material_serializers as ms
from courses import material_services, schedule_services, services
from courses import schedule_serializers as ls
from courses import serializers as s
from courses.access import ARCHIVED, DRAFT, PUBLISHED, access_course, is_owner
from courses.payments import has_paid_for_course
from cplatform import errors, uploads
from cplatform.actor import ADMIN, PARENT, STUDENT, TEACHER
from firestore_operations.pagination import MAX_LIMIT
from middlewares.pages import (
    FIX_FIELDS,
    FormErrors,
    csrf_failure,
    error_page,
    flash,
    form_errors,
    page,
    parse_money,
    render_form,
    validate_form,
)
from middlewares.roles import SIGNED_IN, STUDENTS, TEACHERS, TEACHERS_AND_ADMINS

SCHEDULE_ROLES = frozenset({TEACHER, STUDENT, PARENT})
LEVEL_LABELS = {level: level.capitalize() for level in services.LEVELS}
SORT_LABELS = {"relevance": "Best match", "newest": "Newest", "rating": "Best rated", "popularity": "Most popular"}
STATUS_LABELS = {DRAFT: "Draft", PUBLISHED: "Published", ARCHIVED: "Archived"}
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "CAD", "AUD", "SEK", "NOK", "DKK", "PLN", "CZK", "INR", "BRL")
CATALOG_FIELDS = ("q", "subject", "level", "language", "price", "sort")
CATALOG_PAGE_SIZE = 12
COURSE_FIELDS = (
    "title",
    "description",
    "subject",
    "level",
    "language",
    "tags",
    "price",
    "currency",
    "capacity",
    "included_in_membership",
)
LESSON_FIELDS = ("title", "starts_at", "duration_minutes", "description", "location", "meeting_url")
LIST_SIZE = 50
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A week view reads at most this many pages of the schedule (MAX_LIMIT lessons each).
WEEK_MAX_PAGES = 5
ATTENDANCE_LABELS = {"present": "Present", "absent": "Absent", "excused": "Excused", None: "Not marked"}
WARNING_TEXTS = {
    schedule_services.OUTSIDE_AVAILABILITY: (
        "Heads-up: this lesson is outside your weekly availability. Students still see it; "
        "change the time or your availability on your profile if that was not intended."
    )
}


# --- shared helpers --------------------------------------------------------------------------------


def _zone(request) -> zoneinfo.ZoneInfo:
    """The viewer's time zone (one profile read per request, remembered on the request)."""
    if not hasattr(request, "_cp_zone"):
        try:
            name = account_services.get_my_profile(actor=request.actor).get("timezone") or "UTC"
            request._cp_zone = zoneinfo.ZoneInfo(name)
        except (errors.NotFound, zoneinfo.ZoneInfoNotFoundError, ValueError):
            request._cp_zone = zoneinfo.ZoneInfo("UTC")
    return request._cp_zone


def _render(request, template: str, context: dict, *failures: FormErrors):
    """render_form with the viewer's time zone active, so templates show local times."""
    zone = _zone(request)
    with timezone.override(zone):
        return render_form(request, template, {**context, "zone_name": str(zone)}, *failures)


def _start_of_today(request) -> dt.datetime:
    # Stable for the whole day, so a list's cursor made this morning still fits its query tonight.
    zone = _zone(request)
    today = schedule_services.now_utc().astimezone(zone).date()
    return dt.datetime.combine(today, dt.time(0), tzinfo=zone).astimezone(dt.UTC)


def _money(price: dict | None) -> str:
    if not price:
        return "Free"
    return f"{decimal.Decimal(price['amount']) / 100:.2f} {price.get('currency', '')}"


def _course_view(course: dict) -> dict:
    """A course as the templates show it: the API's representation plus display strings."""
    data = s.course_representation(course)
    data["price_label"] = _money(data.get("price"))
    data["level_label"] = LEVEL_LABELS.get(data.get("level"), data.get("level", ""))
    data["status_label"] = STATUS_LABELS.get(data.get("status"), data.get("status", ""))
    data["rating_label"] = f"{data['rating_avg']:.1f}" if data.get("rating_count") else ""
    data["stars"] = _stars(data.get("rating_avg")) if data.get("rating_count") else ""
    return data


def _size_label(size: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def _material_view(material: dict) -> dict:
    data = ms.material_representation(material)
    data["size_label"] = _size_label(int(data.get("size") or 0))
    return data


def _stars(rating) -> str:
    rating = max(0, min(5, round(float(rating or 0))))
    return "★" * rating + "☆" * (5 - rating)


def _split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _next_url(kept: dict, cursor: str | None) -> str | None:
    return f"?{urlencode({**kept, 'cursor': cursor})}" if cursor else None


# --- catalog -----------------------------------------------------------------------------------------


@page(roles=SIGNED_IN)
@require_http_methods(["GET", "HEAD"])
def catalog(request):
    actor = request.actor
    params = {name: request.GET.get(name, "").strip() for name in (*CATALOG_FIELDS, "cursor")}
    mine = actor.role == TEACHER and request.GET.get("mine") == "1"
    form = {name: params[name] for name in CATALOG_FIELDS}
    kept = {name: value for name, value in form.items() if value}
    if mine:
        kept["mine"] = "1"
    failure, courses, next_url = FormErrors(), [], None
    try:
        query = validate_form(
            s.CourseListIn,
            {"limit": CATALOG_PAGE_SIZE, "mine": mine, **{k: v for k, v in params.items() if v and k != "q"}},
        )
        catalog_query = services.CatalogQuery(
            subject=query.get("subject"),
            level=query.get("level"),
            language=query.get("language"),
            price=query.get("price"),
            sort=query.get("sort"),
            mine=mine,
        )
        cursor = query["cursor"] or None
        if params["q"]:
            result = services.search_courses(
                actor=actor, q=params["q"], query=catalog_query, limit=query["limit"], cursor=cursor
            )
        else:
            result = services.list_courses(actor=actor, query=catalog_query, limit=query["limit"], cursor=cursor)
    except errors.DomainError as exc:
        failure = form_errors(exc, field_names=(*CATALOG_FIELDS, "cursor"))
    else:
        courses = [_course_view(course) for course in result.items]
        next_url = _next_url(kept, result.next_cursor)
    sorts = ["relevance", *services.SORTS] if params["q"] else list(services.SORTS)
    context = {
        "form": form,
        "errors": failure,
        "courses": courses,
        "mine": mine,
        "next_url": next_url,
        "is_next_page": bool(params["cursor"]),
        "first_url": f"/courses/?{urlencode({k: v for k, v in kept.items()})}" if kept else "/courses/",
        "levels": list(LEVEL_LABELS.items()),
        "sorts": [(value, SORT_LABELS[value]) for value in sorts],
        "filtered": any(form.values()),
    }
    return _render(request, "courses/catalog.html", context, failure)


@page(roles=frozenset({STUDENT, PARENT}))
@require_http_methods(["GET", "HEAD"])
def my_courses(request):
    """A student's (or a parent's children's) enrolments, newest first."""
    cursor = request.GET.get("cursor", "").strip()
    failure, items, next_url = FormErrors(), [], None
    try:
        query = validate_form(s.CursorPageQuery, {"limit": LIST_SIZE, "cursor": cursor})
        result = services.list_my_enrollments(
            actor=request.actor, status=None, student_uid=None, limit=query["limit"], cursor=query["cursor"] or None
        )
    except errors.DomainError as exc:
        failure = form_errors(exc, field_names=("cursor",))
    else:
        items = [s.enrollment_representation(item) for item in result.items]
        next_url = _next_url({}, result.next_cursor)
    context = {"errors": failure, "enrollments": items, "next_url": next_url, "is_next_page": bool(cursor)}
    return _render(request, "courses/my_courses.html", context, failure)


# --- course page: details, lessons, materials, feedback, enrolment -------------------------------


def _render_course(
    request,
    course_id: str,
    *,
    enrol_failure: FormErrors | None = None,
    feedback_failure: FormErrors | None = None,
    feedback_form: dict | None = None,
    upload_failure: FormErrors | None = None,
    upload_form: dict | None = None,
):
    actor = request.actor
    course = services.get_course(actor=actor, course_id=course_id)
    manager = is_owner(actor, course) or actor.role == ADMIN
    enrollment = None
    if actor.role == STUDENT:
        try:
            enrollment = services.get_enrollment(actor=actor, course_id=course_id)
        except errors.NotFound:
            enrollment = None
    lessons, details = schedule_services.list_lessons(
        actor=actor, course_id=course_id, since=_start_of_today(request), limit=20, cursor=None
    )
    try:
        materials = material_services.list_materials(actor=actor, course_id=course_id, limit=LIST_SIZE, cursor=None)
    except errors.PermissionDenied:
        materials = None
    feedback = services.list_feedback(actor=actor, course_id=course_id, limit=20, cursor=None)
    mine = next((item for item in feedback.items if item.get("student_uid") == actor.uid), None)
    roster = None
    if manager:
        roster = services.list_course_roster(
            actor=actor, course_id=course_id, status="active", limit=LIST_SIZE, cursor=None
        ).items
    enrolled = bool(enrollment) and enrollment.get("status") == "active"
    waiting = bool(enrollment) and enrollment.get("status") == "waitlisted"
    context = {
        "course": _course_view(course),
        "manager": manager,
        "owner": is_owner(actor, course),
        "enrollment": enrollment,
        "enrolled": enrolled,
        "waiting": waiting,
        "can_enrol": actor.role == STUDENT and course.get("status") == PUBLISHED and not (enrolled or waiting),
        # A paid course she has not paid for shows the checkout (templates/payments/_checkout.html).
        "needs_payment": actor.role == STUDENT
        and bool(course.get("price"))
        and not has_paid_for_course(student_uid=actor.uid, course_id=course_id),
        "can_rate": actor.role == STUDENT and bool(enrollment) and bool(enrollment.get("ever_active")),
        "lessons": [{**lesson, "show_link": details} for lesson in lessons.items],
        "more_lessons": bool(lessons.next_cursor),
        "materials": [_material_view(item) for item in materials.items] if materials is not None else None,
        "feedback": [{**item, "stars": _stars(item.get("rating", 0))} for item in feedback.items],
        "my_feedback": mine,
        "feedback_form": feedback_form
        or {"rating": str(mine["rating"]) if mine else "", "comment": (mine or {}).get("comment", "")},
        "roster": roster,
        "enrol_errors": enrol_failure or FormErrors(),
        "feedback_errors": feedback_failure or FormErrors(),
        "upload_errors": upload_failure or FormErrors(),
        "upload_form": upload_form or {"title": "", "description": ""},
        "upload_hint": f"PDF, Office and OpenDocument files, images, audio, video, ZIP or text; up to "
        f"{settings.MATERIAL_MAX_BYTES // (1024 * 1024)} MB.",
        "ratings": [5, 4, 3, 2, 1],
    }
    failures = [f for f in (enrol_failure, feedback_failure, upload_failure) if f]
    return _render(request, "courses/detail.html", context, *failures)


@page(roles=SIGNED_IN)
@require_http_methods(["GET", "HEAD"])
def course_detail(request, course_id: str):
    return _render_course(request, course_id)


@page(roles=STUDENTS)
@require_POST
def enrol(request, course_id: str):
    try:
        result = services.enroll_student(actor=request.actor, course_id=course_id)
    except (errors.ValidationError, errors.Conflict, errors.PaymentRequired) as exc:
        return _render_course(request, course_id, enrol_failure=form_errors(exc))
    course_url = f"/courses/{course_id}/"
    if result.outcome == "waitlisted":
        position = result.enrollment.get("position")
        return flash(redirect(course_url), f"The course is full: you are number {position} on the waitlist.")
    if result.outcome == "unchanged":
        return flash(redirect(course_url), "You are already signed up for this course.")
    return flash(redirect(course_url), "You are enrolled. Welcome to the course!")


@page(roles=STUDENTS)
@require_POST
def withdraw(request, course_id: str):
    try:
        enrollment = services.withdraw_student(actor=request.actor, course_id=course_id)
    except errors.Conflict as exc:
        return _render_course(request, course_id, enrol_failure=form_errors(exc))
    left = f"You left {enrollment.get('course_title') or 'the course'}."
    refund = enrollment.get("refund") or {}
    return flash(redirect(f"/courses/{course_id}/"), refund.get("message") or left)


@page(roles=STUDENTS)
@require_POST
def post_feedback(request, course_id: str):
    form = {"rating": request.POST.get("rating", ""), "comment": request.POST.get("comment", "")}
    try:
        data = validate_form(s.FeedbackIn, form)
        _, created = services.post_feedback(
            actor=request.actor, course_id=course_id, rating=data["rating"], comment=data["comment"]
        )
    except (errors.ValidationError, errors.PermissionDenied) as exc:
        failure = form_errors(exc, field_names=("rating", "comment"))
        return _render_course(request, course_id, feedback_failure=failure, feedback_form=form)
    message = "Thank you for your feedback!" if created else "Your feedback is updated."
    return flash(redirect(f"/courses/{course_id}/#feedback"), message)


# --- materials (the no-JavaScript path; static/js/courses.js uploads through the API with progress) --


# The body must not be parsed before the size limit is in place, and Django's CSRF middleware would
# parse it to find the token: this view runs the same CSRF check itself, right after the limit.
@csrf_exempt
@page(roles=TEACHERS_AND_ADMINS)
@require_POST
def upload_material(request, course_id: str):
    limit = uploads.install_upload_limit(request, max_bytes=settings.MATERIAL_MAX_BYTES)
    form = {"title": "", "description": ""}
    try:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.MATERIAL_MAX_BYTES + uploads.FORM_OVERHEAD:
            raise uploads.too_large(settings.MATERIAL_MAX_BYTES, "file")
        if csrf_failure(request):
            message = "This form has expired or came from another site. Reload the page and try again."
            return error_page(request, errors.PermissionDenied(message, code="csrf_failed"))
        if limit.exceeded:
            raise uploads.too_large(settings.MATERIAL_MAX_BYTES, "file")
        form = {"title": request.POST.get("title", ""), "description": request.POST.get("description", "")}
        data = validate_form(ms.MaterialUploadIn, {**form, "file": request.FILES.get("file")})
        material = material_services.upload_material(
            actor=request.actor,
            course_id=course_id,
            title=data["title"],
            description=data["description"],
            upload=data["file"],
        )
    except (errors.ValidationError, errors.PayloadTooLarge, errors.UnsupportedMediaType) as exc:
        failure = form_errors(exc, field_names=("title", "description", "file"))
        return _render_course(request, course_id, upload_failure=failure, upload_form=form)
    return flash(redirect(f"/courses/{course_id}/#materials"), f"“{material['title']}” is uploaded.")


@page(roles=TEACHERS_AND_ADMINS)
@require_POST
def delete_material(request, course_id: str, material_id: str):
    material_services.delete_material(actor=request.actor, course_id=course_id, material_id=material_id)
    return flash(redirect(f"/courses/{course_id}/#materials"), "The material is removed.")


# --- course editor -------------------------------------------------------------------------------------


def _course_form(course: dict | None = None) -> dict:
    course = course or {}
    price = course.get("price") or {}
    return {
        "title": course.get("title", ""),
        "description": course.get("description", ""),
        "subject": course.get("subject", ""),
        "level": course.get("level", "beginner"),
        "language": course.get("language", "en"),
        "tags": ", ".join(course.get("tags", [])),
        "price": f"{decimal.Decimal(price['amount']) / 100:.2f}" if price.get("amount") else "",
        "currency": price.get("currency") or "EUR",
        "capacity": "" if course.get("capacity") is None else str(course["capacity"]),
        "included_in_membership": "on" if course.get("included_in_membership") else "",
    }


def _course_data(form: dict, serializer, **kwargs) -> dict:
    """The form as the API's course body, validated by the same serializer. Raises ValidationError."""
    problems: dict = {}
    price, price_problems = parse_money(
        form["price"], form["currency"], if_empty=", or leave it empty for a free course", zero_is_empty=True
    )
    if price_problems:
        problems["price"] = price_problems
    data = {
        "title": form["title"],
        "description": form["description"],
        "subject": form["subject"],
        "level": form["level"],
        "language": form["language"].strip(),
        "tags": _split_list(form["tags"]),
        "price": price,
        "capacity": form["capacity"].strip() or None,
        "included_in_membership": form.get("included_in_membership") == "on",
    }
    try:
        validated = validate_form(serializer, data, **kwargs)
    except errors.ValidationError as exc:
        raise errors.ValidationError(exc.message, fields={**exc.fields, **problems}) from exc
    if problems:
        raise errors.ValidationError(FIX_FIELDS, fields=problems)
    return dict(validated)


COURSE_ALIASES = {"price.amount": "price", "price.currency": "currency"}


def _editor_context(form: dict, failure: FormErrors, course: dict | None = None, **extra) -> dict:
    return {
        "form": form,
        "errors": failure,
        "course": _course_view(course) if course else None,
        "levels": list(LEVEL_LABELS.items()),
        "currencies": CURRENCIES if form["currency"] in CURRENCIES else (*CURRENCIES, form["currency"]),
        "status_errors": FormErrors(),
        **extra,
    }


@page(roles=TEACHERS)
@require_http_methods(["GET", "HEAD", "POST"])
def course_new(request):
    if request.method != "POST":
        return _render(request, "courses/edit.html", _editor_context(_course_form(), FormErrors()))
    form = {name: request.POST.get(name, "") for name in COURSE_FIELDS}
    publish = request.POST.get("status") == PUBLISHED
    try:
        data = _course_data(form, s.CourseIn)
        data["status"] = PUBLISHED if publish else DRAFT
        course = services.create_course(actor=request.actor, data=data)
    except (errors.ValidationError, errors.Conflict) as exc:
        failure = form_errors(exc, field_names=COURSE_FIELDS, aliases=COURSE_ALIASES)
        return _render(request, "courses/edit.html", _editor_context(form, failure), failure)
    message = "Your course is published." if publish else "Your course is saved as a draft."
    return flash(redirect(f"/courses/{course['id']}/"), message)


@page(roles=TEACHERS_AND_ADMINS)
@require_http_methods(["GET", "HEAD", "POST"])
def course_edit(request, course_id: str):
    course = access_course(request.actor, course_id, for_write=True)
    if request.method != "POST":
        return _render(request, "courses/edit.html", _editor_context(_course_form(course), FormErrors(), course))
    form = {name: request.POST.get(name, "") for name in COURSE_FIELDS}
    try:
        changes = _course_data(form, s.CoursePatchIn, partial=True)
        services.update_course(actor=request.actor, course_id=course_id, changes=changes)
    except (errors.ValidationError, errors.Conflict) as exc:
        failure = form_errors(exc, field_names=COURSE_FIELDS, aliases=COURSE_ALIASES)
        return _render(request, "courses/edit.html", _editor_context(form, failure, course), failure)
    return flash(redirect(f"/courses/{course_id}/"), "Your changes are saved.")


STATUS_MESSAGES = {
    PUBLISHED: "The course is published: students can find it and enrol.",
    DRAFT: "The course is back to draft: only you can see it.",
    ARCHIVED: "The course is archived: it takes no new students or lessons.",
}


@page(roles=TEACHERS_AND_ADMINS)
@require_POST
def course_status(request, course_id: str):
    course = access_course(request.actor, course_id, for_write=True)
    try:
        data = validate_form(s.CoursePatchIn, {"status": request.POST.get("status", "")}, partial=True)
        if "status" not in data:
            raise errors.ValidationError("Choose a status.", fields={"status": ["Required."]})
        services.update_course(actor=request.actor, course_id=course_id, changes={"status": data["status"]})
    except (errors.ValidationError, errors.Conflict) as exc:
        failure = form_errors(exc, field_names=("status",))
        context = _editor_context(_course_form(course), FormErrors(), course)
        context["status_errors"] = failure
        return _render(request, "courses/edit.html", context, failure)
    return flash(redirect(f"/courses/{course_id}/"), STATUS_MESSAGES[data["status"]])


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
    try:
        validated = validate_form(serializer, data, **kwargs)
    except errors.ValidationError as exc:
        raise errors.ValidationError(exc.message, fields={**exc.fields, **problems}) from exc
    if problems:
        raise errors.ValidationError(FIX_FIELDS, fields=problems)
    return dict(validated)


def _warning_text(warnings: list[str]) -> str:
    return " ".join(WARNING_TEXTS.get(warning, warning) for warning in warnings)


def _render_lessons(request, course: dict, *, form: dict | None = None, failure: FormErrors | None = None):
    zone = _zone(request)
    show_past = request.GET.get("past") == "1"
    cursor = request.GET.get("cursor", "").strip()
    list_failure, lessons, next_url = FormErrors(), [], None
    try:
        query = validate_form(s.CursorPageQuery, {"limit": LIST_SIZE, "cursor": cursor})
        result, _ = schedule_services.list_lessons(
            actor=request.actor,
            course_id=course["id"],
            since=None if show_past else _start_of_today(request),
            limit=query["limit"],
            cursor=query["cursor"] or None,
        )
    except errors.ValidationError as exc:
        list_failure = form_errors(exc)
    else:
        now = schedule_services.now_utc()
        lessons = [{**lesson, "started": lesson["starts_at"] <= now} for lesson in result.items]
        next_url = _next_url({"past": "1"} if show_past else {}, result.next_cursor)
    failure = failure or FormErrors()
    context = {
        "course": _course_view(course),
        "form": form or _lesson_form(None, zone),
        "errors": failure,
        "list_errors": list_failure,
        "lessons": lessons,
        "next_url": next_url,
        "show_past": show_past,
        "editing": None,
    }
    return _render(request, "courses/lessons.html", context, failure, list_failure)


@page(roles=TEACHERS_AND_ADMINS)
@require_http_methods(["GET", "HEAD", "POST"])
def lessons(request, course_id: str):
    course = access_course(request.actor, course_id, for_write=True)
    if request.method != "POST":
        return _render_lessons(request, course)
    zone = _zone(request)
    form = {name: request.POST.get(name, "") for name in LESSON_FIELDS}
    try:
        data = _lesson_data(form, zone, ls.LessonIn)
        lesson, warnings = schedule_services.create_lesson(actor=request.actor, course_id=course_id, **data)
    except (errors.ValidationError, errors.Conflict) as exc:
        return _render_lessons(request, course, form=form, failure=form_errors(exc, field_names=LESSON_FIELDS))
    local = lesson["starts_at"].astimezone(zone)
    message = f"“{lesson['title']}” is scheduled for {local:%a %d %b %Y, %H:%M}."
    if warnings:
        message = f"{message} {_warning_text(warnings)}"
    return flash(redirect(f"/courses/{course_id}/lessons/"), message)


@page(roles=TEACHERS_AND_ADMINS)
@require_http_methods(["GET", "HEAD", "POST"])
def lesson_edit(request, course_id: str, lesson_id: str):
    course = access_course(request.actor, course_id, for_write=True)
    lesson, _ = schedule_services.get_lesson(actor=request.actor, course_id=course_id, lesson_id=lesson_id)
    zone = _zone(request)
    current = _lesson_form(lesson, zone)
    failure = FormErrors()
    form = current
    if request.method == "POST":
        form = {name: request.POST.get(name, "") for name in LESSON_FIELDS}
        try:
            data = _lesson_data(form, zone, ls.LessonPatchIn, partial=True)
            # Only what the teacher changed: an untouched time must not trip the "has started" rule.
            changes = {
                name: value
                for name, value in data.items()
                if (lesson.get(name) or None) != (value or None)
                and not (name == "meeting_url" and not value and not lesson.get(name))
            }
            if not changes:
                return flash(redirect(f"/courses/{course_id}/lessons/"), "Nothing changed.")
            updated, warnings = schedule_services.update_lesson(
                actor=request.actor, course_id=course_id, lesson_id=lesson_id, changes=changes
            )
        except (errors.ValidationError, errors.Conflict) as exc:
            failure = form_errors(exc, field_names=LESSON_FIELDS)
        else:
            message = f"“{updated['title']}” is updated."
            if warnings:
                message = f"{message} {_warning_text(warnings)}"
            return flash(redirect(f"/courses/{course_id}/lessons/"), message)
    context = {
        "course": _course_view(course),
        "lesson": lesson,
        "form": form,
        "errors": failure,
        "started": lesson["starts_at"] <= schedule_services.now_utc(),
    }
    return _render(request, "courses/lesson_edit.html", context, failure)


@page(roles=TEACHERS_AND_ADMINS)
@require_POST
def lesson_cancel(request, course_id: str, lesson_id: str):
    try:
        data = validate_form(ls.CancelIn, {"reason": request.POST.get("reason", "")})
        lesson = schedule_services.cancel_lesson(
            actor=request.actor, course_id=course_id, lesson_id=lesson_id, reason=data["reason"]
        )
    except (errors.ValidationError, errors.Conflict) as exc:
        course = access_course(request.actor, course_id, for_write=True)
        return _render_lessons(request, course, failure=form_errors(exc))
    return flash(redirect(f"/courses/{course_id}/lessons/"), f"“{lesson['title']}” is cancelled.")


# --- my schedule: a week calendar ------------------------------------------------------------------


def _week_start(request, zone: dt.tzinfo) -> tuple[dt.date, FormErrors]:
    today = schedule_services.now_utc().astimezone(zone).date()
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


@page(roles=SCHEDULE_ROLES)
@require_http_methods(["GET", "HEAD"])
def schedule(request):
    actor = request.actor
    zone = _zone(request)
    monday, failure = _week_start(request, zone)
    start, end = schedule_services.resolve_window(start=monday, end=monday + dt.timedelta(days=7), tz=str(zone))
    items: list[dict] = []
    cursor = None
    for _ in range(WEEK_MAX_PAGES):
        result = schedule_services.get_schedule(actor=actor, start=start, end=end, limit=MAX_LIMIT, cursor=cursor)
        items += result.items
        cursor = result.next_cursor
        if not cursor:
            break
    children = {}
    if actor.role == PARENT:
        children = {
            child["id"]: child.get("display_name", "") for child in account_services.list_my_children(actor=actor)
        }
    today = schedule_services.now_utc().astimezone(zone).date()
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
    return _render(request, "schedule/week.html", context, failure)


# --- lesson history --------------------------------------------------------------------------------


def _render_history(request, student_uid: str, *, own: bool):
    cursor = request.GET.get("cursor", "").strip()
    query = validate_form(s.CursorPageQuery, {"limit": LIST_SIZE, "cursor": cursor})
    result = schedule_services.lesson_history(
        actor=request.actor, student_uid=student_uid, limit=query["limit"], cursor=query["cursor"] or None
    )
    name = ""
    if not own:
        profile, _ = account_services.access_profile(request.actor, student_uid)
        name = profile.get("display_name", "")
    items = [
        {**lesson, "attendance_label": ATTENDANCE_LABELS.get(lesson.get("attendance"), "Not marked")}
        for lesson in result.items
    ]
    context = {
        "own": own,
        "student_name": name,
        "lessons": items,
        "next_url": _next_url({}, result.next_cursor),
        "is_next_page": bool(cursor),
        "present": sum(1 for item in items if item.get("attendance") == "present"),
    }
    return _render(request, "schedule/history.html", context)


@page(roles=STUDENTS)
@require_http_methods(["GET", "HEAD"])
def my_history(request):
    return _render_history(request, request.actor.uid, own=True)


@page(roles=SIGNED_IN)
@require_http_methods(["GET", "HEAD"])
def student_history(request, uid: str):
    if request.actor.uid == uid:
        return redirect("/history/")
    return _render_history(request, uid, own=False)
