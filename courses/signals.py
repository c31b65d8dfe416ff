"""Course events other apps react to (messaging keeps course rooms and notifies)."""

from django.dispatch import Signal

# course: dict - a course was created (its chat room can be made).
course_created = Signal()
# course_id, student_uid, teacher_uid - a student became an active member of the course.
enrollment_activated = Signal()
# course_id, student_uid, teacher_uid - a student left the course (withdrawn) or the course was archived.
enrollment_ended = Signal()
# course_id, teacher_uid - a course without enrolments was deleted (its lessons and materials can go).
course_deleted = Signal()
