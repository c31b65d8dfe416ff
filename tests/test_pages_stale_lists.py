"""A list page asked with a cursor the list refuses (an old bookmark, a list that changed under a
"Next page" link) goes to its first page, filters kept, with a message a person can read: never an
error page about cursors (cplatform.pages.page)."""

from __future__ import annotations

import pytest

from tests.test_admin_pages import course, reviewed  # noqa: F401 (fixtures)
from tests.test_admin_tasks_pages import failed_email
from tests.test_pages_courses import signed_in, text

MESSAGE = "That page of the list is out of date. Here is the first page."


@pytest.mark.parametrize(
    ("who", "path", "first_page", "shows"),
    [
        ("admin", "/admin/courses/?status=published", "/admin/courses/?status=published", "Algebra"),
        ("admin", "/admin/courses/{id}/feedback/", "/admin/courses/{id}/feedback/", "Rude words"),
        ("admin", "/admin/users/?role=teacher", "/admin/users/?role=teacher", "Ada"),
        ("admin", "/admin/payments/", "/admin/payments/", "All payments"),
        ("owner_teacher", "/courses/{id}/lessons/", "/courses/{id}/lessons/", "Algebra"),
    ],
)
def test_a_stale_cursor_opens_the_first_page_with_a_message(request, who, path, first_page, shows):
    course_id = request.getfixturevalue("reviewed")["id"]
    client = signed_in(request.getfixturevalue(who))
    joiner = "&" if "?" in path else "?"
    response = client.get(path.format(id=course_id) + f"{joiner}cursor=garbage")
    assert response.status_code == 302 and response["Location"] == first_page.format(id=course_id)
    page = text(client.get(response["Location"]))
    assert MESSAGE in page and shows in page
    assert "cursor" not in page.lower().split("<main", 1)[1].split("</main>", 1)[0].replace('name="cursor"', "")


def test_failed_work_too(admin):
    entry_id = failed_email("Still here")
    client = signed_in(admin)
    response = client.get("/admin/tasks/?cursor=garbage")
    assert response.status_code == 302 and response["Location"] == "/admin/tasks/"
    page = text(client.get("/admin/tasks/"))
    assert MESSAGE in page and f'data-task="{entry_id}"' in page
