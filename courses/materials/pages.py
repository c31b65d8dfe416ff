"""Material pages: upload and remove a file (forms on the course page).

The no-JavaScript path; static/js/courses.js uploads through the API with progress. Both read the
body the same way: cplatform.uploads.limits caps it before anything parses it, and read_upload_form
refuses a declared or actual size over MATERIAL_MAX_BYTES.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from courses.catalog.pages import render_course
from courses.materials import serializers as s
from courses.materials import services
from cplatform.pages import UPLOAD_FAILURES, flash, form_errors, page, read_upload_page, validate_form
from middlewares.roles import TEACHERS_AND_ADMINS


# Django's CSRF middleware would parse the body to find the token before the size cap is in place:
# this view is exempt from it and runs the same check itself once the capped body is read.
@csrf_exempt
@page(roles=TEACHERS_AND_ADMINS, back="/courses/{course_id}/")
@require_POST
def upload_material(request, course_id: str):
    form = {"title": "", "description": ""}
    try:
        body = read_upload_page(request, max_bytes=settings.MATERIAL_MAX_BYTES, field="file")
        form = {"title": body.get("title", ""), "description": body.get("description", "")}
        data = validate_form(s.MaterialUploadIn, {**form, "file": body.get("file")})
        material = services.upload_material(
            actor=request.actor,
            course_id=course_id,
            title=data["title"],
            description=data["description"],
            upload=data["file"],
        )
    except UPLOAD_FAILURES as exc:
        failure = form_errors(exc, field_names=("title", "description", "file"))
        return render_course(request, course_id, upload_failure=failure, upload_form=form)
    return flash(redirect(f"/courses/{course_id}/#materials"), f"“{material['title']}” is uploaded.")


@page(roles=TEACHERS_AND_ADMINS, back="/courses/{course_id}/")
@require_POST
def delete_material(request, course_id: str, material_id: str):
    services.delete_material(actor=request.actor, course_id=course_id, material_id=material_id)
    return flash(redirect(f"/courses/{course_id}/#materials"), "The material is removed.")
