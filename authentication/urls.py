from django.urls import path

from authentication import api

urlpatterns = [
    path("auth/register", api.RegisterView.as_view()),
    path("auth/login", api.LoginView.as_view()),
    path("auth/logout", api.LogoutView.as_view()),
    path("me", api.MeView.as_view()),
    path("me/photo", api.MyPhotoView.as_view()),
    path("me/availability", api.MyAvailabilityView.as_view()),
    path("me/email-verification", api.MyEmailVerificationView.as_view()),
    path("me/parent-link-code", api.ParentLinkCodeView.as_view()),
    path("me/children", api.MyChildrenView.as_view()),
    path("me/children/<str:uid>", api.MyChildView.as_view()),
    path("me/parents", api.MyParentsView.as_view()),
    path("me/parents/<str:uid>", api.MyParentView.as_view()),
    path("users", api.UserSearchView.as_view()),
    path("users/<str:uid>", api.UserDetailView.as_view()),
    path("users/<str:uid>/photo", api.UserPhotoView.as_view()),
    path("teachers/<str:uid>/availability", api.TeacherAvailabilityView.as_view()),
    path("admin/users", api.AdminUserListView.as_view()),
    path("admin/users/<str:uid>", api.AdminUserDetailView.as_view()),
]
