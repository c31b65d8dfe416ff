"""firestore.rules for every collection, as mobile clients meet them: the Firebase JS SDK
(tests/js/rules_probe.mjs), signed in with a real password against the Auth emulator, reading and
writing a seeded document of each collection in docs/data-model.md as every persona.

What a client may do is short: read its own profile, published courses (and a teacher her own
drafts), and its own enrolments; an admin, whose user document still says admin, reads any profile
and draft. Every write by every client is refused: roles, payments, enrolments and ratings change
only through the API. A collection added to docs/data-model.md without an entry here fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from firestore_operations.client import db
from tests import emulators
from tests.factories import enroll, make_course

ROOT = Path(__file__).resolve().parent.parent
PROBE_SCRIPT = ROOT / "tests" / "js" / "rules_probe.mjs"

ANONYMOUS = "anonymous"
# An account made with the public API key straight from a client: no role claim, so it reads nothing.
CLIENT_SIGN_UP = "client_sign_up"
# Admins whose user document was changed in the console after their token was issued.
DEMOTED_ADMIN = "demoted_admin"
DISABLED_ADMIN = "disabled_admin"
PLATFORM_PERSONAS = (
    "student",
    "other_student",
    "owner_teacher",
    "other_teacher",
    "parent",
    "unlinked_parent",
    "admin",
    DEMOTED_ADMIN,
    DISABLED_ADMIN,
)
PERSONAS = (ANONYMOUS, CLIENT_SIGN_UP, *PLATFORM_PERSONAS)
ADMINS = frozenset({"admin"})
NOBODY: frozenset[str] = frozenset()

OPS = ("get", "list", "create", "update", "delete")


@dataclass(frozen=True)
class Subject:
    """A seeded document, who may read it, and how a client would query its collection."""

    path: str
    data: dict
    readers: frozenset[str] = NOBODY
    listers: frozenset[str] = NOBODY
    list_where: tuple | None = None
    # What a client would most like to change here (a role, a payment state, a rating...).
    change: dict = field(default_factory=lambda: {"probe": True})


def _owned(**data) -> dict:
    return {"student_uid": "{student}", "teacher_uid": "{owner_teacher}", "course_id": "{course}", **data}


# Keyed by the headings of docs/data-model.md, so that a collection documented there without an entry
# here is caught by test_every_documented_collection_has_an_entry.
TABLE: dict[str, list[Subject]] = {
    "users/{uid}": [
        Subject(
            "users/{student}",
            {},
            readers=frozenset({"student", "admin"}),
            listers=ADMINS,
            change={"role": "admin"},
        ),
    ],
    "parent_link_codes/{code}": [Subject("parent_link_codes/ABCD2345", {"student_uid": "{student}"})],
    "enrollments/{course_id}_{student_uid}": [
        Subject(
            "enrollments/{course}_{student}",
            {},
            readers=frozenset({"student"}),
            listers=frozenset({"student"}),
            list_where=("student_uid", "==", "{student}"),
            change={"status": "active", "student_uid": "{other_student}"},
        ),
    ],
    "courses/{course_id}": [
        Subject(
            "courses/{course}",
            {},
            readers=frozenset(PLATFORM_PERSONAS),
            listers=frozenset(PLATFORM_PERSONAS),
            list_where=("status", "==", "published"),
            change={"rating_avg": 5, "teacher_uid": "{other_teacher}"},
        ),
        Subject(
            "courses/{draft}",
            {},
            readers=frozenset({"owner_teacher", "admin"}),
            listers=frozenset({"owner_teacher", "admin"}),
            list_where=("teacher_uid", "==", "{owner_teacher}"),
            change={"status": "published"},
        ),
    ],
    "course_search/{token}": [Subject("course_search/algebra", {"course_ids": ["{course}"]})],
    "courses/{course_id}/feedback/{student_uid}": [
        Subject("courses/{course}/feedback/{student}", _owned(rating=2, comment="Meh"), change={"rating": 5})
    ],
    "course_payments/{course_id}_{student_uid}": [
        Subject("course_payments/{course}_{student}", _owned(status="pending", amount=1000), change={"status": "paid"})
    ],
    "payment_refunds/{sha256(payment, key)}": [Subject("payment_refunds/r1", {"payment_id": "{course}_{student}"})],
    "checkout_keys/{sha256(payer, key)}": [Subject("checkout_keys/k1", {"payer_uid": "{student}"})],
    "stripe_events/{event_id}": [Subject("stripe_events/evt_1", {"type": "checkout.session.completed"})],
    "invoices/{id}": [Subject("invoices/INV-2026-000001", _owned(total=1000), change={"total": 0})],
    "invoice_counters/{PREFIX}-{YEAR}": [Subject("invoice_counters/INV-2026", {"next": 2}, change={"next": 1})],
    "teacher_earnings/{teacher_uid}_{YYYY-MM}": [
        Subject("teacher_earnings/{owner_teacher}_2026-12", {"teacher_uid": "{owner_teacher}", "net": 900})
    ],
    "membership_plan/current": [Subject("membership_plan/current", {"price": 1500}, change={"price": 0})],
    "memberships/{uid}": [Subject("memberships/{student}", {"status": "active"}, change={"status": "active"})],
    "membership_payments/{stripe_invoice_id}": [Subject("membership_payments/in_1", {"uid": "{student}"})],
    "membership_enrollments/{course_id}_{student_uid}": [
        Subject("membership_enrollments/{course}_{student}", _owned())
    ],
    "courses/{course_id}/materials/{material_id}": [
        Subject("courses/{course}/materials/m1", {"title": "Notes", "storage_path": "materials/x.pdf"})
    ],
    "lessons/{lesson_id}": [Subject("lessons/l1", _owned(title="Fractions"))],
    "teacher_schedules/{teacher_uid}": [Subject("teacher_schedules/{owner_teacher}", {"slots": []})],
    "attendance/{lesson_id}_{student_uid}": [
        Subject("attendance/l1_{student}", _owned(status="absent"), change={"status": "present"})
    ],
    "analytics_daily/{kind}~{scope_id}~{YYYY-MM-DD}~{shard}": [
        Subject("analytics_daily/course~{course}~2026-12-05~0", {"views": 3})
    ],
    "analytics_student_courses/{course_id}_{student_uid}": [
        Subject("analytics_student_courses/{course}_{student}", _owned(progress=0.5))
    ],
    "analytics_parent_summaries/{parent_uid}_{student_uid}": [
        Subject("analytics_parent_summaries/{parent}_{student}", {"parent_uid": "{parent}"})
    ],
    "users/{uid}/notifications/{id}": [Subject("users/{student}/notifications/n1", {"title": "Hi", "read": False})],
    "users/{uid}/settings/notifications": [Subject("users/{student}/settings/notifications", {"email": True})],
    "users/{uid}/email_digest_queue/{id}": [Subject("users/{student}/email_digest_queue/d1", {"title": "Hi"})],
    "outbox/{id}": [Subject("outbox/o1", {"kind": "email", "state": "pending"})],
    "failed_tasks/{outbox id}": [Subject("failed_tasks/o1", {"kind": "email"})],
    "devices/{sha256(token)}": [Subject("devices/d1", {"uid": "{student}", "token": "t"})],
    "chat_rooms/{room_id}": [
        Subject("chat_rooms/room1", {"member_uids": ["{student}", "{owner_teacher}"]}, change={"member_uids": []})
    ],
    "chat_rooms/{room_id}/messages/{message_id}": [
        Subject("chat_rooms/room1/messages/msg1", {"sender_uid": "{student}", "text": "Hello"})
    ],
    "chat_read_state/{uid}": [Subject("chat_read_state/{student}", {"rooms": {}})],
    "Content: content_pages, content_posts, content_faqs, course_sections /{id}": [
        Subject(f"{kind}/item1", {"title": "Hello", "status": "published"})
        for kind in ("content_pages", "content_posts", "content_faqs", "course_sections")
    ],
    "content_slugs/{kind}_{slug}": [Subject("content_slugs/post_hello", {"id": "item1"})],
    "{content collection}/{id}/revisions/{number:06d}": [
        Subject("content_posts/item1/revisions/000001", {"title": "Hello"})
    ],
    # Not in the data model: the health check's probe and a collection nobody declared.
    "_health/ping": [Subject("_health/ping", {"ok": True})],
    "secrets/{id}": [Subject("secrets/x", {"v": 1})],
}

# Headings of docs/data-model.md that name a field, not a collection.
NOT_COLLECTIONS = {"courses/{course_id}.seat_holds"}


def _personas(make_user, student) -> dict:
    """Every persona's uid (None for anonymous) and sign-in, with the console edits applied."""
    from firestore_operations import users as user_store

    people = {
        "student": student,
        "other_student": make_user("student"),
        "owner_teacher": make_user("teacher"),
        "other_teacher": make_user("teacher"),
        "parent": make_user("parent"),
        "unlinked_parent": make_user("parent"),
        "admin": make_user("admin"),
        DEMOTED_ADMIN: make_user("admin"),
        DISABLED_ADMIN: make_user("admin"),
    }
    user_store.link_parent_and_child(people["parent"].uid, student.uid)
    # Console edits: the role claim in their tokens still says admin.
    db().collection("users").document(people[DEMOTED_ADMIN].uid).update({"role": "teacher"})
    db().collection("users").document(people[DISABLED_ADMIN].uid).update({"disabled": True})
    credentials = {name: {"email": p.email, "password": p.password} for name, p in people.items()}
    rogue = {"email": "rogue@example.com", "password": "client-pass-1"}
    emulators.client_sign_up(rogue["email"], rogue["password"])
    return {ANONYMOUS: None, CLIENT_SIGN_UP: rogue, **credentials}, {name: p.uid for name, p in people.items()}


