"""Courses catalog, course search, enrolments (capacity, waitlist) and feedback.

Every function takes the acting user explicitly and raises cplatform.errors on refusal. Signals
and notifications go out only after the Firestore write committed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import logging
import time
from dataclasses import dataclass

from google.api_core import exceptions as google_exceptions

from courses import signals
from courses.access import ARCHIVED, DRAFT, PUBLISHED, access_course, is_owner, linked_children
from courses.payments import has_paid_for_course, membership_covers, settle_withdrawal
from cplatform import errors, images, text
from cplatform.actor import ADMIN, PARENT, STUDENT, TEACHER, Actor
from firestore_operations import courses as course_store
from firestore_operations import enrollments as enrollment_store
from firestore_operations import feedback as feedback_store
from firestore_operations import storage
from firestore_operations import users as user_store
from firestore_operations.documents import server_time
from firestore_operations.pagination import InvalidCursor, Page

logger = logging.getLogger(__name__)

LEVELS = ("beginner", "intermediate", "advanced", "primary", "secondary", "university", "adult")
SORTS = ("newest", "rating", "popularity")
COVER_MAX_BYTES = 5 * 1024 * 1024
COVER_MAX_SIDE = 1600
SEARCH_MAX_CHARS = 100
# Search ranks within one bounded query: the newest SEARCH_CANDIDATES courses holding the longest
# word of the query. Reads per search page are therefore up to this many documents.
SEARCH_CANDIDATES = 200
DESCRIPTION_WORDS = 40  # description words indexed for search (keeps search_tokens bounded)
MAX_SEARCH_TOKENS = 500
# Facet dimensions, in the fixed order they appear in a facet string.
FACETS = (("t", "teacher_uid"), ("s", "subject_key"), ("l", "level"), ("g", "language_key"), ("f", "price_kind"))
PUBLIC_SCOPE, OWN_SCOPE = "pub", "own"


# --- derived fields: filter keys, facets, search tokens ------------------------------------------


def subject_key(subject: str) -> str:
    return " ".join(text.words(subject))


def facet_string(scope: str, values: dict[str, str]) -> str:
    """'pub|s=maths|f=free': the scope, then each given dimension in FACETS order."""
    return "|".join([scope, *(f"{short}={values[short]}" for short, _ in FACETS if short in values)])


def course_facets(course: dict) -> list[str]:
    """Every filter combination the course answers to: published ones in the catalog ('pub'),
    all of a teacher's courses in her own list ('own', teacher always set)."""
    values = {
        "t": course["teacher_uid"],
        "s": subject_key(course.get("subject", "")),
        "l": course.get("level", ""),
        "g": (course.get("language") or "").lower(),
        "f": "paid" if course.get("price") else "free",
    }
    facets = []
    others = [short for short, _ in FACETS if short != "t"]
    for size in range(len(others) + 1):
        for combo in itertools.combinations(others, size):
            facets.append(facet_string(OWN_SCOPE, {"t": values["t"], **{k: values[k] for k in combo}}))
    if course.get("status") == PUBLISHED:
        dims = [short for short, _ in FACETS]
        for size in range(len(dims) + 1):
            for combo in itertools.combinations(dims, size):
                facets.append(facet_string(PUBLIC_SCOPE, {k: values[k] for k in combo}))
    return facets


def _description_tokens(description: str) -> list[str]:
    # Long words index their prefixes from 3 letters on; one- and two-letter prefixes of a
    # description would match nearly every course and only bloat the array.
    tokens: dict[str, None] = {}
    for word in list(dict.fromkeys(text.words(description)))[:DESCRIPTION_WORDS]:
        for token in [word[: text.MAX_PREFIX]] if len(word) < 3 else text.prefixes(word, minimum=3):
            tokens.setdefault(token, None)
    return list(tokens)


