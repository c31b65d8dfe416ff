"""The admin area's course side: every course by status with archiving, and a course's feedback
with hide/unhide (moderation). Forms post and redirect back to their list (post/redirect/get)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from courses.access import ARCHIVED, DRAFT, PUBLISHED
from courses.catalog import services as catalog_services
from courses.feedback import services as feedback_services
from courses.presenters import STATUS_LABELS, course_view, render, stars
from cplatform import errors
from cplatform.pages import FormErrors, flash, page, safe_next
from middlewares.roles import ADMINS

COURSES_URL = "/admin/courses/"
PAGE_SIZE = 25
STATUS_CHOICES = [("", "Every status")] + [(status, STATUS_LABELS[status]) for status in (PUBLISHED, DRAFT, ARCHIVED)]


@page(roles=ADMINS)
@require_http_methods(["GET", "HEAD"])
def courses(request):
    status = request.GET.get("status", "").strip()
    cursor = request.GET.get("cursor", "").strip()[:2000]
    failure = FormErrors()
    if status not in dict(STATUS_CHOICES):
        failure, status = FormErrors(fields={"status": ["Choose a status from the list."]}), ""
    # A stale cursor goes back to the first page with a message (cplatform.pages.page).
    result = catalog_services.admin_list_courses(
        actor=request.actor, status=status or None, limit=PAGE_SIZE, cursor=cursor or None
    )
    kept = {"status": status} if status else {}
    context = {
        "courses": [course_view(course) for course in result.items],
        "status": status,
        "status_choices": STATUS_CHOICES,
        "errors": failure,
        "next_url": f"?{urlencode({**kept, 'cursor': result.next_cursor})}" if result.next_cursor else None,
        "is_next_page": bool(cursor),
        "first_url": f"{COURSES_URL}?{urlencode(kept)}" if kept else COURSES_URL,
        "here": request.get_full_path(),
    }
    return render(request, "admin/courses.html", context, failure)


@page(roles=ADMINS)
@require_http_methods(["GET", "HEAD", "POST"])
def course_archive(request, course_id: str):
    if request.method != "POST":
        return redirect(COURSES_URL)
    back = safe_next(request, request.POST.get("next"), COURSES_URL)
    try:
        course = catalog_services.update_course(actor=request.actor, course_id=course_id, changes={"status": ARCHIVED})
    except (errors.Conflict, errors.ValidationError, errors.NotFound) as exc:
        return flash(redirect(back), exc.message)
    return flash(
        redirect(back), f"“{course.get('title', 'The course')}” is archived: it takes no new students or lessons."
    )


@page(roles=ADMINS)
@require_http_methods(["GET", "HEAD"])
def course_feedback(request, course_id: str):
    course = catalog_services.get_course(actor=request.actor, course_id=course_id)
    cursor = request.GET.get("cursor", "").strip()[:2000]
    failure = FormErrors()
    result = feedback_services.list_feedback(
        actor=request.actor, course_id=course_id, limit=PAGE_SIZE, cursor=cursor or None
    )
    context = {
        "course": course_view(course),
        "feedback": [{**item, "stars": stars(item.get("rating", 0))} for item in result.items],
        "errors": failure,
        "next_url": f"?{urlencode({'cursor': result.next_cursor})}" if result.next_cursor else None,
        "is_next_page": bool(cursor),
        "here": request.get_full_path(),
    }
    return render(request, "admin/feedback.html", context, failure)


@page(roles=ADMINS)
@require_http_methods(["GET", "HEAD", "POST"])
def feedback_visibility(request, course_id: str, student_uid: str):
    page_url = f"{COURSES_URL}{course_id}/feedback/"
    if request.method != "POST":
        return redirect(page_url)
    back = safe_next(request, request.POST.get("next"), page_url)
    hidden = request.POST.get("hidden") == "1"
    try:
        item = feedback_services.hide_feedback(
            actor=request.actor, course_id=course_id, student_uid=student_uid, hidden=hidden
        )
    except errors.NotFound as exc:
        return flash(redirect(back), exc.message)
    who = item.get("student_name") or "the student"
    message = (
        f"The feedback of {who} is hidden: nobody but admins sees it, and it no longer counts in the rating."
        if hidden
        else f"The feedback of {who} is visible again."
    )
    return flash(redirect(back), message)
