"""Content API routes (under /api/v1/)."""

from django.urls import path

from content import api

urlpatterns = [
    path("content/pages", api.PageCollectionView.as_view()),
    path("content/pages/<str:item_id>", api.PageDetailView.as_view()),
    path("content/pages/<str:item_id>/revisions", api.PageRevisionsView.as_view()),
    path("content/pages/<str:item_id>/revisions/<int:number>/restore", api.PageRestoreView.as_view()),
    path("content/posts", api.PostCollectionView.as_view()),
    path("content/posts/<str:item_id>", api.PostDetailView.as_view()),
    path("content/posts/<str:item_id>/approve", api.PostApproveView.as_view()),
    path("content/posts/<str:item_id>/cover", api.PostCoverView.as_view()),
    path("content/posts/<str:item_id>/revisions", api.PostRevisionsView.as_view()),
    path("content/posts/<str:item_id>/revisions/<int:number>/restore", api.PostRestoreView.as_view()),
    path("content/faqs", api.FaqCollectionView.as_view()),
    path("content/faqs/<str:item_id>", api.FaqDetailView.as_view()),
    path("content/faqs/<str:item_id>/revisions", api.FaqRevisionsView.as_view()),
    path("content/faqs/<str:item_id>/revisions/<int:number>/restore", api.FaqRestoreView.as_view()),
    path("content/courses/<str:course_id>/sections", api.SectionCollectionView.as_view()),
    path("content/courses/<str:course_id>/sections/<str:item_id>", api.SectionDetailView.as_view()),
    path(
        "content/courses/<str:course_id>/sections/<str:item_id>/revisions",
        api.SectionRevisionsView.as_view(),
    ),
    path(
        "content/courses/<str:course_id>/sections/<str:item_id>/revisions/<int:number>/restore",
        api.SectionRestoreView.as_view(),
    ),
    path("content/preview", api.PreviewView.as_view()),
]
