"""Enrolments API: enrol, withdraw, read one, a course's roster, my enrolments. Thin views over enrolment.services."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from courses.enrolment import serializers as s
from courses.enrolment import services
from cplatform.api import ApiView, MethodRolesView, page_body
from middlewares.roles import STUDENTS_AND_PARENTS, TEACHERS_AND_ADMINS

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

    @extend_schema(parameters=[s.StudentQuery], responses={200: s.EnrollmentOut}, tags=["enrolments"])
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
