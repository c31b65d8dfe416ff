"""Web pages of the accounts app (the API lives under /api/v1/, see urls.py)."""

from django.urls import path

from authentication import admin_pages, pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("auth/register/", pages.register, name="register"),
    path("auth/login/", pages.login, name="login"),
    path("auth/logout/", pages.logout, name="logout"),
    path("profile/", pages.profile, name="profile"),
    path("profile/photo/", pages.profile_photo, name="profile-photo"),
    path("profile/availability/", pages.profile_availability, name="profile-availability"),
    path("profile/delete/", pages.delete_account, name="profile-delete"),
    path("profile/parent-code/", pages.parent_link_code, name="profile-parent-code"),
    path("profile/children/", pages.link_child, name="profile-link-child"),
    path("profile/children/<str:uid>/unlink/", pages.unlink_child, name="profile-unlink-child"),
    path("profile/parents/<str:uid>/unlink/", pages.unlink_parent, name="profile-unlink-parent"),
    path("users/", pages.users, name="users"),
    path("admin/", admin_pages.admin_home, name="admin-home"),
    path("admin/users/", admin_pages.users, name="admin-users"),
    path("admin/users/<str:uid>/", admin_pages.user_change, name="admin-user-change"),
    path("admin/users/<str:uid>/delete/", admin_pages.user_delete, name="admin-user-delete"),
]
