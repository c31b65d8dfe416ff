"""Accounts web pages through Django's test client: forms, session cookie, CSRF, roles, profile, search."""

from __future__ import annotations

import io
import os
import re

import pytest
from django.test import Client, override_settings
from PIL import Image

from authentication import identity
from cplatform import errors
from tests import emulators
from tests.conftest import PASSWORD
from tests.ws_client import enroll

NEW = {"email": "new@example.com", "password": "s3cret-pass", "display_name": "Nina New", "role": "student"}


def signed_in(persona) -> Client:
    """A browser-like client holding the persona's session cookie."""
    client = Client()
    client.cookies["session"] = identity.create_session_cookie(persona.token)
    return client


def log_in(client: Client, persona, **extra):
    return client.post("/auth/login/", {"email": persona.email, "password": PASSWORD, **extra})


def field_error(response, field: str) -> str:
    """The text shown next to a field, '' when there is none."""
    match = re.search(rf'<small class="field-error" id="{field}-error">(.*?)</small>', response.content.decode())
    return match.group(1) if match else ""


def png(size=(64, 48), *, noisy: bool = False) -> io.BytesIO:
    out = io.BytesIO()
    if noisy:  # noise does not compress: the file is about 3 bytes per pixel
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (30, 120, 200))
    image.save(out, format="PNG")
    out.seek(0)
    out.name = "me.png"
    return out


def profile_of(persona) -> dict:
    from authentication import services

    return services.get_profile_or_404(persona.uid)


class TestRegisterPage:
    def test_the_form_carries_a_csrf_token(self):
        response = Client().get("/auth/register/")
        assert response.status_code == 200
        assert b'name="csrfmiddlewaretoken"' in response.content and b'name="email"' in response.content

    def test_it_creates_the_account_and_signs_the_person_in(self):
        client = Client()
        response = client.post("/auth/register/", NEW)
        assert response.status_code == 302 and response["Location"] == "/profile/"
        assert response.cookies["session"].value
        page = client.get("/profile/")
        assert page.status_code == 200
        assert b"Nina New" in page.content and b"Welcome, Nina New!" in page.content
        assert emulators.sign_in(NEW["email"], NEW["password"])["idToken"]

    def test_a_bad_email_and_a_short_password_are_shown_next_to_their_fields(self):
        response = Client().post("/auth/register/", {**NEW, "email": "nope", "password": "short"})
        assert response.status_code == 400
        assert "Enter an email address such as" in field_error(response, "email")
        assert "8 characters" in field_error(response, "password")
        assert b'value="nope"' in response.content  # what was typed stays in the form
        assert "session" not in response.cookies

    def test_a_letters_only_password_is_refused_like_in_the_api(self):
        response = Client().post("/auth/register/", {**NEW, "password": "onlyletters"})
        assert response.status_code == 400 and "digit" in field_error(response, "password")

    def test_a_duplicate_email_is_shown_next_to_the_email_field(self, student):
        response = Client().post("/auth/register/", {**NEW, "email": student.email.upper()})
        assert response.status_code == 400
        assert "already exists" in field_error(response, "email")

    def test_an_admin_account_cannot_be_chosen(self):
        response = Client().post("/auth/register/", {**NEW, "role": "admin"})
        assert response.status_code == 400 and field_error(response, "role")


