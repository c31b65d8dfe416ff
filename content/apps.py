from django.apps import AppConfig


def _drop_course_sections(sender, *, course_id: str, **kwargs) -> None:
    from content import services

    services.delete_course_sections(course_id=course_id)


class ContentConfig(AppConfig):
    """Listens to the courses app (which never imports content): a deleted course takes its landing
    sections with it."""

    name = "content"
    default = True
    verbose_name = "Content: pages, blog, FAQ, course landing sections"

    def ready(self) -> None:
        from courses.signals import course_deleted

        course_deleted.connect(_drop_course_sections, dispatch_uid="content.drop_course_sections")