def search_fields(course: dict) -> dict:
    title = text.prefix_tokens(course.get("title", ""))
    tags = text.prefix_tokens(*course.get("tags", []))
    teacher = text.prefix_tokens(course.get("teacher_name", ""))
    description = _description_tokens(course.get("description", ""))
    everything = list(dict.fromkeys([*title, *tags, *teacher, *description]))[:MAX_SEARCH_TOKENS]
    return {"title_tokens": title, "tag_tokens": tags, "teacher_tokens": teacher, "search_tokens": everything}


def derived_fields(course: dict) -> dict:
    """The fields computed from the course's own (filters, facets, tokens): rewritten on every change."""
    return {
        "subject_key": subject_key(course.get("subject", "")),
        "language_key": (course.get("language") or "").lower(),
        "is_free": not course.get("price"),
        "facets": course_facets(course),
        **search_fields(course),
    }


# --- helpers ---------------------------------------------------------------------------------------


def _notify(**kwargs) -> None:
    # The write has committed: a failing notification must not turn the answer into an error.
    from messaging.notify import notify

    try:
        notify(**kwargs)
    except Exception:
        logger.exception("notification %s failed", kwargs.get("kind"))


def _cursor_error(exc: Exception) -> errors.ValidationError:
    return errors.ValidationError("The cursor is not valid for this list.", fields={"cursor": ["Invalid."]})


def get_course_or_404(course_id: str) -> dict:
    course = course_store.get_course(course_id)
    if course is None:
        raise errors.NotFound("No such course.")
    return course


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
    signals.course_created.send(sender=None, course=created)
    return created


def get_course(*, actor: Actor, course_id: str) -> dict:
    """Raises NotFound (drafts are invisible to all but their teacher and admins)."""
    return access_course(actor, course_id)


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
    commit; archiving ends the students' active membership (enrollment_ended signals).
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
        enrollment_store.update_copies("course_id", course_id, {"course_title": changes["title"]})
    after = get_course_or_404(course_id)
    _announce_promotions(after, promoted)
    if after.get("status") == ARCHIVED and before.get("status") != ARCHIVED:
        _end_memberships(after)
    return after


def _end_memberships(course: dict) -> None:
    for student_uid in enrollment_store.active_student_uids(course["id"]):
        signals.enrollment_ended.send(
            sender=None, course_id=course["id"], student_uid=student_uid, teacher_uid=course["teacher_uid"]
        )


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
        if course.get("cover_path"):
            storage.delete_blob(course["cover_path"])
        signals.course_deleted.send(sender=None, course_id=course_id, teacher_uid=course["teacher_uid"])
        return None
    after = get_course_or_404(course_id)
    if course.get("status") != ARCHIVED:
        _end_memberships(after)
    return after


def set_course_cover(*, actor: Actor, course_id: str, upload) -> dict:
    """Store a checked, shrunk cover image. Raises NotFound, PermissionDenied, PayloadTooLarge, UnsupportedMediaType."""
    course = access_course(actor, course_id, for_write=True)
    data, content_type = images.normalize_image(
        upload, max_bytes=COVER_MAX_BYTES, max_side=COVER_MAX_SIDE, field="cover"
    )
    path = f"courses/{course_id}/cover"
    storage.upload_bytes(path, data, content_type)
    try:
        course_store.set_course_fields(
            course_id,
            {"cover_path": path, "cover_type": content_type, "cover_version": int(course.get("cover_version", 0)) + 1},
        )
    except google_exceptions.NotFound as exc:
        storage.delete_blob(path)
        raise errors.NotFound("No such course.") from exc
    return get_course_or_404(course_id)


def get_course_cover(*, actor: Actor, course_id: str) -> tuple[bytes, str]:
    """Raises NotFound (no course, or no cover)."""
    course = access_course(actor, course_id)
    data = storage.read_bytes(course["cover_path"]) if course.get("cover_path") else None
    if data is None:
        raise errors.NotFound("This course has no cover image.")
    return data, course.get("cover_type") or "image/jpeg"


