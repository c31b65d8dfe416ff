"""Deny by default: every API route states its roles, and a view that forgets is closed to everybody."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, path
from rest_framework.response import Response

from cplatform.api import ApiView
from middlewares.roles import PUBLIC
from tests.conftest import assert_error, call


def walk(patterns, prefix: str = ""):
    """(route, URLPattern) for every route, nested includes followed."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def view_class(pattern: URLPattern):
    callback = pattern.callback
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None)


def api_routes() -> list[tuple[str, URLPattern]]:
    return [(route, pattern) for route, pattern in walk(get_resolver().url_patterns) if route.startswith("api/")]


def test_the_walk_finds_the_api():
    routes = {route for route, _ in api_routes()}
    assert {"api/v1/me", "api/v1/admin/users/<str:uid>", "api/schema/"} <= routes


def test_every_api_route_declares_its_roles():
    undeclared = [
        f"{route} ({view_class(pattern).__name__ if view_class(pattern) else pattern.callback!r})"
        for route, pattern in api_routes()
        if view_class(pattern) is None or getattr(view_class(pattern), "roles", None) is None
    ]
    assert undeclared == [], "routes without roles: " + ", ".join(undeclared)


def test_public_api_routes_are_the_known_few():
    public = {route for route, pattern in api_routes() if getattr(view_class(pattern), "roles", None) is PUBLIC}
    assert {"api/v1/auth/register", "api/v1/auth/login", "api/schema/", "api/docs/"} <= public
    assert "api/v1/me" not in public and "api/v1/admin/users" not in public


# --- a view that forgot its roles, mounted on a urlconf of its own --------------------------------


class ForgetfulView(ApiView):
    def get(self, request):
        return Response({"secret": "should never be seen"})


class OpenView(ApiView):
    roles = PUBLIC

    def get(self, request):
        return Response({"hello": "world"})


urlpatterns = [
    path("api/v1/forgetful", ForgetfulView.as_view()),
    path("api/v1/open", OpenView.as_view()),
]


@pytest.mark.urls(__name__)
class TestUndeclaredRoles:
    def test_a_view_without_roles_refuses_even_an_admin(self, api, admin):
        assert_error(call(api, "get", "/api/v1/forgetful", admin), 403, "no_roles_declared")

    def test_it_refuses_the_anonymous_too(self, api):
        assert_error(api.get("/api/v1/forgetful"), 403, "no_roles_declared")

    def test_a_public_view_next_to_it_answers(self, api):
        response = api.get("/api/v1/open")
        assert response.status_code == 200 and response.json() == {"hello": "world"}