class TestLoginPage:
    def test_it_sets_an_httponly_samesite_lax_session_cookie(self, student):
        client = Client()
        response = log_in(client, student)
        assert response.status_code == 302 and response["Location"] == "/"
        cookie = response.cookies["session"]
        assert cookie.value and cookie["httponly"] is True and cookie["samesite"] == "Lax"
        assert int(cookie["max-age"]) == 5 * 24 * 3600
        assert not cookie["secure"]  # DEBUG (tests): plain http on localhost
        assert client.get("/profile/").status_code == 200

    @override_settings(SESSION_COOKIE_SECURE=True)
    def test_the_cookie_is_secure_when_configured(self, student):
        assert log_in(Client(), student).cookies["session"]["secure"] is True

    def test_it_returns_to_the_page_asked_for_but_never_to_another_site(self, owner_teacher):
        assert log_in(Client(), owner_teacher, next="/users/?q=ada")["Location"] == "/users/?q=ada"
        assert log_in(Client(), owner_teacher, next="https://evil.example/")["Location"] == "/"
        assert log_in(Client(), owner_teacher, next="//evil.example/")["Location"] == "/"

    def test_a_wrong_password_shows_an_error_and_sets_no_cookie(self, student):
        response = Client().post("/auth/login/", {"email": student.email, "password": "wrong-pass-1"})
        assert response.status_code == 400
        assert b"Wrong email or password." in response.content
        assert "session" not in response.cookies

    def test_a_malformed_email_is_shown_next_to_the_field(self):
        response = Client().post("/auth/login/", {"email": "not-an-email", "password": "x"})
        assert response.status_code == 400 and field_error(response, "email")

    def test_a_post_without_csrf_token_is_refused(self, student):
        client = Client(enforce_csrf_checks=True)
        response = log_in(client, student)
        assert response.status_code == 403
        assert b"This form has expired" in response.content
        assert "session" not in response.cookies

    def test_a_post_with_the_forms_csrf_token_passes(self, student):
        client = Client(enforce_csrf_checks=True)
        form = client.get("/auth/login/").content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        response = log_in(client, student, csrfmiddlewaretoken=token)
        assert response.status_code == 302 and response.cookies["session"].value


class TestLogout:
    def test_logout_revokes_the_cookie_and_says_so(self, student):
        client = Client()
        log_in(client, student)
        old_cookie = client.cookies["session"].value
        response = client.post("/auth/logout/")
        assert response.status_code == 302 and response["Location"] == "/auth/login/"
        assert response.cookies["session"].value == ""  # deleted
        assert b"You are signed out" in client.get("/auth/login/").content
        replay = Client()
        replay.cookies["session"] = old_cookie
        response = replay.get("/profile/")
        assert response.status_code == 302 and response["Location"] == "/auth/login/?next=%2Fprofile%2F"

    def test_a_get_only_asks_and_signs_nobody_out(self, student):
        client = signed_in(student)
        response = client.get("/auth/logout/")
        assert response.status_code == 200 and b'action="/auth/logout/"' in response.content
        assert client.get("/profile/").status_code == 200

    def test_logout_needs_the_csrf_token(self, student):
        client = Client(enforce_csrf_checks=True)
        client.cookies["session"] = identity.create_session_cookie(student.token)
        assert client.post("/auth/logout/").status_code == 403
        assert client.get("/profile/").status_code == 200


class TestErrorPages:
    @override_settings(DEBUG=False)
    def test_an_unknown_address_gets_the_friendly_404_page(self, student):
        response = signed_in(student).get("/no/such/page/")
        assert response.status_code == 404
        assert b"Page not found" in response.content and b'href="/profile/"' in response.content

    @override_settings(DEBUG=False)
    def test_the_403_and_500_pages_are_styled_too(self, student, rf):
        from cplatform import views

        for response, title in (
            (views.forbidden(rf.get("/x/")), b"Not allowed"),
            (views.server_error(rf.get("/x/")), b"Something went wrong"),
        ):
            assert response.status_code in (403, 500)
            assert (
                title in response.content and b"css/app.css" in response.content and b"favicon.svg" in response.content
            )


class TestHomePage:
    def test_signed_out_visitors_get_the_pitch(self):
        response = Client().get("/")
        assert response.status_code == 200
        assert b'href="/auth/register/"' in response.content and b'href="/auth/login/"' in response.content

    def test_a_teacher_is_greeted_with_links_to_people(self, owner_teacher):
        response = signed_in(owner_teacher).get("/")
        assert response.status_code == 200 and b"Hello, Ada Lovelace" in response.content
        assert b'href="/users/"' in response.content

    def test_a_student_gets_no_people_link(self, student):
        response = signed_in(student).get("/")
        assert b"Hello, Sam Student" in response.content and b'href="/users/"' not in response.content


