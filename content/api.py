"""Content API: pages, blog posts, FAQ entries, course landing sections, Markdown preview.

One thin view per resource and method: validate, call one service, serialize. Reading published
items is public (anonymous too); writing needs the roles in `method_roles`, and the services check
ownership (content.access).
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from content import serializers as s
from content import services
from content.services import Kind
from cplatform.api import ApiView, MethodRolesView, page_body
from middlewares.roles import ADMINS, PUBLIC, TEACHERS_AND_ADMINS


def _represent(serializer_class):
    return lambda item: serializer_class(item).data


# --- pages and posts ---------------------------------------------------------------------------


class _CollectionView(MethodRolesView):
    kind: Kind
    item_in: type
    item_out: type

    def _list(self, request):
        params = self.query(s.ItemListIn)
        query = services.ListQuery(
            manage=params["manage"], tag=params.get("tag"), q=params.get("q"), slug=params.get("slug")
        )
        page = services.list_items(
            actor=request.user, kind=self.kind, query=query, limit=params["limit"], cursor=params["cursor"] or None
        )
        return Response(page_body(page, _represent(self.item_out)))

    def _create(self, request):
        data = self.validate(self.item_in, request.data)
        item = services.create_item(actor=request.user, kind=self.kind, data=data)
        return Response(self.item_out(item).data, status=status.HTTP_201_CREATED)


class _DetailView(MethodRolesView):
    kind: Kind
    item_in: type
    item_out: type

    def _get(self, request, item_id):
        return Response(self.item_out(services.get_item(actor=request.user, kind=self.kind, item_id=item_id)).data)

    def _patch(self, request, item_id):
        changes = self.validate(self.item_in, request.data, partial=True)
        item = services.update_item(actor=request.user, kind=self.kind, item_id=item_id, changes=changes)
        return Response(self.item_out(item).data)

    def _delete(self, request, item_id):
        services.delete_item(actor=request.user, kind=self.kind, item_id=item_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PageCollectionView(_CollectionView):
    method_roles = {"GET": PUBLIC, "POST": ADMINS}
    kind, item_in, item_out = Kind.PAGE, s.PageIn, s.PageOut

    @extend_schema(
        parameters=[s.ItemListIn], responses=s.PagePageOut, tags=["content"], operation_id="content_pages_list"
    )
    def get(self, request):
        return self._list(request)

    @extend_schema(request=s.PageIn, responses={201: s.PageOut}, tags=["content"])
    def post(self, request):
        return self._create(request)


class PageDetailView(_DetailView):
    method_roles = {"GET": PUBLIC, "PATCH": ADMINS, "DELETE": ADMINS}
    kind, item_in, item_out = Kind.PAGE, s.PageIn, s.PageOut

    @extend_schema(responses=s.PageOut, tags=["content"])
    def get(self, request, item_id: str):
        return self._get(request, item_id)

    @extend_schema(request=s.PageIn, responses=s.PageOut, tags=["content"])
    def patch(self, request, item_id: str):
        return self._patch(request, item_id)

    @extend_schema(responses={204: None}, tags=["content"])
    def delete(self, request, item_id: str):
        return self._delete(request, item_id)


class PostCollectionView(_CollectionView):
    method_roles = {"GET": PUBLIC, "POST": TEACHERS_AND_ADMINS}
    kind, item_in, item_out = Kind.POST, s.PostIn, s.PostOut

    @extend_schema(
        parameters=[s.ItemListIn], responses=s.PostPageOut, tags=["content"], operation_id="content_posts_list"
    )
    def get(self, request):
        return self._list(request)

    @extend_schema(request=s.PostIn, responses={201: s.PostOut}, tags=["content"])
    def post(self, request):
        return self._create(request)


class PostDetailView(_DetailView):
    method_roles = {"GET": PUBLIC, "PATCH": TEACHERS_AND_ADMINS, "DELETE": TEACHERS_AND_ADMINS}
    kind, item_in, item_out = Kind.POST, s.PostIn, s.PostOut

    @extend_schema(responses=s.PostOut, tags=["content"])
    def get(self, request, item_id: str):
        return self._get(request, item_id)

    @extend_schema(request=s.PostIn, responses=s.PostOut, tags=["content"])
    def patch(self, request, item_id: str):
        return self._patch(request, item_id)

    @extend_schema(responses={204: None}, tags=["content"])
    def delete(self, request, item_id: str):
        return self._delete(request, item_id)


class PostApproveView(ApiView):
    roles = ADMINS

    @extend_schema(request=s.ApproveIn, responses=s.PostOut, tags=["content"])
    def post(self, request, item_id: str):
        data = self.validate(s.ApproveIn, request.data)
        post = services.approve_post(actor=request.user, post_id=item_id, publish_at=data.get("publish_at"))
        return Response(s.PostOut(post).data)


class PostCoverView(MethodRolesView):
    method_roles = {"GET": PUBLIC, "POST": TEACHERS_AND_ADMINS}
    parser_classes = [MultiPartParser]

    @extend_schema(responses={(200, "image/*"): bytes}, tags=["content"])
    def get(self, request, item_id: str):
        data, content_type = services.get_post_cover(actor=request.user, post_id=item_id)
        response = HttpResponse(data, content_type=content_type)
        response["Cache-Control"] = "public, max-age=86400"
        return response

    @extend_schema(request={"multipart/form-data": s.PostCoverIn}, responses=s.PostOut, tags=["content"])
    def post(self, request, item_id: str):
        data = self.validate(s.PostCoverIn, request.data)
        post = services.set_post_cover(actor=request.user, post_id=item_id, upload=data["cover"])
        return Response(s.PostOut(post).data)


# --- revisions ---------------------------------------------------------------------------------------


class _RevisionsView(ApiView):
    kind: Kind

    @extend_schema(responses=s.RevisionPageOut, tags=["content"])
    def get(self, request, item_id: str):
        revisions = services.list_revisions(actor=request.user, kind=self.kind, item_id=item_id)
        return Response({"items": s.RevisionOut(revisions, many=True).data, "next_cursor": None})


class _RestoreView(ApiView):
    kind: Kind
    item_out: type

    def _restore(self, request, item_id: str, number: int):
        item = services.restore_revision(actor=request.user, kind=self.kind, item_id=item_id, number=number)
        return Response(self.item_out(item).data)


class PageRevisionsView(_RevisionsView):
    roles, kind = ADMINS, Kind.PAGE


class PostRevisionsView(_RevisionsView):
    roles, kind = TEACHERS_AND_ADMINS, Kind.POST


class FaqRevisionsView(_RevisionsView):
    roles, kind = ADMINS, Kind.FAQ


class PageRestoreView(_RestoreView):
    roles, kind, item_out = ADMINS, Kind.PAGE, s.PageOut

    @extend_schema(request=None, responses=s.PageOut, tags=["content"])
    def post(self, request, item_id: str, number: int):
        return self._restore(request, item_id, number)


class PostRestoreView(_RestoreView):
    roles, kind, item_out = TEACHERS_AND_ADMINS, Kind.POST, s.PostOut

    @extend_schema(request=None, responses=s.PostOut, tags=["content"])
    def post(self, request, item_id: str, number: int):
        return self._restore(request, item_id, number)


class FaqRestoreView(_RestoreView):
    roles, kind, item_out = ADMINS, Kind.FAQ, s.FaqOut

    @extend_schema(request=None, responses=s.FaqOut, tags=["content"])
    def post(self, request, item_id: str, number: int):
        return self._restore(request, item_id, number)


# --- FAQ -------------------------------------------------------------------------------------------


class FaqCollectionView(MethodRolesView):
    method_roles = {"GET": PUBLIC, "POST": ADMINS}

    @extend_schema(parameters=[s.FaqListIn], responses=s.FaqPageOut, tags=["content"], operation_id="content_faqs_list")
    def get(self, request):
        params = self.query(s.FaqListIn)
        page = services.list_faqs(
            actor=request.user,
            course_id=params.get("course_id"),
            manage=params["manage"],
            limit=params["limit"],
            cursor=params["cursor"] or None,
        )
        return Response(page_body(page, _represent(s.FaqOut)))

    @extend_schema(request=s.FaqIn, responses={201: s.FaqOut}, tags=["content"])
    def post(self, request):
        data = self.validate(s.FaqIn, request.data)
        item = services.create_item(actor=request.user, kind=Kind.FAQ, data=data)
        return Response(s.FaqOut(item).data, status=status.HTTP_201_CREATED)


class FaqDetailView(_DetailView):
    method_roles = {"GET": PUBLIC, "PATCH": ADMINS, "DELETE": ADMINS}
    kind, item_in, item_out = Kind.FAQ, s.FaqIn, s.FaqOut

    @extend_schema(responses=s.FaqOut, tags=["content"])
    def get(self, request, item_id: str):
        return self._get(request, item_id)

    @extend_schema(request=s.FaqIn, responses=s.FaqOut, tags=["content"])
    def patch(self, request, item_id: str):
        return self._patch(request, item_id)

    @extend_schema(responses={204: None}, tags=["content"])
    def delete(self, request, item_id: str):
        return self._delete(request, item_id)


# --- course landing sections ---------------------------------------------------------------------


class SectionCollectionView(MethodRolesView):
    method_roles = {"GET": PUBLIC, "POST": TEACHERS_AND_ADMINS}

    @extend_schema(
        parameters=[s.SectionListIn],
        responses=s.SectionPageOut,
        tags=["content"],
        operation_id="content_course_sections_list",
    )
    def get(self, request, course_id: str):
        params = self.query(s.SectionListIn)
        page = services.list_sections(
            actor=request.user,
            course_id=course_id,
            manage=params["manage"],
            limit=params["limit"],
            cursor=params["cursor"] or None,
        )
        return Response(page_body(page, _represent(s.SectionOut)))

    @extend_schema(request=s.SectionIn, responses={201: s.SectionOut}, tags=["content"])
    def post(self, request, course_id: str):
        data = self.validate(s.SectionIn, request.data)
        item = services.create_item(actor=request.user, kind=Kind.SECTION, data=data, course_id=course_id)
        return Response(s.SectionOut(item).data, status=status.HTTP_201_CREATED)


class SectionDetailView(MethodRolesView):
    method_roles = {"GET": PUBLIC, "PATCH": TEACHERS_AND_ADMINS, "DELETE": TEACHERS_AND_ADMINS}

    @extend_schema(responses=s.SectionOut, tags=["content"])
    def get(self, request, course_id: str, item_id: str):
        section = services.get_section(actor=request.user, course_id=course_id, section_id=item_id)
        return Response(s.SectionOut(section).data)

    @extend_schema(request=s.SectionIn, responses=s.SectionOut, tags=["content"])
    def patch(self, request, course_id: str, item_id: str):
        changes = self.validate(s.SectionIn, request.data, partial=True)
        item = services.update_section(actor=request.user, course_id=course_id, section_id=item_id, changes=changes)
        return Response(s.SectionOut(item).data)

    @extend_schema(responses={204: None}, tags=["content"])
    def delete(self, request, course_id: str, item_id: str):
        services.delete_section(actor=request.user, course_id=course_id, section_id=item_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SectionRevisionsView(ApiView):
    roles = TEACHERS_AND_ADMINS

    @extend_schema(responses=s.RevisionPageOut, tags=["content"])
    def get(self, request, course_id: str, item_id: str):
        revisions = services.list_section_revisions(actor=request.user, course_id=course_id, section_id=item_id)
        return Response({"items": s.RevisionOut(revisions, many=True).data, "next_cursor": None})


class SectionRestoreView(ApiView):
    roles = TEACHERS_AND_ADMINS

    @extend_schema(request=None, responses=s.SectionOut, tags=["content"])
    def post(self, request, course_id: str, item_id: str, number: int):
        section = services.restore_section_revision(
            actor=request.user, course_id=course_id, section_id=item_id, number=number
        )
        return Response(s.SectionOut(section).data)


# --- preview ---------------------------------------------------------------------------------------


class PreviewView(ApiView):
    roles = TEACHERS_AND_ADMINS

    @extend_schema(request=s.PreviewIn, responses=s.PreviewOut, tags=["content"])
    def post(self, request):
        data = self.validate(s.PreviewIn, request.data)
        return Response(services.preview(actor=request.user, body_md=data["body_md"]))