# --- catalog list and search ---------------------------------------------------------------------


@dataclass
class CatalogQuery:
    subject: str | None = None
    level: str | None = None
    language: str | None = None
    teacher: str | None = None
    price: str | None = None  # "free" | "paid"
    sort: str | None = None  # newest | rating | popularity (search also: relevance, the default)
    mine: bool = False

    def facet_values(self) -> dict[str, str]:
        values = {
            "t": self.teacher,
            "s": subject_key(self.subject) if self.subject else None,
            "l": self.level,
            "g": self.language.lower() if self.language else None,
            "f": self.price,
        }
        return {key: value for key, value in values.items() if value}


def _scope(actor: Actor, query: CatalogQuery) -> str:
    if not query.mine:
        return PUBLIC_SCOPE
    if actor.role != TEACHER:
        raise errors.PermissionDenied("mine=true lists a teacher's own courses; only teachers have some.")
    if query.teacher and query.teacher != actor.uid:
        raise errors.ValidationError(
            "mine=true already lists your own courses; drop the teacher filter.", fields={"teacher": ["Conflicts."]}
        )
    return OWN_SCOPE


def list_courses(*, actor: Actor, query: CatalogQuery, limit: int, cursor: str | None) -> Page:
    """The catalog (published courses) or, with mine, the teacher's own courses in any status.

    One query per page whatever the filters. Raises ValidationError, PermissionDenied.
    """
    scope = _scope(actor, query)
    values = query.facet_values()
    if scope == OWN_SCOPE:
        values["t"] = actor.uid
    sort = query.sort or "newest"
    if sort == "relevance":
        raise errors.ValidationError("sort=relevance needs a search: add q=...", fields={"sort": ["Needs q."]})
    if sort == "newest" and scope == OWN_SCOPE:
        sort = "created"  # drafts have no publication date
    try:
        return course_store.list_courses(facet=facet_string(scope, values), sort=sort, limit=limit, cursor=cursor)
    except InvalidCursor as exc:
        raise _cursor_error(exc) from exc


def _search_terms(q: str) -> list[str]:
    if len(q) > SEARCH_MAX_CHARS:
        raise errors.ValidationError(
            f"The search text is too long: at most {SEARCH_MAX_CHARS} characters.", fields={"q": ["Too long."]}
        )
    if not q.strip():
        raise errors.ValidationError("The search text is empty: type a word to search for.", fields={"q": ["Empty."]})
    terms = list(dict.fromkeys(text.query_terms(q)))
    if not terms:
        raise errors.ValidationError("Type at least one letter or digit to search.", fields={"q": ["No words."]})
    return terms


def _match_key(course: dict, terms: list[str]) -> tuple[int, int, int, int] | None:
    """How many terms matched in the title, tags, teacher name, description (each term counted once,
    at its best source); None when a term matches nowhere."""
    sources = [set(course.get(name, [])) for name in ("title_tokens", "tag_tokens", "teacher_tokens")]
    everything = set(course.get("search_tokens", []))
    counts = [0, 0, 0, 0]
    for term in terms:
        if term not in everything:
            return None
        best = next((index for index, tokens in enumerate(sources) if term in tokens), 3)
        counts[best] += 1
    return counts[0], counts[1], counts[2], counts[3]


def _matches_filters(course: dict, values: dict[str, str]) -> bool:
    fields = dict(FACETS)
    for short, wanted in values.items():
        actual = ("free" if course.get("is_free") else "paid") if short == "f" else course.get(fields[short])
        if actual != wanted:
            return False
    return True


