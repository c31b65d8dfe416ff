"""Input validation and output shapes for course materials."""

from __future__ import annotations

from rest_framework import serializers

from cplatform.serializers import CursorPageQuery, IsoDateTimeField, cursor_page_out


class MaterialUploadIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    # Type and size are judged by the service from the bytes; the name only becomes a display name.
    file = serializers.FileField(allow_empty_file=False, max_length=1000)


class MaterialListIn(CursorPageQuery):
    pass


class MaterialOut(serializers.Serializer):
    id = serializers.CharField()
    course_id = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    file_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploader_uid = serializers.CharField()
    created_at = IsoDateTimeField()
    download_url = serializers.CharField()


MaterialPageOut = cursor_page_out("MaterialPageOut", MaterialOut)


def material_representation(material: dict) -> dict:
    course_id, material_id = material["course_id"], material["id"]
    return MaterialOut(
        {**material, "download_url": f"/api/v1/courses/{course_id}/materials/{material_id}/download"}
    ).data
