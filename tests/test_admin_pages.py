"""The admin area: users (filters, role, disable/enable, delete with confirmation), courses (archive)
and feedback moderation; the admin home; and DELETE /api/v1/admin/users/{uid}."""

from __future__ import annotations

import pytest

from authentication import identity
from courses.catalog import services as catalog_services
from courses.enrolment import services as enrolment_services
from courses.feedback import services as feedback_services
from firestore_operations import users as user_store
from tests.conftest import assert_error, call
from tests.test_pages_courses import actor_of, signed_in, text

COURSE = {"title": "Algebra", "subject": "Maths", "level": "beginner", "language": "en", "status": "published"}


@pytest.fixture
def course(owner_teacher) -> dict:
    return catalog_services.create_course(actor=actor_of(owner_teacher), data=COURSE)


@pytest.fixture
def reviewed(course, student) -> dict:
    enrolment_services.enroll_student(actor=actor_of(student), course_id=course["id"])
    feedback_services.post_feedback(actor=actor_of(student), course_id=course["id"], rating=1, comment="Rude words")
    return course


class TestAdminHome:
    def test_the_home_speaks_to_admins_and_every_card_opens(self, admin):
        client = signed_in(admin)
        page = text(client.get("/"))
        assert 'id="admin-cards"' in page and "Browse and join" not in page and 'href="/schedule/"' not in page
        for path in ("/admin/", "/admin/users/", "/admin/courses/", "/admin/payments/", "/content/", "/chat/"):
            assert client.get(path).status_code == 200, path

    @pytest.mark.parametrize("path", ["/admin/", "/admin/users/", "/admin/courses/"])
    def test_other_roles_get_the_403_page(self, path, owner_teacher, student, parent):
        for persona in (owner_teacher, student, parent):
            assert signed_in(persona).get(path).status_code == 403


class TestUsers:
    def test_filters_by_role_disabled_and_name(self, admin, owner_teacher, student, other_student):
        client = signed_in(admin)

        def listed(query: str) -> set[str]:
            page = text(client.get(f"/admin/users/{query}"))
            return {uid for uid in (owner_teacher.uid, student.uid, other_student.uid) if f'data-uid="{uid}"' in page}

        assert listed("?role=teacher") == {owner_teacher.uid}
        user_store.update_profile(other_student.uid, {"disabled": True})
        assert listed("?disabled=true") == {other_student.uid}
        assert listed("?q=Olive") == {other_student.uid}

    def test_a_bad_filter_is_explained_next_to_its_field(self, admin):
        response = signed_in(admin).get("/admin/users/?role=wizard")
        assert response.status_code == 400
        assert 'id="role-error"' in text(response)

    def test_the_admin_changes_a_role_and_comes_back_to_the_same_list(self, admin, student):
        client = signed_in(admin)
        response = client.post(
            f"/admin/users/{student.uid}/", {"action": "role", "role": "teacher", "next": "/admin/users/?q=Sam"}
        )
        assert response.status_code == 302 and response["Location"] == "/admin/users/?q=Sam"
        assert "Sam Student is now teacher." in text(client.get(response["Location"]))
        assert user_store.get_profile(student.uid)["role"] == "teacher"

    def test_an_unknown_role_is_refused_in_words(self, admin, student):
        client = signed_in(admin)
        response = client.post(f"/admin/users/{student.uid}/", {"action": "role", "role": "wizard"})
        assert "Choose one of the roles in the list." in text(client.get(response["Location"]))
        assert user_store.get_profile(student.uid)["role"] == "student"

    def test_disable_then_enable(self, admin, student):
        client = signed_in(admin)
        client.post(f"/admin/users/{student.uid}/", {"action": "disable"})
        assert user_store.get_profile(student.uid)["disabled"] is True
        response = client.post(f"/admin/users/{student.uid}/", {"action": "enable"})
        assert "can sign in again" in text(client.get(response["Location"]))
        assert user_store.get_profile(student.uid)["disabled"] is False

    def test_an_admin_cannot_lock_herself_out(self, admin):
        client = signed_in(admin)
        response = client.post(f"/admin/users/{admin.uid}/", {"action": "disable"})
        assert "You cannot demote or disable your own account." in text(client.get(response["Location"]))

    def test_delete_asks_first_then_deletes(self, admin, student):
        client = signed_in(admin)
        confirm = client.get(f"/admin/users/{student.uid}/delete/")
        assert confirm.status_code == 200
        assert "This cannot be undone" in text(confirm) and "seats in courses" in text(confirm)
        response = client.post(f"/admin/users/{student.uid}/delete/")
        assert response.status_code == 302 and response["Location"] == "/admin/users/"
        assert "The account of Sam Student is deleted." in text(client.get("/admin/users/"))
        assert user_store.get_profile(student.uid) is None
        assert identity.uid_for_email(student.email) is None

    def test_get_on_a_post_only_address_goes_to_its_page(self, admin, student):
        response = signed_in(admin).get(f"/admin/users/{student.uid}/")
        assert response.status_code == 302 and response["Location"] == "/admin/users/"


