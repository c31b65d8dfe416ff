"""HTML/JS in every text field a user sets never runs in any page that shows it (headless Chromium).

Users save payloads through the API into their name and bio, a course's title, description and
tags, a lesson's title, feedback and its reply, and chat messages; then each of them opens every
page that shows those texts. A payload that ran would set window.__xss or open a dialog.
Content pages (Markdown bodies, sanitised by nh3) have their own run over the full payload list
in tests/test_browser_content.py.
"""

from __future__ import annotations

import pytest

from messaging import services as chat
from tests.browser import DESKTOP, browser  # noqa: F401
from tests.conftest import call
from tests.factories import add_lesson, at
from tests.test_browser_chat import tab_for, wait_for_socket
from tests.test_browser_content import ALERT_PAYLOADS, assert_nothing_ran, watch_for_scripts
from tests.test_content_api import XSS_PAYLOADS
from tests.test_courses_api import enrol
from tests.ws_client import actor_of

pytestmark = [pytest.mark.browser, pytest.mark.live]

# Short payloads for fields with small limits (names 100, titles 120, tags 30 characters).
SHORT = [
    '<img src=x onerror="window.__xss=1">',
    "<svg/onload=alert(1)>",
    "<script>window.__xss=1</script>",
    '"><img src=x onerror=alert(1)>',
    "'-alert(1)-'",
    "</textarea><svg onload=alert(1)>",
]
TAGS = ["<b onmouseover=alert(1)>t</b>", "<svg/onload=alert(1)>", '"><script>x</script>']
FULL = "\n".join(XSS_PAYLOADS + ALERT_PAYLOADS)  # every payload, for 5000-character fields
LONG = FULL[:1990]  # for 2000-character fields (bio, feedback); the chat gets each payload alone


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content[:500]
    return response.json() if response.content else {}


def test_payloads_in_user_text_never_run_in_any_page(browser, live_server, api, owner_teacher, student, settings):  # noqa: F811
    settings.CHAT_SEND_LIMIT = 1000  # the messages are stored here, in the test process
    # The detector works: an unescaped payload does run in this browser.
    probe_ctx, probe = tab_for(browser, live_server, student, DESKTOP)
    probe_dialogs = watch_for_scripts(probe)
    probe.set_content('<img src=x onerror="alert(1)">')
    probe.wait_for_timeout(300)
    assert probe_dialogs == ["alert: 1"]
    probe_ctx.close()

    ok(call(api, "patch", "/api/v1/me", owner_teacher, data={"display_name": SHORT[0], "bio": LONG}))
    ok(call(api, "patch", "/api/v1/me", student, data={"display_name": SHORT[1], "bio": LONG}))
    course = ok(
        call(
            api,
            "post",
            "/api/v1/courses",
            owner_teacher,
            data={
                "title": f"Algebra {SHORT[2]}",
                "description": FULL,
                "subject": "maths",
                "level": "beginner",
                "language": "en",
                "tags": TAGS,
                "status": "published",
            },
        ),
        201,
    )
    course_id = course["id"]
    lesson = add_lesson(api, owner_teacher, course_id, at(days=2), title=f"Lesson {SHORT[3]}")
    ok(enrol(api, student, course_id), 201)
    ok(call(api, "post", f"/api/v1/courses/{course_id}/feedback", student, data={"rating": 4, "comment": LONG}), 201)
    ok(
        call(
            api,
            "post",
            f"/api/v1/courses/{course_id}/feedback/{student.uid}/reply",
            owner_teacher,
            data={"reply": SHORT[4] + LONG[:1900]},
        )
    )
    room, _ = chat.open_direct_room(actor=actor_of(student), other_uid=owner_teacher.uid)
    for n, payload in enumerate(SHORT + XSS_PAYLOADS + ALERT_PAYLOADS):
        chat.post_message(actor=actor_of(student), room_id=room["id"], content=payload, client_id=f"x{n}")

    pages = [
        (
            owner_teacher,
            [
                "/",
                "/courses/",
                "/courses/?q=algebra",
                f"/courses/{course_id}/",
                f"/courses/{course_id}/lessons/",
                f"/courses/{course_id}/lessons/{lesson['id']}/edit/",
                f"/courses/{course_id}/edit/",
                "/schedule/",
                f"/people/{student.uid}/",
                f"/students/{student.uid}/history/",
                "/profile/",
                "/users/",
                "/notifications/",
                "/chat/",
                f"/chat/{room['id']}/",
            ],
        ),
        (
            student,
            [
                "/courses/",
                f"/courses/{course_id}/",
                "/courses/mine/",
                "/schedule/",
                "/history/",
                f"/teachers/{owner_teacher.uid}/",
                f"/people/{owner_teacher.uid}/",
                "/profile/",
                "/notifications/",
                f"/chat/{room['id']}/",
            ],
        ),
    ]
    for persona, paths in pages:
        context, tab = tab_for(browser, live_server, persona, DESKTOP)
        dialogs = watch_for_scripts(tab)
        try:
            for path in paths:
                response = tab.goto(f"{live_server}{path}")
                assert response.status == 200, (path, response.status)
                if path.startswith("/chat/"):
                    wait_for_socket(tab)
                    tab.hover("body")
                assert_nothing_ran(tab, dialogs)
                assert tab.js_errors == [], (path, tab.js_errors)
            # The texts are there, shown as text.
            tab.goto(f"{live_server}/chat/{room['id']}/")
            tab.get_by_text(ALERT_PAYLOADS[-1], exact=True).first.wait_for()  # the last message, as text
            assert_nothing_ran(tab, dialogs)
        finally:
            context.close()
