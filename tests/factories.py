"""Documents written straight into the Firestore emulator, for tests that need a course or an enrolment
without going through the course API (shapes follow docs/data-model.md).

    course_id = make_course(owner_teacher, title="Algebra")
    enroll(course_id, student, owner_teacher.uid)
"""

from __future__ import annotations

import datetime as dt

from google.cloud import firestore

from firestore_operations.client import db


def _uid(person) -> str:
    return person if isinstance(person, str) else person.uid


def make_course(teacher, status: str = "published", **fields) -> str:
    """A course of `teacher` (a Persona or a uid); returns its id. `fields` override the defaults."""
    ref = db().collection("courses").document()
    title = fields.pop("title", "Algebra for beginners")
    data = {
        "title": title,
        "description": "",
        "subject": "maths",
        "level": "beginner",
        "language": "en",
        "tags": [],
        "price": None,
        "is_free": True,
        "capacity": None,
        "status": status,
        "teacher_uid": _uid(teacher),
        "teacher_name": getattr(teacher, "name", "Teacher"),
        "rating_avg": 0,
        "rating_count": 0,
        "rating_sum": 0,
        "enrolled_count": 0,
        "waitlist_count": 0,
        "lesson_count": 0,
        "search_tokens": [],
        "created_at": firestore.SERVER_TIMESTAMP,
        "updated_at": firestore.SERVER_TIMESTAMP,
        "published_at": firestore.SERVER_TIMESTAMP if status == "published" else None,
    }
    data.update(fields)
    ref.set(data)
    return ref.id


def enroll(course_id: str, student, teacher_uid: str, status: str = "active", **fields) -> str:
    """enrollments/{course_id}_{student_uid} with the fields the enrolment transaction writes, and the
    course's enrolled_count / waitlist_count moved to match; returns the document id."""
    from cplatform.text import fold

    student_uid = _uid(student)
    enrollment_id = f"{course_id}_{student_uid}"
    course_ref = db().collection("courses").document(course_id)
    course = course_ref.get().to_dict() or {}
    student_name = getattr(student, "name", "Student")
    data = {
        "course_id": course_id,
        "student_uid": student_uid,
        "teacher_uid": teacher_uid,
        "status": status,
        "course_title": course.get("title", ""),
        "teacher_name": course.get("teacher_name", ""),
        "student_name": student_name,
        "student_sort": fold(student_name).strip(),
        "enrolled_by": student_uid,
        "requested_at": firestore.SERVER_TIMESTAMP,
        "enrolled_at": firestore.SERVER_TIMESTAMP if status == "active" else None,
        "waitlist_seq": None,
        "withdrawn_at": None,
        "promoted_from_waitlist": False,
        "times_enrolled": 1,
        "ever_active": status in ("active", "completed", "withdrawn"),
        "lessons_attended": 0,
        "created_at": firestore.SERVER_TIMESTAMP,
        "updated_at": firestore.SERVER_TIMESTAMP,
    }
    data.update(fields)
    db().collection("enrollments").document(enrollment_id).set(data)
    counter = {"active": "enrolled_count", "waitlisted": "waitlist_count"}.get(status)
    if course and counter:
        course_ref.update({counter: firestore.Increment(1)})
    return enrollment_id


def set_enrollment_status(course_id: str, student, status: str) -> None:
    db().collection("enrollments").document(f"{course_id}_{_uid(student)}").update({"status": status})


def get_doc(collection: str, doc_id: str) -> dict | None:
    snap = db().collection(collection).document(doc_id).get()
    return snap.to_dict() if snap.exists else None


def set_availability(teacher, slots: list[dict], timezone: str = "UTC") -> None:
    """users/{uid}.teacher.availability [{weekday 0=Mon..6, start, end}] read in `timezone`."""
    db().collection("users").document(_uid(teacher)).update({"teacher.availability": slots, "timezone": timezone})


def at(days: int = 0, hours: int = 0, minutes: int = 0, *, base: dt.datetime | None = None) -> dt.datetime:
    """A whole-minute UTC time relative to `base` (default: now, rounded down to the hour)."""
    base = base or dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return base + dt.timedelta(days=days, hours=hours, minutes=minutes)


def iso_z(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class Clock:
    """The courses app's clock, held at `now` until moved (lesson start checks, history, progress)."""

    def __init__(self, monkeypatch, now: dt.datetime):
        from courses import clock

        self.now = now
        monkeypatch.setattr(clock, "now_utc", lambda: self.now)

    def travel_to(self, when: dt.datetime) -> None:
        self.now = when


def lesson_body(starts_at: dt.datetime, **fields) -> dict:
    body = {"title": "Fractions", "starts_at": iso_z(starts_at), "duration_minutes": 60}
    body.update(fields)
    return body


def add_lesson(api, persona, course_id: str, starts_at: dt.datetime, **fields) -> dict:
    """POST a lesson through the API and return it (fails the test when refused)."""
    from tests.conftest import call

    response = call(api, "post", f"/api/v1/courses/{course_id}/lessons", persona, data=lesson_body(starts_at, **fields))
    assert response.status_code == 201, response.content
    return response.json()
