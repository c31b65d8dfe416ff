"""Lesson history pages: a student's past lessons with her attendance, for her and those who may see it."""

from __future__ import annotations

from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from authentication import access as account_access
from courses.presenters import list_query, next_url, render
from courses.progress import services
from cplatform.pages import page
from middlewares.roles import SIGNED_IN, STUDENTS

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
