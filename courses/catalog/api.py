"""Courses and catalog API: list or search, create, read, change, delete, cover. One thin view per resource."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from courses.catalog import search, services
from courses.catalog import serializers as s
from cplatform.actor import actor_or_visitor
from cplatform.api import MethodRolesView
from cplatform.client_address import client_address
from middlewares.roles import PUBLIC, TEACHERS, TEACHERS_AND_ADMINS


class CourseCollectionView(MethodRolesView):
    method_roles = {"GET": PUBLIC, "POST": TEACHERS}

    @extend_schema(
        operation_id="api_v1_courses_list",
        parameters=[s.CourseListIn],
        responses=s.CoursePageOut,
        tags=["courses"],
        description="The catalog (published courses), `mine=true` for a teacher's own courses in any status, "
        "or a search with `q` (ranked; the cursor is an offset into the ranked list; a search that finds "
        "nothing answers `suggestions`: the closest subjects and teacher names).",
    )
    def get(self, request):
        # Visitors read the catalog too: the search scopes a role-less actor to published courses.
        page = search.find_courses(
            actor=actor_or_visitor(request.user), params=self.query(s.CourseListIn), client_ip=client_address(request)
        )
        return Response(s.course_page(page))

    @extend_schema(request=s.CourseIn, responses={201: s.CourseOut}, tags=["courses"])
    def post(self, request):
        data = self.validate(s.CourseIn, request.data)
        course = services.create_course(actor=request.user, data=data)
        return Response(s.course_representation(course), status=status.HTTP_201_CREATED)


class CourseDetailView(MethodRolesView):
    method_roles = {"GET": PUBLIC, "PATCH": TEACHERS_AND_ADMINS, "DELETE": TEACHERS_AND_ADMINS}

    @extend_schema(responses=s.CourseOut, tags=["courses"], operation_id="courses_detail")
    def get(self, request, course_id: str):
        return Response(
            s.course_representation(services.get_course(actor=actor_or_visitor(request.user), course_id=course_id))
        )

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
    parser_classes = [MultiPartParser]
    method_roles = {"GET": PUBLIC, "POST": TEACHERS_AND_ADMINS}

    @extend_schema(responses={(200, "image/*"): bytes}, tags=["courses"])
    def get(self, request, course_id: str):
        data, content_type = services.get_course_cover(actor=actor_or_visitor(request.user), course_id=course_id)
        response = HttpResponse(data, content_type=content_type)
        response["Cache-Control"] = "private, max-age=86400"
        return response

    @extend_schema(request={"multipart/form-data": s.CoverIn}, responses=s.CourseOut, tags=["courses"])
    def post(self, request, course_id: str):
        data = self.validate(s.CoverIn, request.data)
        course = services.set_course_cover(actor=request.user, course_id=course_id, upload=data["cover"])
        return Response(s.course_representation(course))
