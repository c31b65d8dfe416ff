from django.urls import include, path, re_path

from cplatform import admin_pages, api, views

urlpatterns = [
    path("healthz", api.HealthzView.as_view()),
    path("readyz", api.ReadyzView.as_view()),
    path("api/schema/", api.SchemaView.as_view(), name="schema"),
    path("api/docs/", api.DocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/admin/failed-tasks", api.FailedTaskListView.as_view()),
    path("api/v1/admin/failed-tasks/<str:task_id>/retry", api.FailedTaskRetryView.as_view()),
    path("api/v1/", include("authentication.urls")),
    path("api/v1/", include("courses.urls")),
    path("api/v1/", include("messaging.urls")),
    path("api/v1/", include("payments.urls")),
    path("api/v1/", include("content.urls")),
    path("api/v1/", include("analytics.urls")),
    # Unknown API addresses get the JSON error shape even with DEBUG on (Django's debug 404 is HTML).
    re_path(r"^api/", views.api_not_found),
    # Before the accounts pages: content serves visitors the landing page at "/" and hands
    # signed-in users to the accounts home (content may import authentication, not the reverse).
    path("admin/tasks/", admin_pages.failed_tasks, name="admin-tasks"),
    path("admin/tasks/<str:task_id>/retry/", admin_pages.retry_task, name="admin-task-retry"),
    path("", include("content.page_urls")),
    path("", include("authentication.page_urls")),
    path("", include("courses.page_urls")),
    path("", include("messaging.page_urls")),
    path("", include("payments.page_urls")),
    path("", include("analytics.page_urls")),
]

handler404 = views.not_found
handler500 = views.server_error
handler403 = views.forbidden
handler400 = views.bad_request
