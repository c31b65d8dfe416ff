"""Web pages of the courses app (the API lives under /api/v1/, see urls.py); each screen lives in its sub-domain."""

from django.urls import path

from courses.admin import pages as admin
from courses.catalog import pages as catalog
from courses.enrolment import pages as enrolment
from courses.family import pages as family
from courses.feedback import pages as feedback
from courses.lessons import pages as lessons
from courses.materials import pages as materials
from courses.progress import pages as progress

urlpatterns = [
    path("courses/", catalog.catalog, name="courses"),
    path("courses/mine/", enrolment.my_courses, name="my-courses"),
    path("courses/new/", catalog.course_new, name="course-new"),
    path("courses/<str:course_id>/", catalog.course_detail, name="course"),
    path("courses/<str:course_id>/edit/", catalog.course_edit, name="course-edit"),
    path("courses/<str:course_id>/status/", catalog.course_status, name="course-status"),
    path("courses/<str:course_id>/cover/", catalog.course_cover, name="course-cover"),
    path("courses/<str:course_id>/delete/", catalog.course_delete, name="course-delete"),
    path("courses/<str:course_id>/enrol/", enrolment.enrol, name="course-enrol"),
    path("courses/<str:course_id>/enrol-child/", family.enrol_child, name="course-enrol-child"),
    path("courses/<str:course_id>/withdraw/", enrolment.withdraw, name="course-withdraw"),
    path("courses/<str:course_id>/feedback/", feedback.post_feedback, name="course-feedback"),
    path("courses/<str:course_id>/feedback/<str:student_uid>/reply/", feedback.reply_feedback, name="feedback-reply"),
    path("courses/<str:course_id>/materials/", materials.upload_material, name="course-materials"),
    path(
        "courses/<str:course_id>/materials/<str:material_id>/delete/",
        materials.delete_material,
        name="course-material-delete",
    ),
    path("courses/<str:course_id>/lessons/", lessons.lessons, name="course-lessons"),
    path("courses/<str:course_id>/lessons/<str:lesson_id>/edit/", lessons.lesson_edit, name="lesson-edit"),
    path("courses/<str:course_id>/lessons/<str:lesson_id>/cancel/", lessons.lesson_cancel, name="lesson-cancel"),
    path(
        "courses/<str:course_id>/lessons/<str:lesson_id>/attendance/",
        progress.lesson_attendance,
        name="lesson-attendance",
    ),
    path("admin/courses/", admin.courses, name="admin-courses"),
    path("admin/courses/<str:course_id>/archive/", admin.course_archive, name="admin-course-archive"),
    path("admin/courses/<str:course_id>/feedback/", admin.course_feedback, name="admin-course-feedback"),
    path(
        "admin/courses/<str:course_id>/feedback/<str:student_uid>/visibility/",
        admin.feedback_visibility,
        name="admin-feedback-visibility",
    ),
    path("schedule/", lessons.schedule, name="schedule"),
    path("children/", family.children, name="children"),
    path("children/<str:uid>/", family.child, name="child"),
    path("history/", progress.my_history, name="history"),
    path("students/<str:uid>/history/", progress.student_history, name="student-history"),
]
