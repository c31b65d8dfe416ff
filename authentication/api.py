"""Accounts API: one thin view per action (validate, call one service, shape the answer)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from authentication import access, services
from authentication import serializers as s
from cplatform.actor import actor_or_visitor
from cplatform.api import ApiView, page_body
from cplatform.client_address import client_address
from middlewares.roles import ADMINS, PARENTS, PUBLIC, SIGNED_IN, STUDENTS, TEACHERS, TEACHERS_AND_ADMINS


def client_ip(request) -> str:
    return client_address(request)


class RegisterView(ApiView):
    roles = PUBLIC
    # Stale credentials (a revoked cookie still in the browser) must not stop anyone signing in.
    authentication_classes: list = []

    @extend_schema(request=s.RegisterIn, responses={201: s.ProfileOut}, tags=["auth"], auth=[])
    def post(self, request):
        data = self.validate(s.RegisterIn, request.data)
        profile = services.register_from(client_ip=client_ip(request), **data)
        return Response(s.profile_representation(profile), status=status.HTTP_201_CREATED)


class LoginView(ApiView):
    roles = PUBLIC
    authentication_classes: list = []

    @extend_schema(request=s.LoginIn, responses=s.LoginOut, tags=["auth"], auth=[])
    def post(self, request):
        data = self.validate(s.LoginIn, request.data)
        result = services.sign_in(email=data["email"], password=data["password"], client_ip=client_ip(request))
        return Response(
            {
                "id_token": result["id_token"],
                "refresh_token": result["refresh_token"],
                "expires_in": result["expires_in"],
                "user": s.profile_representation(result["user"]),
            }
        )


class LogoutView(ApiView):
    roles = SIGNED_IN

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request):
        services.sign_out(actor=request.user)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response.delete_cookie("session", samesite="Lax")
        return response


class MeView(ApiView):
    roles = SIGNED_IN

    @extend_schema(responses=s.ProfileOut, tags=["profile"])
    def get(self, request):
        return Response(s.profile_representation(services.get_my_profile(actor=request.user)))

    @extend_schema(request=s.ProfilePatchIn, responses=s.ProfileOut, tags=["profile"])
    def patch(self, request):
        actor = request.user
        current = {"uid": actor.uid, "email": actor.email, "role": actor.role}
        changes = self.validate(s.ProfilePatchIn, request.data, partial=True, context={"current": current})
        return Response(s.profile_representation(services.update_my_profile(actor=request.user, changes=changes)))

    @extend_schema(request=None, responses={204: None}, tags=["profile"])
    def delete(self, request):
        services.delete_my_account(actor=request.user)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response.delete_cookie("session", samesite="Lax")
        return response


class MyPhotoView(ApiView):
    parser_classes = [MultiPartParser]
    roles = SIGNED_IN

    @extend_schema(request={"multipart/form-data": s.PhotoIn}, responses=s.ProfileOut, tags=["profile"])
    def post(self, request):
        data = self.validate(s.PhotoIn, request.data)
        profile = services.set_my_photo(actor=request.user, upload=data["photo"])
        return Response(s.profile_representation(profile))


class UserPhotoView(ApiView):
    # Public for teachers' photos (their public profile pages show them); the service asks the rest to sign in.
    roles = PUBLIC

    @extend_schema(responses={(200, "image/*"): bytes}, tags=["profile"])
    def get(self, request, uid: str):
        data, content_type = services.get_user_photo(actor=actor_or_visitor(request.user), uid=uid)
        response = HttpResponse(data, content_type=content_type)
        response["Cache-Control"] = "private, max-age=86400"
        return response


class UserDetailView(ApiView):
    roles = SIGNED_IN

    @extend_schema(responses=s.ProfileOut, tags=["users"])
    def get(self, request, uid: str):
        profile, scope = access.access_profile(request.user, uid)
        return Response(s.profile_representation(profile, scope))


class TeacherAvailabilityView(ApiView):
    roles = SIGNED_IN

    @extend_schema(responses=s.AvailabilityOut, tags=["users"])
    def get(self, request, uid: str):
        return Response(services.get_teacher_availability(actor=request.user, uid=uid))


class MyAvailabilityView(ApiView):
    roles = TEACHERS

    @extend_schema(request=s.AvailabilityIn, responses=s.AvailabilityOut, tags=["profile"])
    def put(self, request):
        data = self.validate(s.AvailabilityIn, request.data)
        slots = [dict(slot) for slot in data["slots"]]
        return Response(services.set_my_availability(actor=request.user, slots=slots, timezone=data.get("timezone")))


class EmailVerificationOut(serializers.Serializer):
    email_verified = serializers.BooleanField()


class MyEmailVerificationView(ApiView):
    """GET: whether the address is verified (checked with Firebase Auth). POST: send the link again."""

    roles = SIGNED_IN

    @extend_schema(responses=EmailVerificationOut, tags=["profile"])
    def get(self, request):
        profile = services.sync_email_verified(actor=request.user)
        return Response({"email_verified": bool(profile.get("email_verified"))})

    @extend_schema(request=None, responses={202: None}, tags=["profile"])
    def post(self, request):
        services.send_email_verification(actor=request.user, continue_url=request.build_absolute_uri("/profile/"))
        return Response(status=status.HTTP_202_ACCEPTED)


class ParentLinkCodeView(ApiView):
    roles = STUDENTS

    @extend_schema(request=None, responses={201: s.LinkCodeOut}, tags=["family"])
    def post(self, request):
        code = services.create_parent_link_code(actor=request.user)
        return Response(s.LinkCodeOut(code).data, status=status.HTTP_201_CREATED)


class MyChildrenView(ApiView):
    roles = PARENTS

    @extend_schema(responses=s.ProfileListOut, tags=["family"])
    def get(self, request):
        children = services.list_my_children(actor=request.user)
        return Response({"items": [s.profile_representation(child, "related") for child in children]})

    @extend_schema(request=s.LinkCodeIn, responses={201: s.ProfileOut}, tags=["family"])
    def post(self, request):
        data = self.validate(s.LinkCodeIn, request.data)
        child = services.redeem_parent_link_code(actor=request.user, code=data["code"])
        return Response(s.profile_representation(child, "related"), status=status.HTTP_201_CREATED)


class MyChildView(ApiView):
    roles = PARENTS

    @extend_schema(responses={204: None}, tags=["family"])
    def delete(self, request, uid: str):
        services.unlink_child(actor=request.user, child_uid=uid)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyParentsView(ApiView):
    roles = STUDENTS

    @extend_schema(responses=s.ProfileListOut, tags=["family"])
    def get(self, request):
        parents = services.list_my_parents(actor=request.user)
        return Response({"items": [s.profile_representation(parent, "related") for parent in parents]})


class MyParentView(ApiView):
    roles = STUDENTS

    @extend_schema(responses={204: None}, tags=["family"])
    def delete(self, request, uid: str):
        services.unlink_parent(actor=request.user, parent_uid=uid)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserSearchView(ApiView):
    roles = TEACHERS_AND_ADMINS

    @extend_schema(parameters=[s.UserSearchIn], responses=s.UserPageOut, tags=["users"], operation_id="users_search")
    def get(self, request):
        params = self.query(s.UserSearchIn)
        page = services.search_users(
            actor=request.user,
            q=params["q"],
            role=params.get("role"),
            subject=params.get("subject"),
            limit=params["limit"],
            cursor=params["cursor"] or None,
        )
        with_email = request.user.is_admin
        return Response(page_body(page, lambda p: s.listing_representation(p, with_email=with_email)))


class AdminUserListView(ApiView):
    roles = ADMINS

    @extend_schema(parameters=[s.AdminUserListIn], responses=s.UserPageOut, tags=["admin"])
    def get(self, request):
        params = self.query(s.AdminUserListIn)
        page = services.admin_list_users(
            actor=request.user,
            q=params["q"],
            role=params.get("role"),
            disabled=params.get("disabled"),
            limit=params["limit"],
            cursor=params["cursor"] or None,
        )
        return Response(page_body(page, lambda p: s.listing_representation(p, with_email=True)))


class AdminUserDetailView(ApiView):
    roles = ADMINS

    @extend_schema(
        request=s.AdminUserPatchIn,
        responses=s.ProfileOut,
        tags=["admin"],
        parameters=[OpenApiParameter("uid", str, OpenApiParameter.PATH)],
    )
    def patch(self, request, uid: str):
        data = self.validate(s.AdminUserPatchIn, request.data)
        profile = services.admin_update_user(actor=request.user, uid=uid, **data)
        return Response(s.profile_representation(profile))

    @extend_schema(
        request=None,
        responses={204: None},
        tags=["admin"],
        parameters=[OpenApiParameter("uid", str, OpenApiParameter.PATH)],
    )
    def delete(self, request, uid: str):
        services.admin_delete_user(actor=request.user, uid=uid)
        return Response(status=204)
