"""A person's page, opened from the people search, a roster or the chat: who they are, "Message"
when the two may talk, and for a student's teachers, parents and admins the student's courses and
recent lessons with attendance.

Lives in messaging because it joins the three apps below (profile, courses, chat); it calls their
services only, which keep every visibility rule (authentication.access.access_profile decides who
sees the page at all, courses.progress the history, messaging.access who may write to whom).
"""

from __future__ import annotations

from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from authentication import access as account_access
from authentication import serializers as account_shapes
from courses.presenters import render
from courses.progress import services as progress_services
from cplatform import errors
from cplatform.actor import ADMIN, PARENT, STUDENT, TEACHER
from cplatform.pages import page
from messaging import services
from middlewares.roles import SIGNED_IN

ROLE_LABELS = {STUDENT: "Student", TEACHER: "Teacher", PARENT: "Parent", ADMIN: "Admin"}
ATTENDANCE_LABELS = {"present": "Present", "absent": "Absent", "excused": "Excused", None: "Not marked"}
COURSE_STATUS_LABELS = {"active": "Enrolled", "completed": "Completed"}
HISTORY_SHOWN = 10


def _initials(name: str) -> str:
    return "".join(word[0] for word in (name or "").split()[:2]).upper() or "?"


@page(roles=SIGNED_IN)
@require_http_methods(["GET", "HEAD"])
def person(request, uid: str):
    actor = request.actor
    if uid == actor.uid:
        return redirect("/profile/")
    profile, scope = account_access.access_profile(actor, uid)
    shown = account_shapes.profile_representation(profile, scope)
    role = shown.get("role")
    courses, history, more_history = None, None, False
    if role == STUDENT and actor.role in (TEACHER, PARENT, ADMIN):
        try:
            courses = [
                {**row, "status_label": COURSE_STATUS_LABELS.get(row["status"], "")}
                for row in progress_services.student_courses(actor=actor, student_uid=uid)
            ]
            page_ = progress_services.lesson_history(actor=actor, student_uid=uid, limit=HISTORY_SHOWN, cursor=None)
        except errors.PermissionDenied:
            courses = None  # a teacher who never taught this student sees the profile only
        else:
            history = [
                {**item, "attendance_label": ATTENDANCE_LABELS.get(item.get("attendance"), "Not marked")}
                for item in page_.items
            ]
            more_history = bool(page_.next_cursor)
    context = {
        "person": shown,
        "role_label": ROLE_LABELS.get(role, ""),
        "initials": _initials(shown.get("display_name", "")),
        "can_message": services.may_write_to(actor=actor, other_uid=uid),
        "courses": courses,
        "history": history,
        "more_history": more_history,
        "present": sum(1 for item in history or [] if item.get("attendance") == "present"),
        "is_my_child": actor.role == PARENT and uid in account_access.linked_children(actor),
    }
    return render(request, "people/person.html", context)
