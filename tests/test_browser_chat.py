"""The chat and the bell in headless Chromium: a teacher and her student, two browser contexts, one live daphne."""

from __future__ import annotations

import re

import pytest
from google.cloud import firestore
from playwright.sync_api import expect

from authentication import identity
from firestore_operations import chat_messages
from messaging import services
from tests.browser import DESKTOP, PHONE, TIMEOUT_MS, browser, overflow  # noqa: F401
from tests.factories import enroll, make_course
from tests.ws_client import actor_of

pytestmark = [pytest.mark.browser, pytest.mark.live]


def tab_for(browser, live_server, persona, options):  # noqa: F811
    """A fresh context signed in as `persona` (its session cookie, as the login page would set it)."""
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies(
        [{"name": "session", "value": identity.create_session_cookie(persona.token), "url": live_server}]
    )
    tab = context.new_page()
    tab.js_errors = []
    tab.on("pageerror", lambda exc: tab.js_errors.append(str(exc)))
    return context, tab


@pytest.fixture
def her_student(owner_teacher, student):
    course = make_course(owner_teacher, title="Algebra")
    enroll(
        course,
        student,
        owner_teacher.uid,
        teacher_name=owner_teacher.name,
        course_title="Algebra",
        requested_at=firestore.SERVER_TIMESTAMP,
    )
    return student


def wait_for_socket(tab) -> None:
    tab.wait_for_function("() => window.cpLive && window.cpLive.connected")


def test_a_teacher_and_her_student_chat_live(browser, live_server, owner_teacher, her_student):  # noqa: F811
    student = her_student
    teacher_ctx, teacher = tab_for(browser, live_server, owner_teacher, DESKTOP)
    student_ctx, pupil = tab_for(browser, live_server, student, DESKTOP)
    try:
        pupil.goto(f"{live_server}/chat/")
        expect(pupil.locator("#rooms-empty")).to_be_visible()
        expect(pupil.locator("#bell-count")).to_be_hidden()
        wait_for_socket(pupil)

        # The teacher finds her student and opens a direct conversation.
        teacher.goto(f"{live_server}/chat/")
        wait_for_socket(teacher)
        teacher.click("#new-chat-toggle")
        teacher.fill("#people-q", "Sam")
        teacher.click(f"#people-results button[data-uid='{student.uid}']")
        teacher.wait_for_url(re.compile(r".*/chat/dm_[^/]+/$"))
        room_id = teacher.url.rstrip("/").rsplit("/", 1)[-1]
        expect(teacher.locator("#room-name")).to_have_text(student.name)
        expect(teacher.locator("#history-status")).to_have_text("No messages yet. Say hello!")

        # The new room reaches the student's list live; she is not looking at it.
        expect(pupil.locator(f".room-item[data-room='{room_id}']")).to_be_visible()

        teacher.fill("#composer-text", "Hello Sam, welcome to Algebra!")
        teacher.press("#composer-text", "Enter")
        expect(teacher.locator("#composer-text")).to_have_value("")
        mine = teacher.locator(".message.mine").last
        expect(mine).to_contain_text("Hello Sam, welcome to Algebra!")
        expect(mine).not_to_have_class(re.compile(r"\bpending\b"))

        # Unread badge in her rooms list, and the bell: she was not viewing the room.
        room_link = pupil.locator(f".room-item[data-room='{room_id}']")
        expect(room_link.locator(".unread-badge")).to_have_text("1")
        expect(room_link.locator(".room-preview")).to_have_text("Hello Sam, welcome to Algebra!")
        expect(pupil.locator("#bell-count")).to_have_text("1")
        expect(pupil.locator("#bell-count")).to_be_visible()

        room_link.click()
        pupil.wait_for_url(f"{live_server}/chat/{room_id}/")
        expect(pupil.locator(".message").last).to_contain_text("Hello Sam, welcome to Algebra!")
        expect(pupil.locator(".message").last.locator(".message-sender")).to_have_text(owner_teacher.name)
        expect(room_link.locator(".unread-badge")).to_have_count(0)
        # Her read mark travels back to the teacher.
        expect(teacher.locator(".message.mine .message-seen")).to_have_text("Seen")

        # Typing shows on the other side while the teacher writes (one typing frame per 2.5 s at most:
        # the last one went with her first message, so she types for a while).
        teacher.locator("#composer-text").press_sequentially("Your first ", delay=250)
        expect(pupil.locator("#typing")).to_have_text(f"{owner_teacher.name} is typing…")
        teacher.locator("#composer-text").press_sequentially("lesson is on Monday.", delay=10)
        teacher.press("#composer-text", "Enter")
        expect(pupil.locator(".message").last).to_contain_text("Your first lesson is on Monday.")
        expect(pupil.locator("#typing")).to_have_text("")

        # Shift+Enter is a new line; Enter sends. Markup stays text.
        pupil.fill("#composer-text", "Thanks! <b>See you</b>")
        pupil.press("#composer-text", "Shift+Enter")
        pupil.locator("#composer-text").press_sequentially("on Monday")
        pupil.press("#composer-text", "Enter")
        reply = teacher.locator(".message:not(.mine)").last
        expect(reply.locator(".message-body")).to_have_text("Thanks! <b>See you</b>\non Monday")
        assert teacher.locator(".message b").count() == 0

        # She was viewing the room: the second message brought no notification.
        pupil.wait_for_timeout(300)
        expect(pupil.locator("#bell-count")).to_have_text("1")
        teacher.screenshot(path="/tmp/c3-chat-desktop-teacher.png")
        pupil.screenshot(path="/tmp/c3-chat-desktop-student.png")

        # The bell leads to the list; the notification links to the room.
        pupil.click("#nav-bell")
        pupil.wait_for_url(f"{live_server}/notifications/")
        item = pupil.locator(".notification.unread").first
        expect(item).to_contain_text(f"New message from {owner_teacher.name}")
        expect(item.locator("a.notification-title")).to_have_attribute("href", f"/chat/{room_id}/")
        pupil.screenshot(path="/tmp/c3-notifications-desktop.png", full_page=True)
        item.locator("form.mark-read button").click()
        expect(pupil.locator("#bell-count")).to_be_hidden()
        assert teacher.js_errors == [] and pupil.js_errors == []
    finally:
        teacher_ctx.close()
        student_ctx.close()


