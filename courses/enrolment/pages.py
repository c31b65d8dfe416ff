"""Enrolment pages: enrol and withdraw (forms on the course page), my courses."""

from __future__ import annotations

from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from courses.catalog.pages import render_course
from courses.enrolment import serializers as s
from courses.enrolment import services
from courses.presenters import list_query, next_url, render
from courses.progress import services as progress_services
from cplatform import errors
from cplatform.actor import PARENT, STUDENT
from cplatform.pages import FormErrors, flash, form_errors, page
from middlewares.roles import STUDENTS


@page(roles=frozenset({STUDENT, PARENT}))
@require_http_methods(["GET", "HEAD"])
def my_courses(request):
    """A student's (or a parent's children's) enrolments, newest first."""
    cursor = request.GET.get("cursor", "").strip()
    failure, items, next_page = FormErrors(), [], None
    try:
        query = list_query(cursor)
        result = services.list_my_enrollments(
            actor=request.actor, status=None, student_uid=None, limit=query["limit"], cursor=query["cursor"] or None
        )
    except errors.DomainError as exc:
        failure = form_errors(exc, field_names=("cursor",))
    else:
        items = [s.enrollment_representation(item) for item in result.items]
        progress = progress_services.progress_of_enrollments(actor=request.actor, enrollments=result.items)
        for item in items:
            item["progress"] = progress.get(item["course_id"])
        next_page = next_url({}, result.next_cursor)
    context = {"errors": failure, "enrollments": items, "next_url": next_page, "is_next_page": bool(cursor)}
    return render(request, "courses/my_courses.html", context, failure)


@page(roles=STUDENTS, back="/courses/{course_id}/")
@require_POST
def enrol(request, course_id: str):
    try:
        result = services.enroll_student(actor=request.actor, course_id=course_id)
    except (errors.ValidationError, errors.Conflict, errors.PaymentRequired) as exc:
        return render_course(request, course_id, enrol_failure=form_errors(exc))
    course_url = f"/courses/{course_id}/"
    if result.outcome == "waitlisted":
        position = result.enrollment.get("position")
        return flash(redirect(course_url), f"The course is full: you are number {position} on the waitlist.")
    if result.outcome == "unchanged":
        return flash(redirect(course_url), "You are already signed up for this course.")
    return flash(redirect(course_url), "You are enrolled. Welcome to the course!")


@page(roles=STUDENTS, back="/courses/{course_id}/")
@require_POST
def withdraw(request, course_id: str):
    try:
        enrollment = services.withdraw_student(actor=request.actor, course_id=course_id)
    except errors.Conflict as exc:
        return render_course(request, course_id, enrol_failure=form_errors(exc))
    left = f"You left {enrollment.get('course_title') or 'the course'}."
    refund = enrollment.get("refund") or {}
    return flash(redirect(f"/courses/{course_id}/"), refund.get("message") or left)