def _fill(value, names: dict):
    """Replaces {persona}/{course}/{draft} placeholders in strings, lists and dicts."""
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: names.get(m.group(1), m.group(0)), value)
    if isinstance(value, list | tuple):
        return type(value)(_fill(v, names) for v in value)
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


def _probes(subjects: list[tuple[str, Subject]], names: dict) -> tuple[list[dict], dict]:
    """Every persona tries every operation on every subject: the probes and the expected outcomes."""
    probes, expected = [], {}
    for heading, subject in subjects:
        path = _fill(subject.path, names)
        parent = path.rsplit("/", 1)[0]
        targets = {
            "get": {"path": path},
            "list": {"path": parent, "where": _fill(list(subject.list_where), names) if subject.list_where else None},
            "create": {"path": f"{parent}/rules-probe-new", "data": _fill(subject.data, names) or {"probe": True}},
            "update": {"path": path, "data": _fill(subject.change, names)},
            "delete": {"path": path},
        }
        for persona in PERSONAS:
            for op in OPS:
                probe_id = f"{path} {op} as {persona}"
                probes.append({"id": probe_id, "persona": persona, "op": op, **targets[op]})
                allowed = (op == "get" and persona in subject.readers) or (op == "list" and persona in subject.listers)
                expected[probe_id] = "allowed" if allowed else "denied"
    return probes, expected


