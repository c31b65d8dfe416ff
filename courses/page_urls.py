"""Web pages of the courses app (the API lives under /api/v1/, see urls.py)."""

from django.urls import path

from courses import pages

urlpatterns = [
    path("courses/", pages.catalog, name="courses"),
    path("courses/mine/", pages.my_courses, name="my-courses"),
    path("courses/new/", pages.course_new, name="course-new"),
    path("courses/<str:course_id>/", pages.course_detail, name="course"),
    path("courses/<str:course_id>/edit/", pages.course_edit, name="course-edit"),
    path("courses/<str:course_id>/status/", pages.course_status, name="course-status"),
    path("courses/<str:course_id>/enrol/", pages.enrol, name="course-enrol"),
    path("courses/<str:course_id>/withdraw/", pages.withdraw, name="course-withdraw"),
    path("courses/<str:course_id>/feedback/", pages.post_feedback, name="course-feedback"),
    path("courses/<str:course_id>/materials/", pages.upload_material, name="course-materials"),
    path(
        "courses/<str:course_id>/materials/<str:material_id>/delete/",
        pages.delete_material,
        name="course-material-delete",
    ),
    path("courses/<str:course_id>/lessons/", pages.lessons, name="course-lessons"),
    path("courses/<str:course_id>/lessons/<str:lesson_id>/edit/", pages.lesson_edit, name="lesson-edit"),
    path("courses/<str:course_id>/lessons/<str:lesson_id>/cancel/", pages.lesson_cancel, name="lesson-cancel"),
    path("schedule/", pages.schedule, name="schedule"),
    path("history/", pages.my_history, name="history"),
    path("students/<str:uid>/history/", pages.student_history, name="student-history"),
]
