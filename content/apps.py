from django.apps import AppConfig

from authentication import events as account_events
from content import services
from courses import events as course_events


def _drop_course_sections(sender, *, course_id: str, **kwargs) -> None:
    services.delete_course_sections(course_id=course_id)


def _follow_author_rename(sender, *, uid: str, display_name: str, **kwargs) -> None:
    services.follow_author_rename(uid=uid, display_name=display_name)


class ContentConfig(AppConfig):
    """Listens to the courses and accounts apps (which never import content): a deleted course takes
    its landing sections with it; an author's new name reaches the items she wrote."""

    name = "content"
    default = True
    verbose_name = "Content: pages, blog, FAQ, course landing sections"

    def ready(self) -> None:
        course_events.course_deleted.connect(_drop_course_sections, dispatch_uid="content.drop_course_sections")
        account_events.profile_renamed.connect(_follow_author_rename, dispatch_uid="content.follow_author_rename")