def _run_probes(personas: dict, probes: list[dict]) -> dict:
    payload = {
        "projectId": emulators.PROJECT,
        "authHost": emulators.auth_host(),
        "firestoreHost": emulators.firestore_host(),
        "personas": personas,
        "probes": probes,
    }
    done = subprocess.run(
        ["node", str(PROBE_SCRIPT)],
        check=False,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "NODE_PATH": str(ROOT / "node_modules")},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)["outcomes"]


def _snapshot(paths: list[str]) -> dict:
    return {path: (snap.to_dict() if (snap := db().document(path).get()).exists else None) for path in paths}


def test_every_client_read_and_write_meets_the_rules(make_user, student):
    people, uids = _personas(make_user, student)
    course = make_course(uids["owner_teacher"], title="Algebra")
    draft = make_course(uids["owner_teacher"], status="draft", title="Secret plans")
    enroll(course, uids["student"], uids["owner_teacher"])
    names = {**uids, "course": course, "draft": draft}
    subjects = [(heading, subject) for heading, group in TABLE.items() for subject in group]
    for _, subject in subjects:
        ref = db().document(_fill(subject.path, names))
        if subject.data and not ref.get().exists:
            ref.set(_fill(subject.data, names))
    seeded = [_fill(subject.path, names) for _, subject in subjects]
    created = sorted({p.rsplit("/", 1)[0] + "/rules-probe-new" for p in seeded})
    before = _snapshot(seeded)

    probes, expected = _probes(subjects, names)
    outcomes = _run_probes(people, probes)

    wrong = [
        f"{pid}: expected {want}, got {outcomes.get(pid)}"
        for pid, want in expected.items()
        if outcomes.get(pid) != want
    ]
    assert not wrong, f"{len(wrong)} of {len(expected)} probes disagree with the rules:\n" + "\n".join(wrong)
    # Nothing any client tried changed a document or made a new one.
    assert _snapshot(seeded) == before
    assert _snapshot(created) == dict.fromkeys(created)


def test_every_documented_collection_has_an_entry():
    headings = re.findall(r"^## (.+?)\s*$", (ROOT / "docs" / "data-model.md").read_text(), re.MULTILINE)
    documented = {h for h in headings if "/" in h} - NOT_COLLECTIONS
    missing = documented - TABLE.keys()
    assert not missing, f"collections in docs/data-model.md without rules probes: {sorted(missing)}"


def test_the_table_names_every_persona_it_admits():
    # A typo in a reader's name would silently turn an expected "allowed" into "denied".
    for group in TABLE.values():
        for subject in group:
            assert subject.readers | subject.listers <= set(PERSONAS), subject.path
