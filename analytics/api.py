"""Analytics API: engagement, progress, revenue and warnings, as JSON or (`?format=csv`) streamed CSV.

DRF reads `?format=` to pick a renderer; these views declare a CSV renderer so that `format=csv`
passes content negotiation, then answer CSV themselves (a StreamingHttpResponse that DRF leaves
alone). Errors always answer in the JSON error shape, whatever format was asked for.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from analytics import csv_export, services
from analytics import serializers as s
from cplatform import errors
from cplatform.api import ApiView
from middlewares.roles import SIGNED_IN, TEACHERS_AND_ADMINS


class CsvRenderer(BaseRenderer):
    """Only lets `?format=csv` through negotiation; the views build the CSV body themselves."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data, accepted_media_type, renderer_context)


def _schema(query, out, *, description: str):
    return extend_schema(
        parameters=[query],
        responses={
            (200, "application/json"): out,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="with ?format=csv: the table, streamed"),
        },
        description=description,
        tags=["analytics"],
    )


class ReportView(ApiView):
    renderer_classes = [JSONRenderer, CsvRenderer]

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404 as exc:
            # DRF answers an unknown ?format= with a bare 404; here it is a field a person got wrong.
            raise errors.ValidationError(
                "format must be json or csv.", fields={"format": ["Use json or csv."]}
            ) from exc

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        # An error is JSON even when CSV was asked for: a client must be able to read why.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def report_range(self, params: dict):
        return services.viewer_range(
            actor=self.request.user,
            first=params.get("from"),
            last=params.get("to"),
            group=params["group"],
            timezone=params.get("tz"),
        )


class EngagementView(ReportView):
    roles = TEACHERS_AND_ADMINS

    @_schema(
        s.EngagementIn,
        s.EngagementOut,
        description="Admins: the platform (or ?teacher_uid / ?course_id); teachers: their courses (another "
        "teacher's course is 404). Periods and days follow the viewer's time zone.",
    )
    def get(self, request):
        params = self.query(s.EngagementIn)
        report = services.engagement_report(
            actor=request.user,
            rng=self.report_range(params),
            course_id=params.get("course_id"),
            teacher_uid=params.get("teacher_uid"),
        )
        if params["format"] == "csv":
            return csv_export.engagement(report)
        return Response(s.EngagementOut(report).data)


class ProgressView(ReportView):
    roles = SIGNED_IN

    @_schema(
        s.ProgressIn,
        s.ProgressOut,
        description="Admins: any; teachers: their courses' students; parents: linked children; students: themselves.",
    )
    def get(self, request):
        params = self.query(s.ProgressIn)
        report = services.progress_report(
            actor=request.user,
            rng=self.report_range(params),
            course_id=params.get("course_id"),
            student_uid=params.get("student_uid"),
        )
        if params["format"] == "csv":
            return csv_export.progress(report)
        return Response(s.ProgressOut(report).data)


class RevenueView(ReportView):
    roles = TEACHERS_AND_ADMINS

    @_schema(
        s.RevenueIn,
        s.RevenueOut,
        description="From the payments app's monthly totals (UTC calendar months; group must be month). "
        "Teachers: their own; admins: all or ?teacher_uid, with membership revenue. Zeros when nothing was paid.",
    )
    def get(self, request):
        params = self.query(s.RevenueIn)
        report = services.revenue_report(
            actor=request.user, rng=self.report_range(params), teacher_uid=params.get("teacher_uid")
        )
        if params["format"] == "csv":
            return csv_export.revenue(report)
        return Response(s.RevenueOut(report).data)


class WarningsView(ReportView):
    roles = SIGNED_IN

    @extend_schema(
        parameters=[s.WarningsIn],
        responses={
            (200, "application/json"): s.WarningsOut,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="with ?format=csv"),
        },
        description="Students who need attention now (missed lessons in a row, no recent activity), scoped like "
        "the progress report.",
        tags=["analytics"],
    )
    def get(self, request):
        params = self.query(s.WarningsIn)
        report = services.list_warnings(
            actor=request.user, course_id=params.get("course_id"), student_uid=params.get("student_uid")
        )
        if params["format"] == "csv":
            return csv_export.warnings(report)
        return Response(s.WarningsOut(report).data)
