"""Ids Firestore cannot store ("__x__", ".", "..") in any path of any API route are a clean 4xx, never a 500.

Built from the URL configuration, so a new route with an id in its path is covered the day it lands.
Every method is tried as an admin (the widest access), with a small valid-looking JSON body.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import call
from tests.test_routes import api_routes, view_class

ODD_IDS = ("__x__", "..", ".")
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def routes_with_ids() -> list[tuple[str, str]]:
    found = []
    for route, pattern in api_routes():
        if not PARAM.search(route):
            continue
        view = view_class(pattern)
        for method in ("get", "post", "put", "patch", "delete"):
            if view is not None and hasattr(view, method):
                found.append((route, method))
    return found


ROUTES = routes_with_ids()


def test_the_routes_with_ids_are_found():
    assert len(ROUTES) > 20
    assert ("api/v1/courses/<str:course_id>", "get") in ROUTES


@pytest.mark.parametrize("odd", ODD_IDS)
@pytest.mark.parametrize(("route", "method"), ROUTES, ids=[f"{m} {r}" for r, m in ROUTES])
def test_an_odd_id_is_never_a_server_error(api, admin, route, method, odd):
    path = "/" + PARAM.sub(odd, route)
    response = call(api, method, path, admin, data={"content": "hi", "title": "x", "rating": 5})
    assert response.status_code < 500, (path, response.status_code, response.content[:200])
