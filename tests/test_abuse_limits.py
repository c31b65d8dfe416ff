"""Loops that would turn the platform into a mail cannon: each email kind per course goes once in a
window, and enrolment changes are rate-limited."""

from __future__ import annotations

from tests.conftest import assert_error, call
from tests.test_courses_api import create_course, enrol
from tests.test_enrollments_api import withdraw


def test_an_enrol_withdraw_loop_sends_the_teacher_one_email_of_each_kind(api, owner_teacher, student, mailoutbox):
    course = create_course(api, owner_teacher)
    for _ in range(4):
        assert enrol(api, student, course["id"]).status_code == 201
        assert withdraw(api, student, course["id"]).status_code == 200
    to_teacher = [message.subject for message in mailoutbox if owner_teacher.email in message.to]
    assert len(to_teacher) == 2, to_teacher  # one "new student", one "a student left"
    inbox = call(api, "get", "/api/v1/notifications?limit=50", owner_teacher).json()["items"]
    assert len(inbox) == 8  # every change is still in the app


def test_enrolment_changes_are_rate_limited(api, owner_teacher, student, settings):
    settings.ENROLMENT_CHANGE_LIMIT = 3
    course = create_course(api, owner_teacher)
    enrol(api, student, course["id"])
    withdraw(api, student, course["id"])
    enrol(api, student, course["id"])
    response = withdraw(api, student, course["id"])
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0


# --- one limit per abusable action: 429 in the error shape with Retry-After, then the next window ---


def assert_limited(response) -> None:
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) > 0


def test_registration_is_limited_per_client_address_not_per_email(api, settings):
    from tests.test_accounts_api import register

    settings.REGISTRATION_LIMIT = 2
    assert register(api, email="one@example.com").status_code == 201
    assert register(api, email="two@example.com").status_code == 201
    assert_limited(register(api, email="three@example.com"))
    # Another address (behind no proxy: REMOTE_ADDR) still signs up.
    other = call(
        api,
        "post",
        "/api/v1/auth/register",
        data={"email": "four@example.com", "password": "s3cret-pass", "display_name": "Four", "role": "student"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert other.status_code == 201, other.content


def test_the_sign_up_page_counts_against_the_same_limit(api, client, settings):
    from tests.test_accounts_api import register

    settings.REGISTRATION_LIMIT = 1
    assert register(api, email="one@example.com").status_code == 201
    page = client.post(
        "/auth/register/",
        {"email": "two@example.com", "password": "s3cret-pass", "display_name": "Two", "role": "student"},
    )
    assert page.status_code == 429 and int(page["Retry-After"]) > 0


def test_photo_cover_and_material_uploads_share_one_limit(api, owner_teacher, settings):
    from tests.test_courses_api import png_bytes, upload
    from tests.test_materials_api import upload as upload_material
    from tests.test_upload_types import PDF_SAMPLE

    settings.UPLOAD_LIMIT = 3
    course = create_course(api, owner_teacher)
    photo = call(
        api, "post", "/api/v1/me/photo", owner_teacher, data={"photo": upload("p.png", png_bytes())}, format="multipart"
    )
    assert photo.status_code == 200, photo.content
    cover_path = f"/api/v1/courses/{course['id']}/cover"
    cover = call(
        api, "post", cover_path, owner_teacher, data={"cover": upload("c.png", png_bytes())}, format="multipart"
    )
    assert cover.status_code == 200, cover.content
    assert upload_material(api, owner_teacher, course["id"], PDF_SAMPLE).status_code == 201
    assert_limited(upload_material(api, owner_teacher, course["id"], PDF_SAMPLE))
    assert_limited(
        call(api, "post", cover_path, owner_teacher, data={"cover": upload("c.png", png_bytes())}, format="multipart")
    )
    assert_limited(
        call(
            api,
            "post",
            "/api/v1/me/photo",
            owner_teacher,
            data={"photo": upload("p.png", png_bytes())},
            format="multipart",
        )
    )


def test_course_search_is_limited_per_user_and_per_address_for_visitors(api, student, settings):
    settings.COURSE_SEARCH_LIMIT = 2
    for _ in range(2):
        assert call(api, "get", "/api/v1/courses?q=algebra", student).status_code == 200
    assert_limited(call(api, "get", "/api/v1/courses?q=algebra", student))
    # Browsing without `q` is not a search; a visitor has an allowance of her own.
    assert call(api, "get", "/api/v1/courses", student).status_code == 200
    for _ in range(2):
        assert call(api, "get", "/api/v1/courses?q=geometry").status_code == 200
    assert_limited(call(api, "get", "/api/v1/courses?q=geometry"))


def test_the_catalog_page_search_is_limited_too(client, settings):
    settings.COURSE_SEARCH_LIMIT = 1
    assert client.get("/courses/?q=algebra").status_code == 200
    page = client.get("/courses/?q=algebra")
    assert page.status_code == 429 and int(page["Retry-After"]) > 0


# Sending messages is limited in messaging.services.post_message (CHAT_SEND_LIMIT), which the REST
# routes and the socket share: tests/test_chat_api.py::…::test_sending_is_rate_limited and
# tests/test_chat_ws.py (the `r20` case) check both doors.
