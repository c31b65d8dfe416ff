"""The authorization matrix: the status every persona gets on every route (run by tests/test_authz_matrix.py).

Written from the views, the services and docs/api.md, never from a view's own `roles` attribute (that
would test nothing). One entry per route pattern (as django.urls prints it) and method. Personas live in
one seeded world (tests/test_authz_matrix.py): `owner` teaches the published course `course_id` that
`student` is enrolled in; `other_teacher` teaches `student` in a course of her own; `teacher` teaches
nobody; `parent` is linked to `student`, `unlinked_parent` to nobody; `admin`; `anonymous`.

An expected value is:
- `OK`: admitted, any 2xx/3xx answer (pages: a 302 that is not the login page);
- `LOGIN`: anonymous refused, 401 on the API, 302 to the login page on pages;
- an int: exactly that status (a refusal, or a 4xx that proves the gate was passed, explained in `why`).
`allow(*admitted, persona=status, ...)` admits the named personas; everyone else gets LOGIN
(anonymous) or 403, unless named with a status.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ANONYMOUS = "anonymous"
STUDENT = "student"
TEACHER = "teacher"
OWNER = "owner"
OTHER_TEACHER = "other_teacher"
PARENT = "parent"
UNLINKED_PARENT = "unlinked_parent"
ADMIN = "admin"
PERSONAS = (ANONYMOUS, STUDENT, TEACHER, OWNER, OTHER_TEACHER, PARENT, UNLINKED_PARENT, ADMIN)
SIGNED_IN = PERSONAS[1:]
TEACHERS = (TEACHER, OWNER, OTHER_TEACHER)
PARENTS = (PARENT, UNLINKED_PARENT)
# Members of the course (courses.access.is_member): its teacher, admins, enrolled students, their parents.
COURSE_MEMBERS = (OWNER, ADMIN, STUDENT, PARENT)
# Who may see `student`'s profile, history and progress: herself, her teachers, her parents, admins.
STUDENT_CIRCLE = (STUDENT, OWNER, OTHER_TEACHER, PARENT, ADMIN)

OK = None
LOGIN = "login"

# Paths that are plumbing, not features: nothing to authorise.
EXCLUDED = {
    "api/schema/": "the public OpenAPI document, generated from the routes this matrix covers",
    "api/docs/": "the public Swagger UI page that renders api/schema/",
}


@dataclass(frozen=True)
class Rule:
    """Who gets what on one (route, method), and the request that asks."""

    expected: dict[str, Any]
    body: Any = None  # dict, or callable(world, persona) -> dict (multipart bodies must be fresh each time)
    query: Any = ""  # "a=b&c=d", or callable(world, persona) -> str
    multipart: bool = False
    headers: dict = field(default_factory=dict)
    at: dict = field(default_factory=dict)  # path parameter -> world key (default: the parameter's name)
    fresh: str | None = None  # a world factory: each admitted persona acts on a throwaway object of its own
    throwaway_actor: bool = False  # each signed-in persona is replaced by a new account of the same role
    why: str = ""

    def admitted(self) -> list[str]:
        return [
            persona for persona, want in self.expected.items() if want is OK or (isinstance(want, int) and want < 400)
        ]


def allow(*admitted: str, why: str = "", **options) -> Rule:
    statuses = {persona: options.pop(persona) for persona in PERSONAS if persona in options}
    expected = {
        persona: (OK if persona in admitted else LOGIN if persona == ANONYMOUS else 403) for persona in PERSONAS
    }
    expected.update(statuses)
    return Rule(expected=expected, why=why, **options)


def public(**options) -> Rule:
    return allow(*PERSONAS, **options)


def signed_in(**options) -> Rule:
    return allow(*SIGNED_IN, **options)


def every(status: int, *personas: str) -> dict:
    """`**every(404, TEACHER, PARENT)`: the same status for several personas."""
    return dict.fromkeys(personas, status)


# --- sample request bodies -----------------------------------------------------------------------


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def upload(name: str, data: bytes, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def photo_form(field_name: str) -> Callable:
    return lambda world, persona: {field_name: upload("photo.png", png(), "image/png")}


def material_form(world, persona) -> dict:
    return {"title": f"Notes from {persona}", "file": upload("notes.pdf", PDF, "application/pdf")}


def iso_in(days: int, hours: int = 0) -> str:
    base = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=days, hours=hours)
    return base.isoformat().replace("+00:00", "Z")


def lesson_body(world, persona) -> dict:
    return {"title": f"Lesson by {persona}", "starts_at": world.next_slot(), "duration_minutes": 30}


def course_body(world, persona) -> dict:
    return {"title": f"Course by {persona}", "subject": "Maths", "level": "beginner", "language": "en"}


def group_body(world, persona) -> dict:
    # Teachers may always talk to each other; admins to anyone.
    return {"name": f"Group of {persona}", "member_uids": [world.uid(OTHER_TEACHER if persona == OWNER else OWNER)]}


def child_query(world, persona) -> str:
    """Parents name the child they act for; students act for themselves."""
    return f"student_uid={world.uid(STUDENT)}" if persona != STUDENT else ""


def child_body(world, persona) -> dict:
    return {"student_uid": world.uid(STUDENT)} if persona in PARENTS else {}


def idempotency(name: str) -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": f"matrix-{name}"}


PLAN = {"monthly": {"amount": 1500, "currency": "EUR"}, "yearly": {"amount": 15000, "currency": "EUR"}}
NARROWS = (
    "a teacher's student filter narrows her own records (analytics.access.progress_scope): a teacher who does not "
    "teach the student gets an empty report, never another teacher's numbers"
)
ROSTER = "the course's teacher and admins (courses.access.access_course(for_write=True)); 404 is for unknown courses"

# --- the API -------------------------------------------------------------------------------------

API: dict[str, dict[str, Rule]] = {
    "healthz": {"GET": public()},
    "readyz": {"GET": public()},
    "api/v1/admin/failed-tasks": {"GET": allow(ADMIN)},
    "api/v1/admin/failed-tasks/<str:task_id>/retry": {
        "POST": allow(ADMIN, admin=404, why="no task failed in the world: 404 unknown id, after the admin gate")
    },
    # --- accounts ---
    "api/v1/auth/register": {
        "POST": public(
            body=lambda world, persona: {
                "email": f"new-{persona}-{world.serial()}@example.com",
                "password": "correct-horse-7",
                "display_name": "New Person",
                "role": "student",
            },
        )
    },
    "api/v1/auth/login": {
        "POST": public(body=lambda world, persona: {"email": world.email(TEACHER), "password": "correct-horse-7"})
    },
    "api/v1/auth/logout": {"POST": signed_in(throwaway_actor=True, why="revokes every token of the caller")},
    "api/v1/me": {
        "GET": signed_in(),
        "PATCH": signed_in(body={"bio": "Set by the authorization matrix."}),
        "DELETE": signed_in(throwaway_actor=True, why="deletes the caller's own account"),
    },
    "api/v1/me/photo": {"POST": signed_in(body=photo_form("photo"), multipart=True)},
    "api/v1/me/availability": {"PUT": allow(*TEACHERS, body={"slots": []})},
    "api/v1/me/email-verification": {
        "GET": signed_in(),
        "POST": signed_in(**every(409, *SIGNED_IN), why="the personas' addresses are verified: 409 already_verified"),
    },
    "api/v1/me/parent-link-code": {"POST": allow(STUDENT)},
    "api/v1/me/children": {
        "GET": allow(*PARENTS),
        "POST": allow(
            *PARENTS,
            parent=404,
            unlinked_parent=404,
            body={"code": "ZZZZ2345"},
            why="a code nobody minted: 404 invalid_code, after the parent gate (a real one would link the world)",
        ),
    },
    "api/v1/me/children/<str:uid>": {
        "DELETE": allow(
            PARENT, unlinked_parent=404, at={"uid": "spare_child"}, why="only a linked child can be unlinked (404)"
        )
    },
    "api/v1/me/parents": {"GET": allow(STUDENT)},
    "api/v1/me/parents/<str:uid>": {"DELETE": allow(STUDENT, at={"uid": "spare_parent"})},
    "api/v1/users": {"GET": allow(*TEACHERS, ADMIN)},
    "api/v1/users/<str:uid>": {
        "GET": allow(*STUDENT_CIRCLE, why="a student's profile: herself, her teachers, linked parents, admins")
    },
    "api/v1/users/<str:uid>/photo": {
        "GET": allow(*STUDENT_CIRCLE, anonymous=401, why="a student's photo has her profile's visibility")
    },
    "api/v1/teachers/<str:uid>/availability": {"GET": signed_in(at={"uid": "owner_uid"})},
    "api/v1/admin/users": {"GET": allow(ADMIN)},
    "api/v1/admin/users/<str:uid>": {
        "PATCH": allow(ADMIN, body={"disabled": False}),
        "DELETE": allow(ADMIN, fresh="student_account"),
    },
    # --- courses ---
    "api/v1/courses": {"GET": public(), "POST": allow(*TEACHERS, body=course_body)},
    "api/v1/courses/<str:course_id>": {
        "GET": public(),
        "PATCH": allow(OWNER, ADMIN, body={"description": "Changed by the matrix."}, why=ROSTER),
        "DELETE": allow(OWNER, ADMIN, fresh="course"),
    },
    "api/v1/courses/<str:course_id>/cover": {
        "GET": public(),
        "POST": allow(OWNER, ADMIN, body=photo_form("cover"), multipart=True),
    },
    "api/v1/courses/<str:course_id>/enrollment": {
        "GET": allow(STUDENT, PARENT, query=child_query, why="parents act for linked children only"),
        "POST": allow(STUDENT, PARENT, body=child_body, why="already enrolled: 200 with the same enrolment"),
        "DELETE": allow(STUDENT, PARENT, query=child_query, fresh="enrolled_course"),
    },
    "api/v1/courses/<str:course_id>/enrollments": {"GET": allow(OWNER, ADMIN, why=ROSTER)},
    "api/v1/me/enrollments": {"GET": allow(STUDENT, *PARENTS)},
    "api/v1/courses/<str:course_id>/feedback": {
        "GET": signed_in(),
        "POST": allow(STUDENT, body={"rating": 4, "comment": "Clear."}),
    },
    "api/v1/courses/<str:course_id>/feedback/<str:student_uid>/reply": {
        "POST": allow(
            OWNER,
            owner=409,
            body={"reply": "Thank you!"},
            at={"student_uid": "student_uid"},
            why="the world's feedback has its reply: 409 already_replied, after the owner check",
        )
    },
    "api/v1/courses/<str:course_id>/feedback/<str:student_uid>/hide": {
        "POST": allow(ADMIN, body={"hidden": False}, at={"student_uid": "student_uid"})
    },
    "api/v1/courses/<str:course_id>/lessons": {
        "GET": signed_in(),
        "POST": allow(OWNER, ADMIN, body=lesson_body),
    },
    "api/v1/courses/<str:course_id>/lessons/<str:lesson_id>": {
        "GET": signed_in(),
        "PATCH": allow(OWNER, ADMIN, body={"location": "Room 7"}),
        "DELETE": allow(OWNER, ADMIN, fresh="lesson"),
    },
    "api/v1/courses/<str:course_id>/lessons/<str:lesson_id>/cancel": {
        "POST": allow(OWNER, ADMIN, body={"reason": "Matrix"}, fresh="lesson")
    },
    "api/v1/me/schedule": {"GET": allow(STUDENT, *TEACHERS, *PARENTS)},
    "api/v1/me/schedule.ics": {"GET": allow(STUDENT, *TEACHERS, *PARENTS)},
    "api/v1/courses/<str:course_id>/progress": {
        "GET": allow(
            STUDENT, OWNER, PARENT, ADMIN, query=child_query, why="other_teacher teaches the student, not this course"
        )
    },
    "api/v1/me/lesson-history": {"GET": allow(STUDENT)},
    "api/v1/lessons/<str:lesson_id>/attendance": {
        "GET": allow(OWNER, ADMIN),
        "POST": allow(
            OWNER,
            ADMIN,
            owner=409,
            admin=409,
            body=lambda world, persona: {"records": [{"student_uid": world.uid(STUDENT), "status": "present"}]},
            why="the lesson is in the future: 409 lesson_not_started, after the ownership check",
        ),
    },
    "api/v1/students/<str:uid>/lesson-history": {"GET": allow(*STUDENT_CIRCLE)},
    "api/v1/courses/<str:course_id>/materials": {
        "GET": allow(*COURSE_MEMBERS),
        "POST": allow(OWNER, ADMIN, body=material_form, multipart=True),
    },
    "api/v1/courses/<str:course_id>/materials/<str:material_id>": {
        "GET": allow(*COURSE_MEMBERS),
        "DELETE": allow(OWNER, ADMIN, fresh="material"),
    },
    "api/v1/courses/<str:course_id>/materials/<str:material_id>/download": {"GET": allow(*COURSE_MEMBERS)},
    # --- chat (room_id: a group room `owner` created with `student`; message_id: `owner`'s message there) ---
    "api/v1/chat/rooms": {"GET": signed_in(), "POST": allow(*TEACHERS, ADMIN, body=group_body)},
    "api/v1/chat/rooms/<str:room_id>": {
        "GET": allow(OWNER, STUDENT, ADMIN, why="members, and admins for moderation"),
        "PATCH": allow(OWNER, ADMIN, body={"name": "Study group"}, why="the group's creator and admins"),
    },
    "api/v1/chat/rooms/<str:room_id>/members": {
        "POST": allow(OWNER, ADMIN, fresh="group_room", body=lambda world, persona: {"uid": world.uid(OTHER_TEACHER)})
    },
    "api/v1/chat/rooms/<str:room_id>/members/<str:uid>": {
        "DELETE": allow(
            OWNER, ADMIN, STUDENT, fresh="group_room", why="the creator, admins, or the member herself (leaving)"
        )
    },
    "api/v1/chat/rooms/<str:room_id>/messages": {
        "GET": allow(OWNER, STUDENT, ADMIN),
        "POST": allow(OWNER, STUDENT, body={"content": "Hello from the matrix"}, why="admins send only where members"),
    },
    "api/v1/chat/rooms/<str:room_id>/messages/<str:message_id>": {
        "PATCH": allow(OWNER, body={"content": "Edited"}, why="only the sender edits, admins neither"),
        "DELETE": allow(OWNER, ADMIN, fresh="message", why="the sender, and admins moderating"),
    },
    "api/v1/chat/rooms/<str:room_id>/read": {
        "POST": allow(OWNER, STUDENT, body=lambda world, persona: {"message_id": world.ids["message_id"]})
    },
    "api/v1/chat/direct/<str:uid>": {
        "POST": allow(
            OWNER,
            OTHER_TEACHER,
            ADMIN,
            student=400,
            why="uid is the student: her teachers and admins (403 chat_not_allowed for the others; herself 400)",
        )
    },
    "api/v1/messages": {"GET": signed_in()},
    "api/v1/messages/<str:recipient_uid>": {
        "POST": allow(
            OWNER,
            OTHER_TEACHER,
            ADMIN,
            student=400,
            body={"content": "Hi"},
            at={"recipient_uid": "student_uid"},
            why="the same pair rules as chat/direct",
        )
    },
    # --- notifications and devices (each acts on the caller's own) ---
    "api/v1/notifications": {"GET": signed_in()},
    "api/v1/notifications/unread-count": {"GET": signed_in()},
    "api/v1/notifications/read-all": {"POST": signed_in()},
    "api/v1/notifications/settings": {"GET": signed_in(), "PUT": signed_in(body={"email_mode": "immediate"})},
    "api/v1/notifications/mute/<str:room_id>": {"POST": signed_in(), "DELETE": signed_in()},
    "api/v1/notifications/<str:notification_id>/read": {
        "POST": allow(
            *SIGNED_IN,
            **every(404, STUDENT, TEACHER, OTHER_TEACHER, PARENT, UNLINKED_PARENT, ADMIN),
            why="owner's notification: anyone else's id is a 404",
        )
    },
    "api/v1/me/devices": {
        "GET": signed_in(),
        "POST": signed_in(body=lambda world, persona: {"token": f"matrix-{persona}-device-token", "platform": "web"}),
    },
    "api/v1/me/devices/<str:token>": {
        "DELETE": allow(
            *SIGNED_IN,
            **every(404, STUDENT, TEACHER, OTHER_TEACHER, PARENT, UNLINKED_PARENT, ADMIN),
            why="owner's device token: anyone else's is a 404",
        )
    },
    # --- payments (payment_id / invoice_id name nothing: the gate is what is checked here) ---
    "api/v1/courses/<str:course_id>/checkout": {
        "POST": allow(
            STUDENT,
            PARENT,
            student=409,
            parent=409,
            body=child_body,
            headers=idempotency("checkout"),
            why="the course is free: 409 free_course after the role and child checks",
        )
    },
    "api/v1/payments/webhook": {
        "POST": public(**every(400, *PERSONAS), body={}, why="no Stripe signature: 400 invalid_webhook for everyone")
    },
    "api/v1/payments/<str:payment_id>": {"GET": allow(*SIGNED_IN, **every(404, *SIGNED_IN))},
    "api/v1/payments/<str:payment_id>/confirm": {
        "POST": allow(*PARENTS, STUDENT, **every(404, *PARENTS, STUDENT), body={"card_token": "tok_visa"})
    },
    "api/v1/me/payments": {"GET": signed_in()},
    "api/v1/me/invoices": {"GET": signed_in()},
    "api/v1/me/earnings": {"GET": allow(*TEACHERS, query="from=2026-01&to=2026-12")},
    "api/v1/admin/payments": {"GET": allow(ADMIN)},
    "api/v1/admin/payments/<str:payment_id>/refund": {
        "POST": allow(ADMIN, admin=404, body={"reason": "Matrix"}, headers=idempotency("refund"))
    },
    # The same view on two routes (the world has a plan).
    "api/v1/admin/membership-plan": {"GET": signed_in(), "PUT": allow(ADMIN, body=PLAN)},
    "api/v1/membership-plan": {"GET": signed_in(), "PUT": allow(ADMIN, body=PLAN)},
    "api/v1/admin/membership-shares": {"GET": allow(ADMIN, query="month=2030-01")},
    "api/v1/subscriptions": {
        "POST": allow(
            STUDENT,
            student=402,
            body={"interval": "monthly", "card_token": "tok_unknown"},
            headers=idempotency("subscribe"),
            why="a card token Stripe does not know: 402 card_declined, after the student gate",
        )
    },
    "api/v1/me/subscription": {
        "GET": allow(STUDENT, student=404, why="no membership: 404 after the student gate"),
        "DELETE": allow(STUDENT, student=404),
    },
    "api/v1/invoices/<str:invoice_id>.pdf": {"GET": allow(*SIGNED_IN, **every(404, *SIGNED_IN))},
    "api/v1/invoices/<str:invoice_id>": {"GET": allow(*SIGNED_IN, **every(404, *SIGNED_IN))},
    # --- content (item_id: the world's published page / post (by owner) / FAQ entry / course section) ---
    "api/v1/content/pages": {"GET": public(), "POST": allow(ADMIN, body={"title": "Another page"})},
    "api/v1/content/pages/<str:item_id>": {
        "GET": public(at={"item_id": "page_id"}),
        "PATCH": allow(ADMIN, body={"seo_title": "Matrix"}, at={"item_id": "page_id"}),
        "DELETE": allow(ADMIN, fresh="page", at={"item_id": "page_id"}),
    },
    "api/v1/content/pages/<str:item_id>/revisions": {"GET": allow(ADMIN, at={"item_id": "page_id"})},
    "api/v1/content/pages/<str:item_id>/revisions/<int:number>/restore": {
        "POST": allow(ADMIN, at={"item_id": "page_id"})
    },
    "api/v1/content/posts": {"GET": public(), "POST": allow(*TEACHERS, ADMIN, body={"title": "A draft post"})},
    "api/v1/content/posts/<str:item_id>": {
        "GET": public(at={"item_id": "post_id"}),
        "PATCH": allow(
            OWNER,
            ADMIN,
            body={"seo_title": "Matrix"},
            fresh="post",
            at={"item_id": "post_id"},
            why="its author and admins",
        ),
        "DELETE": allow(OWNER, ADMIN, fresh="post", at={"item_id": "post_id"}),
    },
    "api/v1/content/posts/<str:item_id>/approve": {
        "POST": allow(ADMIN, fresh="pending_post", body={}, at={"item_id": "post_id"})
    },
    "api/v1/content/posts/<str:item_id>/cover": {
        "GET": public(at={"item_id": "post_id"}),
        "POST": allow(OWNER, ADMIN, body=photo_form("cover"), multipart=True, fresh="post", at={"item_id": "post_id"}),
    },
    "api/v1/content/posts/<str:item_id>/revisions": {"GET": allow(OWNER, ADMIN, at={"item_id": "post_id"})},
    "api/v1/content/posts/<str:item_id>/revisions/<int:number>/restore": {
        "POST": allow(OWNER, ADMIN, fresh="post", at={"item_id": "post_id"})
    },
    "api/v1/content/faqs": {"GET": public(), "POST": allow(ADMIN, body={"title": "Another question?"})},
    "api/v1/content/faqs/<str:item_id>": {
        "GET": public(at={"item_id": "faq_id"}),
        "PATCH": allow(ADMIN, body={"section": "Matrix"}, at={"item_id": "faq_id"}),
        "DELETE": allow(ADMIN, fresh="faq", at={"item_id": "faq_id"}),
    },
    "api/v1/content/faqs/<str:item_id>/revisions": {"GET": allow(ADMIN, at={"item_id": "faq_id"})},
    "api/v1/content/faqs/<str:item_id>/revisions/<int:number>/restore": {
        "POST": allow(ADMIN, at={"item_id": "faq_id"})
    },
    "api/v1/content/courses/<str:course_id>/sections": {
        "GET": public(),
        "POST": allow(OWNER, ADMIN, body={"title": "What you will learn"}),
    },
    "api/v1/content/courses/<str:course_id>/sections/<str:item_id>": {
        "GET": public(at={"item_id": "section_id"}),
        "PATCH": allow(OWNER, ADMIN, body={"position": 3}, at={"item_id": "section_id"}),
        "DELETE": allow(OWNER, ADMIN, fresh="section", at={"item_id": "section_id"}),
    },
    "api/v1/content/courses/<str:course_id>/sections/<str:item_id>/revisions": {
        "GET": allow(OWNER, ADMIN, at={"item_id": "section_id"})
    },
    "api/v1/content/courses/<str:course_id>/sections/<str:item_id>/revisions/<int:number>/restore": {
        "POST": allow(OWNER, ADMIN, at={"item_id": "section_id"})
    },
    "api/v1/content/preview": {"POST": allow(*TEACHERS, ADMIN, body={"body_md": "# Hello"})},
    # --- analytics (course_id / student_uid narrow the report to the world's course and student) ---
    "api/v1/analytics/engagement": {
        "GET": allow(
            OWNER,
            ADMIN,
            teacher=404,
            other_teacher=404,
            query=lambda world, persona: f"course_id={world.ids['course_id']}",
            why="another teacher's course is a 404 (its existence does not leak)",
        )
    },
    "api/v1/analytics/progress": {
        "GET": allow(
            *STUDENT_CIRCLE, TEACHER, query=lambda world, persona: f"student_uid={world.uid(STUDENT)}", why=NARROWS
        )
    },
    "api/v1/analytics/revenue": {"GET": allow(*TEACHERS, ADMIN, query="group=month")},
    "api/v1/analytics/warnings": {
        "GET": allow(
            *STUDENT_CIRCLE, TEACHER, query=lambda world, persona: f"student_uid={world.uid(STUDENT)}", why=NARROWS
        )
    },
}


# --- web pages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flash:
    """A refusal (or a no-op) a page reports on the next page: 302 with a flash message containing `text`."""

    text: str


COURSE_FORM = {
    "title": "Algebra again",
    "description": "",
    "subject": "Maths",
    "level": "beginner",
    "language": "en",
    "tags": "",
    "price": "",
    "currency": "EUR",
    "capacity": "",
    "status": "draft",
}


def lesson_form(world, persona) -> dict:
    starts = world.next_slot()[:16]  # the form's datetime-local, read in the teacher's time zone (UTC)
    return {
        "title": f"Lesson by {persona}",
        "starts_at": starts,
        "duration_minutes": "30",
        "location": "",
        "meeting_url": "",
        "description": "",
    }


def cover_form(world, persona) -> dict:
    return {"cover": upload("cover.png", png(), "image/png")}


def post_form(world, persona) -> dict:
    return {"title": f"Post by {persona} {world.serial()}", "body_md": "Text.", "status": "draft"}


def section_form(world, persona) -> dict:
    # Published: the world's section must stay visible, or later refusals would turn into 404s.
    return {
        "title": f"Section by {persona}",
        "body_md": "Text.",
        "topic": "learn",
        "position": "1",
        "status": "published",
    }


PROFILE_FORM = {
    "display_name": "Matrix Person",
    "bio": "",
    "phone": "",
    "timezone": "UTC",
    "locale": "en",
    "subjects": "",
    "hourly_rate": "",
    "currency": "EUR",
    "grade_level": "",
    "interests": "",
    "learning_goals": "",
    "languages": "",
}

# On pages anonymous visitors go to the login page (LOGIN) and the wrong role gets the 403 page.
PAGES: dict[str, dict[str, Rule]] = {
    # --- visitors' pages (content) ---
    "": {"GET": public(why="visitors: the landing page; signed-in users: their home")},
    "p/<str:slug>": {"GET": public(at={"slug": "page_slug"})},
    "blog/": {"GET": public()},
    "blog/rss.xml": {"GET": public()},
    "blog/atom.xml": {"GET": public()},
    "blog/tag/<str:tag>/": {"GET": public()},
    "blog/<str:slug>": {"GET": public(at={"slug": "post_slug"})},
    "faq/": {"GET": public()},
    "teachers/<str:uid>/": {"GET": public(at={"uid": "owner_uid"})},
    "sitemap.xml": {"GET": public()},
    "robots.txt": {"GET": public()},
    # --- content editors (teachers and admins; what each may edit is the service's call) ---
    "content/": {"GET": allow(*TEACHERS, ADMIN)},
    "content/courses/<str:course_id>/sections/": {"GET": allow(OWNER, ADMIN)},
    "content/courses/<str:course_id>/sections/new/": {
        "GET": allow(OWNER, ADMIN),
        "POST": allow(OWNER, ADMIN, body=section_form),
    },
    "content/courses/<str:course_id>/sections/<str:item_id>/edit/": {
        "GET": allow(OWNER, ADMIN, at={"item_id": "section_id"}),
        "POST": allow(OWNER, ADMIN, body=section_form, at={"item_id": "section_id"}),
    },
    "content/courses/<str:course_id>/sections/<str:item_id>/delete/": {
        "POST": allow(OWNER, ADMIN, fresh="section", at={"item_id": "section_id"})
    },
    "content/courses/<str:course_id>/sections/<str:item_id>/revisions/<int:number>/restore/": {
        "POST": allow(OWNER, ADMIN, at={"item_id": "section_id"})
    },
    "content/posts/<str:item_id>/approve/": {
        "POST": allow(
            ADMIN,
            fresh="pending_post",
            at={"item_id": "post_id"},
            why="the gate admits teachers; approving is for admins",
        )
    },
    "content/<str:kind_path>/new/": {"GET": allow(*TEACHERS, ADMIN), "POST": allow(*TEACHERS, ADMIN, body=post_form)},
    "content/<str:kind_path>/<str:item_id>/edit/": {
        "GET": allow(OWNER, ADMIN, at={"item_id": "post_id"}),
        "POST": allow(OWNER, ADMIN, body=post_form, fresh="post", at={"item_id": "post_id"}),
    },
    "content/<str:kind_path>/<str:item_id>/delete/": {
        "POST": allow(OWNER, ADMIN, fresh="post", at={"item_id": "post_id"})
    },
    "content/<str:kind_path>/<str:item_id>/revisions/<int:number>/restore/": {
        "POST": allow(OWNER, ADMIN, fresh="post", at={"item_id": "post_id"})
    },
    # --- accounts ---
    "auth/register/": {
        "GET": public(),
        "POST": public(
            body=lambda world, persona: {
                "email": f"page-{persona}-{world.serial()}@example.com",
                "password": "correct-horse-7",
                "display_name": "New Person",
                "role": "student",
            }
        ),
    },
    "auth/login/": {
        "GET": public(),
        "POST": public(body=lambda world, persona: {"email": world.email(TEACHER), "password": "correct-horse-7"}),
    },
    "auth/logout/": {"GET": public(), "POST": public(throwaway_actor=True, why="signs the caller out")},
    "profile/": {
        "GET": signed_in(),
        "POST": signed_in(body=PROFILE_FORM),
    },
    "profile/delete/": {
        "GET": signed_in(),
        "POST": signed_in(
            **every(400, *SIGNED_IN),
            body={"password": "not-the-password"},
            why="a wrong password: the page asks again (400) after the sign-in gate, and nobody is deleted",
        ),
    },
    "analytics/": {"GET": signed_in(), "POST": signed_in(why="the dashboard answers a POST like a GET")},
    "^api/": {
        "GET": Rule(expected=every(404, *PERSONAS), why="unknown API addresses: 404 in the error shape for all"),
        "POST": Rule(expected=every(404, *PERSONAS), body={}, why="csrf-exempt: nothing can change there"),
    },
    "profile/photo/": {"POST": signed_in(body=photo_form("photo"))},
    "profile/availability/": {"POST": allow(*TEACHERS, body={})},
    "profile/parent-code/": {"POST": allow(STUDENT)},
    "profile/children/": {
        "POST": allow(
            *PARENTS,
            **every(400, *PARENTS),
            body={"code": "ZZZZ2345"},
            why="a code nobody minted: the form shows invalid_code (400), after the parent gate",
        )
    },
    "profile/children/<str:uid>/unlink/": {"POST": allow(PARENT, unlinked_parent=404, at={"uid": "spare_child_page"})},
    "profile/parents/<str:uid>/unlink/": {"POST": allow(STUDENT, at={"uid": "spare_parent_page"})},
    "users/": {"GET": allow(*TEACHERS, ADMIN)},
    "admin/": {"GET": allow(ADMIN)},
    "admin/users/": {"GET": allow(ADMIN)},
    "admin/tasks/": {"GET": allow(ADMIN)},
    "admin/tasks/<str:task_id>/retry/": {
        "POST": allow(ADMIN, why="no task failed in the world: back to the list with a message")
    },
    "admin/users/<str:uid>/": {"GET": allow(ADMIN), "POST": allow(ADMIN, body={"action": "enable"})},
    "admin/users/<str:uid>/delete/": {"GET": allow(ADMIN), "POST": allow(ADMIN, fresh="student_account")},
    # --- courses ---
    "courses/": {"GET": public()},
    "courses/mine/": {"GET": allow(STUDENT, *PARENTS)},
    "courses/new/": {"GET": allow(*TEACHERS), "POST": allow(*TEACHERS, body=COURSE_FORM)},
    "courses/<str:course_id>/": {"GET": public()},
    "courses/<str:course_id>/edit/": {
        "GET": allow(OWNER, ADMIN),
        "POST": allow(OWNER, ADMIN, body={**COURSE_FORM, "title": "Algebra", "status": "published"}),
    },
    "courses/<str:course_id>/status/": {"POST": allow(OWNER, ADMIN, body={"status": "published"})},
    "courses/<str:course_id>/cover/": {"POST": allow(OWNER, ADMIN, body=cover_form)},
    "courses/<str:course_id>/delete/": {"POST": allow(OWNER, ADMIN, fresh="course")},
    "courses/<str:course_id>/enrol/": {"POST": allow(STUDENT, why="already enrolled: back to the course page")},
    "courses/<str:course_id>/enrol-child/": {
        "GET": allow(*PARENTS, why="a GET goes back to the course page"),
        "POST": allow(
            PARENT,
            unlinked_parent=Flash("not linked"),
            body=lambda world, persona: {"student_uid": world.uid(STUDENT)},
            why="refusals come back as a message on the course page",
        ),
    },
    "courses/<str:course_id>/withdraw/": {"POST": allow(STUDENT, fresh="enrolled_course")},
    "courses/<str:course_id>/feedback/": {"POST": allow(STUDENT, body={"rating": "5", "comment": "Good."})},
    "courses/<str:course_id>/feedback/<str:student_uid>/reply/": {
        "POST": allow(
            OWNER,
            owner=400,
            body={"reply": "Thanks again"},
            at={"student_uid": "student_uid"},
            why="the world's feedback has its reply: the form shows already_replied (400), after the owner check",
        )
    },
    "courses/<str:course_id>/materials/": {"POST": allow(OWNER, ADMIN, body=material_form)},
    "courses/<str:course_id>/materials/<str:material_id>/delete/": {"POST": allow(OWNER, ADMIN, fresh="material")},
    "courses/<str:course_id>/lessons/": {"GET": allow(OWNER, ADMIN), "POST": allow(OWNER, ADMIN, body=lesson_form)},
    "courses/<str:course_id>/lessons/<str:lesson_id>/edit/": {
        "GET": allow(OWNER, ADMIN),
        "POST": allow(OWNER, ADMIN, body=lesson_form, fresh="lesson"),
    },
    "courses/<str:course_id>/lessons/<str:lesson_id>/cancel/": {
        "POST": allow(OWNER, ADMIN, body={"reason": "Matrix"}, fresh="lesson")
    },
    "courses/<str:course_id>/lessons/<str:lesson_id>/attendance/": {
        "GET": allow(OWNER, ADMIN),
        "POST": allow(
            OWNER,
            ADMIN,
            owner=400,
            admin=400,
            body=lambda world, persona: {f"mark-{world.uid(STUDENT)}": "present"},
            why="the lesson is in the future: the form shows lesson_not_started (a form error, 400), after the "
            "ownership check",
        ),
    },
    "admin/courses/": {"GET": allow(ADMIN)},
    "admin/courses/<str:course_id>/archive/": {"GET": allow(ADMIN), "POST": allow(ADMIN, fresh="course")},
    "admin/courses/<str:course_id>/feedback/": {"GET": allow(ADMIN)},
    "admin/courses/<str:course_id>/feedback/<str:student_uid>/visibility/": {
        "GET": allow(ADMIN),
        "POST": allow(ADMIN, body={"hidden": "0"}),
    },
    "schedule/": {"GET": allow(STUDENT, *TEACHERS, *PARENTS)},
    "children/": {"GET": allow(*PARENTS)},
    "children/<str:uid>/": {"GET": allow(PARENT)},
    "history/": {"GET": allow(STUDENT)},
    "students/<str:uid>/history/": {"GET": allow(*STUDENT_CIRCLE)},
    # --- chat and notifications ---
    "chat/": {"GET": signed_in()},
    "chat/new/": {
        "GET": signed_in(),
        "POST": allow(
            OWNER,
            OTHER_TEACHER,
            ADMIN,
            **every(Flash("Chat is open"), TEACHER, PARENT, UNLINKED_PARENT),
            student=Flash(""),
            body=lambda world, persona: {"uid": world.uid(STUDENT)},
            why="uid is the student: as POST /api/v1/chat/direct; refusals come back on the chat page",
        ),
    },
    "chat/<str:room_id>/": {"GET": allow(OWNER, STUDENT, ADMIN)},
    "people/<str:uid>/": {"GET": allow(*STUDENT_CIRCLE)},
    "notifications/": {"GET": signed_in()},
    "notifications/read-all/": {"POST": signed_in()},
    "notifications/settings/": {"POST": signed_in(body={"email_mode": "immediate"})},
    "notifications/<str:notification_id>/read/": {
        "POST": signed_in(
            why="owner's notification: for anyone else nothing changes and the list shows again (no 404 to probe)"
        )
    },
    # --- payments (these pages answer POST like GET: no require_http_methods) ---
    "payments/": {"GET": signed_in(), "POST": signed_in()},
    "payments/earnings/": {"GET": allow(*TEACHERS), "POST": allow(*TEACHERS)},
    "payments/membership/": {"GET": allow(STUDENT), "POST": allow(STUDENT)},
    "payments/membership/cancel/": {"POST": allow(STUDENT, student=404, why="no membership: 404 after the gate")},
    "admin/payments/": {"GET": allow(ADMIN), "POST": allow(ADMIN)},
    "admin/payments/<str:payment_id>/refund/": {
        "POST": allow(ADMIN, admin=404, body={"amount": "", "reason": "Matrix", "key": "matrix-page-refund"})
    },
}