class TestProfilePage:
    def test_anonymous_visitors_are_sent_to_login(self):
        response = Client().get("/profile/")
        assert response.status_code == 302 and response["Location"] == "/auth/login/?next=%2Fprofile%2F"

    def test_a_revoked_or_garbage_cookie_is_sent_to_login(self):
        client = Client()
        client.cookies["session"] = "garbage"
        response = client.get("/profile/")
        assert response.status_code == 302 and response["Location"].startswith("/auth/login/")

    def test_it_shows_the_profile_and_the_edit_form(self, owner_teacher):
        response = signed_in(owner_teacher).get("/profile/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Ada Lovelace" in html and "Teacher" in html and 'name="subjects"' in html
        assert 'name="grade_level"' not in html
        assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]

    def test_editing_saves_and_shows_the_new_name(self, student):
        client = signed_in(student)
        form = {"display_name": "Samantha S.", "bio": "Likes maths", "phone": "+44 20 7946 0958"}
        form |= {"timezone": "Europe/London", "locale": "en-GB"}
        form |= {"grade_level": "Year 10", "interests": "Chemistry, Guitar , ", "learning_goals": "Pass exams"}
        response = client.post("/profile/", form)
        assert response.status_code == 302 and response["Location"] == "/profile/"
        page = client.get("/profile/")
        assert b"Samantha S." in page.content and b"Your profile is saved." in page.content
        stored = profile_of(student)
        assert stored["display_name"] == "Samantha S." and stored["timezone"] == "Europe/London"
        assert stored["student"]["interests"] == ["Chemistry", "Guitar"]
        assert stored["student"]["grade_level"] == "Year 10"

    def test_a_teacher_sets_subjects_and_an_hourly_rate(self, owner_teacher):
        client = signed_in(owner_teacher)
        form = {"display_name": "Ada Lovelace", "timezone": "UTC", "locale": "en"}
        form |= {"subjects": "Maths, Computing", "hourly_rate": "25.50", "currency": "EUR"}
        assert client.post("/profile/", form).status_code == 302
        teacher = profile_of(owner_teacher)["teacher"]
        assert teacher["subjects"] == ["Maths", "Computing"]
        assert teacher["hourly_rate"] == {"amount": 2550, "currency": "EUR"}
        assert b"25.50 EUR / hour" in client.get("/profile/").content
        assert client.post("/profile/", {**form, "hourly_rate": ""}).status_code == 302
        assert profile_of(owner_teacher)["teacher"]["hourly_rate"] is None

    def test_bad_values_are_shown_next_to_their_fields_and_nothing_is_saved(self, owner_teacher):
        form = {"display_name": "", "phone": "call me", "timezone": "Mars/Olympus", "locale": "en"}
        form |= {"subjects": "Maths", "hourly_rate": "12.345", "currency": "EUR"}
        response = signed_in(owner_teacher).post("/profile/", form)
        assert response.status_code == 400
        for field in ("display_name", "phone", "timezone", "hourly_rate"):
            assert field_error(response, field), field
        assert b'value="call me"' in response.content
        assert b"Please correct the fields marked below." in response.content
        assert profile_of(owner_teacher)["display_name"] == "Ada Lovelace"

    def test_a_wrong_currency_is_shown_next_to_the_currency(self, owner_teacher):
        form = {"display_name": "Ada", "timezone": "UTC", "locale": "en", "hourly_rate": "20", "currency": "euro"}
        response = signed_in(owner_teacher).post("/profile/", form)
        assert response.status_code == 400 and field_error(response, "currency")

    def test_a_photo_upload_is_stored_and_shown(self, student):
        client = signed_in(student)
        response = client.post("/profile/photo/", {"photo": png()})
        assert response.status_code == 302 and response["Location"] == "/profile/"
        page = client.get("/profile/").content.decode()
        src = re.search(r'<img src="([^"]+)"[^>]*id="profile-photo"', page).group(1)
        assert src == f"/api/v1/users/{student.uid}/photo?v=1"
        photo = client.get(src)
        assert photo.status_code == 200 and photo["Content-Type"] == "image/png"

    def test_a_file_that_is_not_an_image_is_refused_next_to_the_photo_field(self, student):
        text = io.BytesIO(b"not pixels at all\n")
        text.name = "me.png"
        response = signed_in(student).post("/profile/photo/", {"photo": text})
        assert response.status_code == 400 and field_error(response, "photo")
        assert profile_of(student).get("photo_path") is None

    def test_an_upload_without_a_file_asks_for_one(self, student):
        response = signed_in(student).post("/profile/photo/", {})
        assert response.status_code == 400 and "Choose" in field_error(response, "photo")

    @override_settings(PROFILE_PHOTO_MAX_BYTES=1000)
    def test_a_photo_over_the_limit_is_refused(self, student):
        response = signed_in(student).post("/profile/photo/", {"photo": png(size=(100, 100), noisy=True)})
        assert response.status_code == 400 and "Too large" in field_error(response, "photo")

    def test_a_photo_upload_needs_the_csrf_token(self, student):
        client = Client(enforce_csrf_checks=True)
        client.cookies["session"] = identity.create_session_cookie(student.token)
        response = client.post("/profile/photo/", {"photo": png()})
        assert response.status_code == 403
        assert profile_of(student).get("photo_path") is None


