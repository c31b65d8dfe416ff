from django.apps import AppConfig

from authentication import events as account_events
from courses.catalog import services as catalog_services
from courses.enrolment import services as enrolment_services


def _follow_profile_rename(sender, *, uid: str, display_name: str, role: str, **kwargs) -> None:
    catalog_services.follow_profile_rename(uid=uid, display_name=display_name, role=role)


def _release_deleted_account(sender, *, uid: str, role: str | None = None, **kwargs) -> None:
    if role == "student":
        enrolment_services.withdraw_everywhere(student_uid=uid)
    elif role == "teacher":
        catalog_services.archive_teacher_courses(teacher_uid=uid)


def _close_courses_of_former_teacher(sender, *, uid: str, old_role: str, new_role: str, **kwargs) -> None:
    if old_role == "teacher" and new_role != "teacher":
        catalog_services.archive_teacher_courses(teacher_uid=uid)


class CoursesConfig(AppConfig):
    """Connects the courses app to account events: copied names follow a rename; a deleted
    student's seats are freed for the waitlist; a deleted or demoted teacher's courses are archived."""

    name = "courses"
    default = True

    def ready(self) -> None:
        account_events.profile_renamed.connect(_follow_profile_rename, dispatch_uid="courses.follow_profile_rename")
        account_events.account_deleted.connect(_release_deleted_account, dispatch_uid="courses.release_deleted_account")
        account_events.role_changed.connect(
            _close_courses_of_former_teacher, dispatch_uid="courses.close_courses_of_former_teacher"
        )
