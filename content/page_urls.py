"""Web pages of the content app: public pages, feeds, sitemap, and the editors under /content/."""

from django.urls import path

from content import feeds, pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("p/<str:slug>", pages.page_detail, name="content-page"),
    path("blog/", pages.blog, name="blog"),
    path("blog/rss.xml", feeds.rss, name="blog-rss"),
    path("blog/atom.xml", feeds.atom, name="blog-atom"),
    path("blog/tag/<str:tag>/", pages.blog_tag, name="blog-tag"),
    path("blog/<str:slug>", pages.post_detail, name="blog-post"),
    path("faq/", pages.faq, name="faq"),
    path("teachers/<str:uid>/", pages.teacher_profile, name="teacher-profile"),
    path("sitemap.xml", feeds.sitemap, name="sitemap"),
    path("robots.txt", pages.robots_txt, name="robots"),
    path("content/", pages.dashboard, name="content-dashboard"),
    path("content/courses/<str:course_id>/sections/", pages.sections, name="content-sections"),
    path("content/courses/<str:course_id>/sections/new/", pages.section_new, name="content-section-new"),
    path(
        "content/courses/<str:course_id>/sections/<str:item_id>/edit/",
        pages.section_edit,
        name="content-section-edit",
    ),
    path(
        "content/courses/<str:course_id>/sections/<str:item_id>/delete/",
        pages.section_delete,
        name="content-section-delete",
    ),
    path(
        "content/courses/<str:course_id>/sections/<str:item_id>/revisions/<int:number>/restore/",
        pages.section_restore,
        name="content-section-restore",
    ),
    path("content/posts/<str:item_id>/approve/", pages.editor_approve, name="content-approve"),
    path("content/<str:kind_path>/new/", pages.editor_new, name="content-new"),
    path("content/<str:kind_path>/<str:item_id>/edit/", pages.editor_edit, name="content-edit"),
    path("content/<str:kind_path>/<str:item_id>/delete/", pages.editor_delete, name="content-delete"),
    path(
        "content/<str:kind_path>/<str:item_id>/revisions/<int:number>/restore/",
        pages.editor_restore,
        name="content-restore",
    ),
]