def test_older_messages_load_when_scrolling_up_on_a_phone(browser, live_server, owner_teacher, her_student):  # noqa: F811
    student = her_student
    room, _ = services.open_direct_room(actor=actor_of(owner_teacher), other_uid=student.uid)
    for n in range(1, 66):
        sender = student if n <= 5 and n % 2 else owner_teacher
        chat_messages.add_message(
            room["id"],
            sender_uid=sender.uid,
            client_id=f"seed-{n}",
            content=f"Message number {n}",
            preview=f"Message number {n}",
            check=lambda _room: None,
        )
    context, tab = tab_for(browser, live_server, student, PHONE)
    try:
        tab.goto(f"{live_server}/chat/")
        expect(tab.locator(".room-item .unread-badge")).to_have_text("60")  # after her own last one, #5
        tab.screenshot(path="/tmp/c3-chat-phone-rooms.png")
        assert overflow(tab)["scroll"] <= overflow(tab)["inner"]
        expect(tab.locator(".chat-room")).to_be_hidden()

        tab.click(f".room-item[data-room='{room['id']}']")
        expect(tab.locator(".chat-rooms")).to_be_hidden()
        expect(tab.locator(".message")).to_have_count(50)
        expect(tab.locator(".message").last).to_contain_text("Message number 65")
        expect(tab.locator("#composer-text")).to_be_in_viewport()
        tab.screenshot(path="/tmp/c3-chat-phone-room.png")
        assert overflow(tab)["scroll"] <= overflow(tab)["inner"]

        anchor = tab.locator(".message[data-seq='16']")
        tab.evaluate("document.getElementById('messages').scrollTop = 0")
        expect(tab.locator(".message")).to_have_count(65)
        expect(tab.locator(".message").first).to_contain_text("Message number 1")
        expect(tab.locator("#history-status")).to_have_text("This is the beginning of the conversation.")
        # The message that was on top is still in view: the older ones appeared above it.
        top = tab.evaluate(
            "() => { const box = document.getElementById('messages').getBoundingClientRect();"
            " const item = document.querySelector(\".message[data-seq='16']\").getBoundingClientRect();"
            " return [item.top - box.top, box.height]; }"
        )
        assert 0 <= top[0] < top[1], top
        assert anchor.is_visible()
        tab.screenshot(path="/tmp/c3-chat-phone-history.png")

        tab.click("#room-back")
        tab.wait_for_url(f"{live_server}/chat/")
        expect(tab.locator(".chat-rooms")).to_be_visible()
        expect(tab.locator(".room-item .unread-badge")).to_have_count(0)

        tab.goto(f"{live_server}/notifications/")
        expect(tab.locator("#settings-form")).to_be_visible()
        assert overflow(tab)["scroll"] <= overflow(tab)["inner"], overflow(tab)
        tab.screenshot(path="/tmp/c3-notifications-phone.png", full_page=True)
        assert tab.js_errors == []
    finally:
        context.close()


def test_a_message_sent_while_the_room_loads_goes_once_it_has_loaded(browser, live_server, owner_teacher, her_student):  # noqa: F811
    room, _ = services.open_direct_room(actor=actor_of(owner_teacher), other_uid=her_student.uid)
    context, tab = tab_for(browser, live_server, owner_teacher, DESKTOP)
    held = []
    # The room's messages are held back, as on a slow connection, until the test lets them through.
    tab.route(re.compile(r".*/api/v1/chat/rooms/[^/]+/messages\?limit="), lambda route: held.append(route))  # noqa: PLW0108 - Playwright needs a Python function, not a builtin
    try:
        tab.goto(f"{live_server}/chat/{room['id']}/")
        wait_for_socket(tab)
        expect(tab.locator("#history-status")).to_have_text("Loading messages…")
        tab.fill("#composer-text", "Sent before the room loaded")
        tab.press("#composer-text", "Enter")
        expect(tab.locator(".message")).to_have_count(0)
        tab.wait_for_function("() => true")  # let Playwright hand the held request to the handler
        assert len(held) == 1
        held[0].continue_()
        expect(tab.locator(".message.mine").last).to_contain_text("Sent before the room loaded")
        expect(tab.locator("#composer-text")).to_have_value("")
        expect(tab.locator(".message.mine .message-status")).to_have_count(0)  # acknowledged
        stored, _ = chat_messages.list_messages(room["id"], limit=5)
        assert [m["content"] for m in stored] == ["Sent before the room loaded"]
        assert tab.js_errors == []
    finally:
        context.close()
