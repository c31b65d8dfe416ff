"""Course materials API: upload, list, show, download (with Range), delete. Thin views over materials.services."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseRedirect, StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from courses.materials import serializers as s
from courses.materials import services
from cplatform.api import ApiView, page_body
from cplatform.exception_handler import error_response
from cplatform.uploads import limits, names, serving
from middlewares.roles import SIGNED_IN

TAGS = ["materials"]


class MaterialsView(ApiView):
    roles = SIGNED_IN
    parser_classes = [MultiPartParser]

    def initial(self, request, *args, **kwargs):
        # Before authentication: a cookie-authenticated POST's CSRF check already parses the body,
        # and the size cap must be in place when that happens.
        if request.method == "POST":
            self.upload_limit = limits.install_upload_limit(request, max_bytes=settings.MATERIAL_MAX_BYTES)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        parameters=[s.MaterialListIn],
        responses=s.MaterialPageOut,
        tags=TAGS,
        operation_id="api_v1_courses_materials_list",
    )
    def get(self, request, course_id: str):
        params = self.query(s.MaterialListIn)
        page = services.list_materials(
            actor=request.user, course_id=course_id, limit=params["limit"], cursor=params["cursor"] or None
        )
        return Response(page_body(page, s.material_representation))

    @extend_schema(
        request={"multipart/form-data": s.MaterialUploadIn},
        responses={
            201: s.MaterialOut,
            413: OpenApiResponse(description="The file is larger than MATERIAL_MAX_BYTES."),
            415: OpenApiResponse(description="The content is not an accepted type (judged by the bytes)."),
        },
        tags=TAGS,
    )
    def post(self, request, course_id: str):
        form = limits.read_upload_form(request, self.upload_limit, field="file")
        data = self.validate(s.MaterialUploadIn, form)
        material = services.upload_material(
            actor=request.user,
            course_id=course_id,
            title=data["title"],
            description=data["description"],
            upload=data["file"],
        )
        return Response(s.material_representation(material), status=status.HTTP_201_CREATED)


class MaterialView(ApiView):
    roles = SIGNED_IN

    @extend_schema(responses=s.MaterialOut, tags=TAGS)
    def get(self, request, course_id: str, material_id: str):
        material = services.get_material(actor=request.user, course_id=course_id, material_id=material_id)
        return Response(s.material_representation(material))

    @extend_schema(request=None, responses={204: None}, tags=TAGS)
    def delete(self, request, course_id: str, material_id: str):
        services.delete_material(actor=request.user, course_id=course_id, material_id=material_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MaterialDownloadView(ApiView):
    roles = SIGNED_IN

    @extend_schema(
        parameters=[OpenApiParameter("Range", str, OpenApiParameter.HEADER, description="One range: bytes=a-b")],
        responses={
            (200, "*/*"): bytes,
            (206, "*/*"): bytes,
            302: OpenApiResponse(description="Redirect to a signed Storage URL (MATERIAL_SIGNED_URLS)."),
            416: OpenApiResponse(description="The range lies outside the file."),
        },
        tags=TAGS,
    )
    def get(self, request, course_id: str, material_id: str):
        download = services.get_material_download(actor=request.user, course_id=course_id, material_id=material_id)
        if download.redirect_url:
            return HttpResponseRedirect(download.redirect_url)
        byte_range = None
        # If-Range: a client resuming a download of an older version gets the whole new file.
        if_range = request.headers.get("If-Range")
        if if_range is None or if_range == download.etag:
            try:
                byte_range = serving.parse_range(request.headers.get("Range"), download.size)
            except serving.RangeNotSatisfiable as exc:
                response = error_response(exc)
                response["Content-Range"] = f"bytes */{download.size}"
                return response
        first, last = byte_range or (0, download.size - 1)
        # HEAD answers the same headers without reading the file from Storage.
        chunks = iter(()) if request.method == "HEAD" else services.material_bytes(download, first=first, last=last)
        response = StreamingHttpResponse(
            serving.streaming_body(request, chunks),
            status=status.HTTP_206_PARTIAL_CONTENT if byte_range else status.HTTP_200_OK,
            content_type=download.content_type,
        )
        response["Content-Length"] = str(last - first + 1)
        if byte_range:
            response["Content-Range"] = f"bytes {first}-{last}/{download.size}"
        response["Accept-Ranges"] = "bytes"
        response["Content-Disposition"] = names.content_disposition(download.file_name)
        response["ETag"] = download.etag
        response["Cache-Control"] = "private, no-store"
        return response
