"""Services own their permissions: called without any view in front, they still refuse the wrong role.

The view's roles are only a first gate; a page, a consumer or a future app calling a service
directly must meet the same refusal.
"""

import pytest

from authentication import services
from cplatform import errors
from cplatform.actor import Actor


def actor_of(persona) -> Actor:
    return Actor(uid=persona.uid, email=persona.email, role=persona.role)


class TestAccountServicesCheckRoles:
    def test_a_student_cannot_list_users_as_an_admin(self, student):
        with pytest.raises(errors.PermissionDenied):
            services.admin_list_users(actor=actor_of(student), q="", role=None, disabled=None, limit=10, cursor=None)

    def test_a_teacher_cannot_change_a_role(self, owner_teacher, student):
        with pytest.raises(errors.PermissionDenied):
            services.admin_update_user(actor=actor_of(owner_teacher), uid=student.uid, role="admin")
        assert services.get_my_profile(actor=actor_of(student))["role"] == "student"

    def test_a_parent_cannot_search_the_directory(self, parent):
        with pytest.raises(errors.PermissionDenied):
            services.search_users(actor=actor_of(parent), q="sam", role=None, subject=None, limit=10, cursor=None)

    def test_a_student_cannot_set_teaching_availability(self, student):
        with pytest.raises(errors.PermissionDenied):
            services.set_my_availability(actor=actor_of(student), slots=[])

    def test_a_teacher_cannot_mint_a_parent_link_code(self, owner_teacher):
        with pytest.raises(errors.PermissionDenied):
            services.create_parent_link_code(actor=actor_of(owner_teacher))

    def test_a_student_cannot_redeem_a_parent_link_code(self, student, other_student):
        code = services.create_parent_link_code(actor=actor_of(other_student))["code"]
        with pytest.raises(errors.PermissionDenied):
            services.redeem_parent_link_code(actor=actor_of(student), code=code)

    def test_the_right_role_passes_the_same_gate(self, admin, student):
        page = services.admin_list_users(
            actor=actor_of(admin), q="", role="student", disabled=None, limit=10, cursor=None
        )
        assert student.uid in [profile["id"] for profile in page.items]
