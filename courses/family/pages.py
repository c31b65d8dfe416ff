"""A parent's "My children" area: each linked child's courses with progress, the next two weeks'
lessons, the lesson history and their teachers; and enrolling a child from a course page.

Thin like the other pages: the same services as the API (the parent's rules live in
authentication.access.access_child and the services), rendered in the parent's time zone.
"""

from __future__ import annotations

import datetime as dt

from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from authentication import access as account_access
from authentication import services as account_services
from courses.enrolment import serializers as enrolment_shapes
from courses.enrolment import services as enrolment_services
from courses.lessons import services as lesson_services
from courses.presenters import render, start_of_today
from courses.progress import services as progress_services
from cplatform import errors
from cplatform.pages import flash, page
from middlewares.roles import PARENTS

CHILDREN_URL = "/children/"
STATUS_LABELS = {"active": "Enrolled", "waitlisted": "On the waitlist", "withdrawn": "Left", "completed": "Completed"}
ATTENDANCE_LABELS = {"present": "Present", "absent": "Absent", "excused": "Excused", None: "Not marked"}
# Enough for every course a child follows; the area is a summary, the course pages hold the rest.
ENROLMENTS_SHOWN = 50
HISTORY_SHOWN = 10
SCHEDULE_DAYS = 14
PROGRESS_STATUSES = ("active", "completed")


def _child_view(profile: dict) -> dict:
    name = profile.get("display_name", "")
    return {
        "uid": profile["id"],
        "name": name,
        "initials": "".join(word[0] for word in name.split()[:2]).upper() or "?",
        "photo_url": account_services.photo_url(profile),
        "grade_level": (profile.get("student") or {}).get("grade_level", ""),
    }


def _enrolment_view(item: dict) -> dict:
    shaped = enrolment_shapes.enrollment_representation(item)
    shaped["status_label"] = STATUS_LABELS.get(shaped["status"], shaped["status"].capitalize())
    return shaped


@page(roles=PARENTS)
@require_http_methods(["GET", "HEAD"])
def children(request):
    """Every linked child with the courses they follow (one enrolment query for all of them)."""
    actor = request.actor
    kids = [_child_view(child) for child in account_services.list_my_children(actor=actor)]
    by_child: dict[str, list[dict]] = {kid["uid"]: [] for kid in kids}
    if kids:
        result = enrolment_services.list_my_enrollments(
            actor=actor, status=None, student_uid=None, limit=ENROLMENTS_SHOWN, cursor=None
        )
        for item in result.items:
            if item.get("student_uid") in by_child:
                by_child[item["student_uid"]].append(_enrolment_view(item))
    for kid in kids:
        kid["enrollments"] = by_child[kid["uid"]]
    return render(request, "family/children.html", {"children": kids})


@page(roles=PARENTS)
@require_http_methods(["GET", "HEAD"])
def child(request, uid: str):
    """One child: courses with progress, the coming lessons, recent lesson history, teachers to write to."""
    actor = request.actor
    account_access.access_child(actor, uid)
    profile, _ = account_access.access_profile(actor, uid)
    kid = _child_view(profile)
    enrollments = [
        _enrolment_view(item)
        for item in enrolment_services.list_my_enrollments(
            actor=actor, status=None, student_uid=uid, limit=ENROLMENTS_SHOWN, cursor=None
        ).items
    ]
    for item in enrollments:
        item["progress"] = None
        if item["status"] in PROGRESS_STATUSES:
            try:
                item["progress"] = progress_services.course_progress(
                    actor=actor, course_id=item["course_id"], student_uid=uid
                )
            except (errors.NotFound, errors.PermissionDenied):
                item["progress"] = None  # the course went away meanwhile: the row still says what it was
    start = start_of_today(request)
    lessons = [
        lesson
        for lesson in lesson_services.schedule_lessons(
            actor=actor, start=start, end=start + dt.timedelta(days=SCHEDULE_DAYS), max_pages=2
        )
        if uid in lesson.get("student_uids", [])
    ]
    history = progress_services.lesson_history(actor=actor, student_uid=uid, limit=HISTORY_SHOWN, cursor=None)
    past = [
        {**lesson, "attendance_label": ATTENDANCE_LABELS.get(lesson.get("attendance"), "Not marked")}
        for lesson in history.items
    ]
    teachers: dict[str, dict] = {}
    for item in enrollments:
        if item["status"] in PROGRESS_STATUSES and item["teacher_uid"] not in teachers:
            teachers[item["teacher_uid"]] = {"uid": item["teacher_uid"], "name": item["teacher_name"], "courses": []}
        if item["teacher_uid"] in teachers:
            teachers[item["teacher_uid"]]["courses"].append(item["course_title"])
    context = {
        "child": kid,
        "enrollments": enrollments,
        "lessons": lessons,
        "history": past,
        "more_history": bool(history.next_cursor),
        "teachers": sorted(teachers.values(), key=lambda teacher: teacher["name"].lower()),
        "schedule_days": SCHEDULE_DAYS,
    }
    return render(request, "family/child.html", context)


@page(roles=PARENTS)
@require_http_methods(["GET", "HEAD", "POST"])
def enrol_child(request, course_id: str):
    """The course page's "Enrol <child>" button. A GET (a reload, a bookmark) goes back to the course."""
    course_url = f"/courses/{course_id}/"
    if request.method != "POST":
        return redirect(course_url)
    student_uid = request.POST.get("student_uid", "").strip()
    try:
        if not student_uid:
            raise errors.ValidationError("Choose which child to enrol.")
        name = account_access.access_profile(request.actor, account_access.access_child(request.actor, student_uid))[
            0
        ].get("display_name", "Your child")
        result = enrolment_services.enroll_student(actor=request.actor, course_id=course_id, student_uid=student_uid)
    except errors.PaymentRequired:
        response = redirect(f"{course_url}?child={student_uid}#checkout")
        return flash(response, "This is a paid course: pay below to enrol your child.")
    except (errors.ValidationError, errors.Conflict, errors.PermissionDenied) as exc:
        return flash(redirect(course_url), exc.message)
    if result.outcome == "waitlisted":
        message = f"The course is full: {name} is number {result.enrollment.get('position')} on the waitlist."
    elif result.outcome == "unchanged":
        message = f"{name} is already signed up for this course."
    else:
        message = f"{name} is enrolled. The teacher has been told."
    return flash(redirect(course_url), message)
