"""Courses themselves: create, read, change, delete or archive, the cover image, and the fields
derived from a course's own (filters, facets, search tokens) that every write rewrites.

Every function takes the acting user explicitly and raises cplatform.errors on refusal. Events go
out only after the Firestore write committed.
"""

from __future__ import annotations

from django.conf import settings

from courses import events
from courses.access import ARCHIVED, DRAFT, PUBLISHED, access_course, get_course_or_404
from courses.catalog import page_cache
from courses.catalog.freshness import course_written, pages_changed
from courses.catalog.search import build_index, subject_key
from courses.enrolment.services import announce_promotions, end_memberships
from courses.materials import services as material_services
from cplatform import errors, images, rate_limit, text
from cplatform.actor import STUDENT, TEACHER, Actor
from firestore_operations import attendance as attendance_store
from firestore_operations import courses as course_store
from firestore_operations import enrollments as enrollment_store
from firestore_operations import errors as data_errors
from firestore_operations import feedback as feedback_store
from firestore_operations import lessons as lesson_store
from firestore_operations import storage
from firestore_operations import users as user_store
from firestore_operations.documents import server_time
from firestore_operations.pagination import Page
from middlewares.roles import ADMINS, check_roles

LEVELS = ("beginner", "intermediate", "advanced", "primary", "secondary", "university", "adult")
COVER_MAX_SIDE = 1600


def derived_fields(course: dict) -> dict:
    """The fields computed from the course's own (filter keys, tokens): rewritten on every change."""
    return {
        "subject_key": subject_key(course.get("subject", "")),
        "language_key": (course.get("language") or "").lower(),
        "is_free": not course.get("price"),
    }


def _teacher_name(uid: str) -> str:
    profile = user_store.get_profile(uid)
    if profile is None:
        raise errors.NotFound("Your profile is missing; contact an admin.")
    return profile.get("display_name", "")


# --- courses -----------------------------------------------------------------------------------


def create_course(*, actor: Actor, data: dict, course_id: str | None = None) -> dict:
    """A new course owned by the acting teacher. Raises PermissionDenied, Conflict (id taken)."""
    if actor.role != TEACHER:
        raise errors.PermissionDenied("Only teachers create courses.", code="wrong_role")
    course = {
        "title": data["title"],
        "description": data.get("description", ""),
        "subject": data["subject"],
        "level": data["level"],
        "language": data["language"],
        "tags": list(data.get("tags", [])),
        "price": data.get("price"),
        "capacity": data.get("capacity"),
        "included_in_membership": bool(data.get("included_in_membership", False)),
        "status": data.get("status", DRAFT),
        "teacher_uid": actor.uid,
        "teacher_name": _teacher_name(actor.uid),
        "rating_avg": 0.0,
        "rating_count": 0,
        "rating_sum": 0,
        "enrolled_count": 0,
        "waitlist_count": 0,
        "waitlist_next_seq": 1,
        "lesson_count": 0,
        "cover_path": None,
        "cover_type": None,
        "cover_version": 0,
        "published_at": None,
    }
    course.update(derived_fields(course))
    course_id = course_id or course_store.new_course_id()
    if not course_store.create_course(course_id, course):
        raise errors.Conflict("A course with this id already exists.", code="course_exists")
    created = get_course_or_404(course_id)
    course_written(None, created)
    events.publish(events.course_created, course=created)
    return created


def get_course(*, actor: Actor, course_id: str) -> dict:
    """Raises NotFound (drafts are invisible to all but their teacher and admins)."""
    course = access_course(actor, course_id)
    events.publish(
        events.course_viewed,
        course_id=course_id,
        teacher_uid=course.get("teacher_uid", ""),
        viewer_uid=getattr(actor, "uid", None),
        viewer_role=getattr(actor, "role", None),
    )
    return course


def _status_guard(changes: dict):
    def guard(course: dict) -> None:
        # Runs on the course as read in the atomic unit: if the counts move, the commit fails and it runs again.
        new_status = changes.get("status", course.get("status"))
        enrolled, waiting = int(course.get("enrolled_count", 0)), int(course.get("waitlist_count", 0))
        if new_status == DRAFT and course.get("status") != DRAFT and (enrolled or waiting):
            raise errors.Conflict(
                "Students are enrolled or waiting: archive the course instead of turning it back into a draft.",
                code="has_students",
            )
        capacity = changes.get("capacity", course.get("capacity"))
        if "capacity" in changes and capacity is not None and capacity < enrolled:
            raise errors.Conflict(
                f"{enrolled} students are enrolled; the capacity cannot go below that.",
                code="capacity_below_enrolled",
                fields={"capacity": [f"At least {enrolled}."]},
            )

    return guard


def update_course(*, actor: Actor, course_id: str, changes: dict) -> dict:
    """Change the course (owner or admin). Raises NotFound, PermissionDenied, Conflict.

    A raised capacity (or a re-published course) fills seats from the waitlist in the same
    commit; archiving ends the students' active membership (enrollment_ended events).
    """
    course = access_course(actor, course_id, for_write=True)
    changes = dict(changes)
    if not changes:
        return course
    merged = {**course, **changes}
    stored = {**changes, **derived_fields(merged)}
    if changes.get("status") == PUBLISHED and not course.get("published_at"):
        stored["published_at"] = server_time()
    before, promoted = enrollment_store.update_course_guarded(course_id, stored, _status_guard(changes))
    if before is None:
        raise errors.NotFound("No such course.")
    if "title" in changes and changes["title"] != before.get("title"):
        # Every copy of the title the courses app keeps, then the other apps through the event.
        enrollment_store.update_copies("course_id", course_id, {"course_title": changes["title"]})
        lesson_store.update_course_title(course_id, changes["title"])
        attendance_store.update_course_title(course_id, changes["title"])
        events.publish(events.course_renamed, course_id=course_id, title=changes["title"])
    after = get_course_or_404(course_id)
    course_written({**before, "id": course_id}, after)
    announce_promotions(after, promoted)
    if after.get("status") == ARCHIVED and before.get("status") != ARCHIVED:
        end_memberships(after)
    return after


