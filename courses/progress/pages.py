"""Lesson history pages (a student's past lessons with her attendance, for her and those who may see
it) and the teacher's attendance sheet for one lesson."""

from __future__ import annotations

from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from authentication import access as account_access
from courses import clock
from courses.access import access_course
from courses.enrolment import services as enrolment_services
from courses.lessons import services as lesson_services
from courses.presenters import course_view, list_query, next_url, render
from courses.progress import serializers as s
from courses.progress import services
from cplatform import errors
from cplatform.pages import FormErrors, flash, form_errors, page, validate_form
from middlewares.roles import SIGNED_IN, STUDENTS, TEACHERS_AND_ADMINS

ATTENDANCE_LABELS = {"present": "Present", "absent": "Absent", "excused": "Excused", None: "Not marked"}


def _render_history(request, student_uid: str, *, own: bool):
    cursor = request.GET.get("cursor", "").strip()
    query = list_query(cursor)
    result = services.lesson_history(
        actor=request.actor, student_uid=student_uid, limit=query["limit"], cursor=query["cursor"] or None
    )
    name = ""
    if not own:
        profile, _ = account_access.access_profile(request.actor, student_uid)
        name = profile.get("display_name", "")
    items = [
        {**lesson, "attendance_label": ATTENDANCE_LABELS.get(lesson.get("attendance"), "Not marked")}
        for lesson in result.items
    ]
    context = {
        "own": own,
        "student_name": name,
        "lessons": items,
        "next_url": next_url({}, result.next_cursor),
        "is_next_page": bool(cursor),
        "present": sum(1 for item in items if item.get("attendance") == "present"),
    }
    return render(request, "schedule/history.html", context)


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


# --- attendance sheet ----------------------------------------------------------------------------


def _render_attendance(request, course: dict, lesson: dict, *, marks: dict | None = None, failure=None):
    roster = enrolment_services.list_course_roster(
        actor=request.actor, course_id=course["id"], status="active", limit=s.MAX_ATTENDANCE_RECORDS, cursor=None
    ).items
    _, recorded = services.list_attendance(
        actor=request.actor, lesson_id=lesson["id"], limit=s.MAX_ATTENDANCE_RECORDS, cursor=None
    )
    current = {record["student_uid"]: record.get("status") for record in recorded.items}
    if marks is not None:
        current.update(marks)
    failure = failure or FormErrors()
    context = {
        "course": course_view(course),
        "lesson": lesson,
        "students": [
            {
                "uid": item["student_uid"],
                "name": item.get("student_name") or "A student",
                "mark": current.get(item["student_uid"], ""),
            }
            for item in roster
        ],
        "choices": [(value, ATTENDANCE_LABELS[value]) for value in services.ATTENDANCE_STATUSES],
        "started": lesson["starts_at"] <= clock.now_utc(),
        "errors": failure,
    }
    return render(request, "courses/attendance.html", context, failure)


@page(roles=TEACHERS_AND_ADMINS)
@require_http_methods(["GET", "HEAD", "POST"])
def lesson_attendance(request, course_id: str, lesson_id: str):
    course = access_course(request.actor, course_id, for_write=True)
    lesson, _ = lesson_services.get_lesson(actor=request.actor, course_id=course_id, lesson_id=lesson_id)
    if request.method != "POST":
        return _render_attendance(request, course, lesson)
    marks = {
        key.removeprefix("mark-"): value for key, value in request.POST.items() if key.startswith("mark-") and value
    }
    try:
        if not marks:
            raise errors.ValidationError(
                "Mark at least one student.", fields={"records": ["Choose present, absent or excused for a student."]}
            )
        data = validate_form(s.AttendanceIn, {"records": [{"student_uid": u, "status": v} for u, v in marks.items()]})
        services.mark_attendance(actor=request.actor, lesson_id=lesson_id, records=data["records"])
    except (errors.ValidationError, errors.Conflict) as exc:
        return _render_attendance(
            request, course, lesson, marks=marks, failure=form_errors(exc, field_names=("records",))
        )
    present = sum(1 for value in marks.values() if value == "present")
    return flash(
        redirect(f"/courses/{course_id}/lessons/{lesson_id}/attendance/"),
        f"Attendance is saved: {present} of {len(marks)} marked present.",
    )