class TestDeleteUserApi:
    def test_an_admin_deletes_an_account(self, api, admin, student):
        assert call(api, "delete", f"/api/v1/admin/users/{student.uid}", admin).status_code == 204
        assert user_store.get_profile(student.uid) is None

    def test_refusals(self, api, admin, owner_teacher, student):
        assert_error(call(api, "delete", f"/api/v1/admin/users/{student.uid}", owner_teacher), 403)
        assert_error(call(api, "delete", f"/api/v1/admin/users/{admin.uid}", admin), 409, "self_lockout")
        assert_error(call(api, "delete", "/api/v1/admin/users/nobody", admin), 404)


class TestCoursesAndFeedback:
    def test_every_status_is_listed_and_filtered(self, admin, owner_teacher, course):
        draft = catalog_services.create_course(
            actor=actor_of(owner_teacher), data={**COURSE, "title": "Secret draft", "status": "draft"}
        )
        client = signed_in(admin)
        page = text(client.get("/admin/courses/"))
        assert "Algebra" in page and "Secret draft" in page
        page = text(client.get("/admin/courses/?status=draft"))
        assert "Secret draft" in page and f'data-course="{course["id"]}"' not in page
        assert draft["id"] in page

    def test_the_admin_archives_a_course(self, admin, course):
        client = signed_in(admin)
        response = client.post(f"/admin/courses/{course['id']}/archive/", {"next": "/admin/courses/?status=published"})
        assert response["Location"] == "/admin/courses/?status=published"
        assert "is archived" in text(client.get(response["Location"]))
        assert catalog_services.get_course(actor=actor_of(admin), course_id=course["id"])["status"] == "archived"

    def test_hide_and_show_feedback_again(self, admin, student, reviewed):
        client = signed_in(admin)
        url = f"/admin/courses/{reviewed['id']}/feedback/"
        assert "Rude words" in text(client.get(url))
        response = client.post(f"{url}{student.uid}/visibility/", {"hidden": "1", "next": url})
        assert response["Location"] == url
        page = text(client.get(url))
        assert "is hidden" in page and "Show again" in page
        assert catalog_services.get_course(actor=actor_of(admin), course_id=reviewed["id"])["rating_count"] == 0
        client.post(f"{url}{student.uid}/visibility/", {"hidden": "0", "next": url})
        assert catalog_services.get_course(actor=actor_of(admin), course_id=reviewed["id"])["rating_count"] == 1

    def test_unknown_feedback_is_explained(self, admin, course):
        client = signed_in(admin)
        response = client.post(f"/admin/courses/{course['id']}/feedback/nobody/visibility/", {"hidden": "1"})
        assert "No such feedback." in text(client.get(response["Location"]))
