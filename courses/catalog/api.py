"""Courses catalog, search, enrolments and feedback API: one thin view per resource and method."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from courses import serializers as s
from courses import services
from cplatform.api import ApiView, page_body
from middlewares.roles import ADMINS, SIGNED_IN, STUDENTS, STUDENTS_AND_PARENTS, TEACHERS, TEACHERS_AND_ADMINS


class MethodRolesView(ApiView):
    """A view whose methods admit different roles; a method missing from `method_roles` is closed."""

    method_roles: dict = {}

    @property
    def roles(self):
        method = self.request.method
        return self.method_roles.get("GET" if method == "HEAD" else method)


# --- courses -----------------------------------------------------------------------------------


class CourseCollectionView(MethodRolesView):
    method_roles = {"GET": SIGNED_IN, "POST": TEACHERS}

    @extend_schema(
        parameters=[s.CourseListIn],
        responses=s.CoursePageOut,
        tags=["courses"],
        description="The catalog (published courses), `mine=true` for a teacher's own courses in any status, "
        "or a search with `q` (ranked; the cursor is an offset into a bounded candidate list).",
    )
    def get(self, request):
        params = self.query(s.CourseListIn)
        query = services.CatalogQuery(
            subject=params.get("subject"),
            level=params.get("level"),
            language=params.get("language"),
            teacher=params.get("teacher"),
            price=params.get("price"),
            sort=params.get("sort"),
            mine=params["mine"],
        )
        cursor = params["cursor"] or None
        if "q" in params:
            page = services.search_courses(
                actor=request.user, q=params["q"], query=query, limit=params["limit"], cursor=cursor
            )
        else:
            page = services.list_courses(actor=request.user, query=query, limit=params["limit"], cursor=cursor)
        return Response(page_body(page, s.course_representation))

    @extend_schema(request=s.CourseIn, responses={201: s.CourseOut}, tags=["courses"])
    def post(self, request):
        data = self.validate(s.CourseIn, request.data)
        course = services.create_course(actor=request.user, data=data)
        return Response(s.course_representation(course), status=status.HTTP_201_CREATED)


class CourseDetailView(MethodRolesView):
    method_roles = {"GET": SIGNED_IN, "PATCH": TEACHERS_AND_ADMINS, "DELETE": TEACHERS_AND_ADMINS}

    @extend_schema(responses=s.CourseOut, tags=["courses"])
    def get(self, request, course_id: str):
        return Response(s.course_representation(services.get_course(actor=request.user, course_id=course_id)))

    @extend_schema(request=s.CoursePatchIn, responses=s.CourseOut, tags=["courses"])
    def patch(self, request, course_id: str):
        changes = self.validate(s.CoursePatchIn, request.data, partial=True)
        course = services.update_course(actor=request.user, course_id=course_id, changes=changes)
        return Response(s.course_representation(course))

    @extend_schema(
        responses={204: None, 200: OpenApiResponse(s.CourseOut, description="archived: the course has enrolments")},
        tags=["courses"],
    )
    def delete(self, request, course_id: str):
        archived = services.delete_course(actor=request.user, course_id=course_id)
        if archived is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(s.course_representation(archived))


class CourseCoverView(MethodRolesView):
    method_roles = {"GET": SIGNED_IN, "POST": TEACHERS_AND_ADMINS}

    @extend_schema(responses={(200, "image/*"): bytes}, tags=["courses"])
    def get(self, request, course_id: str):
        data, content_type = services.get_course_cover(actor=request.user, course_id=course_id)
        response = HttpResponse(data, content_type=content_type)
        response["Cache-Control"] = "private, max-age=86400"
        return response

    @extend_schema(request={"multipart/form-data": s.CoverIn}, responses=s.CourseOut, tags=["courses"])
    def post(self, request, course_id: str):
        data = self.validate(s.CoverIn, request.data)
        course = services.set_course_cover(actor=request.user, course_id=course_id, upload=data["cover"])
        return Response(s.course_representation(course))


# --- enrolments --------------------------------------------------------------------------------

ENROLL_STATUS = {"created": status.HTTP_201_CREATED, "waitlisted": status.HTTP_202_ACCEPTED, "unchanged": 200}


class CourseEnrollmentView(MethodRolesView):
    method_roles = {"GET": STUDENTS_AND_PARENTS, "POST": STUDENTS_AND_PARENTS, "DELETE": STUDENTS_AND_PARENTS}

    @extend_schema(parameters=[s.StudentQuery], responses=s.EnrollmentOut, tags=["enrolments"])
    def get(self, request, course_id: str):
        params = self.query(s.StudentQuery)
        enrollment = services.get_enrollment(
            actor=request.user, course_id=course_id, student_uid=params.get("student_uid")
        )
        return Response(s.enrollment_representation(enrollment))

    @extend_schema(
        request=s.EnrollIn,
        responses={
            201: OpenApiResponse(s.EnrollmentOut, description="enrolled"),
            202: OpenApiResponse(s.EnrollmentOut, description="the course is full: waitlisted, with position"),
            200: OpenApiResponse(s.EnrollmentOut, description="already enrolled or waiting: nothing changed"),
        },
        tags=["enrolments"],
    )
    def post(self, request, course_id: str):
        data = self.validate(s.EnrollIn, request.data)
        result = services.enroll_student(actor=request.user, course_id=course_id, student_uid=data.get("student_uid"))
        return Response(s.enrollment_representation(result.enrollment), status=ENROLL_STATUS[result.outcome])

    @extend_schema(parameters=[s.StudentQuery], responses=s.EnrollmentOut, tags=["enrolments"])
    def delete(self, request, course_id: str):
        params = self.query(s.StudentQuery)
        enrollment = services.withdraw_student(
            actor=request.user, course_id=course_id, student_uid=params.get("student_uid")
        )
        return Response(s.enrollment_representation(enrollment))


class CourseRosterView(ApiView):
    roles = TEACHERS_AND_ADMINS

    @extend_schema(parameters=[s.RosterIn], responses=s.EnrollmentPageOut, tags=["enrolments"])
    def get(self, request, course_id: str):
        params = self.query(s.RosterIn)
        page = services.list_course_roster(
            actor=request.user,
            course_id=course_id,
            status=params.get("status"),
            limit=params["limit"],
            cursor=params["cursor"] or None,
        )
        return Response(page_body(page, s.enrollment_representation))


class MyEnrollmentsView(ApiView):
    roles = STUDENTS_AND_PARENTS

    @extend_schema(parameters=[s.MyEnrollmentsIn], responses=s.EnrollmentPageOut, tags=["enrolments"])
    def get(self, request):
        params = self.query(s.MyEnrollmentsIn)
        page = services.list_my_enrollments(
            actor=request.user,
            status=params.get("status"),
            student_uid=params.get("student_uid"),
            limit=params["limit"],
            cursor=params["cursor"] or None,
        )
        return Response(page_body(page, s.enrollment_representation))


# --- feedback ----------------------------------------------------------------------------------


class CourseFeedbackView(MethodRolesView):
    method_roles = {"GET": SIGNED_IN, "POST": STUDENTS}

    @extend_schema(parameters=[s.CursorPageQuery], responses=s.FeedbackPageOut, tags=["feedback"])
    def get(self, request, course_id: str):
        params = self.query(s.CursorPageQuery)
        page = services.list_feedback(
            actor=request.user, course_id=course_id, limit=params["limit"], cursor=params["cursor"] or None
        )
        return Response(page_body(page, s.feedback_representation))

    @extend_schema(
        request=s.FeedbackIn,
        responses={201: s.FeedbackOut, 200: OpenApiResponse(s.FeedbackOut, description="replaced")},
        tags=["feedback"],
    )
    def post(self, request, course_id: str):
        data = self.validate(s.FeedbackIn, request.data)
        feedback, created = services.post_feedback(
            actor=request.user, course_id=course_id, rating=data["rating"], comment=data["comment"]
        )
        return Response(
            s.feedback_representation(feedback), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class FeedbackReplyView(ApiView):
    roles = TEACHERS

    @extend_schema(request=s.ReplyIn, responses=s.FeedbackOut, tags=["feedback"])
    def post(self, request, course_id: str, student_uid: str):
        data = self.validate(s.ReplyIn, request.data)
        feedback = services.reply_to_feedback(
            actor=request.user, course_id=course_id, student_uid=student_uid, reply=data["reply"]
        )
        return Response(s.feedback_representation(feedback))


class FeedbackHideView(ApiView):
    roles = ADMINS

    @extend_schema(request=s.HideIn, responses=s.FeedbackOut, tags=["feedback"])
    def post(self, request, course_id: str, student_uid: str):
        data = self.validate(s.HideIn, request.data)
        feedback = services.hide_feedback(
            actor=request.user, course_id=course_id, student_uid=student_uid, hidden=data["hidden"]
        )
        return Response(s.feedback_representation(feedback))
