"""Courses web pages through Django's test client: roles, course forms, lessons, enrolment, feedback,
materials, the week schedule and lesson history."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from authentication import identity
from authentication import services as account_services
from courses.access import get_course_or_404
from courses.catalog import search, services
from courses.enrolment import services as enrolment_services
from courses.lessons import services as lesson_services
from cplatform.actor import Actor
from tests.factories import Clock, set_availability
from tests.test_upload_types import PDF_SAMPLE

NOW = dt.datetime(2030, 1, 7, 8, 0, tzinfo=dt.UTC)  # a Monday
START = dt.datetime(2030, 1, 9, 10, 0, tzinfo=dt.UTC)  # Wednesday of the same week
COURSE = {
    "title": "Algebra for beginners",
    "description": "Equations, step by step.",
    "subject": "Maths",
    "level": "beginner",
    "language": "en",
    "tags": "equations, exam prep",
    "price": "",
    "currency": "EUR",
    "capacity": "",
    "status": "published",
}
LESSON = {
    "title": "Linear equations",
    "starts_at": "2030-01-09T10:00",
    "duration_minutes": "60",
    "location": "Room 12",
    "meeting_url": "",
    "description": "",
}


def signed_in(persona) -> Client:
    client = Client()
    client.cookies["session"] = identity.create_session_cookie(persona.token)
    return client


def actor_of(persona) -> Actor:
    return Actor(uid=persona.uid, email=persona.email, role=persona.role)


def field_error(response, field: str) -> str:
    """The text shown next to a field, '' when there is none."""
    match = re.search(rf'<small class="field-error" id="{field}-error">(.*?)</small>', response.content.decode())
    return match.group(1) if match else ""


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, NOW)


@pytest.fixture
def course(owner_teacher) -> dict:
    data = {
        "title": "Algebra for beginners",
        "description": "Equations, step by step.",
        "subject": "Maths",
        "level": "beginner",
        "language": "en",
        "tags": ["equations"],
        "status": "published",
    }
    return services.create_course(actor=actor_of(owner_teacher), data=data)


@pytest.fixture
def enrolled(course, student) -> dict:
    enrolment_services.enroll_student(actor=actor_of(student), course_id=course["id"])
    return course


@pytest.fixture
def lesson(clock, owner_teacher, enrolled) -> dict:
    lesson, _ = lesson_services.create_lesson(
        actor=actor_of(owner_teacher),
        course_id=enrolled["id"],
        title="Linear equations",
        starts_at=START,
        duration_minutes=60,
        meeting_url="https://meet.example.com/algebra",
    )
    return lesson


class TestWhoMaySeeWhat:
    @pytest.mark.parametrize(
        "path", ["/courses/new/", "/schedule/", "/history/", "/courses/mine/", "/students/x/history/"]
    )
    def test_anonymous_visitors_are_sent_to_log_in(self, path):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/auth/login/?next=")

    def test_anonymous_visitors_of_a_course_s_lessons_editor_are_sent_to_log_in(self, course):
        response = Client().get(f"/courses/{course['id']}/lessons/")
        assert response.status_code == 302 and response["Location"].startswith("/auth/login/")

    def test_visitors_browse_the_catalog_and_open_a_course_page(self, course):
        catalog = Client().get("/courses/")
        assert catalog.status_code == 200
        assert f"/courses/{course['id']}/" in catalog.content.decode()
        response = Client().get(f"/courses/{course['id']}/")
        body = response.content.decode()
        assert response.status_code == 200
        assert f"/teachers/{course['teacher_uid']}/" in body
        assert "sign-in-to-enrol" in body and "next=%2Fcourses%2F" in body
        assert 'id="message-teacher"' not in body

    def test_visitors_never_see_a_draft(self, owner_teacher):
        draft = services.create_course(
            actor=actor_of(owner_teacher),
            data={
                "title": "Secret draft",
                "subject": "Maths",
                "level": "beginner",
                "language": "en",
                "status": "draft",
            },
        )
        assert Client().get(f"/courses/{draft['id']}/").status_code == 404
        assert draft["id"] not in Client().get("/courses/").content.decode()

    def test_each_page_renders_for_its_roles(self, lesson, owner_teacher, student, parent, admin):
        course_id = lesson["course_id"]
        course_pages = [f"/courses/{course_id}/", f"/courses/{course_id}/edit/", f"/courses/{course_id}/lessons/"]
        pages = [
            (owner_teacher, ["/courses/", "/courses/?mine=1", "/courses/new/", *course_pages, "/schedule/"]),
            (
                owner_teacher,
                [f"/courses/{course_id}/lessons/{lesson['id']}/edit/", f"/students/{student.uid}/history/"],
            ),
            (student, ["/courses/", "/courses/mine/", f"/courses/{course_id}/", "/schedule/", "/history/"]),
            (parent, ["/courses/", "/courses/mine/", f"/courses/{course_id}/", "/schedule/"]),
            (parent, [f"/students/{student.uid}/history/"]),
            (admin, ["/courses/", *course_pages, f"/students/{student.uid}/history/"]),
        ]
        for persona, paths in pages:
            client = signed_in(persona)
            for path in paths:
                response = client.get(path)
                assert response.status_code == 200, (persona.role, path, response.status_code)
                assert b"/static/css/courses.css" in response.content, path

    def test_wrong_roles_get_the_403_page(self, course, owner_teacher, other_teacher, student, parent, admin):
        course_id = course["id"]
        refusals = [
            (student, "/courses/new/"),
            (student, f"/courses/{course_id}/edit/"),
            (student, f"/courses/{course_id}/lessons/"),
            (parent, f"/courses/{course_id}/lessons/"),
            (owner_teacher, "/history/"),
            (admin, "/schedule/"),
            (other_teacher, f"/courses/{course_id}/edit/"),
            (other_teacher, f"/courses/{course_id}/lessons/"),
            (other_teacher, f"/students/{student.uid}/history/"),
        ]
        for persona, path in refusals:
            response = signed_in(persona).get(path)
            assert response.status_code == 403, (persona.role, path, response.status_code)
            assert b"Not allowed" in response.content

    def test_a_draft_is_a_404_page_for_students(self, owner_teacher, student):
        draft = services.create_course(
            actor=actor_of(owner_teacher),
            data={"title": "Secret plans", "subject": "Maths", "level": "beginner", "language": "en"},
        )
        assert signed_in(student).get(f"/courses/{draft['id']}/").status_code == 404
        assert signed_in(owner_teacher).get(f"/courses/{draft['id']}/").status_code == 200


class TestCatalog:
    def test_students_find_published_courses_by_search_and_filters(self, course, student):
        client = signed_in(student)
        assert course["title"] in text(client.get("/courses/"))
        assert course["title"] in text(client.get("/courses/?q=alg"))
        assert course["title"] not in text(client.get("/courses/?q=guitar"))
        assert course["title"] in text(client.get("/courses/?level=beginner&price=free&sort=rating"))
        assert course["title"] not in text(client.get("/courses/?level=advanced"))

    def test_bad_filters_show_next_to_their_fields_and_never_fail(self, course, student):
        client = signed_in(student)
        response = client.get("/courses/?level=wizard")
        assert response.status_code == 400
        assert "Choose a level from the list." in field_error(response, "level")
        response = client.get("/courses/?level=beginner&cursor=garbage")  # the first page, with a message
        assert response.status_code == 302 and response["Location"] == "/courses/?level=beginner"
        assert "out of date. Here is the first page." in text(client.get(response["Location"]))
        response = client.get("/courses/?q=%21%21%21")
        assert response.status_code == 400 and field_error(response, "q")
        assert client.get("/courses/?q=" + "x" * 300).status_code == 400

    def test_a_teacher_sees_her_drafts_under_my_courses(self, owner_teacher, other_teacher):
        services.create_course(
            actor=actor_of(owner_teacher),
            data={"title": "Draft geometry", "subject": "Maths", "level": "beginner", "language": "en"},
        )
        assert "Draft geometry" in text(signed_in(owner_teacher).get("/courses/?mine=1"))
        assert "Draft geometry" not in text(signed_in(owner_teacher).get("/courses/"))
        assert "Draft geometry" not in text(signed_in(other_teacher).get("/courses/?mine=1"))


class TestCourseEditor:
    def test_a_teacher_creates_and_publishes_a_course(self, owner_teacher, student):
        response = signed_in(owner_teacher).post("/courses/new/", {**COURSE, "price": "25.50", "capacity": "12"})
        assert response.status_code == 302, text(response)[:2000]
        course_id = response["Location"].strip("/").split("/")[-1]
        course = get_course_or_404(course_id)
        assert course["status"] == "published" and course["teacher_uid"] == owner_teacher.uid
        assert course["price"] == {"amount": 2550, "currency": "EUR"} and course["capacity"] == 12
        assert course["tags"] == ["equations", "exam prep"]
        page = signed_in(student).get(response["Location"])
        assert "Your course is published." not in text(page)  # the message was for the teacher
        assert "25.50 EUR" in text(page) and 'id="checkout-start"' in text(page)

    def test_save_as_draft_keeps_it_hidden(self, owner_teacher):
        response = signed_in(owner_teacher).post("/courses/new/", {**COURSE, "status": "draft"})
        course = get_course_or_404(response["Location"].strip("/").split("/")[-1])
        assert course["status"] == "draft"

    def test_bad_input_is_shown_next_to_the_fields(self, owner_teacher):
        bad = {**COURSE, "title": "ab", "language": "English", "price": "lots", "capacity": "-3", "level": "expert"}
        response = signed_in(owner_teacher).post("/courses/new/", bad)
        assert response.status_code == 400
        assert "3 characters" in field_error(response, "title")
        assert field_error(response, "language")
        assert "amount" in field_error(response, "price")
        assert field_error(response, "capacity")
        assert field_error(response, "level")
        assert 'value="ab"' in text(response)  # what was typed stays in the form
        assert (
            search.list_courses(
                actor=actor_of(owner_teacher), query=search.CatalogQuery(mine=True), limit=5, cursor=None
            ).items
            == []
        )

    def test_the_owner_edits_and_archives_the_course(self, course, owner_teacher):
        client = signed_in(owner_teacher)
        response = client.post(
            f"/courses/{course['id']}/edit/", {**COURSE, "title": "Algebra, gently", "capacity": "5"}
        )
        assert response.status_code == 302
        assert get_course_or_404(course["id"])["title"] == "Algebra, gently"
        response = client.post(f"/courses/{course['id']}/status/", {"status": "archived"})
        assert response.status_code == 302
        assert get_course_or_404(course["id"])["status"] == "archived"
        assert "The course is archived" in text(client.get(response["Location"]))

    def test_capacity_below_the_enrolled_count_is_refused_next_to_the_field(
        self, enrolled, owner_teacher, other_student
    ):
        enrolment_services.enroll_student(actor=actor_of(other_student), course_id=enrolled["id"])
        response = signed_in(owner_teacher).post(f"/courses/{enrolled['id']}/edit/", {**COURSE, "capacity": "1"})
        assert response.status_code == 400
        assert "At least 2" in field_error(response, "capacity")

    def test_a_course_with_students_cannot_go_back_to_draft(self, enrolled, owner_teacher):
        response = signed_in(owner_teacher).post(f"/courses/{enrolled['id']}/status/", {"status": "draft"})
        assert response.status_code == 400 and "archive the course instead" in text(response)
        response = signed_in(owner_teacher).post(f"/courses/{enrolled['id']}/status/", {"status": "bogus"})
        assert response.status_code == 400

    def test_other_teachers_cannot_post_changes(self, course, other_teacher):
        response = signed_in(other_teacher).post(f"/courses/{course['id']}/edit/", COURSE)
        assert response.status_code == 403
        assert get_course_or_404(course["id"])["title"] == course["title"]


class TestLessons:
    def test_the_teacher_schedules_a_lesson_and_sees_it_listed(self, clock, course, owner_teacher):
        client = signed_in(owner_teacher)
        response = client.post(f"/courses/{course['id']}/lessons/", LESSON)
        assert response.status_code == 302, text(response)[:3000]
        page = client.get(response["Location"])
        assert "“Linear equations” is scheduled for Wed 9 Jan 2030, 10:00 UTC." in text(page)
        assert "outside your weekly availability" not in text(page)
        assert "Linear equations" in text(page) and "Room 12" in text(page)

    def test_times_are_read_in_the_teachers_time_zone(self, clock, course, owner_teacher):
        account_services.update_my_profile(actor=actor_of(owner_teacher), changes={"timezone": "Europe/Paris"})
        signed_in(owner_teacher).post(f"/courses/{course['id']}/lessons/", LESSON)
        page, _ = lesson_services.list_lessons(
            actor=actor_of(owner_teacher), course_id=course["id"], since=None, limit=5, cursor=None
        )
        assert page.items[0]["starts_at"] == dt.datetime(2030, 1, 9, 9, 0, tzinfo=dt.UTC)

    def test_the_date_chip_shows_the_viewers_day(self, clock, lesson, owner_teacher, student):
        # 10:00 UTC on 9 January is already 00:00 on the 10th at UTC+14.
        account_services.update_my_profile(actor=actor_of(student), changes={"timezone": "Pacific/Kiritimati"})
        lessons, detail = f"/courses/{lesson['course_id']}/lessons/", f"/courses/{lesson['course_id']}/"
        for persona, day, paths in ((owner_teacher, "9", (lessons, detail)), (student, "10", (detail,))):
            for path in paths:
                page = text(signed_in(persona).get(path))
                chip = re.search(r'<time class="date-chip"[^>]*><span>(\w+)</span><strong>(\d+)</strong>', page)
                assert chip and chip.groups() == ("Jan", day), (persona.role, path)

    def test_an_overlap_is_shown_next_to_the_start_time(self, clock, lesson, owner_teacher):
        response = signed_in(owner_teacher).post(
            f"/courses/{lesson['course_id']}/lessons/", {**LESSON, "title": "Clash", "starts_at": "2030-01-09T10:30"}
        )
        assert response.status_code == 400
        error = field_error(response, "starts_at")
        assert "overlaps your lesson “Linear equations”" in error and "10:00 UTC" in error
        assert lesson["id"] not in error and "2030-01-09T" not in error
        assert 'value="Clash"' in text(response)

    def test_a_lesson_outside_the_availability_is_saved_with_a_warning(self, clock, course, owner_teacher):
        set_availability(owner_teacher, [{"weekday": 0, "start": "09:00", "end": "12:00"}])
        client = signed_in(owner_teacher)
        response = client.post(f"/courses/{course['id']}/lessons/", LESSON)
        assert response.status_code == 302
        page = client.get(response["Location"])
        assert "outside your weekly availability" in text(page)

    def test_bad_lesson_input_is_shown_next_to_the_fields(self, clock, course, owner_teacher):
        bad = {**LESSON, "title": "", "starts_at": "next tuesday", "duration_minutes": "2", "meeting_url": "http://x.y"}
        response = signed_in(owner_teacher).post(f"/courses/{course['id']}/lessons/", bad)
        assert response.status_code == 400
        assert "date and a start time" in field_error(response, "starts_at")
        assert field_error(response, "title") and field_error(response, "duration_minutes")
        assert "https" in field_error(response, "meeting_url")
        response = signed_in(owner_teacher).post(
            f"/courses/{course['id']}/lessons/", {**LESSON, "starts_at": "2029-01-01T10:00"}
        )
        assert "future" in field_error(response, "starts_at")

    def test_the_teacher_edits_and_cancels_a_lesson(self, clock, lesson, owner_teacher):
        client = signed_in(owner_teacher)
        base = f"/courses/{lesson['course_id']}/lessons/{lesson['id']}"
        edit = client.get(f"{base}/edit/")
        assert 'value="2030-01-09T10:00"' in text(edit)
        form = {**LESSON, "title": "Linear equations II", "meeting_url": "https://meet.example.com/algebra"}
        response = client.post(f"{base}/edit/", form)
        assert response.status_code == 302, text(response)[:3000]
        updated, _ = lesson_services.get_lesson(
            actor=actor_of(owner_teacher), course_id=lesson["course_id"], lesson_id=lesson["id"]
        )
        assert updated["title"] == "Linear equations II" and updated["starts_at"] == START
        response = client.post(f"{base}/cancel/", {"reason": "I am ill"})
        assert response.status_code == 302
        page = client.get(response["Location"])
        assert "is cancelled" in text(page) and "Reason: I am ill" in text(page)

    def test_a_started_lesson_cannot_be_moved(self, clock, lesson, owner_teacher):
        clock.travel_to(START + dt.timedelta(minutes=5))
        response = signed_in(owner_teacher).post(
            f"/courses/{lesson['course_id']}/lessons/{lesson['id']}/edit/", {**LESSON, "starts_at": "2030-01-10T10:00"}
        )
        assert response.status_code == 400 and "has started" in text(response)


class TestEnrolmentAndFeedback:
    def test_a_student_enrols_and_withdraws(self, course, student):
        client = signed_in(student)
        response = client.post(f"/courses/{course['id']}/enrol/")
        assert response.status_code == 302
        page = client.get(response["Location"])
        assert "You are enrolled" in text(page) and 'id="withdraw-button"' in text(page)
        response = client.post(f"/courses/{course['id']}/withdraw/")
        assert response.status_code == 302
        page = client.get(response["Location"])
        assert "You left Algebra for beginners." in text(page) and 'id="enrol-button"' in text(page)

    def test_a_full_course_puts_the_student_on_the_waitlist(self, owner_teacher, student, other_student):
        full = services.create_course(
            actor=actor_of(owner_teacher),
            data={
                "title": "Tiny class",
                "subject": "Maths",
                "level": "beginner",
                "language": "en",
                "capacity": 1,
                "status": "published",
            },
        )
        signed_in(other_student).post(f"/courses/{full['id']}/enrol/")
        response = signed_in(student).post(f"/courses/{full['id']}/enrol/")
        page = signed_in(student).get(response["Location"])
        assert "number 1 on the waitlist" in text(page)

    def test_a_paid_course_asks_for_payment_without_failing(self, owner_teacher, student):
        paid = services.create_course(
            actor=actor_of(owner_teacher),
            data={
                "title": "Paid class",
                "subject": "Maths",
                "level": "beginner",
                "language": "en",
                "price": {"amount": 1000, "currency": "EUR"},
                "status": "published",
            },
        )
        response = signed_in(student).post(f"/courses/{paid['id']}/enrol/")
        assert response.status_code == 400 and "complete the payment first" in text(response)

    def test_enrolled_students_leave_feedback_and_see_it(self, enrolled, student, owner_teacher):
        client = signed_in(student)
        assert 'id="feedback-form"' in text(client.get(f"/courses/{enrolled['id']}/"))
        response = client.post(
            f"/courses/{enrolled['id']}/feedback/", {"rating": "5", "comment": "Clear <b>and</b> kind."}
        )
        assert response.status_code == 302
        page = client.get(f"/courses/{enrolled['id']}/")
        assert "Thank you for your feedback!" in text(page)
        assert "Clear &lt;b&gt;and&lt;/b&gt; kind." in text(page)  # escaped, never markup
        assert "Update feedback" in text(page)
        assert "Clear &lt;b&gt;" in text(signed_in(owner_teacher).get(f"/courses/{enrolled['id']}/"))

    def test_former_students_may_still_rate(self, enrolled, student):
        enrolment_services.withdraw_student(actor=actor_of(student), course_id=enrolled["id"])
        response = signed_in(student).post(f"/courses/{enrolled['id']}/feedback/", {"rating": "4"})
        assert response.status_code == 302

    def test_a_missing_rating_is_shown_next_to_the_field(self, enrolled, student):
        response = signed_in(student).post(f"/courses/{enrolled['id']}/feedback/", {"rating": "9", "comment": "hm"})
        assert response.status_code == 400
        assert field_error(response, "rating")
        assert ">hm</textarea>" in text(response)

    def test_strangers_cannot_rate(self, course, other_student):
        page = signed_in(other_student).get(f"/courses/{course['id']}/")
        assert 'id="feedback-form"' not in text(page)
        response = signed_in(other_student).post(f"/courses/{course['id']}/feedback/", {"rating": "1"})
        assert response.status_code == 400 and "are or were enrolled" in text(response)


class TestMaterials:
    def test_the_teacher_uploads_without_javascript_and_students_download(self, enrolled, owner_teacher, student):
        upload = SimpleUploadedFile("week1.pdf", PDF_SAMPLE, content_type="application/pdf")
        client = signed_in(owner_teacher)
        response = client.post(f"/courses/{enrolled['id']}/materials/", {"title": "Week 1", "file": upload})
        assert response.status_code == 302, text(response)[:3000]
        page = signed_in(student).get(f"/courses/{enrolled['id']}/")
        link = re.search(r'href="(/api/v1/courses/[^"]+/download)"', text(page))
        assert link and "Week 1" in text(page)
        download = signed_in(student).get(link.group(1))
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF_SAMPLE

    def test_a_refused_file_is_shown_next_to_the_file_field(self, course, owner_teacher):
        upload = SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
        response = signed_in(owner_teacher).post(f"/courses/{course['id']}/materials/", {"title": "X", "file": upload})
        assert response.status_code == 400
        assert field_error(response, "material-file") or "not" in text(response)
        response = signed_in(owner_teacher).post(f"/courses/{course['id']}/materials/", {"title": ""})
        assert response.status_code == 400 and field_error(response, "material-title")

    def test_strangers_see_no_materials(self, course, other_student):
        page = signed_in(other_student).get(f"/courses/{course['id']}/")
        assert "Materials are for the course's students." in text(page)
        assert 'id="material-form"' not in text(page)


class TestScheduleAndHistory:
    def test_the_week_shows_the_lesson_on_its_day_with_week_links(self, lesson, student, owner_teacher):
        for persona in (student, owner_teacher):
            page = text(signed_in(persona).get("/schedule/?week=2030-01-09"))
            assert page.count('<section class="day') == 7
            wednesday = page.split('id="day-3"')[1].split('id="day-4"')[0]
            assert "Linear equations" in wednesday and "10:00" in wednesday
            assert "?week=2029-12-31" in page and "?week=2030-01-14" in page
            assert "/api/v1/me/schedule.ics" in page
        assert "Linear equations" not in text(signed_in(student).get("/schedule/?week=2030-01-14"))

    def test_the_default_week_is_this_week_and_a_bad_week_does_not_fail(self, lesson, student, parent):
        assert "Linear equations" in text(signed_in(student).get("/schedule/"))
        page = signed_in(parent).get("/schedule/")
        assert "Linear equations" in text(page) and "For Sam Student" in text(page)
        response = signed_in(student).get("/schedule/?week=someday")
        assert response.status_code == 400 and "showing this week instead" in text(response)

    def test_history_lists_past_lessons_for_the_student_and_those_who_may_see_it(
        self, clock, lesson, student, owner_teacher, parent, admin
    ):
        assert "No past lessons yet." in text(signed_in(student).get("/history/"))
        clock.travel_to(START + dt.timedelta(hours=2))
        page = text(signed_in(student).get("/history/"))
        assert "Linear equations" in page and "Not marked" in page
        for persona in (owner_teacher, parent, admin):
            page = text(signed_in(persona).get(f"/students/{student.uid}/history/"))
            assert "Lesson history of Sam Student" in page and "Linear equations" in page, persona.role
        assert signed_in(student).get(f"/students/{student.uid}/history/")["Location"] == "/history/"
        assert signed_in(owner_teacher).get("/students/nobody/history/").status_code == 404
        stale = signed_in(student).get("/history/?cursor=nonsense")  # the first page, with a message
        assert stale.status_code == 302 and stale["Location"] == "/history/"


class TestCsrf:
    def test_a_form_post_without_the_token_is_refused(self, course, student):
        client = Client(enforce_csrf_checks=True)
        client.cookies["session"] = identity.create_session_cookie(student.token)
        response = client.post(f"/courses/{course['id']}/enrol/")
        assert response.status_code == 403
        assert enrolment_services.enrollment_store.get_enrollment(course["id"], student.uid) is None


class TestPostRedirectGet:
    def test_a_get_on_a_post_only_address_goes_to_its_page(self, course, student, owner_teacher):
        for path, where in (
            (f"/courses/{course['id']}/enrol/", f"/courses/{course['id']}/"),
            (f"/courses/{course['id']}/feedback/", f"/courses/{course['id']}/"),
            (f"/courses/{course['id']}/materials/m1/delete/", f"/courses/{course['id']}/"),
            (f"/courses/{course['id']}/lessons/l1/cancel/", f"/courses/{course['id']}/lessons/"),
            ("/notifications/read-all/", "/notifications/"),
            ("/notifications/n1/read/", "/notifications/"),
            ("/content/posts/p1/delete/", "/content/posts/p1/edit/"),
            ("/content/posts/p1/approve/", "/content/posts/p1/edit/"),
            ("/admin/payments/pay1/refund/", "/admin/payments/"),
            ("/payments/membership/cancel/", "/payments/membership/"),
            ("/chat/new/", "/chat/"),
        ):
            response = signed_in(student).get(path)
            assert response.status_code == 302 and response["Location"] == where, path

    def test_a_form_shown_again_with_errors_tells_the_browser_its_page_address(self, enrolled, student):
        course = enrolled
        response = signed_in(student).post(f"/courses/{course['id']}/feedback/", {"rating": "", "comment": ""})
        assert response.status_code == 400
        assert f'data-page-url="/courses/{course["id"]}/"' in text(response)
        assert field_error(response, "rating") == "Choose a rating from 1 to 5 stars."


def png_upload(name: str = "cover.png") -> SimpleUploadedFile:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (80, 50), (20, 140, 90)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


class TestTeacherTools:
    def test_the_teacher_marks_attendance_and_the_history_shows_it(self, clock, lesson, student, owner_teacher):
        client = signed_in(owner_teacher)
        sheet = f"/courses/{lesson['course_id']}/lessons/{lesson['id']}/attendance/"
        assert "once the lesson has started" in text(client.get(sheet))
        clock.travel_to(START + dt.timedelta(minutes=70))
        lessons_page = text(client.get(f"/courses/{lesson['course_id']}/lessons/?past=1"))
        assert sheet in lessons_page
        assert "Sam Student" in text(client.get(sheet))
        empty = client.post(sheet, {})
        assert empty.status_code == 400 and "Mark at least one student." in text(empty)
        response = client.post(sheet, {f"mark-{student.uid}": "present"})
        assert response.status_code == 302 and response["Location"] == sheet
        assert "1 of 1 marked present" in text(client.get(sheet))
        assert "Present" in text(signed_in(student).get("/history/"))
        assert signed_in(student).get(sheet).status_code == 403

    def test_the_teacher_replies_to_feedback_once(self, enrolled, student, owner_teacher):
        course_id = enrolled["id"]
        signed_in(student).post(f"/courses/{course_id}/feedback/", {"rating": "5", "comment": "Great"})
        client = signed_in(owner_teacher)
        reply_url = f"/courses/{course_id}/feedback/{student.uid}/reply/"
        assert reply_url in text(client.get(f"/courses/{course_id}/"))
        blank = client.post(reply_url, {"reply": ""})
        assert blank.status_code == 400 and "Please fill this in." in text(blank)
        response = client.post(reply_url, {"reply": "Thank you, Sam!"})
        assert response.status_code == 302
        page = text(signed_in(student).get(f"/courses/{course_id}/"))
        assert "Thank you, Sam!" in page and reply_url not in page
        assert signed_in(student).post(reply_url, {"reply": "Me too"}).status_code == 403

    def test_the_teacher_uploads_a_cover_that_the_cards_show(self, course, owner_teacher, student):
        client = signed_in(owner_teacher)
        refused = client.post(
            f"/courses/{course['id']}/cover/", {"cover": SimpleUploadedFile("x.png", b"not an image")}
        )
        assert refused.status_code == 400 and field_error(refused, "cover")
        response = client.post(f"/courses/{course['id']}/cover/", {"cover": png_upload()})
        assert response.status_code == 302, text(response)[:2000]
        cover = f"/api/v1/courses/{course['id']}/cover?v=1"
        assert cover in text(Client().get("/courses/")) and cover in text(client.get(f"/courses/{course['id']}/edit/"))
        assert Client().get(cover).status_code == 200

    def test_the_roster_shows_waitlisted_students(self, owner_teacher, student, other_student):
        full = services.create_course(
            actor=actor_of(owner_teacher),
            data={
                "title": "Tiny class",
                "subject": "Maths",
                "level": "beginner",
                "language": "en",
                "status": "published",
                "capacity": 1,
            },
        )
        enrolment_services.enroll_student(actor=actor_of(student), course_id=full["id"])
        enrolment_services.enroll_student(actor=actor_of(other_student), course_id=full["id"])
        page = text(signed_in(owner_teacher).get(f"/courses/{full['id']}/"))
        waitlist = page.split('id="waitlist"')[1].split("</ol>")[0]
        assert "Olive Outsider" in waitlist and "Sam Student" not in waitlist

    def test_a_draft_is_deleted_and_a_published_course_offers_no_delete(self, course, owner_teacher):
        draft = services.create_course(
            actor=actor_of(owner_teacher),
            data={"title": "Half-baked", "subject": "Maths", "level": "beginner", "language": "en", "status": "draft"},
        )
        client = signed_in(owner_teacher)
        assert 'id="delete-course"' in text(client.get(f"/courses/{draft['id']}/edit/"))
        assert 'id="delete-course"' not in text(client.get(f"/courses/{course['id']}/edit/"))
        response = client.post(f"/courses/{draft['id']}/delete/")
        assert response.status_code == 302 and response["Location"] == "/courses/?mine=1"
        assert client.get(f"/courses/{draft['id']}/").status_code == 404

    def test_the_editor_offers_languages_and_subject_suggestions(self, owner_teacher):
        page = text(signed_in(owner_teacher).get("/courses/new/"))
        assert '<select id="language" name="language"' in page and '<option value="fr">French</option>' in page
        assert 'list="subject-suggestions"' in page and '<datalist id="subject-suggestions">' in page


class TestMyCoursesProgress:
    def test_each_course_shows_the_lessons_attended(self, clock, lesson, student, owner_teacher):
        page = text(signed_in(student).get("/courses/mine/"))
        assert "0 of 1 lesson attended (0%)" in page
        clock.travel_to(START + dt.timedelta(minutes=70))
        signed_in(owner_teacher).post(
            f"/courses/{lesson['course_id']}/lessons/{lesson['id']}/attendance/", {f"mark-{student.uid}": "present"}
        )
        assert "1 of 1 lesson attended (100%)" in text(signed_in(student).get("/courses/mine/"))


def test_the_catalog_filters_offer_languages_and_subject_suggestions(course):
    page = text(Client().get("/courses/?language=fr"))
    assert '<select id="language" name="language"' in page and '<option value="fr" selected>French</option>' in page
    assert '<datalist id="subject-suggestions">' in page
