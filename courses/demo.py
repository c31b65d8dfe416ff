"""Demo courses, enrolments and feedback for `manage.py seed_demo`. Safe to run again: whatever exists is kept."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from courses import clock
from courses.catalog import services as catalog_services
from courses.enrolment import services as enrolment_services
from courses.feedback import services as feedback_services
from courses.lessons import services as lesson_services
from courses.materials import services as material_services
from courses.progress import services as progress_services
from cplatform.actor import Actor
from firestore_operations import courses as course_store
from firestore_operations import enrollments as enrollment_store
from firestore_operations import feedback as feedback_store
from firestore_operations import payments as payment_store

# (demo id, teacher index, course fields); teacher index wraps around the teachers given.
COURSES = [
    (
        "demo-algebra-from-scratch",
        0,
        {
            "title": "Algebra from scratch",
            "description": "Equations, functions and graphs, built up one idea at a time with worked examples.",
            "subject": "Mathematics",
            "level": "beginner",
            "language": "en",
            "tags": ["algebra", "equations", "functions"],
            "price": None,
            "capacity": 25,
            "status": "published",
        },
    ),
    (
        "demo-algorithms",
        0,
        {
            "title": "Algorithms and data structures",
            "description": "Sorting, searching, graphs and dynamic programming, with Python exercises each week.",
            "subject": "Computer Science",
            "level": "intermediate",
            "language": "en",
            "tags": ["algorithms", "python", "graphs"],
            "price": {"amount": 4900, "currency": "EUR"},
            "capacity": 2,
            "status": "published",
        },
    ),
    (
        "demo-python-for-teens",
        0,
        {
            "title": "Python for young programmers",
            "description": "Games and small programs: variables, loops and functions for secondary school students.",
            "subject": "Computer Science",
            "level": "secondary",
            "language": "en",
            "tags": ["python", "programming", "games"],
            "price": None,
            "capacity": None,
            "status": "published",
        },
    ),
    (
        "demo-calculus-2",
        0,
        {
            "title": "Calculus II",
            "description": "Integrals, series and differential equations. Still being written.",
            "subject": "Mathematics",
            "level": "university",
            "language": "en",
            "tags": ["calculus", "integrals"],
            "price": None,
            "capacity": 30,
            "status": "draft",
        },
    ),
    (
        "demo-conversation-francaise",
        1,
        {
            "title": "Conversation française",
            "description": "Parler avec aisance : jeux de rôle, actualité et prononciation, en petits groupes.",
            "subject": "French",
            "level": "intermediate",
            "language": "fr",
            "tags": ["conversation", "oral", "prononciation"],
            "price": {"amount": 2900, "currency": "EUR"},
            "capacity": 8,
            "status": "published",
        },
    ),
    (
        "demo-french-for-beginners",
        1,
        {
            "title": "French for beginners",
            "description": "Greetings, numbers, everyday phrases and the sounds of French, taught in English.",
            "subject": "French",
            "level": "beginner",
            "language": "en",
            "tags": ["french", "vocabulary", "grammar"],
            "price": None,
            "capacity": 20,
            "status": "published",
        },
    ),
    (
        "demo-lire-maupassant",
        1,
        {
            "title": "Lire Maupassant",
            "description": "Nouvelles réalistes lues et commentées : Boule de suif, Le Horla, La Parure.",
            "subject": "Literature",
            "level": "advanced",
            "language": "fr",
            "tags": ["littérature", "nouvelles", "réalisme"],
            "price": None,
            "capacity": None,
            "status": "published",
        },
    ),
]
# (course id, student index): students wrap around the students given. The algorithms course has two
# seats and three students: the third waits.
ENROLMENTS = [
    ("demo-algebra-from-scratch", 0),
    ("demo-algebra-from-scratch", 1),
    ("demo-algebra-from-scratch", 2),
    ("demo-python-for-teens", 0),
    ("demo-python-for-teens", 2),
    ("demo-algorithms", 1),
    ("demo-algorithms", 0),
    ("demo-algorithms", 2),
    ("demo-french-for-beginners", 0),
    ("demo-french-for-beginners", 1),
    ("demo-conversation-francaise", 1),
]
FEEDBACK = [
    ("demo-algebra-from-scratch", 0, 5, "Clear explanations, and the exercises really help."),
    ("demo-algebra-from-scratch", 1, 4, "Good pace. I would like more practice tests."),
    ("demo-python-for-teens", 2, 5, "We built a snake game in week three!"),
    ("demo-french-for-beginners", 1, 4, "Très bien - the pronunciation drills are great."),
]


# Teachers answer some reviews: (course id, student index, reply).
REPLIES = [
    ("demo-algebra-from-scratch", 0, "Thank you Sam! More exercises are coming in the materials."),
    ("demo-french-for-beginners", 1, "Merci Lina ! On continue la prononciation la semaine prochaine."),
]
# Lesson titles per course, in order; past lessons take the first ones.
LESSON_TITLES = [
    "Getting started",
    "Worked examples",
    "Practice session",
    "Questions and answers",
    "Review",
    "Going further",
]
PAST_LESSON_DAYS = (13, 6)  # two lessons in the past (days ago) for history, attendance and progress
COMING_LESSON_DAYS = (0, 3, 7, 10)  # from the next hour on: this week and next
ATTENDANCE_CYCLE = ("present", "present", "absent", "present", "excused")
MATERIAL = (
    "Course notes.txt",
    "Course notes",
    "Summary of the first lessons, with exercises to try at home.",
    "Course notes\n\n1. The ideas of the first lessons, step by step.\n2. Exercises to try at home.\n",
)


def _actor(profile: dict) -> Actor:
    return Actor(uid=profile["id"], email=profile.get("email", ""), role=profile["role"])


def seed_courses(*, teachers: list[dict], students: list[dict]) -> None:
    """Create the demo courses (one a draft), enrolments (one waitlisted) and feedback that are missing."""
    if not teachers:
        return
    prices = {}
    for course_id, teacher_index, fields in COURSES:
        prices[course_id] = fields["price"]
        if course_store.get_course(course_id) is None:
            catalog_services.create_course(
                actor=_actor(teachers[teacher_index % len(teachers)]), data=fields, course_id=course_id
            )
    if not students:
        return
    for course_id, student_index in ENROLMENTS:
        student = students[student_index % len(students)]
        if enrollment_store.get_enrollment(course_id, student["id"]) is not None:
            continue
        price = prices[course_id]
        if price and payment_store.get_course_payment(course_id, student["id"]) is None:
            payment_store.record_course_payment(
                course_id, student["id"], status="completed", payer_uid=student["id"], **price
            )
        enrolment_services.enroll_student(actor=_actor(student), course_id=course_id)
    for course_id, student_index, rating, comment in FEEDBACK:
        student = students[student_index % len(students)]
        if feedback_store.get_feedback(course_id, student["id"]) is None:
            feedback_services.post_feedback(actor=_actor(student), course_id=course_id, rating=rating, comment=comment)
    for course_id, student_index, reply in REPLIES:
        student = students[student_index % len(students)]
        feedback = feedback_store.get_feedback(course_id, student["id"])
        course = course_store.get_course(course_id)
        if feedback and course and not feedback.get("reply"):
            teacher = next(t for t in teachers if t["id"] == course["teacher_uid"])
            feedback_services.reply_to_feedback(
                actor=_actor(teacher), course_id=course_id, student_uid=student["id"], reply=reply
            )


@contextlib.contextmanager
def _clock_at(when: dt.datetime):
    """Lessons can only be scheduled in the future: the demo's past lessons are scheduled "back then"
    (the courses clock is read through courses.clock.now_utc, in this process only)."""
    real = clock.now_utc
    clock.now_utc = lambda: when
    try:
        yield
    finally:
        clock.now_utc = real


def seed_lessons(*, teachers: list[dict]) -> None:
    """Give every demo course two past lessons (attendance marked) and lessons this week and next,
    plus course notes. Run again later, it adds coming lessons only when a course has none left."""
    now = clock.now_utc().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    slot_of_teacher: dict[str, int] = {}
    for course_id, _, _ in COURSES:
        course = course_store.get_course(course_id)
        if course is None or course.get("status") == "archived":
            continue
        teacher = next((t for t in teachers if t["id"] == course["teacher_uid"]), None)
        if teacher is None:
            continue
        actor = _actor(teacher)
        # A teacher's lessons never overlap: each of her courses gets its own hour of the day.
        slot = slot_of_teacher.setdefault(teacher["id"], 0)
        slot_of_teacher[teacher["id"]] = slot + 1
        lessons, _ = lesson_services.list_lessons(actor=actor, course_id=course_id, since=None, limit=50, cursor=None)
        existing = lessons.items
        if not any(lesson["starts_at"] < now for lesson in existing):
            _seed_past_lessons(actor, course_id, now, slot)
        if not any(lesson["starts_at"] >= now and lesson.get("status") != "cancelled" for lesson in existing):
            for index, days in enumerate(COMING_LESSON_DAYS):
                starts_at = now + dt.timedelta(days=days, hours=slot)
                lesson_services.create_lesson(
                    actor=actor,
                    course_id=course_id,
                    title=LESSON_TITLES[(index + len(PAST_LESSON_DAYS)) % len(LESSON_TITLES)],
                    starts_at=starts_at,
                    duration_minutes=60,
                    location="Online",
                    meeting_url="https://meet.example.com/" + course_id,
                )
        if not material_services.list_materials(actor=actor, course_id=course_id, limit=1, cursor=None).items:
            name, title, description, body = MATERIAL
            upload = SimpleUploadedFile(name, body.encode(), content_type="text/plain")
            material_services.upload_material(
                actor=actor, course_id=course_id, title=title, description=description, upload=upload
            )


def _seed_past_lessons(actor: Actor, course_id: str, now: dt.datetime, slot: int) -> None:
    students = enrollment_store.active_student_uids(course_id)
    for index, days in enumerate(PAST_LESSON_DAYS):
        starts_at = now - dt.timedelta(days=days) + dt.timedelta(hours=slot)
        with _clock_at(starts_at - dt.timedelta(days=1)):
            lesson, _ = lesson_services.create_lesson(
                actor=actor,
                course_id=course_id,
                title=LESSON_TITLES[index],
                starts_at=starts_at,
                duration_minutes=60,
                location="Online",
            )
        if students:
            records = [
                {"student_uid": uid, "status": ATTENDANCE_CYCLE[(index + position) % len(ATTENDANCE_CYCLE)]}
                for position, uid in enumerate(students)
            ]
            progress_services.mark_attendance(actor=actor, lesson_id=lesson["id"], records=records)
