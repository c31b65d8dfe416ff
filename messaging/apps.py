"""The messaging app: course rooms follow the courses app's signals, room names follow profile renames."""

from __future__ import annotations

import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


# The receivers run after the course or profile change was stored. Room membership is repairable
# (the next enrolment event or a retry fixes it), so a failure here is logged, never turned into an
# error for the enrolment that triggered it.


def on_course_created(sender, course: dict, **kwargs) -> None:
    from messaging import services

    try:
        services.ensure_course_room(course=course)
    except Exception:
        logger.exception("could not create the chat room of course %s", course.get("id"))


def on_enrollment_activated(sender, course_id: str, student_uid: str, teacher_uid: str, **kwargs) -> None:
    from messaging import services

    try:
        services.add_course_member(course_id=course_id, student_uid=student_uid, teacher_uid=teacher_uid)
    except Exception:
        logger.exception("could not add %s to the chat room of course %s", student_uid, course_id)


def on_enrollment_ended(sender, course_id: str, student_uid: str, teacher_uid: str | None = None, **kwargs) -> None:
    from messaging import services

    try:
        services.remove_course_member(course_id=course_id, student_uid=student_uid)
    except Exception:
        logger.exception("could not remove %s from the chat room of course %s", student_uid, course_id)


def on_profile_renamed(sender, uid: str, display_name: str, **kwargs) -> None:
    from messaging import services

    try:
        services.rename_member_everywhere(uid=uid, display_name=display_name)
    except Exception:
        logger.exception("could not update the chat rooms' copies of %s's name", uid)


def on_account_deleted(sender, uid: str, **kwargs) -> None:
    from messaging import notification_services

    try:
        notification_services.delete_notification_data(uid=uid)
    except Exception:
        logger.exception("could not delete the notification data of deleted account %s", uid)


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        from authentication import signals as account_signals
        from courses import signals as course_signals

        course_signals.course_created.connect(on_course_created, dispatch_uid="chat.course_created")
        course_signals.enrollment_activated.connect(on_enrollment_activated, dispatch_uid="chat.enrollment_activated")
        course_signals.enrollment_ended.connect(on_enrollment_ended, dispatch_uid="chat.enrollment_ended")
        account_signals.profile_renamed.connect(on_profile_renamed, dispatch_uid="chat.profile_renamed")
        account_signals.account_deleted.connect(on_account_deleted, dispatch_uid="notifications.account_deleted")