class TestFamily:
    def test_a_student_gets_a_code_that_links_a_parent(self, student, make_user):
        student_client = signed_in(student)
        posted = student_client.post("/profile/parent-code/")
        assert posted.status_code == 302 and posted["Location"] == "/profile/#family"
        code_page = student_client.get("/profile/")
        code = re.search(r'id="link-code">([A-Z0-9]{8})<', code_page.content.decode()).group(1)
        # Reloading shows the same code: nothing new is minted.
        assert f'id="link-code">{code}<' in student_client.get("/profile/").content.decode()
        assert student_client.get("/profile/parent-code/")["Location"] == "/profile/"
        mum = make_user("parent", name="Maria Mum")
        client = signed_in(mum)
        response = client.post("/profile/children/", {"code": code.lower()})
        assert response.status_code == 302
        page = client.get("/profile/")
        assert b"Sam Student" in page.content and b"is now linked to your account" in page.content

    def test_a_wrong_code_is_shown_next_to_the_code_field(self, make_user):
        mum = make_user("parent", name="Maria Mum")
        response = signed_in(mum).post("/profile/children/", {"code": "ABCDEFGH"})
        assert response.status_code == 400 and "No such code" in field_error(response, "code")

    def test_a_parent_can_unlink_a_child(self, parent, student):
        client = signed_in(parent)
        assert b"Sam Student" in client.get("/profile/").content
        assert client.post(f"/profile/children/{student.uid}/unlink/").status_code == 302
        assert b"No child linked yet." in client.get("/profile/").content

    def test_only_parents_may_link_children(self, student):
        response = signed_in(student).post("/profile/children/", {"code": "ABCDEFGH"})
        assert response.status_code == 403 and b"Not allowed" in response.content


