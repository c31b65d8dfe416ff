"""Feedback forms on the course page: a student rates a course; its teacher replies to a review."""

from __future__ import annotations

from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from courses.catalog.pages import render_course
from courses.feedback import serializers as s
from courses.feedback import services
from cplatform import errors
from cplatform.pages import flash, form_errors, page, validate_form
from middlewares.roles import STUDENTS, TEACHERS


@page(roles=STUDENTS, back="/courses/{course_id}/")
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
        return render_course(request, course_id, feedback_failure=failure, feedback_form=form)
    message = "Thank you for your feedback!" if created else "Your feedback is updated."
    return flash(redirect(f"/courses/{course_id}/#feedback"), message)


@page(roles=TEACHERS, back="/courses/{course_id}/")
@require_POST
def reply_feedback(request, course_id: str, student_uid: str):
    form = {"reply": request.POST.get("reply", "")}
    try:
        data = validate_form(s.ReplyIn, form)
        services.reply_to_feedback(
            actor=request.actor, course_id=course_id, student_uid=student_uid, reply=data["reply"]
        )
    except (errors.ValidationError, errors.Conflict, errors.NotFound) as exc:
        failure = form_errors(exc, field_names=("reply",))
        return render_course(request, course_id, reply_failure=failure, reply_to=student_uid, reply_form=form)
    return flash(redirect(f"/courses/{course_id}/#feedback"), "Your reply is posted under the review.")
