"""Feedback API: list and post a course's feedback, the teacher's reply, an admin's moderation."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from courses.feedback import serializers as s
from courses.feedback import services
from cplatform.api import ApiView, MethodRolesView, page_body
from cplatform.serializers import CursorPageQuery
from middlewares.roles import ADMINS, SIGNED_IN, STUDENTS, TEACHERS


class CourseFeedbackView(MethodRolesView):
    method_roles = {"GET": SIGNED_IN, "POST": STUDENTS}

    @extend_schema(parameters=[CursorPageQuery], responses=s.FeedbackPageOut, tags=["feedback"])
    def get(self, request, course_id: str):
        params = self.query(CursorPageQuery)
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
