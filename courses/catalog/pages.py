"""Course pages: the catalog, a course's page (details, lessons, materials, feedback, enrolment) and
the course editor (new, edit, status).

Thin like the API views: validate with the API's own input serializers, call the same services,
render. Failures come back as messages next to the fields (cplatform.pages.form_errors).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from courses.access import ARCHIVED, DRAFT, PUBLISHED, access_course, is_manager, is_owner
from courses.catalog import search, services
from courses.catalog import serializers as s
from courses.enrolment import services as enrolment_services
from courses.family.course_states import children_on_course
from courses.feedback import services as feedback_services
from courses.lessons import services as lesson_services
from courses.materials import services as material_services
from courses.payments import has_paid_for_course
from courses.presenters import (
    LEVEL_LABELS,
    LIST_SIZE,
    amount_label,
    course_view,
    material_view,
    next_url,
    render,
    stars,
    start_of_today,
    validate_page_form,
)
from cplatform import errors
from cplatform.actor import PARENT, STUDENT, TEACHER, actor_or_visitor
from cplatform.client_address import client_address
from cplatform.pages import (
    UPLOAD_FAILURES,
    FormErrors,
    flash,
    form_errors,
    page,
    parse_money,
    read_upload_page,
    validate_form,
)
from middlewares.roles import PUBLIC, TEACHERS, TEACHERS_AND_ADMINS

SORT_LABELS = {"relevance": "Best match", "newest": "Newest", "rating": "Best rated", "popularity": "Most popular"}
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
COURSE_ALIASES = {"price.amount": "price", "price.currency": "currency"}
# The course language is picked from a list (the API takes any ISO 639 code; an unlisted one a course
# already has is kept as a choice).
LANGUAGES = (
    ("en", "English"), ("fr", "French"), ("de", "German"), ("es", "Spanish"), ("it", "Italian"),
    ("pt", "Portuguese"), ("pt-BR", "Portuguese (Brazil)"), ("nl", "Dutch"), ("pl", "Polish"),
    ("sv", "Swedish"), ("da", "Danish"), ("nb", "Norwegian"), ("fi", "Finnish"), ("cs", "Czech"),
    ("el", "Greek"), ("tr", "Turkish"), ("ru", "Russian"), ("uk", "Ukrainian"), ("ar", "Arabic"),
    ("he", "Hebrew"), ("hi", "Hindi"), ("zh", "Chinese"), ("ja", "Japanese"), ("ko", "Korean"),
)  # fmt: skip
LANGUAGE_NAMES = dict(LANGUAGES)
# Suggestions for the free-text subject (a <datalist>: any other subject is fine too).
SUBJECT_SUGGESTIONS = (
    "Maths", "Physics", "Chemistry", "Biology", "Computer science", "English", "French", "German",
    "Spanish", "History", "Geography", "Economics", "Music", "Art", "Philosophy", "Writing",
)  # fmt: skip

STATUS_MESSAGES = {
    PUBLISHED: "The course is published: students can find it and enrol.",
    DRAFT: "The course is back to draft: only you can see it.",
    ARCHIVED: "The course is archived: it takes no new students or lessons.",
}


# --- catalog -----------------------------------------------------------------------------------------


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD"])
def catalog(request):
    # Visitors browse the catalog too (published courses only: the search scopes by role).
    actor = actor_or_visitor(request.actor)
    params = {name: request.GET.get(name, "").strip() for name in (*CATALOG_FIELDS, "cursor")}
    mine = actor.role == TEACHER and request.GET.get("mine") == "1"
    form = {name: params[name] for name in CATALOG_FIELDS}
    kept = {name: value for name, value in form.items() if value}
    if mine:
        kept["mine"] = "1"
    failure, courses, next_page = FormErrors(), [], None
    try:
        # The API's own query: the same serializer and the same CatalogQuery builder.
        query = validate_form(
            s.CourseListIn, {"limit": CATALOG_PAGE_SIZE, "mine": mine, **{k: v for k, v in params.items() if v}}
        )
        result = search.find_courses(actor=actor, params=query, client_ip=client_address(request))
    except errors.DomainError as exc:
        failure = form_errors(exc, field_names=(*CATALOG_FIELDS, "cursor"))
    else:
        courses = [course_view(course) for course in result.items]
        next_page = next_url(kept, result.next_cursor)
    sorts = ["relevance", *search.SORTS] if params["q"] else list(search.SORTS)
    context = {
        "form": form,
        "errors": failure,
        "courses": courses,
        "mine": mine,
        "next_url": next_page,
        "is_next_page": bool(params["cursor"]),
        "first_url": f"/courses/?{urlencode({k: v for k, v in kept.items()})}" if kept else "/courses/",
        "levels": list(LEVEL_LABELS.items()),
        "languages": _language_choices(form["language"]),
        "subject_suggestions": SUBJECT_SUGGESTIONS,
        "sorts": [(value, SORT_LABELS[value]) for value in sorts],
        "filtered": any(form.values()),
    }
    return render(request, "courses/catalog.html", context, failure)


# --- course page: details, lessons, materials, feedback, enrolment -------------------------------


def render_course(
    request,
    course_id: str,
    *,
    enrol_failure: FormErrors | None = None,
    feedback_failure: FormErrors | None = None,
    feedback_form: dict | None = None,
    upload_failure: FormErrors | None = None,
    upload_form: dict | None = None,
    reply_failure: FormErrors | None = None,
    reply_to: str = "",
    reply_form: dict | None = None,
):
    """The course page; the enrolment, feedback and material forms post elsewhere and come back here
    with their failures. Visitors see the public parts; enrolling, materials and chat ask to sign in."""
    actor = actor_or_visitor(request.actor)
    course = services.get_course(actor=actor, course_id=course_id)
    manager = is_manager(actor, course)
    enrollment = None
    if actor.role == STUDENT:
        try:
            enrollment = enrolment_services.get_enrollment(actor=actor, course_id=course_id)
        except errors.NotFound:
            enrollment = None
    lessons, details = lesson_services.list_lessons(
        actor=actor, course_id=course_id, since=start_of_today(request), limit=20, cursor=None
    )
    try:
        materials = material_services.list_materials(actor=actor, course_id=course_id, limit=LIST_SIZE, cursor=None)
    except errors.PermissionDenied:
        materials = None
    feedback = feedback_services.list_feedback(actor=actor, course_id=course_id, limit=20, cursor=None)
    mine = next((item for item in feedback.items if item.get("student_uid") == actor.uid), None)
    roster = waitlist = None
    if manager:
        roster = enrolment_services.list_course_roster(
            actor=actor, course_id=course_id, status="active", limit=LIST_SIZE, cursor=None
        ).items
        waitlist = enrolment_services.list_course_roster(
            actor=actor, course_id=course_id, status="waitlisted", limit=LIST_SIZE, cursor=None
        ).items
    enrolled = bool(enrollment) and enrollment.get("status") == "active"
    waiting = bool(enrollment) and enrollment.get("status") == "waitlisted"
    context = {
        "course": course_view(course),
        "manager": manager,
        "owner": is_owner(actor, course),
        "enrollment": enrollment,
        "enrolled": enrolled,
        "waiting": waiting,
        "can_enrol": actor.role == STUDENT and course.get("status") == PUBLISHED and not (enrolled or waiting),
        "can_rate": actor.role == STUDENT and bool(enrollment) and bool(enrollment.get("ever_active")),
        "lessons": [{**lesson, "show_link": details} for lesson in lessons.items],
        "more_lessons": bool(lessons.next_cursor),
        "materials": [material_view(item) for item in materials.items] if materials is not None else None,
        "feedback": [{**item, "stars": stars(item.get("rating", 0))} for item in feedback.items],
        "my_feedback": mine,
        "feedback_form": feedback_form
        or {"rating": str(mine["rating"]) if mine else "", "comment": (mine or {}).get("comment", "")},
        "roster": roster,
        "waitlist": waitlist,
        "language_name": LANGUAGE_NAMES.get(course.get("language", ""), course.get("language", "")),
        # A paid course she has not paid for shows the checkout (templates/payments/_checkout.html).
        "needs_payment": actor.role == STUDENT
        and bool(course.get("price"))
        and not has_paid_for_course(student_uid=actor.uid, course_id=course_id),
        "enrol_errors": enrol_failure or FormErrors(),
        "feedback_errors": feedback_failure or FormErrors(),
        "upload_errors": upload_failure or FormErrors(),
        "upload_form": upload_form or {"title": "", "description": ""},
        "upload_hint": f"PDF, Office and OpenDocument files, images, audio, video, ZIP or text; up to "
        f"{settings.MATERIAL_MAX_BYTES // (1024 * 1024)} MB.",
        "ratings": [5, 4, 3, 2, 1],
        "reply_errors": reply_failure or FormErrors(),
        "reply_to": reply_to,
        "reply_form": reply_form or {"reply": ""},
        "visitor": not actor.uid,
        "login_url": f"/auth/login/?{urlencode({'next': request.get_full_path()})}",
    }
    if actor.role == PARENT:
        family = children_on_course(actor=actor, course=course, chosen=request.GET.get("child", ""))
        context["family"] = family["children"]
        context["checkout_student_uid"] = family["checkout_for"]
    failures = [f for f in (enrol_failure, feedback_failure, upload_failure, reply_failure) if f]
    return render(request, "courses/detail.html", context, *failures)


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD"])
def course_detail(request, course_id: str):
    return render_course(request, course_id)


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
        "price": amount_label(price["amount"]) if price.get("amount") else "",
        "currency": price.get("currency") or "EUR",
        "capacity": "" if course.get("capacity") is None else str(course["capacity"]),
        "included_in_membership": "on" if course.get("included_in_membership") else "",
    }


def _split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


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
    return validate_page_form(serializer, data, problems, **kwargs)


def _language_choices(current: str) -> list[tuple[str, str]]:
    if current and current not in LANGUAGE_NAMES:
        return [*LANGUAGES, (current, current)]
    return list(LANGUAGES)


def _editor_context(form: dict, failure: FormErrors, course: dict | None = None, **extra) -> dict:
    return {
        "form": form,
        "errors": failure,
        "course": course_view(course) if course else None,
        "levels": list(LEVEL_LABELS.items()),
        "languages": _language_choices(form.get("language", "")),
        "subject_suggestions": SUBJECT_SUGGESTIONS,
        "cover_errors": FormErrors(),
        "cover_hint": f"JPEG, PNG or WebP, up to {settings.COVER_MAX_BYTES // (1024 * 1024)} MB; shown on the course's card.",
        "currencies": CURRENCIES if form["currency"] in CURRENCIES else (*CURRENCIES, form["currency"]),
        "status_errors": FormErrors(),
        **extra,
    }


@page(roles=TEACHERS)
@require_http_methods(["GET", "HEAD", "POST"])
def course_new(request):
    if request.method != "POST":
        return render(request, "courses/edit.html", _editor_context(_course_form(), FormErrors()))
    form = {name: request.POST.get(name, "") for name in COURSE_FIELDS}
    publish = request.POST.get("status") == PUBLISHED
    try:
        data = _course_data(form, s.CourseIn)
        data["status"] = PUBLISHED if publish else DRAFT
        course = services.create_course(actor=request.actor, data=data)
    except (errors.ValidationError, errors.Conflict) as exc:
        failure = form_errors(exc, field_names=COURSE_FIELDS, aliases=COURSE_ALIASES)
        return render(request, "courses/edit.html", _editor_context(form, failure), failure)
    message = "Your course is published." if publish else "Your course is saved as a draft."
    return flash(redirect(f"/courses/{course['id']}/"), message)


@page(roles=TEACHERS_AND_ADMINS)
@require_http_methods(["GET", "HEAD", "POST"])
def course_edit(request, course_id: str):
    course = access_course(request.actor, course_id, for_write=True)
    if request.method != "POST":
        return render(request, "courses/edit.html", _editor_context(_course_form(course), FormErrors(), course))
    form = {name: request.POST.get(name, "") for name in COURSE_FIELDS}
    try:
        changes = _course_data(form, s.CoursePatchIn, partial=True)
        services.update_course(actor=request.actor, course_id=course_id, changes=changes)
    except (errors.ValidationError, errors.Conflict) as exc:
        failure = form_errors(exc, field_names=COURSE_FIELDS, aliases=COURSE_ALIASES)
        return render(request, "courses/edit.html", _editor_context(form, failure, course), failure)
    return flash(redirect(f"/courses/{course_id}/"), "Your changes are saved.")


@page(roles=TEACHERS_AND_ADMINS, back="/courses/{course_id}/edit/")
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
        return render(request, "courses/edit.html", context, failure)
    return flash(redirect(f"/courses/{course_id}/"), STATUS_MESSAGES[data["status"]])


# The body must not be parsed before the size limit is in place (see materials.pages.upload_material).
@csrf_exempt
@page(roles=TEACHERS_AND_ADMINS, back="/courses/{course_id}/edit/")
@require_POST
def course_cover(request, course_id: str):
    course = access_course(request.actor, course_id, for_write=True)
    try:
        body = read_upload_page(request, max_bytes=settings.COVER_MAX_BYTES, field="cover")
        upload = body.get("cover")
        if upload is None or isinstance(upload, str):
            raise errors.ValidationError(
                "Choose an image to upload.", fields={"cover": ["Choose a JPEG, PNG or WebP image."]}
            )
        services.set_course_cover(actor=request.actor, course_id=course_id, upload=upload)
    except UPLOAD_FAILURES as exc:
        context = _editor_context(_course_form(course), FormErrors(), course)
        context["cover_errors"] = form_errors(exc, field_names=("cover",))
        return render(request, "courses/edit.html", context, context["cover_errors"])
    return flash(redirect(f"/courses/{course_id}/edit/#cover-box"), "The new cover is up; course cards show it.")


@page(roles=TEACHERS_AND_ADMINS, back="/courses/{course_id}/edit/")
@require_POST
def course_delete(request, course_id: str):
    """Delete a draft (a course with enrolments is archived instead: the service decides)."""
    course = access_course(request.actor, course_id, for_write=True)
    archived = services.delete_course(actor=request.actor, course_id=course_id)
    if archived is not None:
        return flash(
            redirect(f"/courses/{course_id}/"), "Students have enrolled in this course, so it is archived instead."
        )
    mine = "?mine=1" if request.actor.role == TEACHER else ""
    return flash(redirect(f"/courses/{mine}"), f"“{course['title']}” is deleted.")