def delete_course(*, actor: Actor, course_id: str) -> dict | None:
    """Delete the course, or archive it when it has enrolments. None when deleted, else the archived course.

    Raises NotFound, PermissionDenied.
    """
    course = access_course(actor, course_id, for_write=True)
    archived = {**course, "status": ARCHIVED}
    outcome = course_store.delete_or_archive_course(course_id, {"status": ARCHIVED, **derived_fields(archived)})
    if outcome == course_store.RemoveOutcome.MISSING:
        raise errors.NotFound("No such course.")
    if outcome == course_store.RemoveOutcome.DELETED:
        course_written(course, None)
        if course.get("cover_path"):
            storage.delete_blob(course["cover_path"])
        # The course owns its lessons and materials: they go with it (a lesson left behind would
        # keep blocking its teacher's calendar; a file would be stored for nobody).
        lesson_store.delete_course_lessons(course_id)
        material_services.delete_course_materials(course_id=course_id)
        events.publish(events.course_deleted, course_id=course_id, teacher_uid=course["teacher_uid"])
        return None
    after = get_course_or_404(course_id)
    course_written(course, after)
    if course.get("status") != ARCHIVED:
        end_memberships(after)
    return after


# --- cover image ---------------------------------------------------------------------------------


def set_course_cover(*, actor: Actor, course_id: str, upload) -> dict:
    """Store a checked, shrunk cover image.

    Raises NotFound, PermissionDenied, RateLimited, PayloadTooLarge, UnsupportedMediaType.
    """
    course = access_course(actor, course_id, for_write=True)
    rate_limit.consume_upload(actor.uid)
    data, content_type = images.normalize_image(
        upload, max_bytes=settings.COVER_MAX_BYTES, max_side=COVER_MAX_SIDE, field="cover"
    )
    path = f"courses/{course_id}/cover"
    storage.upload_bytes(path, data, content_type)
    try:
        course_store.set_course_fields(
            course_id,
            {"cover_path": path, "cover_type": content_type, "cover_version": int(course.get("cover_version", 0)) + 1},
        )
    except data_errors.Missing as exc:
        storage.delete_blob(path)
        raise errors.NotFound("No such course.") from exc
    pages_changed()
    return get_course_or_404(course_id)


def get_course_cover(*, actor: Actor, course_id: str) -> tuple[bytes, str]:
    """Raises NotFound (no course, or no cover)."""
    course = access_course(actor, course_id)
    data = storage.read_bytes(course["cover_path"]) if course.get("cover_path") else None
    if data is None:
        raise errors.NotFound("This course has no cover image.")
    return data, course.get("cover_type") or "image/jpeg"


# --- copies that follow their source ---------------------------------------------------------------


def follow_profile_rename(*, uid: str, display_name: str, role: str) -> None:
    """Rewrite the copied name (and a teacher's search tokens) wherever it is shown in lists."""
    if role == TEACHER:
        courses = list(course_store.iter_teacher_courses(uid))
        course_store.update_courses_in_batches({course["id"]: {"teacher_name": display_name} for course in courses})
        for course in courses:
            course_written(course, {**course, "teacher_name": display_name})
        enrollment_store.update_copies("teacher_uid", uid, {"teacher_name": display_name})
    elif role == STUDENT:
        enrollment_store.update_copies(
            "student_uid", uid, {"student_name": display_name, "student_sort": text.fold(display_name).strip()}
        )
        feedback_store.rename_student(uid, display_name)


def archive_teacher_courses(*, teacher_uid: str) -> int:
    """A teacher who stopped teaching (demoted or deleted): her open courses are archived, so nobody
    enrols in a course without a teacher; their students keep their history. Returns how many."""
    archived = 0
    for course in course_store.iter_teacher_courses(teacher_uid):
        if course.get("status") == ARCHIVED:
            continue
        changes = {"status": ARCHIVED, **derived_fields({**course, "status": ARCHIVED})}
        before, _ = enrollment_store.update_course_guarded(course["id"], changes, lambda current: None)
        if before is not None:
            course_written(course, {**course, **changes})
            end_memberships({**course, **changes})
            archived += 1
    return archived


def reindex_catalog() -> int:
    """Recompute every course's derived fields and rebuild the search index from the courses
    themselves (data made before the index existed, or restored from a backup). Returns the count."""
    courses = []
    for course in course_store.iter_all_courses():
        derived = derived_fields(course)
        if any(course.get(key) != value for key, value in derived.items()):
            course_store.set_course_fields(course["id"], derived)
        courses.append({**course, **derived})
    build_index(courses)
    page_cache.invalidate()
    return len(courses)


def admin_list_courses(*, actor: Actor, status: str | None, limit: int, cursor: str | None) -> Page:
    """Every course (or those of one status), newest created first: one query per page. Raises
    PermissionDenied, ValidationError (a cursor of another list)."""
    check_roles(actor, ADMINS)
    equals = {"status": status} if status else {}
    return course_store.list_courses(equals=equals, sort="created", limit=limit, cursor=cursor)
