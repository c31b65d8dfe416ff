"""Demo courses, enrolments and feedback for `manage.py seed_demo`. Safe to run again: whatever exists is kept."""

from __future__ import annotations

from courses.catalog import services as catalog_services
from courses.enrolment import services as enrolment_services
from courses.feedback import services as feedback_services
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
