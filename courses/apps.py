from django.apps import AppConfig

from authentication import events as account_events
from courses.catalog import services as catalog_services
from courses.enrolment import services as enrolment_services


def _follow_profile_rename(sender, *, uid: str, display_name: str, role: str, **kwargs) -> None:
    catalog_services.follow_profile_rename(uid=uid, display_name=display_name, role=role)


def _release_deleted_student(sender, *, uid: str, role: str | None = None, **kwargs) -> None:
    if role == "student":
        enrolment_services.withdraw_everywhere(student_uid=uid)


class CoursesConfig(AppConfig):
    """Connects the courses app to account events: copied names follow a rename; a deleted
    student's seats are freed for the waitlist."""

    name = "courses"
    default = True

    def ready(self) -> None:
        account_events.profile_renamed.connect(_follow_profile_rename, dispatch_uid="courses.follow_profile_rename")
        account_events.account_deleted.connect(_release_deleted_student, dispatch_uid="courses.release_deleted_student")