def _encode_offset(offset: int, tag: str) -> str:
    raw = json.dumps({"k": tag, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_offset(cursor: str, tag: str) -> int:
    """The offset a search cursor carries; it must come from the same search. Raises ValidationError."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset = data["o"]
        if data["k"] != tag or not isinstance(offset, int) or not 0 <= offset < SEARCH_CANDIDATES:
            raise ValueError("cursor of another search")
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise _cursor_error(exc) from exc
    return offset


def search_courses(*, actor: Actor, q: str, query: CatalogQuery, limit: int, cursor: str | None) -> Page:
    """Courses matching every word (or word prefix) of q, with the filters, ranked.

    Ranking: more words matched in the title first, then in tags, the teacher's name, the
    description; then rating and enrolments. One query per page: the ranked list is rebuilt from the
    same bounded candidate set and the cursor is an offset into it. Raises ValidationError.
    """
    terms = _search_terms(q)
    scope = _scope(actor, query)
    values = query.facet_values()
    primary = max(terms, key=len)  # the rarest-looking term narrows the candidates most
    if scope == OWN_SCOPE:
        # A teacher's own courses are few: the other filters are checked on the rows.
        equals, order_field, check = {"teacher_uid": actor.uid}, "created_at", values
    else:
        fields = dict(FACETS)
        equals = {"status": PUBLISHED}
        for short, value in values.items():
            if short == "f":
                equals["is_free"] = value == "free"
            else:
                equals[fields[short]] = value
        order_field, check = "published_at", {}
    sort = query.sort or "relevance"
    digest = hashlib.sha256(repr((terms, sorted(values.items()), sort, scope, actor.uid)).encode()).hexdigest()[:16]
    tag = f"course-search:{digest}"
    offset = _decode_offset(cursor, tag) if cursor else 0
    candidates = course_store.search_candidates(
        token=primary, equals=equals, order_field=order_field, limit=SEARCH_CANDIDATES
    )
    ranked = []
    for course in candidates:
        key = _match_key(course, terms)
        if key is not None and _matches_filters(course, check):
            ranked.append((key, course))
    if sort == "relevance":
        ranked.sort(
            key=lambda pair: (
                pair[0],
                float(pair[1].get("rating_avg", 0)),
                int(pair[1].get("enrolled_count", 0)),
            ),
            reverse=True,
        )
    else:
        field = {"newest": order_field, "rating": "rating_avg", "popularity": "enrolled_count"}[sort]
        ranked.sort(key=lambda pair: (pair[1].get(field) is not None, pair[1].get(field) or 0), reverse=True)
    window = [course for _, course in ranked[offset : offset + limit]]
    next_cursor = _encode_offset(offset + limit, tag) if offset + limit < len(ranked) else None
    return Page(items=window, next_cursor=next_cursor, extra={"candidates": len(candidates)})


# --- enrolments ----------------------------------------------------------------------------------


@dataclass
class EnrollmentResult:
    """outcome: created (a seat), waitlisted (a new waitlist place) or unchanged (a repeat)."""

    enrollment: dict
    outcome: str


def _target_student(actor: Actor, student_uid: str | None) -> str:
    """The student the actor acts for: herself, or a parent's linked child. Raises ValidationError, PermissionDenied."""
    if actor.role == STUDENT:
        if student_uid and student_uid != actor.uid:
            raise errors.PermissionDenied("Students act only for themselves.")
        return actor.uid
    if actor.role == PARENT:
        if not student_uid:
            raise errors.ValidationError(
                "Say which child: student_uid is required for parents.", fields={"student_uid": ["Required."]}
            )
        if student_uid not in linked_children(actor):
            raise errors.PermissionDenied("This student is not linked to you.")
        return student_uid
    raise errors.PermissionDenied("Only students and their parents manage enrolments.", code="wrong_role")


def _with_position(enrollment: dict) -> dict:
    if enrollment.get("status") == enrollment_store.WAITLISTED and enrollment.get("waitlist_seq"):
        position = enrollment_store.waitlist_position(enrollment["course_id"], int(enrollment["waitlist_seq"]))
        return {**enrollment, "position": position}
    return enrollment


def _announce_activation(course: dict, enrollment: dict, *, promoted: bool) -> None:
    signals.enrollment_activated.send(
        sender=None, course_id=course["id"], student_uid=enrollment["student_uid"], teacher_uid=course["teacher_uid"]
    )
    name = enrollment.get("student_name") or "A student"
    data = {"course_id": course["id"], "student_uid": enrollment["student_uid"]}
    _notify(
        recipient_uids=[course["teacher_uid"]],
        kind="enrollment.created",
        title=f"New student in {course.get('title', 'your course')}",
        body=f"{name} {'took a freed seat' if promoted else 'enrolled'}.",
        data=data,
    )
    if promoted:
        _notify(
            recipient_uids=[enrollment["student_uid"]],
            kind="enrollment.promoted",
            title=f"You have a seat in {course.get('title', 'the course')}",
            body="A seat was freed and it is yours: you are now enrolled.",
            data=data,
        )


def _announce_promotions(course: dict, promoted: list[dict]) -> None:
    for enrollment in promoted:
        _announce_activation(course, enrollment, promoted=True)


def enroll_student(
    *, actor: Actor, course_id: str, student_uid: str | None = None, waitlist: bool = True
) -> EnrollmentResult:
    """Enrol the student (or put her on the waitlist of a full course); a repeat changes nothing.

    With waitlist=False (a paid seat after checkout) a full course raises Conflict course_full.
    Raises NotFound, PermissionDenied, ValidationError, Conflict (course not open, completed, full),
    PaymentRequired (paid course without a completed payment).
    """
    target = _target_student(actor, student_uid)
    course = get_course_or_404(course_id)
    current = enrollment_store.get_enrollment(course_id, target)
    if current and current.get("status") in (enrollment_store.ACTIVE, enrollment_store.WAITLISTED):
        return EnrollmentResult(_with_position(current), "unchanged")
    if course.get("status") != PUBLISHED:
        raise errors.Conflict("This course is not open for enrolment.", code="course_not_open")
    if (
        course.get("price")
        and not has_paid_for_course(student_uid=target, course_id=course_id)
        and not membership_covers(student_uid=target, course=course, now=time.time())
    ):
        price = course["price"]
        raise errors.PaymentRequired(
            "This is a paid course: complete the payment first.",
            price={"amount": price["amount"], "currency": price["currency"]},
        )
    profile = user_store.get_profile(target) or {}
    if profile.get("role") != STUDENT:
        raise errors.NotFound("No such student.")
    name = profile.get("display_name", "")
    result = enrollment_store.enroll(
        course_id,
        target,
        student_name=name,
        student_sort=text.fold(name).strip(),
        enrolled_by=actor.uid,
        waitlist=waitlist,
    )
    outcome = enrollment_store.EnrollOutcome
    if result.outcome == outcome.MISSING_COURSE:
        raise errors.NotFound("No such course.")
    if result.outcome == outcome.CLOSED:
        raise errors.Conflict("This course is not open for enrolment.", code="course_not_open")
    if result.outcome == outcome.COMPLETED:
        raise errors.Conflict("This student has already completed the course.", code="already_completed")
    if result.outcome == outcome.FULL:
        raise errors.Conflict("This course is full.", code="course_full")
    enrollment = enrollment_store.get_enrollment(course_id, target)
    if result.outcome == outcome.UNCHANGED:
        return EnrollmentResult(_with_position(enrollment), "unchanged")
    if result.outcome == outcome.WAITLISTED:
        return EnrollmentResult({**enrollment, "position": result.position}, "waitlisted")
    _announce_activation(result.course, enrollment, promoted=False)
    return EnrollmentResult(enrollment, "created")


def withdraw_student(*, actor: Actor, course_id: str, student_uid: str | None = None) -> dict:
    """Withdraw the student (kept in history); her seat goes to the first waiting student.

    Raises NotFound (not enrolled), PermissionDenied, ValidationError, Conflict (completed).
    """
    target = _target_student(actor, student_uid)
    result = enrollment_store.withdraw(course_id, target) if course_store.valid_id(course_id) else None
    if result is None or result.outcome == "not_enrolled":
        raise errors.NotFound("Not enrolled in this course.")
    if result.outcome == "completed":
        raise errors.Conflict("A completed course cannot be withdrawn from.", code="already_completed")
    enrollment = enrollment_store.get_enrollment(course_id, target)
    if result.outcome == "withdrawn":
        _announce_withdrawal(get_course_or_404(course_id), enrollment, result)
    refund = settle_withdrawal(actor=actor, course_id=course_id, student_uid=target)
    return {**enrollment, "refund": refund} if refund else enrollment


def _announce_withdrawal(course: dict, enrollment: dict, result: enrollment_store.WithdrawResult) -> None:
    if result.previous == enrollment_store.ACTIVE:
        signals.enrollment_ended.send(
            sender=None,
            course_id=course["id"],
            student_uid=enrollment["student_uid"],
            teacher_uid=course["teacher_uid"],
        )
        _notify(
            recipient_uids=[course["teacher_uid"]],
            kind="enrollment.withdrawn",
            title=f"A student left {course.get('title', 'your course')}",
            body=f"{enrollment.get('student_name') or 'A student'} withdrew.",
            data={"course_id": course["id"], "student_uid": enrollment["student_uid"]},
        )
    _announce_promotions(course, result.promoted)


def withdraw_everywhere(*, student_uid: str) -> None:
    """Give up a deleted student's seats and waitlist places (freed seats go to waiting students)."""
    cursor = None
    while True:
        page = enrollment_store.list_student_enrollments(
            student_uids=[student_uid], status=None, limit=100, cursor=cursor
        )
        for enrollment in page.items:
            if enrollment.get("status") not in (enrollment_store.ACTIVE, enrollment_store.WAITLISTED):
                continue
            result = enrollment_store.withdraw(enrollment["course_id"], student_uid)
            course = course_store.get_course(enrollment["course_id"])
            if result.outcome == "withdrawn" and course:
                _announce_withdrawal(course, enrollment, result)
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def get_enrollment(*, actor: Actor, course_id: str, student_uid: str | None = None) -> dict:
    """The student's enrolment in the course, with her waitlist position. Raises NotFound, PermissionDenied."""
    target = _target_student(actor, student_uid)
    enrollment = enrollment_store.get_enrollment(course_id, target)
    if enrollment is None:
        raise errors.NotFound("Not enrolled in this course.")
    return _with_position(enrollment)


def list_my_enrollments(
    *, actor: Actor, status: str | None, student_uid: str | None, limit: int, cursor: str | None
) -> Page:
    """A student's enrolments, or a parent's children's (optionally one child). One query per page.

    Raises PermissionDenied, ValidationError.
    """
    if actor.role == STUDENT:
        uids = [_target_student(actor, student_uid)]
    elif actor.role == PARENT:
        uids = [_target_student(actor, student_uid)] if student_uid else linked_children(actor)
    else:
        raise errors.PermissionDenied("Only students and parents have enrolments.", code="wrong_role")
    if not uids:
        return Page(items=[])
    try:
        return enrollment_store.list_student_enrollments(student_uids=uids, status=status, limit=limit, cursor=cursor)
    except InvalidCursor as exc:
        raise _cursor_error(exc) from exc


def list_course_roster(*, actor: Actor, course_id: str, status: str | None, limit: int, cursor: str | None) -> Page:
    """The course's enrolments for its teacher or an admin. Raises NotFound, PermissionDenied, ValidationError."""
    access_course(actor, course_id, for_write=True)
    try:
        return enrollment_store.list_course_enrollments(course_id=course_id, status=status, limit=limit, cursor=cursor)
    except InvalidCursor as exc:
        raise _cursor_error(exc) from exc


# --- feedback ------------------------------------------------------------------------------------


def post_feedback(*, actor: Actor, course_id: str, rating: int, comment: str) -> tuple[dict, bool]:
    """Rate the course (one feedback per student; posting again replaces it). Returns (feedback, created).

    Only students who hold or held a seat may rate (a waitlist place is not enough).
    Raises NotFound, PermissionDenied.
    """
    course = access_course(actor, course_id)
    enrollment = enrollment_store.get_enrollment(course_id, actor.uid)
    if not enrollment or not enrollment.get("ever_active"):
        raise errors.PermissionDenied("Only students who are or were enrolled in this course can rate it.")
    result = feedback_store.save_feedback(
        course_id, actor.uid, rating=rating, comment=comment, student_name=enrollment.get("student_name", "")
    )
    if result.outcome == "missing_course":
        raise errors.NotFound("No such course.")
    if result.outcome == "created":
        _notify(
            recipient_uids=[course["teacher_uid"]],
            kind="feedback.received",
            title=f"New feedback on {course.get('title', 'your course')}",
            body=f"{enrollment.get('student_name') or 'A student'} rated it {rating}/5.",
            data={"course_id": course_id, "student_uid": actor.uid, "rating": rating},
        )
    return feedback_store.get_feedback(course_id, actor.uid), result.outcome == "created"


def list_feedback(*, actor: Actor, course_id: str, limit: int, cursor: str | None) -> Page:
    """The course's feedback, newest first; hidden feedback only for admins. Raises NotFound, ValidationError."""
    access_course(actor, course_id)
    try:
        return feedback_store.list_feedback(
            course_id=course_id, include_hidden=actor.role == ADMIN, limit=limit, cursor=cursor
        )
    except InvalidCursor as exc:
        raise _cursor_error(exc) from exc


def reply_to_feedback(*, actor: Actor, course_id: str, student_uid: str, reply: str) -> dict:
    """The course's teacher answers a feedback, once. Raises NotFound, PermissionDenied, Conflict."""
    course = access_course(actor, course_id)
    if not is_owner(actor, course):
        raise errors.PermissionDenied("Only the course's teacher can reply to its feedback.")
    outcome = feedback_store.set_reply(course_id, student_uid, reply=reply, by_uid=actor.uid)
    if outcome == "missing":
        raise errors.NotFound("No feedback from this student.")
    if outcome == "already_replied":
        raise errors.Conflict("You already replied to this feedback.", code="already_replied")
    return feedback_store.get_feedback(course_id, student_uid)


def hide_feedback(*, actor: Actor, course_id: str, student_uid: str, hidden: bool) -> dict:
    """An admin hides (or shows again) a feedback; hidden ratings leave the average. Raises NotFound."""
    if actor.role != ADMIN:
        raise errors.PermissionDenied("Only admins moderate feedback.", code="wrong_role")
    outcome = feedback_store.set_hidden(course_id, student_uid, hidden=hidden, by_uid=actor.uid)
    if outcome == "missing":
        raise errors.NotFound("No such feedback.")
    return feedback_store.get_feedback(course_id, student_uid)


# --- copies that follow their source ---------------------------------------------------------------


def follow_profile_rename(*, uid: str, display_name: str, role: str) -> None:
    """Rewrite the copied name (and a teacher's search tokens) wherever it is shown in lists."""
    if role == TEACHER:
        changes = {}
        for course in course_store.iter_teacher_courses(uid):
            renamed = {**course, "teacher_name": display_name}
            changes[course["id"]] = {"teacher_name": display_name, **search_fields(renamed)}
        course_store.update_courses_in_batches(changes)
        enrollment_store.update_copies("teacher_uid", uid, {"teacher_name": display_name})
    elif role == STUDENT:
        enrollment_store.update_copies(
            "student_uid", uid, {"student_name": display_name, "student_sort": text.fold(display_name).strip()}
        )
        feedback_store.rename_student(uid, display_name)