class TestPeoplePage:
    @pytest.mark.parametrize("persona", ["student", "parent"])
    def test_students_and_parents_get_the_friendly_403_page(self, persona, request):
        response = signed_in(request.getfixturevalue(persona)).get("/users/")
        assert response.status_code == 403
        assert b"Not allowed" in response.content and b"teacher" in response.content
        assert b'href="/"' in response.content

    def test_anonymous_visitors_are_sent_to_login(self):
        response = Client().get("/users/?q=ada")
        assert response["Location"] == "/auth/login/?next=%2Fusers%2F%3Fq%3Dada"

    def test_a_teacher_sees_people_without_their_emails(self, owner_teacher, student, other_teacher):
        enroll("course1", student.uid, owner_teacher.uid)
        response = signed_in(owner_teacher).get("/users/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Sam Student" in html and "Grace Hopper" in html
        assert student.email not in html

    def test_an_admin_sees_emails(self, admin, student):
        response = signed_in(admin).get("/users/")
        assert response.status_code == 200 and student.email in response.content.decode()

    def test_search_by_name_and_role(self, owner_teacher, student, other_student):
        enroll("course1", student.uid, owner_teacher.uid)
        enroll("course1", other_student.uid, owner_teacher.uid)
        html = signed_in(owner_teacher).get("/users/", {"q": "sam", "role": "student"}).content.decode()
        assert "Sam Student" in html and "Olive Outsider" not in html

    def test_the_next_page_link_follows_the_cursor(self, owner_teacher, other_teacher, student, other_student):
        enroll("course1", student.uid, owner_teacher.uid)
        enroll("course1", other_student.uid, owner_teacher.uid)
        client = signed_in(owner_teacher)
        first = client.get("/users/", {"limit": 2}).content.decode()
        link = re.search(r'<a href="([^"]+)"[^>]*id="next-page"', first).group(1).replace("&amp;", "&")
        assert "cursor=" in link and "limit=2" in link
        second = client.get(f"/users/{link}").content.decode()
        # The results only (the header shows the signed-in teacher's own name).
        first, second = first.split('id="results"')[1], second.split('id="results"')[1]
        names = ["Ada Lovelace", "Grace Hopper", "Olive Outsider", "Sam Student"]
        assert [name for name in names if name in first] == names[:2]
        assert [name for name in names if name in second] == names[2:]

    def test_a_bad_filter_is_shown_next_to_its_field(self, owner_teacher):
        response = signed_in(owner_teacher).get("/users/", {"role": "wizard"})
        assert response.status_code == 400 and field_error(response, "role")


class TestTeacherProfile:
    def test_a_teacher_sets_weekly_availability_and_preferences(self, owner_teacher):
        client = signed_in(owner_teacher)
        half = client.post("/profile/availability/", {"start-0-0": "09:00"})
        assert half.status_code == 400 and "Monday: give both a start and an end time." in half.content.decode()
        backwards = client.post("/profile/availability/", {"start-2-0": "12:00", "end-2-0": "10:00"})
        body = backwards.content.decode()
        assert backwards.status_code == 400 and "Wednesday" in body and "weekday 2" not in body
        saved = client.post("/profile/availability/", {"start-0-0": "09:00", "end-0-0": "12:00"})
        assert saved.status_code == 302 and saved["Location"] == "/profile/#availability"
        assert profile_of(owner_teacher)["teacher"]["availability"] == [
            {"weekday": 0, "start": "09:00", "end": "12:00"}
        ]
        form = {
            "display_name": "Ada Lovelace",
            "timezone": "UTC",
            "locale": "en",
            "languages": "English, French",
            "levels": ["beginner", "adult"],
            "formats": ["online"],
        }
        assert client.post("/profile/", form).status_code == 302
        prefs = profile_of(owner_teacher)["teacher"]["teaching_preferences"]
        assert prefs == {"languages": ["English", "French"], "levels": ["beginner", "adult"], "formats": ["online"]}
        page = client.get("/profile/").content.decode()
        assert 'value="09:00"' in page and 'id="level-adult" checked' in page

    def test_students_have_no_availability_form(self, student):
        assert b'id="availability-form"' not in signed_in(student).get("/profile/").content
        assert signed_in(student).post("/profile/availability/", {}).status_code == 403


class TestDeleteAccount:
    def test_the_page_says_what_is_removed_and_asks_for_the_password(self, make_user):
        pupil = make_user("student", name="Dora Delete")
        client = signed_in(pupil)
        page = client.get("/profile/delete/").content.decode()
        assert "Your places in courses and on waitlists" in page and 'id="password"' in page
        unticked = client.post("/profile/delete/", {"password": PASSWORD})
        assert unticked.status_code == 400 and field_error(unticked, "confirm")
        wrong = client.post("/profile/delete/", {"password": "not-it", "confirm": "yes"})
        assert wrong.status_code == 400 and field_error(wrong, "password") == "That is not your password."
        assert profile_of(pupil) is not None
        done = client.post("/profile/delete/", {"password": PASSWORD, "confirm": "yes"})
        assert done.status_code == 302 and done["Location"] == "/"
        with pytest.raises(errors.NotFound):
            profile_of(pupil)
        assert Client().get("/").status_code == 200
